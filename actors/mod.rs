//! The actor tree.
//!
//! ```text
//! System arbiter
//! └── Router (supervisor: live sessions, running turns)
//!     ├── shard arbiter 0 … N-1 (one per core)
//!     │   └── Session (one per session key; one turn at a time, queue behind it)
//!     │       └── AgentRun (one per turn; model ⇄ tool loop; fans RunEvents out)
//!     Scheduler (cron jobs and their timer; starts turns through the Router)
//!     HTTP workers (one per core) → handlers send messages to Router,
//!     then read RunEvents from a bounded channel and write SSE/JSON.
//! ```
//!
//! Actors may use `crate::{config, providers, tools, storage, error, agent}` but never
//! `crate::http`; the HTTP layer reaches actors only through messages.

pub mod agent_run;
pub mod channels;
pub mod router;
pub mod scheduler;
pub mod session;
pub mod ws_conn;
pub mod ws_hub;
