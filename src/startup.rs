//! Building and running a gateway: token resolution, the store, the actor tree, the HTTP
//! server (port 0 works for tests), and graceful shutdown.

use crate::actors::router::{RouterCore, Routers};
use crate::auth::{generate_token, Auth};
use crate::config::{AuthMode, Config, ModelInfo, ModelRef, ProviderApi, ProviderConfig, Secret};
use crate::state::AppState;
use crate::tools::ToolRegistry;
use actix::prelude::*;
use actix_web::middleware::DefaultHeaders;
use actix_web::{web, App};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long shutdown waits for running turns before aborting them, by default
/// (`gateway.shutdownGraceSeconds`).
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);
/// How long aborted turns get to record their end during shutdown.
const ABORT_GRACE: Duration = Duration::from_secs(2);

/// Start-up failures.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] crate::storage::StoreError),
    /// The port could not be bound, or another I/O failure.
    #[error("{0}")]
    Io(String),
}

/// A token generated on this start (printed once by the binary).
#[derive(Debug, Clone)]
pub struct GeneratedToken {
    /// The token.
    pub token: String,
    /// Where it was saved (mode 0600).
    pub path: PathBuf,
}

/// A built, listening gateway.
pub struct Gateway {
    server: actix_web::dev::Server,
    state: AppState,
    addrs: Vec<SocketAddr>,
    shards: Vec<Arbiter>,
    /// Set when this start generated the token.
    pub generated_token: Option<GeneratedToken>,
    /// Runs found `running` from a previous process and marked interrupted.
    pub interrupted_runs: usize,
}

fn token_file(state_dir: &Path) -> PathBuf {
    state_dir.join("gateway.token")
}

/// In token mode without a configured token: reuse the persisted one or generate, persist
/// (0600) and report a new one.
pub(crate) fn ensure_token(config: &mut Config) -> Result<Option<GeneratedToken>, StartupError> {
    if config.auth.mode != AuthMode::Token || config.auth.token.is_some() {
        return Ok(None);
    }
    let path = token_file(&config.state_dir);
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let t = existing.trim();
        if !t.is_empty() {
            config.auth.token = Some(Secret::new(t));
            return Ok(None);
        }
    }
    let token =
        generate_token().map_err(|e| StartupError::Io(format!("cannot generate a token: {e}")))?;
    crate::config::create_private_dir(&config.state_dir).map_err(|e| {
        StartupError::Io(format!("cannot create {}: {e}", config.state_dir.display()))
    })?;
    write_private(&path, &token).map_err(|e| {
        StartupError::Io(format!("cannot save the token to {}: {e}", path.display()))
    })?;
    config.auth.token = Some(Secret::new(token.clone()));
    Ok(Some(GeneratedToken { token, path }))
}

/// Writes `contents` and a newline to `path`, readable by the owner only (0600).
pub fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(contents.as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()
}

