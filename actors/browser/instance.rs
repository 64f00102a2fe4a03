//! One connected browser: its CDP connection, the managed process (if launched), the tab
//! registry, and the event loop that sets up every new target (request interception, child
//! auto-attach, viewport), enforces the SSRF policy on every paused request and caps
//! downloads.

use crate::browser::cdp::{Cdp, Event};
use crate::browser::launch::{Process, VIEWPORT};
use crate::browser::{ssrf, BrowserError};
use crate::config::{BrowserConfig, BrowserProfile, BrowserSsrfPolicy};
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// Blocked requests remembered for `status`.
const BLOCKED_KEPT: usize = 20;
/// How long a new tab may take to attach.
const ATTACH_TIMEOUT: Duration = Duration::from_secs(10);

/// A tab (a page target) with its stable id.
#[derive(Debug, Clone)]
pub struct TabEntry {
    /// Stable id (`t1`, `t2`, …).
    pub id: String,
    /// CDP target id.
    pub target_id: String,
    /// Flattened session id.
    pub session_id: String,
    /// Last known URL.
    pub url: String,
    /// Last known title.
    pub title: String,
}

impl TabEntry {
    /// Its JSON form.
    pub fn json(&self, current: bool) -> Value {
        json!({"tabId": self.id, "targetId": self.target_id, "url": self.url, "title": self.title,
               "current": current})
    }
}

/// A connected browser.
pub struct Instance {
    /// The connection.
    pub cdp: Cdp,
    /// The launched process (`None` when attached to `cdpUrl`).
    pub process: RefCell<Option<Process>>,
    /// `Browser.getVersion`'s product.
    pub version: String,
    /// Open tabs in creation order.
    pub tabs: RefCell<Vec<TabEntry>>,
    next_tab: Cell<u32>,
    /// The tab used when a call names none.
    pub current: RefCell<Option<String>>,
    changed: watch::Sender<u64>,
    /// The policy requests are checked against (updated from each call's config).
    pub policy: RefCell<BrowserSsrfPolicy>,
    /// Recently blocked requests.
    pub blocked: RefCell<VecDeque<Value>>,
    max_download: Cell<u64>,
    alive: Cell<bool>,
}

