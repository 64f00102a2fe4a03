//! The actions of a profile, over its running [`Instance`]: tabs, navigation, snapshots,
//! `act` kinds, screenshots and PDFs.

use super::instance::{Instance, TabEntry};
use crate::browser::actions::Tab;
use crate::browser::snapshot::{DEFAULT_MAX_CHARS, MAX_CHARS, SNAPSHOT_JS};
use crate::browser::{ssrf, BrowserError, Output};
use crate::config::BrowserConfig;
use serde_json::{json, Value};
use std::time::Duration;

/// The `act` kinds.
pub const ACT_KINDS: &[&str] = &[
    "click",
    "type",
    "press",
    "hover",
    "select",
    "fill",
    "scrollIntoView",
    "wait",
    "resize",
    "evaluate",
    "close",
];

fn s<'a>(args: &'a Value, key: &str) -> Option<&'a str> {
    args.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

fn json(v: Value) -> Output {
    Output {
        json: v,
        file: None,
    }
}

/// Checks a navigation target: scheme first, then the SSRF policy (the interception checks
/// again inside the browser, for redirects and every request of the page).
async fn check_url(url: &str, inst: &Instance) -> Result<(), BrowserError> {
    ssrf::check_navigation_scheme(url).map_err(BrowserError::Forbidden)?;
    let policy = inst.policy.borrow().clone();
    ssrf::check_request(url, &policy).await.map_err(|r| {
        BrowserError::Forbidden(format!("{url} is blocked by browser.ssrfPolicy: {r}"))
    })
}

/// The named tab, or the current one, opening a blank tab when there is none.
async fn tab_or_open(inst: &Instance, args: &Value) -> Result<TabEntry, BrowserError> {
    match inst.tab(s(args, "tabId").or(s(args, "targetId")))? {
        Some(t) => Ok(t),
        None => inst.open_tab().await,
    }
}

fn tabs_json(inst: &Instance) -> Value {
    let cur = inst.current.borrow().clone();
    let tabs: Vec<Value> = inst
        .tabs
        .borrow()
        .iter()
        .map(|t| t.json(cur.as_deref() == Some(&t.id)))
        .collect();
    json!(tabs)
}

/// The status of a running instance.
pub fn status(profile: &str, inst: &Instance, cfg_attach: bool) -> Value {
    json!({
        "profile": profile, "running": inst.is_alive(), "attach": cfg_attach,
        "pid": inst.process.borrow().as_ref().map(|p| p.pid),
        "version": inst.version, "tabs": tabs_json(inst),
        "blockedRequests": inst.blocked.borrow().iter().cloned().collect::<Vec<_>>(),
    })
}

/// Runs `action` on `inst`.
pub async fn run(
    inst: &Instance,
    cfg: &BrowserConfig,
    action: &str,
    args: &Value,
) -> Result<Output, BrowserError> {
    let kind = if action == "act" {
        s(args, "kind").ok_or_else(|| BrowserError::Invalid("act needs a kind".into()))?
    } else {
        action
    };
    match kind {
        "tabs" => Ok(json(json!({"tabs": tabs_json(inst)}))),
        "open" => {
            let url = s(args, "url").unwrap_or("about:blank");
            if url != "about:blank" {
                check_url(url, inst).await?;
            }
            let t = inst.open_tab().await?;
            let page = if url != "about:blank" {
                Tab {
                    cdp: &inst.cdp,
                    session: &t.session_id,
                }
                .navigate(url)
                .await?
            } else {
                json!({"url": "about:blank", "title": ""})
            };
            Ok(json(
                json!({"tabId": t.id, "targetId": t.target_id, "url": page["url"], "title": page["title"]}),
            ))
        }
        "focus" => {
            let id = s(args, "tabId").or(s(args, "targetId"));
            let t = inst
                .tab(id)?
                .ok_or_else(|| BrowserError::NotFound("no tab to focus".into()))?;
            let _ = inst
                .cdp
                .call(
                    None,
                    "Target.activateTarget",
                    json!({"targetId": t.target_id}),
                )
                .await;
            *inst.current.borrow_mut() = Some(t.id.clone());
            Ok(json(json!({"ok": true, "tabId": t.id})))
        }
        "close" => {
            let t = inst
                .tab(s(args, "tabId").or(s(args, "targetId")))?
                .ok_or_else(|| BrowserError::NotFound("no tab to close".into()))?;
            inst.cdp
                .call(None, "Target.closeTarget", json!({"targetId": t.target_id}))
                .await?;
            if inst.current.borrow().as_deref() == Some(&t.id) {
                *inst.current.borrow_mut() = None;
            }
            Ok(json(json!({"ok": true, "closed": t.id})))
        }
        "navigate" => {
            let url = s(args, "url")
                .ok_or_else(|| BrowserError::Invalid("navigate needs a url".into()))?;
            check_url(url, inst).await?;
            let t = tab_or_open(inst, args).await?;
            let page = Tab {
                cdp: &inst.cdp,
                session: &t.session_id,
            }
            .navigate(url)
            .await?;
            *inst.current.borrow_mut() = Some(t.id.clone());
            Ok(json(
                json!({"success": true, "ok": true, "tabId": t.id, "url": page["url"], "title": page["title"]}),
            ))
        }
        "snapshot" => {
            let t = tab_or_open(inst, args).await?;
            let max = args["maxChars"]
                .as_u64()
                .map_or(DEFAULT_MAX_CHARS, |n| (n as usize).clamp(100, MAX_CHARS));
            let tab = Tab {
                cdp: &inst.cdp,
                session: &t.session_id,
            };
            let v = tab
                .eval(&format!("({SNAPSHOT_JS})({max})"), Duration::from_secs(20))
                .await?;
            Ok(json(
                json!({"tabId": t.id, "url": v["url"], "title": v["title"], "snapshot": v["text"],
                "refs": v["refs"], "truncated": v["truncated"], "format": "dom"}),
            ))
        }
        "screenshot" => {
            let t = tab_or_open(inst, args).await?;
            let fmt = s(args, "type")
                .or(s(args, "format").filter(|f| *f != "base64"))
                .unwrap_or("png");
            let jpeg = match fmt {
                "png" => false,
                "jpeg" | "jpg" => true,
                other => {
                    return Err(BrowserError::Invalid(format!(
                        "unknown image type {other} (png or jpeg)"
                    )))
                }
            };
            let full = args["fullPage"].as_bool().unwrap_or(false);
            let img = Tab {
                cdp: &inst.cdp,
                session: &t.session_id,
            }
            .screenshot(
                s(args, "ref"),
                s(args, "selector").or(s(args, "element")),
                full,
                jpeg,
                args["quality"].as_u64(),
            )
            .await?;
            Ok(Output {
                json: json!({"tabId": t.id, "mimeType": img.mime, "bytes": img.bytes.len()}),
                file: Some((img.bytes, img.mime)),
            })
        }
        "pdf" => {
            let t = tab_or_open(inst, args).await?;
            let bytes = Tab {
                cdp: &inst.cdp,
                session: &t.session_id,
            }
            .pdf()
            .await?;
            Ok(Output {
                json: json!({"tabId": t.id, "mimeType": "application/pdf", "bytes": bytes.len()}),
                file: Some((bytes, "application/pdf")),
            })
        }
        k if ACT_KINDS.contains(&k) => act(inst, cfg, k, args).await,
        other => Err(BrowserError::Invalid(format!(
            "unknown browser action: {other}"
        ))),
    }
}

