//! clawgate: a light, self-hosted AI-agent gateway daemon compatible with OpenClaw's APIs.
//!
//! # Layers (dependencies point down)
//! - Edges: [`http`] (the route table in [`http::routes`], one handler file per resource),
//!   [`ws`] (the WebSocket RPC), [`hooks`], the CLI ([`cli`], [`cli_cron`], [`commands`],
//!   [`client`], [`client_rpc`], [`client_message`]). They parse, call one [`app::App`]
//!   method, and render.
//! - [`app`]: the application service every edge holds — turns and run handles, sessions,
//!   idempotency, tool invocation, reads of persisted data, one error type.
//! - `actors/` (top-level folder, mounted here as [`actors`]): `Router` (supervisor),
//!   `Session` (the only writer of its session), `AgentRun`, `Scheduler`, the channel
//!   connectors, the WebSocket hub and connections.
//! - Below everything: [`core`] (typed ids, run types, clock, idempotency cache), [`config`],
//!   [`storage`] (async traits; `storage::sqlite` is the one backend), [`providers`] (model
//!   wire protocols), [`tools`], [`agent`] (prompt, heartbeat and isolated turns),
//!   [`channels`] and [`cron`] (wire types and rules), [`responses`] (OpenResponses pieces).
//! - [`auth`], [`error`], [`startup`], [`state`], [`telemetry`].
//!
//! The `actors/` folder sits beside `src/` because the project's design card asks for it; it is
//! compiled into this one crate with a `#[path]` attribute (the only one in the crate).

#[path = "../actors/mod.rs"]
pub mod actors;
pub mod agent;
pub mod app;
pub mod auth;
pub mod browser;
pub mod channels;
pub mod cli;
pub mod cli_audit;
pub mod cli_cron;
pub mod cli_doctor;
pub mod cli_keys;
pub mod cli_memory;
pub mod cli_ops;
pub mod cli_pairing;
pub mod cli_skills;
pub mod cli_storage;
pub mod client;
pub mod client_local;
pub mod client_media;
pub mod client_message;
pub mod client_ops;
pub mod client_rpc;
pub mod cluster;
pub mod commands;
pub mod config;
pub mod core;
pub mod cron;
pub mod error;
pub mod heap_trim;
pub mod hooks;
pub mod http;
pub mod keys;
pub mod local;
pub mod memory;
pub mod metrics;
pub mod providers;
pub mod reload;
pub mod responses;
pub mod skills;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod tools;
pub mod ws;