impl Instance {
    /// Launches (or attaches to) the profile's browser and sets it up.
    pub async fn start(
        p: &BrowserProfile,
        cfg: &BrowserConfig,
    ) -> Result<Rc<Instance>, BrowserError> {
        let (process, ws_url) = match &p.cdp_url {
            Some(url) => (None, crate::browser::cdp::resolve_ws_url(url).await?),
            None => {
                let exe = crate::browser::Browser::executable(cfg).ok_or_else(|| {
                    BrowserError::Unavailable(
                        "no Chromium found: install chromium or set browser.executablePath".into(),
                    )
                })?;
                crate::config::create_private_dir(&p.dir).map_err(|e| {
                    BrowserError::Unavailable(format!("cannot create {}: {e}", p.dir.display()))
                })?;
                let proc = Process::start(&exe, &p.user_data_dir, &p.dir, cfg.headless)
                    .await
                    .map_err(BrowserError::Unavailable)?;
                let url = proc.ws_url.clone();
                (Some(proc), url)
            }
        };
        let (cdp, events) = crate::browser::cdp::Cdp::connect(&ws_url).await?;
        let version = cdp.call(None, "Browser.getVersion", json!({})).await?["product"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let (changed, _) = watch::channel(0);
        let inst = Rc::new(Instance {
            cdp: cdp.clone(),
            process: RefCell::new(process),
            version,
            tabs: RefCell::default(),
            next_tab: Cell::new(1),
            current: RefCell::default(),
            changed,
            policy: RefCell::new(cfg.ssrf.clone()),
            blocked: RefCell::default(),
            max_download: Cell::new(cfg.max_download_bytes),
            alive: Cell::new(true),
        });
        actix_rt::spawn(event_loop(Rc::downgrade(&inst), events));
        let downloads = p.dir.join("downloads");
        let _ = crate::config::create_private_dir(&downloads);
        cdp.call(None, "Target.setDiscoverTargets", json!({"discover": true}))
            .await?;
        cdp.call(
            None,
            "Target.setAutoAttach",
            json!({"autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true}),
        )
        .await?;
        let _ = cdp
            .call(
                None,
                "Browser.setDownloadBehavior",
                json!({"behavior": "allow", "downloadPath": downloads, "eventsEnabled": true}),
            )
            .await;
        Ok(inst)
    }

    /// Whether the browser is still there.
    pub fn is_alive(&self) -> bool {
        self.alive.get()
            && !self.cdp.is_closed()
            && !self
                .process
                .borrow()
                .as_ref()
                .is_some_and(|p| p.has_exited())
    }

    /// Applies the current call's settings.
    pub fn configure(&self, cfg: &BrowserConfig) {
        *self.policy.borrow_mut() = cfg.ssrf.clone();
        self.max_download.set(cfg.max_download_bytes);
    }

    /// The tab `id`, or the current one; `None` when there is none.
    pub fn tab(&self, id: Option<&str>) -> Result<Option<TabEntry>, BrowserError> {
        let tabs = self.tabs.borrow();
        match id {
            Some(id) => tabs
                .iter()
                .find(|t| t.id == id || t.target_id == id)
                .cloned()
                .map(Some)
                .ok_or_else(|| BrowserError::NotFound(format!("no tab {id}"))),
            None => {
                let cur = self.current.borrow().clone();
                Ok(cur
                    .and_then(|c| tabs.iter().find(|t| t.id == c).cloned())
                    .or_else(|| tabs.last().cloned()))
            }
        }
    }

    /// Opens a blank tab and waits until it is attached and set up.
    pub async fn open_tab(&self) -> Result<TabEntry, BrowserError> {
        let mut rx = self.changed.subscribe();
        let r = self
            .cdp
            .call(None, "Target.createTarget", json!({"url": "about:blank"}))
            .await?;
        let target = r["targetId"].as_str().unwrap_or_default().to_string();
        let found = |tabs: &[TabEntry]| tabs.iter().find(|t| t.target_id == target).cloned();
        let wait = async {
            loop {
                if let Some(t) = found(&self.tabs.borrow()) {
                    return Some(t);
                }
                if rx.changed().await.is_err() {
                    return None;
                }
            }
        };
        match tokio::time::timeout(ATTACH_TIMEOUT, wait).await {
            Ok(Some(t)) => {
                *self.current.borrow_mut() = Some(t.id.clone());
                Ok(t)
            }
            _ => Err(BrowserError::Failed("the new tab did not attach".into())),
        }
    }

    /// Closes the connection and kills a launched browser (waiting until it is reaped).
    pub async fn stop(&self) {
        self.alive.set(false);
        self.cdp.close();
        let proc = self.process.borrow_mut().take();
        if let Some(p) = proc {
            p.stop(crate::browser::STOP_GRACE).await;
        }
    }

    fn bump(&self) {
        self.changed.send_modify(|v| *v += 1);
    }

    fn add_tab(&self, session: &str, info: &Value) {
        let target_id = info["targetId"].as_str().unwrap_or_default().to_string();
        let mut tabs = self.tabs.borrow_mut();
        if tabs.iter().any(|t| t.target_id == target_id) {
            return;
        }
        let n = self.next_tab.get();
        self.next_tab.set(n + 1);
        tabs.push(TabEntry {
            id: format!("t{n}"),
            target_id,
            session_id: session.to_string(),
            url: info["url"].as_str().unwrap_or_default().to_string(),
            title: info["title"].as_str().unwrap_or_default().to_string(),
        });
        drop(tabs);
        self.bump();
    }

    fn remove_tab(&self, target_id: &str) {
        let mut tabs = self.tabs.borrow_mut();
        let before = tabs.len();
        tabs.retain(|t| t.target_id != target_id);
        let removed = tabs.len() != before;
        drop(tabs);
        if removed {
            self.bump();
        }
    }

    fn block(&self, url: &str, reason: &str) {
        tracing::info!(url, reason, "browser request blocked");
        let mut b = self.blocked.borrow_mut();
        if b.len() >= BLOCKED_KEPT {
            b.pop_front();
        }
        b.push_back(json!({"url": url, "reason": reason, "at": crate::storage::now_ms()}));
    }
}

async fn event_loop(inst: std::rc::Weak<Instance>, mut events: mpsc::UnboundedReceiver<Event>) {
    while let Some(ev) = events.recv().await {
        let Some(i) = inst.upgrade() else { return };
        handle(&i, ev);
    }
    if let Some(i) = inst.upgrade() {
        i.alive.set(false);
        i.bump();
    }
}

fn handle(inst: &Rc<Instance>, ev: Event) {
    let p = &ev.params;
    match ev.method.as_str() {
        "Target.attachedToTarget" => {
            let session = p["sessionId"].as_str().unwrap_or_default().to_string();
            let info = p["targetInfo"].clone();
            actix_rt::spawn(setup_target(inst.clone(), session, info));
        }
        "Target.targetDestroyed" | "Target.detachedFromTarget" => {
            if let Some(t) = p["targetId"].as_str() {
                inst.remove_tab(t);
            }
        }
        "Target.targetInfoChanged" => {
            let info = &p["targetInfo"];
            let id = info["targetId"].as_str().unwrap_or_default();
            if let Some(t) = inst
                .tabs
                .borrow_mut()
                .iter_mut()
                .find(|t| t.target_id == id)
            {
                t.url = info["url"].as_str().unwrap_or_default().to_string();
                t.title = info["title"].as_str().unwrap_or_default().to_string();
            }
        }
        "Fetch.requestPaused" => {
            let id = p["requestId"].as_str().unwrap_or_default().to_string();
            let url = p["request"]["url"].as_str().unwrap_or_default().to_string();
            let policy = inst.policy.borrow().clone();
            let inst = inst.clone();
            let session = ev.session_id.clone();
            actix_rt::spawn(async move {
                match ssrf::check_request(&url, &policy).await {
                    Ok(()) => inst.cdp.send(
                        session.as_deref(),
                        "Fetch.continueRequest",
                        json!({"requestId": id}),
                    ),
                    Err(reason) => {
                        inst.block(&url, &reason);
                        inst.cdp.send(
                            session.as_deref(),
                            "Fetch.failRequest",
                            json!({"requestId": id, "errorReason": "BlockedByClient"}),
                        );
                    }
                }
            });
        }
        "Browser.downloadProgress" => {
            let received = p["receivedBytes"].as_f64().unwrap_or(0.0) as u64;
            if received > inst.max_download.get() && p["state"] == "inProgress" {
                tracing::warn!("browser download over browser.maxDownloadBytes cancelled");
                inst.cdp
                    .send(None, "Browser.cancelDownload", json!({"guid": p["guid"]}));
            }
        }
        _ => {}
    }
}

/// Sets up a newly attached target before it runs: intercept its requests, auto-attach its
/// children (frames, workers), give pages the viewport, then let it run.
async fn setup_target(inst: Rc<Instance>, session: String, info: Value) {
    let kind = info["type"].as_str().unwrap_or_default().to_string();
    let s = Some(session.as_str());
    let cdp = &inst.cdp;
    if [
        "page",
        "iframe",
        "worker",
        "shared_worker",
        "service_worker",
    ]
    .contains(&kind.as_str())
    {
        if let Err(e) = cdp
            .call(
                s,
                "Fetch.enable",
                json!({"patterns": [{"urlPattern": "*", "requestStage": "Request"}]}),
            )
            .await
        {
            tracing::debug!(error = %e, kind, "Fetch.enable failed on a target");
        }
    }
    if kind == "page" || kind == "iframe" {
        let _ = cdp
            .call(
                s,
                "Target.setAutoAttach",
                json!({"autoAttach": true, "waitForDebuggerOnStart": true, "flatten": true}),
            )
            .await;
    }
    if kind == "page" {
        let _ = cdp.call(s, "Page.enable", json!({})).await;
        let _ = cdp
            .call(
                s,
                "Emulation.setDeviceMetricsOverride",
                json!({"width": VIEWPORT.0, "height": VIEWPORT.1, "deviceScaleFactor": 1, "mobile": false}),
            )
            .await;
        inst.add_tab(&session, &info);
    }
    let _ = cdp
        .call(s, "Runtime.runIfWaitingForDebugger", json!({}))
        .await;
}
