//! clawgate: a light, self-hosted AI-agent gateway daemon compatible with OpenClaw's APIs.
//!
//! # Layout
//! - `actors/` (top-level folder, mounted here as [`actors`]): the actor tree — `Router`
//!   (supervisor), `Session` (one per conversation), `AgentRun` (one per turn).
//! - [`http`]: the route table and one handler file per resource; handlers only send messages
//!   to the router and render what comes back (JSON or SSE).
//! - [`providers`]: upstream model protocols (OpenAI Chat Completions, Anthropic Messages)
//!   sharing one SSE decoder, with retries and fallbacks.
//! - [`agent`]: what a turn is and how its prompt is built; [`tools`]: the tool registry.
//! - [`storage`]: SQLite (WAL) sessions, messages and runs.
//! - [`channels`]: chat-channel wire types, access policy, session keys, chunking; the
//!   connector actors are in `actors/channels/`.
//! - [`config`], [`auth`], [`error`], [`startup`], [`cli`], [`commands`], [`telemetry`].
//! - [`storage`]: SQLite (WAL) sessions, messages, runs, cron jobs and the cron run log.
//! - [`hooks`]: HTTP webhooks (`/hooks/*`) behind `http::hooks`; [`cron`]: the cron job model,
//!   schedules and job execution behind the `Scheduler` actor; [`channels`]: the delivery
//!   interface chat-channel connectors implement.
//! - [`config`], [`auth`], [`error`], [`startup`], [`cli`] (+ [`cli_cron`]), [`commands`],
//!   [`client`] (HTTP) and [`client_rpc`] (WebSocket RPC) for the CLI, [`telemetry`].
//!
//! The `actors/` folder sits beside `src/` because the project's design card asks for it; it is
//! compiled into this one crate with a `#[path]` attribute (the only one in the crate).

#[path = "../actors/mod.rs"]
pub mod actors;
pub mod agent;
pub mod app;
pub mod auth;
pub mod channels;
pub mod cli;
pub mod cli_cron;
pub mod client;
pub mod client_message;
pub mod client_rpc;
pub mod commands;
pub mod config;
pub mod core;
pub mod cron;
pub mod error;
pub mod hooks;
pub mod http;
pub mod providers;
pub mod responses;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod tools;
pub mod ws;
