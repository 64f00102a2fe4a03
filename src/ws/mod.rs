//! WebSocket RPC protocol building blocks, compatible with the OpenClaw Gateway
//! (protocol versions 3 and 4) and with the seeds' "simple dialect"
//! (`{"method","params","id"}` requests).
//!
//! Everything here is pure, synchronous logic with injectable clocks
//! ([`crate::core::clock`]) so that it
//! can be unit-tested without sockets; the connection actors wire it up:
//!
//! * [`frames`]: typed `req`/`res`/`event` frames, error codes, close codes.
//! * [`dialect`]: classification of an incoming text frame (OpenClaw `req`,
//!   simple dialect, or invalid) and the simple dialect's reply shapes.
//! * [`handshake`]: `connect` validation, protocol negotiation, shared-secret
//!   and device-signature auth, `hello-ok` / `connect.challenge` builders.
//! * [`scopes`]: method → required scope classification and authorization.
//! * [`cancel`]: cancelling in-flight requests (`{"type":"cancel","id"}`).
//! * [`catalog`]: advertised methods/events and simple-dialect method names.
//! * [`throttle`]: the 150 ms `chat` delta throttle; [`trace`]: W3C `traceparent` on requests.
//! * [`outbox`]: a connection's byte-bounded outbound queue and socket writer.
//! * [`run_events`]: a run's events as OpenClaw `agent` / `chat` payloads.
//! * [`rpc`]: the method handlers; [`origin`]: the browser-origin check; [`logs`]: the
//!   `logs.tail` ring; [`shared`]: state shared by all connections.
//!
//! The connection and hub actors live in `actors/ws_conn.rs` and `actors/ws_hub.rs`; the HTTP
//! upgrade in `src/http/ws.rs`.

pub mod cancel;
pub mod catalog;
pub mod dialect;
pub mod frames;
pub mod handshake;
pub mod health;
pub mod log_records;
pub mod logs;
pub mod origin;
pub mod outbox;
pub mod preauth;
pub mod rpc;
pub mod run_events;
pub mod scopes;
pub mod shared;
pub mod task_events;
pub mod throttle;
pub mod trace;