/// With nothing configured, looks for an Ollama on 127.0.0.1:11434 (fails fast when absent).
async fn probe_ollama(config: &mut Config) {
    let req = crate::providers::http::client()
        .get("http://127.0.0.1:11434/api/tags")
        .timeout(Duration::from_millis(800))
        .send();
    let Ok(mut resp) = req.await else { return };
    let Ok(v) = resp.json::<serde_json::Value>().await else {
        return;
    };
    let names: Vec<String> = v
        .get("models")
        .and_then(|m| m.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|m| m.get("name").and_then(|n| n.as_str()).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let Some(first) = names.first().cloned() else {
        return;
    };
    tracing::info!(model = %first, "using the local Ollama at 127.0.0.1:11434");
    config.providers.insert(
        "ollama".into(),
        ProviderConfig {
            id: "ollama".into(),
            base_url: "http://127.0.0.1:11434/v1".into(),
            api_key: None,
            api: ProviderApi::OpenAiCompletions,
            headers: vec![],
            models: names
                .into_iter()
                .map(|id| ModelInfo {
                    name: None,
                    id,
                    images: false,
                    reasoning: false,
                    max_tokens: None,
                    context_window: None,
                })
                .collect(),
        },
    );
    config.default_model.primary = Some(ModelRef {
        provider: "ollama".into(),
        model: first,
    });
}

fn listener(addr: SocketAddr) -> Result<TcpListener, StartupError> {
    let l = TcpListener::bind(addr)
        .map_err(|e| StartupError::Io(format!("cannot listen on {addr}: {e}")))?;
    l.set_nonblocking(true)
        .map_err(|e| StartupError::Io(e.to_string()))?;
    Ok(l)
}

impl Gateway {
    /// Builds everything and starts listening (call inside an actix `System`); the config
    /// file (`config.path`) is reloaded with the listen port and state dir kept.
    pub async fn build(config: Config) -> Result<Gateway, StartupError> {
        let overrides = crate::config::Overrides {
            port: Some(config.port),
            state_dir: Some(config.state_dir.clone()),
            ..Default::default()
        };
        Gateway::build_with(config, overrides).await
    }

    /// [`Gateway::build`] for a config loaded with `overrides` (the command line's), which
    /// every reload of the file applies again.
    pub async fn build_with(
        mut config: Config,
        overrides: crate::config::Overrides,
    ) -> Result<Gateway, StartupError> {
        let generated_token = ensure_token(&mut config)?;
        if config.probe_ollama {
            probe_ollama(&mut config).await;
        }
        if !config.ignored_keys.is_empty() {
            tracing::warn!(
                keys = %config.ignored_keys.join(", "),
                "config keys accepted for OpenClaw compatibility but ignored by clawgate"
            );
        }
        if config.default_model.primary.is_none() {
            tracing::warn!("{}", crate::providers::not_configured_hint(&config));
        }
        let metrics = Arc::new(crate::metrics::Metrics::new());
        let observer = Some(metrics.clone() as Arc<dyn crate::storage::CommitObserver>);
        let (store, interrupted_runs, cluster) = match &config.cluster_bus {
            None => {
                let (store, n) =
                    crate::storage::open_configured(&config.storage, &config.state_dir, observer)?;
                (store, n, None)
            }
            Some(c) => {
                let store = crate::storage::open_cluster_node(
                    &config.storage,
                    &config.state_dir,
                    observer,
                )?;
                let (cluster, n) =
                    crate::cluster::Cluster::join(c, &config.state_dir, store.clone())
                        .await
                        .map_err(|e| StartupError::Io(format!("cluster: {e}")))?;
                tracing::info!(node = cluster.node_id(), "joined the cluster");
                (store, n, Some(cluster))
            }
        };
        let node_id = match &cluster {
            Some(c) => Ok(c.node_id().to_string()),
            None => crate::config::cluster::node_id(&config.cluster, &config.state_dir),
        }
        .map_err(|e| {
            StartupError::Io(format!(
                "cannot keep the node id in {}: {e}",
                config.state_dir.display()
            ))
        })?;
        let shared_store = matches!(
            config.storage,
            crate::config::StorageConfig::Postgres { .. }
        );
        if interrupted_runs > 0 {
            tracing::warn!(
                count = interrupted_runs,
                "marked runs from the previous process as interrupted"
            );
        }
        let source = crate::reload::Source {
            path: config.path.clone(),
            overrides,
        };
        let config = Arc::new(config);
        let live = crate::config::ConfigHandle::new(config.clone());
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        let n_shards = std::env::var("CLAWGATE_SHARDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(cores);
        let shards: Vec<Arbiter> = (0..n_shards).map(|_| Arbiter::new()).collect();
        let tools = ToolRegistry::default();
        let routers = Routers::start(RouterCore::new(
            live.clone(),
            store.clone(),
            tools.clone(),
            shards.iter().map(|a| a.handle()).collect(),
            metrics.clone(),
        ));
        let router = routers.main().clone();

        let listeners = config
            .bind
            .iter()
            .map(|ip| listener(SocketAddr::new(*ip, config.port)))
            .collect::<Result<Vec<_>, _>>()?;
        let addrs: Vec<SocketAddr> = listeners
            .iter()
            .filter_map(|l| l.local_addr().ok())
            .collect();
        let port = addrs.first().map(|a| a.port()).unwrap_or(config.port);
        // This process now owns the state dir's gateway port: browsers a killed predecessor
        // left running are its to clean up.
        crate::browser::Browser::kill_orphans(&config.state_dir);
        let overrides = crate::actors::channels::Channels::load_overrides(&store).await;
        let registry = crate::actors::channels::Channels::new(
            router.clone(),
            config.clone(),
            store.clone(),
            overrides,
        )
        .with_node(
            node_id.clone(),
            shared_store.then_some(config.cluster.lease_ttl),
        );
        let delivery_ids = registry.delivery_ids();
        let channels = registry.start();
        let app = crate::app::App::new(
            routers,
            live.clone(),
            store.clone(),
            tools,
            channels.clone(),
        );
        let ws = crate::ws::shared::WsShared::start(
            router.clone(),
            &config.ws,
            app.idempotency_cache().clone(),
        );
        app.bind_approvals_hub(ws.hub.clone());
        channels.do_send(crate::actors::channels::BindDeliveryEvents(
            ws.hub.clone().recipient(),
        ));
        if let Some(c) = cluster {
            c.attach(router.clone(), ws.hub.clone())
                .await
                .map_err(|e| StartupError::Io(format!("cluster: {e}")))?;
            app.bind_cluster(c);
        }
        // Webhooks and cron announce through `Outbound`; the channel registry serves it.
        let outbound = crate::channels::Outbound::default();
        if !delivery_ids.is_empty() {
            outbound.register(delivery_ids, channels.clone().recipient());
        }
        // Operators hear when a SKILL.md changes (the next turn already uses the new set).
        let hub = ws.hub.clone();
        app.skill_catalog().on_change(move |version| {
            hub.do_send(crate::actors::ws_hub::BroadcastEvent {
                event: "skills.changed",
                payload: serde_json::json!({"version": version}),
            });
        });
        let stored_jobs = crate::actors::scheduler::Scheduler::load_jobs(&store).await;
        let system_events = crate::agent::system_events::SystemEventQueue::default();
        let scheduler = crate::actors::scheduler::Scheduler::new(
            config.clone(),
            store.clone(),
            stored_jobs,
            router.clone(),
            ws.hub.clone(),
            outbound.clone(),
            system_events.clone(),
        )
        .with_metrics(metrics.clone())
        .with_node(node_id.clone(), shared_store)
        .start();
        app.bind_scheduler(scheduler.clone());
        let heartbeat = crate::actors::heartbeat::Heartbeat::new(
            live.clone(),
            router.clone(),
            ws.hub.clone(),
            channels.clone(),
            outbound.clone(),
            system_events.clone(),
        )
        .start();
        let auth = Arc::new(Auth::new(&config.auth));
        let reloader = crate::reload::Reloader::new(
            live,
            source,
            crate::reload::Targets {
                auth: auth.clone(),
                hub: ws.hub.clone(),
                channels: channels.clone(),
                scheduler: scheduler.clone(),
                outbound: outbound.clone(),
            },
        );
        crate::reload::watch::watch_file(&reloader);
        app.bind_reloader(reloader);
        let state = AppState {
            metrics,
            limits: Arc::new(crate::http::limits::Limiter::new(
                config.http_limits.clone(),
            )),
            app,
            system_events,
            channels,
            ws,
            router,
            auth,
            started: Instant::now(),
            port,
            hooks: Arc::new(crate::hooks::HookState::default()),
            outbound,
            scheduler,
            heartbeat,
        };
        let data = web::Data::new(state.clone());
        let hsts = config.hsts.clone();
        // Served by `http::listen` rather than `HttpServer`: it wraps each socket so raw UTF-8
        // in a URL is accepted (see `http::lenient_target`).
        let app = move || {
            let mut headers = DefaultHeaders::new()
                .add(("X-Content-Type-Options", "nosniff"))
                .add(("Referrer-Policy", "no-referrer"))
                .add((
                    "Permissions-Policy",
                    "camera=(), microphone=(self), geolocation=()",
                ));
            if let Some(h) = &hsts {
                headers = headers.add(("Strict-Transport-Security", h.clone()));
            }
            App::new()
                .app_data(data.clone())
                .wrap(headers)
                .wrap(actix_web::middleware::from_fn(crate::http::cors::cors))
                .wrap(actix_web::middleware::from_fn(crate::http::metrics::count))
                .wrap(actix_web::middleware::from_fn(
                    crate::http::server_timing::add,
                ))
                .configure(crate::http::configure)
                .default_service(web::to(crate::http::not_found))
        };
        // Connections outlive the drain by the abort grace, so an aborted turn's stream can
        // still write its error end before the worker closes the socket.
        let linger = config.shutdown_grace + ABORT_GRACE + Duration::from_secs(1);
        let tls = match &config.tls {
            None => None,
            Some(t) => Some(
                crate::http::tls::server_config(t)
                    .map_err(|e| StartupError::Io(format!("gateway.tls: {e}")))?,
            ),
        };
        let server = crate::http::listen::serve(app, listeners, cores, linger.as_secs(), tls)
            .map_err(|e| StartupError::Io(e.to_string()))?;
        Ok(Gateway {
            server,
            state,
            addrs,
            shards,
            generated_token,
            interrupted_runs,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.state.port
    }

    /// The bound addresses.
    pub fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// Shared state (the router address, config, store).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Handle to stop the HTTP server (tests).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves in the background of the current runtime (tests embed gateways this way).
    pub fn spawn(self) -> RunningGateway {
        let handle = self.server.handle();
        actix_web::rt::spawn(self.server);
        RunningGateway {
            handle,
            state: self.state,
            shards: self.shards,
        }
    }

    /// Serves until SIGINT/SIGTERM (or the server stops), then shuts down gracefully: stop
    /// accepting, let in-flight requests and running turns finish up to the shutdown grace,
    /// abort what is left (persisted as aborted), and return.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let server = actix_web::rt::spawn(self.server);
        if let Some(r) = self.state.app.reloader_weak() {
            actix_web::rt::spawn(crate::reload::watch::on_sighup(r));
        }
        let trimmer = actix_web::rt::spawn(crate::heap_trim::run(self.state.app.clone()));
        tokio::select! {
            _ = shutdown_signal() => tracing::info!("shutdown requested; finishing running turns"),
            r = server => {
                r.map_err(std::io::Error::other)??;
                return Ok(());
            }
        }
        let deadline = Instant::now() + self.state.config().shutdown_grace;
        stop_edges(&self.state).await;
        let stop = handle.stop(true);
        drain_runs(&self.state.app, deadline).await;
        if let Some(c) = self.state.app.cluster() {
            c.leave().await;
        }
        let _ = tokio::time::timeout(
            deadline.saturating_duration_since(Instant::now()) + Duration::from_secs(1),
            stop,
        )
        .await;
        trimmer.abort();
        self.state.app.memory().stop();
        for a in self.shards {
            a.stop();
        }
        tracing::info!("gateway stopped");
        Ok(())
    }
}

/// A gateway serving in the background (see [`Gateway::spawn`]).
pub struct RunningGateway {
    handle: actix_web::dev::ServerHandle,
    /// Shared state.
    pub state: AppState,
    shards: Vec<Arbiter>,
}

impl RunningGateway {
    /// Stops accepting, waits for in-flight requests, stops the shard arbiters.
    pub async fn stop(self) {
        stop_edges(&self.state).await;
        self.handle.stop(true).await;
        self.state.app.memory().stop();
        for a in self.shards {
            a.stop();
        }
    }
}

/// Stops every browser (killed and reaped), tells WebSocket clients the gateway is going
/// away, stops the channel connectors, and kills every shell command (`exec`/`process`) with its process group, reaping them all.
async fn stop_edges(state: &AppState) {
    state.app.browser().stop_all().await;
    state
        .app
        .tools()
        .jobs()
        .kill_all(crate::tools::exec::job::KILL_GRACE + Duration::from_secs(1))
        .await;
    let _ = state
        .ws
        .hub
        .send(crate::actors::ws_hub::Shutdown {
            reason: "gateway stopping".into(),
        })
        .await;
    let _ = state.channels.send(crate::actors::channels::StopAll).await;
}

/// Lets queued and running turns finish until `deadline`, then aborts what is left (persisted
/// as aborted) and gives the aborted runs a moment to record their end.
async fn drain_runs(app: &crate::app::App, deadline: Instant) {
    let left = deadline.saturating_duration_since(Instant::now());
    if tokio::time::timeout(left, app.when_idle()).await.is_ok() {
        return;
    }
    let active = app.active_runs().await;
    tracing::warn!(
        count = active.len(),
        "aborting turns still running at the shutdown deadline"
    );
    for (run_id, _) in active {
        app.abort(crate::app::turns::AbortTarget::Run(run_id)).await;
    }
    let _ = tokio::time::timeout(ABORT_GRACE, app.when_idle()).await;
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
