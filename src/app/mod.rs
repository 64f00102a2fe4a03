//! The application service: one cloneable handle, [`App`], that every edge (HTTP families,
//! the WebSocket RPC, hooks, cron, channels, tools, the CLI's server side) holds.
//!
//! It is the design card's supervisor seen from the edges: a typed façade over the
//! [`Router`](crate::actors::router::Router)'s messages. It keeps no state of its own; reads of
//! persisted data go straight to the store. Each concern has its own file:
//!
//! - [`turns`]: start a turn and get a [`RunHandle`], attach to a run, wait for one, abort;
//! - [`sessions`]: list/get (reads) and create/patch/reset/delete (applied by the `Session`
//!   actor, the only writer of its session);
//! - reads of persisted data for the edges (history, run log, stored responses);
//! - [`cron`]: cron jobs and their run log (through the `Scheduler` actor);
//! - [`channels`]: chat-channel accounts, their status and run-time enable/disable;
//! - [`tools`]: `/tools/invoke`, and the [`crate::tools::ToolHost`] tools reach the gateway by;
//! - [`skills`]: the skills each agent sees, `skills.status`, running a skill;
//! - [`approvals`]: exec approval requests waiting for an operator;
//! - [`reload`]: the running config file, reloading it, `config.set`/`config.patch` writes;
//! - [`browser`]: browser control (status, actions, screenshots) over [`crate::browser`];
//! - [`memory`]: search, read and write an agent's memory; index status; embeddings;
//! - [`keys`]: API keys (create, list, revoke, rotate), their turns, usage and the audit log;
//! - [`idempotency`]: idempotency keys scoped by credential, remembered across restarts;
//! - [`select`]: the agent and session-key rules every edge shares;
//! - [`models`]: the configured backend models (`provider/model`) clients may name;
//! - [`status`]: the live and stored counts every status reply renders;
//! - [`error`]: [`AppError`], converted into each edge's error shape.

pub mod approvals;
pub mod browser;
pub mod channels;
pub mod config_view;
pub mod cron;
pub mod error;
pub mod idempotency;
pub mod keys;
pub mod memory;
pub mod model_meta;
pub mod models;
pub mod pairing;
mod reads;
pub mod reload;
pub mod select;
pub mod session_view;
pub mod sessions;
pub mod skills;
pub mod status;
pub mod tools;
pub mod turns;

pub use error::AppError;
pub use turns::{Placement, RunEnd, RunHandle};

use crate::actors::router::{Router, Routers};
use crate::config::{Config, ConfigHandle};
use crate::storage::Store;
use crate::tools::ToolRegistry;
use actix::Addr;
use std::sync::Arc;

/// The application handle (cheap to clone).
#[derive(Clone)]
pub struct App {
    routers: Routers,
    config: ConfigHandle,
    store: Store,
    tools: ToolRegistry,
    idem: Arc<crate::core::dedupe::DedupeCache>,
    channels: Addr<crate::actors::channels::Channels>,
    scheduler: Arc<std::sync::OnceLock<Addr<crate::actors::scheduler::Scheduler>>>,
    skills: Arc<crate::skills::SkillCatalog>,
    approvals: Arc<approvals::Approvals>,
    memory: crate::memory::Memory,
    browser: crate::browser::Browser,
    reloader: Arc<std::sync::OnceLock<Arc<crate::reload::Reloader>>>,
    keys: Arc<crate::keys::KeyRegistry>,
    cluster: Arc<std::sync::OnceLock<crate::cluster::Cluster>>,
}

impl App {
    /// A handle over a started router; binds itself as the tools' host.
    pub fn new(
        routers: Routers,
        config: ConfigHandle,
        store: Store,
        tools: ToolRegistry,
        channels: Addr<crate::actors::channels::Channels>,
    ) -> Self {
        let config_for_skills = config.load();
        let app = App {
            routers,
            memory: crate::memory::Memory::start(config.load(), store.clone()),
            browser: crate::browser::Browser::new(),
            keys: Arc::new(crate::keys::KeyRegistry::new(store.clone())),
            config,
            store,
            tools,
            channels,
            scheduler: Default::default(),
            idem: Arc::new(crate::core::dedupe::DedupeCache::default()),
            skills: crate::skills::SkillCatalog::new(config_for_skills),
            approvals: Arc::default(),
            reloader: Default::default(),
            cluster: Default::default(),
        };
        app.tools.bind_host(Arc::new(app.clone()));
        app
    }

    /// The current configuration snapshot (take it once per unit of work: a reload swaps it).
    pub fn config(&self) -> Arc<Config> {
        self.config.load()
    }

    /// The live configuration handle (reloads swap what it holds).
    pub fn live_config(&self) -> &ConfigHandle {
        &self.config
    }

    /// The supervisor (for the few edges that still message it directly).
    pub fn router(&self) -> &Addr<Router> {
        self.routers.main()
    }

    /// Joins this node's cluster handle (cluster mode only, once at start-up).
    pub fn bind_cluster(&self, cluster: crate::cluster::Cluster) {
        let _ = self.cluster.set(cluster);
    }

    /// The cluster this node belongs to (`None`: a single node).
    pub fn cluster(&self) -> Option<&crate::cluster::Cluster> {
        self.cluster.get()
    }

    /// The store (for tools and tests; edges use the typed methods).
    pub fn store(&self) -> &Store {
        &self.store
    }
}
