//! WebSocket RPC protocol building blocks, compatible with the OpenClaw Gateway
//! (protocol versions 3 and 4) and with the seeds' "simple dialect"
//! (`{"method","params","id"}` requests).
//!
//! Everything here is pure, synchronous logic with injectable clocks so that it
//! can be unit-tested without sockets; the connection actors wire it up:
//!
//! * [`frames`]: typed `req`/`res`/`event` frames, error codes, close codes.
//! * [`dialect`]: classification of an incoming text frame (OpenClaw `req`,
//!   simple dialect, or invalid) and the simple dialect's reply shapes.
//! * [`handshake`]: `connect` validation, protocol negotiation, shared-secret
//!   and device-signature auth, `hello-ok` / `connect.challenge` builders.
//! * [`scopes`]: method → required scope classification and authorization.
//! * [`catalog`]: advertised methods/events and simple-dialect method names.
//! * [`dedupe`]: idempotency cache shared across connections.
//! * [`throttle`]: the 150 ms `chat` delta throttle.

pub mod catalog;
pub mod clock;
pub mod dedupe;
pub mod dialect;
pub mod frames;
pub mod handshake;
pub mod scopes;
pub mod throttle;
