//! `ProfileActor`: one per browser profile, on the browser arbiter. It owns at most one
//! browser ([`instance::Instance`]): started on first use (launched, or attached to the
//! profile's `cdpUrl`), started again when it has died, stopped after
//! `browser.idleTimeoutSeconds` without calls and on shutdown (killed and reaped).
//!
//! Calls run concurrently on the actor's thread; starting is serialized by the instance slot.

pub mod instance;
pub mod ops;

use crate::browser::{BrowserError, Output};
use crate::config::{BrowserConfig, BrowserProfile};
use actix::prelude::*;
use instance::Instance;
use serde_json::Value;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

type Slot = Rc<tokio::sync::Mutex<Option<Rc<Instance>>>>;

/// The actor of one profile.
pub struct ProfileActor {
    profile: BrowserProfile,
    slot: Slot,
    busy: usize,
    last_used: Instant,
    idle: Option<SpawnHandle>,
}

impl ProfileActor {
    /// An actor for `profile` with no browser yet.
    pub fn new(profile: BrowserProfile) -> Self {
        ProfileActor {
            profile,
            slot: Rc::default(),
            busy: 0,
            last_used: Instant::now(),
            idle: None,
        }
    }

    fn arm_idle(&mut self, ctx: &mut Context<Self>, after: Option<Duration>) {
        if let Some(h) = self.idle.take() {
            ctx.cancel_future(h);
        }
        let Some(after) = after else { return };
        self.idle = Some(ctx.run_later(after, move |act, ctx| {
            if act.busy == 0 && act.last_used.elapsed() >= after {
                let slot = act.slot.clone();
                ctx.spawn(
                    async move {
                        let inst = slot.lock().await.take();
                        if let Some(i) = inst {
                            tracing::info!("stopping an idle browser");
                            i.stop().await;
                        }
                    }
                    .into_actor(act),
                );
            }
        }));
    }
}

impl Actor for ProfileActor {
    type Context = Context<Self>;

    fn stopped(&mut self, _: &mut Self::Context) {
        // Dropping the instance drops its process, which kills the group.
        if let Ok(mut s) = self.slot.try_lock() {
            if let Some(i) = s.take() {
                i.cdp.close();
                i.process.borrow_mut().take();
            }
        }
    }
}

/// Runs one browser action.
#[derive(Message)]
#[rtype(result = "Result<Output, BrowserError>")]
pub struct Run {
    /// `status`, `start`, `stop`, `tabs`, `open`, `focus`, `close`, `navigate`, `snapshot`,
    /// `screenshot`, `pdf`, `act` or an `act` kind.
    pub action: String,
    /// Its arguments.
    pub args: Value,
    /// The settings of this call.
    pub config: Arc<BrowserConfig>,
}

/// The profile's status, starting nothing.
#[derive(Message)]
#[rtype(result = "Value")]
pub struct StatusOnly;

/// Stops the browser (killed and reaped) and the actor.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Shutdown;

async fn running(
    slot: &Slot,
    p: &BrowserProfile,
    cfg: &BrowserConfig,
) -> Result<Rc<Instance>, BrowserError> {
    let mut s = slot.lock().await;
    if let Some(i) = s.as_ref() {
        // A cheap round trip: a browser killed a moment ago may not have been noticed yet.
        let answers = i.is_alive()
            && i.cdp
                .call_within(
                    None,
                    "Browser.getVersion",
                    serde_json::json!({}),
                    Duration::from_secs(5),
                )
                .await
                .is_ok();
        if answers {
            i.configure(cfg);
            return Ok(i.clone());
        }
        tracing::warn!(profile = %p.name, "the browser died; starting it again");
        if let Some(dead) = s.take() {
            dead.stop().await;
        }
    }
    let i = Instance::start(p, cfg).await?;
    *s = Some(i.clone());
    Ok(i)
}

impl Handler<Run> for ProfileActor {
    type Result = ResponseActFuture<Self, Result<Output, BrowserError>>;

    fn handle(&mut self, msg: Run, _: &mut Context<Self>) -> Self::Result {
        self.busy += 1;
        self.last_used = Instant::now();
        let slot = self.slot.clone();
        let profile = self.profile.clone();
        let idle = msg.config.idle_timeout;
        let fut = async move {
            let cfg = msg.config;
            match msg.action.as_str() {
                "status" => {
                    let s = slot.lock().await;
                    Ok(Output {
                        json: match s.as_ref() {
                            Some(i) => ops::status(&profile.name, i, profile.cdp_url.is_some()),
                            None => {
                                serde_json::json!({"profile": profile.name, "running": false, "tabs": []})
                            }
                        },
                        file: None,
                    })
                }
                "stop" => {
                    let inst = slot.lock().await.take();
                    if let Some(i) = inst {
                        i.stop().await;
                    }
                    Ok(Output {
                        json: serde_json::json!({"profile": profile.name, "running": false}),
                        file: None,
                    })
                }
                action => {
                    let inst = running(&slot, &profile, &cfg).await?;
                    if action == "start" {
                        return Ok(Output {
                            json: ops::status(&profile.name, &inst, profile.cdp_url.is_some()),
                            file: None,
                        });
                    }
                    ops::run(&inst, &cfg, action, &msg.args).await
                }
            }
        };
        Box::pin(fut.into_actor(self).map(move |r, act, ctx| {
            act.busy -= 1;
            act.last_used = Instant::now();
            act.arm_idle(ctx, idle);
            r
        }))
    }
}

impl Handler<StatusOnly> for ProfileActor {
    type Result = ResponseFuture<Value>;

    fn handle(&mut self, _: StatusOnly, _: &mut Context<Self>) -> Self::Result {
        let slot = self.slot.clone();
        let p = self.profile.clone();
        Box::pin(async move {
            match slot.try_lock() {
                Ok(s) => match s.as_ref() {
                    Some(i) => ops::status(&p.name, i, p.cdp_url.is_some()),
                    None => {
                        serde_json::json!({"profile": p.name, "running": false, "tabs": [], "attach": p.cdp_url.is_some()})
                    }
                },
                // Starting right now.
                Err(_) => {
                    serde_json::json!({"profile": p.name, "running": false, "starting": true, "tabs": []})
                }
            }
        })
    }
}

impl Handler<Shutdown> for ProfileActor {
    type Result = ResponseActFuture<Self, ()>;

    fn handle(&mut self, _: Shutdown, _: &mut Context<Self>) -> Self::Result {
        let slot = self.slot.clone();
        Box::pin(
            async move {
                let inst = slot.lock().await.take();
                if let Some(i) = inst {
                    i.stop().await;
                }
            }
            .into_actor(self)
            .map(|_, _, ctx| ctx.stop()),
        )
    }
}
