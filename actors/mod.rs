//! The actor tree.
//!
//! ```text
//! System arbiter
//! └── Router (supervisor: live sessions, runs from enqueue to end)
//!     ├── shard arbiter 0 … N-1 (one per core)
//!     │   └── Session (one per session key; the only writer of its session; one turn
//!     │       │        at a time, queue behind it)
//!     │       └── AgentRun (one per turn; model ⇄ tool loop; fans RunEvents out)
//!     Scheduler (cron jobs and their timer; starts turns through the Router)
//!     Heartbeat (the periodic heartbeat turn on the main session; its clock is injectable)
//!     Channels (+ one connector per account), WsHub (+ one WsConn per socket)
//!     HTTP workers (one per core) → handlers call `app::App`, which messages the Router,
//!     then read RunEvents from a bounded channel and write SSE/JSON.
//! ```
//!
//! The core actors (`Router`, `Session`, `AgentRun`, `Scheduler`, `Channels`) may use
//! `crate::{core, config, providers, tools, storage, error, agent, channels, cron}` but never
//! `crate::http`, `crate::ws` or `crate::app`; the edges reach them through `app::App`.
//! `WsConn` and `WsHub` are the WebSocket edge's own actors and use `crate::ws`.

pub mod agent_run;
pub mod browser;
pub mod channels;
pub mod heartbeat;
pub mod router;
pub mod scheduler;
pub mod session;
pub mod ws_conn;
pub mod ws_hub;
