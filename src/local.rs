//! `clawgate agent --local`: one turn in this process, on the local config and state dir, with
//! no gateway and no listener. It builds the part of the actor tree a turn needs (router,
//! session and run actors, the tools) over the store opened in shared mode, so a gateway
//! running on the same state dir is left alone: its running turns are not marked interrupted,
//! and no chat connector, cron scheduler or hook runs here (a `--deliver` from a local turn
//! reports that no channel is connected).

use crate::actors::router::{RouterCore, Routers};
use crate::app::{App, Placement};
use crate::config::{ChannelsConfig, Config};
use crate::core::run::{RunOutcome, TurnRequest};
use crate::tools::ToolRegistry;
use actix::{Actor, Arbiter};
use std::sync::Arc;

/// Runs `req` to its end and returns the outcome (call inside an actix `System`).
pub async fn run_turn(config: Config, req: TurnRequest) -> Result<RunOutcome, String> {
    let store = crate::storage::open_shared_configured(&config.storage, &config.state_dir)
        .map_err(|e| e.to_string())?;
    // No connector may start here: a second Telegram poller would steal the gateway's updates.
    let config = Arc::new(Config {
        channels: ChannelsConfig::default(),
        ..config
    });
    let tools = ToolRegistry::default();
    let live = crate::config::ConfigHandle::new(config.clone());
    let routers = Routers::start(RouterCore::new(
        live.clone(),
        store.clone(),
        tools.clone(),
        vec![Arbiter::current()],
        Arc::new(crate::metrics::Metrics::new()),
    ));
    let channels = crate::actors::channels::Channels::new(
        routers.main().clone(),
        config.clone(),
        store.clone(),
        Default::default(),
    )
    .start();
    let app = App::new(routers, live, store, tools, channels);
    app.start_detached(req, Placement::Here)
        .outcome()
        .await
        .ok_or_else(|| "the turn ended without an outcome".to_string())
}
