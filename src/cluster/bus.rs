//! The NATS connection: one client on a small runtime of its own (thread `clawgate-bus`), like
//! the PostgreSQL pool, so the connection task does not depend on which actix arbiter first
//! touched it. Every bus task of the cluster is spawned onto this runtime.

use std::time::Duration;

/// Subject prefix of every message the gateways exchange.
pub const PREFIX: &str = "clawgate";

/// Subject of broadcast gateway events (presence, sessions.changed, cron, config.changed …).
pub fn events_subject() -> String {
    format!("{PREFIX}.events")
}

/// Subject every node publishes its runs' events on.
pub fn runs_subject() -> String {
    format!("{PREFIX}.runs")
}

/// Subject of a request to node `node` (`turn`, `abort`, `ping`).
pub fn node_subject(node: &str, what: &str) -> String {
    format!("{PREFIX}.node.{node}.{what}")
}

/// Stops the bus runtime when the last handle is dropped.
struct Stop(Option<tokio::sync::oneshot::Sender<()>>);

impl Drop for Stop {
    fn drop(&mut self) {
        if let Some(s) = self.0.take() {
            let _ = s.send(());
        }
    }
}

/// The connected client and the runtime its tasks run on.
pub struct Bus {
    /// The NATS client (cheap to clone; usable from any thread).
    pub client: async_nats::Client,
    /// The bus runtime.
    pub rt: tokio::runtime::Handle,
    _stop: Stop,
}

impl Bus {
    /// Connects to `url` as `name` (blocks the calling thread up to `timeout`). The URL never
    /// appears in the error (it may carry credentials).
    pub fn connect(url: &str, name: &str, timeout: Duration) -> Result<Bus, String> {
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (tx, rx) = std::sync::mpsc::channel();
        let (url, name) = (url.to_string(), name.to_string());
        std::thread::Builder::new()
            .name("clawgate-bus".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = tx.send(Err(e.to_string()));
                        return;
                    }
                };
                let handle = rt.handle().clone();
                rt.block_on(async move {
                    let client = async_nats::ConnectOptions::new()
                        .name(name)
                        .connection_timeout(timeout)
                        .request_timeout(Some(Duration::from_secs(5)))
                        .connect(url.as_str())
                        .await;
                    match client {
                        Ok(c) => {
                            let _ = tx.send(Ok((c, handle)));
                            let _ = stop_rx.await;
                        }
                        Err(e) => {
                            let _ = tx.send(Err(format!("cannot connect to the bus: {e}")));
                        }
                    }
                });
            })
            .map_err(|e| format!("bus thread: {e}"))?;
        let (client, rt) = rx.recv().map_err(|_| "bus runtime stopped".to_string())??;
        Ok(Bus {
            client,
            rt,
            _stop: Stop(Some(stop_tx)),
        })
    }

    /// Whether the client is connected right now.
    pub fn connected(&self) -> bool {
        self.client.connection_state() == async_nats::connection::State::Connected
    }
}