async fn act(
    inst: &Instance,
    cfg: &BrowserConfig,
    kind: &str,
    args: &Value,
) -> Result<Output, BrowserError> {
    if kind == "close" {
        return Box::pin(run(inst, cfg, "close", args)).await;
    }
    let t = tab_or_open(inst, args).await?;
    let tab = Tab {
        cdp: &inst.cdp,
        session: &t.session_id,
    };
    let r = s(args, "ref");
    let sel = s(args, "selector").or(s(args, "element"));
    let mut extra = json!({});
    match kind {
        "click" => {
            let button = s(args, "button").unwrap_or("left");
            tab.click(
                r,
                sel,
                args["doubleClick"].as_bool().unwrap_or(false),
                button,
            )
            .await?
        }
        "hover" => tab.hover(r, sel).await?,
        "type" => {
            let text = args["text"]
                .as_str()
                .ok_or_else(|| BrowserError::Invalid("type needs text".into()))?;
            tab.type_text(r, sel, text, args["submit"].as_bool().unwrap_or(false))
                .await?
        }
        "press" => {
            let key =
                s(args, "key").ok_or_else(|| BrowserError::Invalid("press needs a key".into()))?;
            tab.press(key).await?
        }
        "select" => {
            let values: Vec<String> = match &args["values"] {
                Value::Array(a) => a
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                _ => s(args, "value")
                    .map(|v| vec![v.to_string()])
                    .unwrap_or_default(),
            };
            if values.is_empty() {
                return Err(BrowserError::Invalid("select needs values".into()));
            }
            extra = json!({"selected": tab.select(r, sel, &values).await?});
        }
        "fill" => {
            let fields = match &args["fields"] {
                Value::Array(a) => a.clone(),
                _ => vec![
                    json!({"ref": r, "selector": sel, "value": args.get("value").or(args.get("text")).cloned().unwrap_or(Value::Null)}),
                ],
            };
            extra = json!({"filled": tab.fill(&fields).await?});
        }
        "scrollIntoView" => tab.scroll_into_view(r, sel).await?,
        "wait" => {
            let ms = args["timeoutMs"].as_u64().unwrap_or(10_000);
            extra = tab.wait(args, Duration::from_millis(ms)).await?;
        }
        "resize" => {
            let w = args["width"].as_u64().unwrap_or(0) as u32;
            let h = args["height"].as_u64().unwrap_or(0) as u32;
            if !(100..=4096).contains(&w) || !(100..=4096).contains(&h) {
                return Err(BrowserError::Invalid(
                    "resize needs width and height between 100 and 4096".into(),
                ));
            }
            tab.resize(w, h).await?
        }
        "evaluate" => {
            if !cfg.evaluate_enabled {
                return Err(BrowserError::Forbidden(
                    "evaluate is disabled (set browser.evaluateEnabled: true)".into(),
                ));
            }
            let src = s(args, "fn")
                .or(s(args, "expression"))
                .ok_or_else(|| BrowserError::Invalid("evaluate needs fn".into()))?;
            let expr = if args.get("fn").is_some() {
                format!("({src})()")
            } else {
                src.to_string()
            };
            extra = json!({"result": tab.eval(&expr, crate::browser::actions::MAX_WAIT).await?});
        }
        _ => return Err(BrowserError::Invalid(format!("unknown act kind {kind}"))),
    }
    let page = tab
        .eval(
            "({url: location.href, title: document.title})",
            Duration::from_secs(5),
        )
        .await
        .unwrap_or_default();
    let mut out = json!({"ok": true, "kind": kind, "tabId": t.id, "url": page["url"], "title": page["title"]});
    if let (Some(o), Some(e)) = (out.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    } else if !extra.is_null() && extra != json!({}) {
        out["result"] = extra;
    }
    Ok(json(out))
}
