//! Turning `cron.add` parameters (OpenClaw's current and legacy shapes) into a valid
//! [`CronJob`], and applying `cron.update` patches.
//!
//! Legacy inputs accepted: a `{job: {...}}` wrapper, `schedule.cron` for `expr`, `atMs` for
//! `at`, `every` for `everyMs`, `tz`/`timezone`, schedule kind inferred from its fields,
//! top-level `text`/`message`/`model`/`thinking`/`timeoutSeconds` moved into the payload,
//! `notify: true` (webhook delivery to `cron.webhook`).

use super::job::{CronJob, Delivery, JobState, Payload, Schedule};
use super::schedule::{self, iso, parse_at_ms};
use crate::config::{Config, WakeMode};
use serde_json::{json, Map, Value};

fn s<'a>(o: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    o.get(k)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A number, also from a numeric string.
fn num(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn schedule_of(v: Option<&Value>) -> Result<Schedule, String> {
    let o = v
        .and_then(Value::as_object)
        .ok_or("schedule required (at, every or cron)")?;
    let kind = s(o, "kind").map(str::to_string).or_else(|| {
        if o.contains_key("at") || o.contains_key("atMs") {
            Some("at".into())
        } else if o.contains_key("everyMs") || o.contains_key("every") {
            Some("every".into())
        } else if o.contains_key("expr") || o.contains_key("cron") {
            Some("cron".into())
        } else {
            None
        }
    });
    let sched = match kind.as_deref() {
        Some("at") => {
            let at = match (s(o, "at"), num(o.get("atMs"))) {
                (Some(a), _) => {
                    let ms = parse_at_ms(a).ok_or_else(|| {
                        format!("invalid schedule.at `{a}` (use an ISO 8601 time)")
                    })?;
                    iso(ms)
                }
                (None, Some(ms)) => iso(ms as i64),
                _ => return Err("schedule.at required".into()),
            };
            Schedule::At { at }
        }
        Some("every") => {
            let every = num(o.get("everyMs"))
                .or_else(|| {
                    o.get("every").and_then(|v| match v {
                        Value::String(s) => schedule::parse_duration_ms(s).map(|n| n as f64),
                        other => num(Some(other)),
                    })
                })
                .ok_or("schedule.everyMs required")?;
            if every < 1.0 {
                return Err("schedule.everyMs must be at least 1".into());
            }
            Schedule::Every {
                every_ms: every as u64,
                anchor_ms: num(o.get("anchorMs")).map(|n| n as i64),
            }
        }
        Some("cron") => Schedule::Cron {
            expr: s(o, "expr")
                .or_else(|| s(o, "cron"))
                .ok_or("schedule.expr required")?
                .to_string(),
            tz: s(o, "tz").or_else(|| s(o, "timezone")).map(str::to_string),
            stagger_ms: num(o.get("staggerMs")).map(|n| n.max(0.0) as u64),
        },
        Some(other) => {
            return Err(format!(
                "unknown schedule kind `{other}` (use at, every or cron)"
            ))
        }
        None => return Err("schedule required (at, every or cron)".into()),
    };
    schedule::validate(&sched)?;
    Ok(sched)
}

fn payload_of(o: &Map<String, Value>) -> Result<Payload, String> {
    let mut p = o
        .get("payload")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for k in ["text", "message", "model", "thinking", "timeoutSeconds"] {
        if !p.contains_key(k) {
            if let Some(v) = o.get(k) {
                p.insert(k.into(), v.clone());
            }
        }
    }
    let kind = s(&p, "kind").map(str::to_string).or_else(|| {
        if p.contains_key("message") || p.contains_key("model") {
            Some("agentTurn".into())
        } else if p.contains_key("text") {
            Some("systemEvent".into())
        } else {
            None
        }
    });
    match kind.as_deref() {
        Some("systemEvent") => Ok(Payload::SystemEvent {
            text: p
                .get("text")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        }),
        Some("agentTurn") => {
            let message = s(&p, "message").ok_or("payload.message required")?;
            if let Some(m) = p.get("model") {
                if !m.is_null() && m.as_str().is_none_or(|m| m.trim().is_empty()) {
                    return Err("payload.model must be a non-empty string".into());
                }
            }
            let list = |k: &str| -> Option<Vec<String>> {
                p.get(k).and_then(Value::as_array).map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
            };
            Ok(Payload::AgentTurn {
                message: message.to_string(),
                model: s(&p, "model").map(str::to_string),
                thinking: s(&p, "thinking").map(str::to_string),
                timeout_seconds: num(p.get("timeoutSeconds")),
                allow_unsafe_external_content: p
                    .get("allowUnsafeExternalContent")
                    .and_then(Value::as_bool),
                light_context: p.get("lightContext").and_then(Value::as_bool),
                tools_allow: list("toolsAllow"),
                fallbacks: list("fallbacks"),
            })
        }
        Some(other) => Err(format!(
            "unknown payload kind `{other}` (use systemEvent or agentTurn)"
        )),
        None => Err("payload required (systemEvent text or agentTurn message)".into()),
    }
}

/// Checks a `session:<key>` target: no path separators or traversal.
fn check_session_target(t: &str) -> Result<(), String> {
    let key = t.strip_prefix("session:").unwrap_or("");
    if key.trim().is_empty() || key.contains('/') || key.contains('\\') || key.contains("..") {
        return Err(format!("invalid sessionTarget `{t}`"));
    }
    Ok(())
}

fn delivery_of(
    o: &Map<String, Value>,
    cfg: &Config,
    payload: &Payload,
) -> Result<Option<Delivery>, String> {
    if let Some(d) = o.get("delivery").filter(|d| !d.is_null()) {
        let d = d.as_object().ok_or("delivery must be an object")?;
        let mode = s(d, "mode").unwrap_or("announce").to_string();
        let delivery = Delivery {
            channel: s(d, "channel").map(str::to_string),
            to: s(d, "to").map(str::to_string),
            best_effort: d.get("bestEffort").and_then(Value::as_bool),
            mode,
        };
        match delivery.mode.as_str() {
            "none" | "announce" => {}
            "webhook" => {
                let url = delivery.to.as_deref().unwrap_or("");
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err("delivery.to must be an http(s) URL for webhook delivery".into());
                }
            }
            other => {
                return Err(format!(
                    "unknown delivery.mode `{other}` (use none, announce or webhook)"
                ))
            }
        }
        return Ok(Some(delivery));
    }
    if o.get("notify").and_then(Value::as_bool) == Some(true) {
        let url = cfg
            .cron
            .webhook
            .clone()
            .ok_or("notify: true needs cron.webhook to be configured")?;
        return Ok(Some(Delivery {
            mode: "webhook".into(),
            channel: None,
            to: Some(url),
            best_effort: None,
        }));
    }
    Ok(match payload {
        Payload::AgentTurn { .. } => Some(Delivery {
            mode: "announce".into(),
            channel: Some("last".into()),
            to: None,
            best_effort: None,
        }),
        Payload::SystemEvent { .. } => None,
    })
}

/// Builds a job from `cron.add` parameters (`id`/`created` given for updates).
pub fn build(
    params: &Value,
    cfg: &Config,
    id: String,
    created_at_ms: i64,
    now_ms: i64,
) -> Result<CronJob, String> {
    let o = match params.get("job") {
        Some(Value::Object(j)) => j,
        _ => params.as_object().ok_or("params must be an object")?,
    };
    let schedule = schedule_of(o.get("schedule"))?;
    let payload = payload_of(o)?;
    let target = match s(o, "sessionTarget") {
        None => match payload {
            Payload::SystemEvent { .. } => "main".to_string(),
            Payload::AgentTurn { .. } => "isolated".to_string(),
        },
        Some("current") => "isolated".to_string(),
        Some(t) => t.to_string(),
    };
    match (target.as_str(), &payload) {
        ("main", Payload::SystemEvent { .. }) => {}
        ("main", _) => return Err("main cron jobs require payload.kind=\"systemEvent\"".into()),
        ("isolated", Payload::AgentTurn { .. }) => {}
        ("isolated", _) => {
            return Err("isolated cron jobs require payload.kind=\"agentTurn\"".into())
        }
        (t, Payload::AgentTurn { .. }) if t.starts_with("session:") => check_session_target(t)?,
        (t, _) if t.starts_with("session:") => {
            check_session_target(t)?;
            return Err("session cron jobs require payload.kind=\"agentTurn\"".into());
        }
        (t, _) => {
            return Err(format!(
                "invalid sessionTarget `{t}` (use main, isolated or session:<key>)"
            ))
        }
    }
    let agent_id = match s(o, "agentId") {
        None => None,
        Some(a) => {
            let id = crate::config::normalize_agent_id(a)
                .ok_or_else(|| format!("invalid agentId `{a}`"))?;
            if cfg.agent(&id).is_none() {
                return Err(format!("unknown agentId `{id}`"));
            }
            Some(id)
        }
    };
    if target == "main" && agent_id.as_ref().is_some_and(|a| *a != cfg.default_agent) {
        return Err("main cron jobs run on the default agent only".into());
    }
    let wake_mode = match s(o, "wakeMode") {
        None => WakeMode::Now,
        Some(w) => WakeMode::parse(w).ok_or("wakeMode must be \"now\" or \"next-heartbeat\"")?,
    };
    let name = match s(o, "name") {
        Some(n) => n.to_string(),
        None => match &payload {
            Payload::SystemEvent { text } => text.chars().take(60).collect(),
            Payload::AgentTurn { message, .. } => message.chars().take(60).collect(),
        },
    };
    let delivery = delivery_of(o, cfg, &payload)?;
    let delete_after_run = o
        .get("deleteAfterRun")
        .and_then(Value::as_bool)
        .or(matches!(schedule, Schedule::At { .. }).then_some(true));
    Ok(CronJob {
        id,
        agent_id,
        session_key: s(o, "sessionKey").map(str::to_string),
        name,
        description: s(o, "description").map(str::to_string),
        enabled: o.get("enabled").and_then(Value::as_bool).unwrap_or(true),
        delete_after_run,
        created_at_ms,
        updated_at_ms: now_ms,
        schedule,
        session_target: target,
        wake_mode: wake_mode.as_str().into(),
        payload,
        delivery,
        state: JobState::default(),
    })
}

fn merge(into: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (k, v) in patch {
        if v.is_null() {
            into.remove(k);
        } else {
            into.insert(k.clone(), v.clone());
        }
    }
}

/// Applies a `cron.update` patch: top-level keys replace, `payload` and `delivery` merge
/// (a model-only payload patch keeps the message and makes the payload an agent turn),
/// `schedule` is replaced; `id`, timestamps and `state` cannot be patched.
pub fn patch(job: &CronJob, patch: &Value, cfg: &Config, now_ms: i64) -> Result<CronJob, String> {
    let p = patch.as_object().ok_or("patch must be an object")?;
    let mut v = job.to_value();
    let o = v.as_object_mut().ok_or("job is not an object")?;
    for (k, val) in p {
        match k.as_str() {
            "id" | "jobId" | "createdAtMs" | "updatedAtMs" | "state" => {}
            "payload" | "delivery" if val.is_object() => {
                let mut cur = o
                    .get(k)
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                if let Some(m) = val.as_object() {
                    merge(&mut cur, m);
                }
                if k == "payload"
                    && m_has_agent_fields(val)
                    && !val.get("kind").is_some_and(|k| k == "systemEvent")
                {
                    cur.insert("kind".into(), json!("agentTurn"));
                }
                o.insert(k.clone(), Value::Object(cur));
            }
            _ if val.is_null() => {
                o.remove(k);
            }
            _ => {
                o.insert(k.clone(), val.clone());
            }
        }
    }
    if job.session_target == "isolated"
        && !p.contains_key("sessionTarget")
        && matches!(job.payload, Payload::AgentTurn { .. })
    {
        o.insert("sessionTarget".into(), json!("isolated"));
    }
    let mut updated = build(&v, cfg, job.id.clone(), job.created_at_ms, now_ms)?;
    updated.state = job.state.clone();
    if updated.schedule != job.schedule {
        updated.state.retry_attempts = None;
    }
    Ok(updated)
}

fn m_has_agent_fields(v: &Value) -> bool {
    ["model", "message", "thinking", "timeoutSeconds"]
        .iter()
        .any(|k| v.get(*k).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> Config {
        crate::config::load(
            None,
            &crate::config::Overrides {
                state_dir: Some(std::env::temp_dir()),
                ..Default::default()
            },
        )
        .unwrap()
    }

    #[test]
    fn minimal_and_legacy_shapes_normalise() {
        let c = cfg();
        let j = build(
            &json!({"name": "n", "schedule": {"atMs": 1000}, "text": "hi"}),
            &c,
            "id".into(),
            0,
            0,
        )
        .unwrap();
        assert_eq!(j.session_target, "main");
        assert_eq!(j.wake_mode, "now");
        assert_eq!(
            j.schedule,
            Schedule::At {
                at: "1970-01-01T00:00:01.000Z".into()
            }
        );
        assert_eq!(j.delete_after_run, Some(true));
        let j = build(&json!({"job": {"name": "n", "schedule": {"cron": "0 7 * * *"}, "message": "m", "model": "p/m"}}), &c, "id".into(), 0, 0).unwrap();
        assert_eq!(j.session_target, "isolated");
        assert!(
            matches!(j.payload, Payload::AgentTurn { ref model, .. } if model.as_deref() == Some("p/m"))
        );
        assert_eq!(j.delivery.unwrap().mode, "announce");
    }

    #[test]
    fn target_and_payload_must_agree() {
        let c = cfg();
        let e = build(&json!({"schedule": {"everyMs": 10}, "sessionTarget": "main", "payload": {"kind": "agentTurn", "message": "m"}}), &c, "i".into(), 0, 0).unwrap_err();
        assert_eq!(e, "main cron jobs require payload.kind=\"systemEvent\"");
        let e = build(
            &json!({"schedule": {"everyMs": 10}, "sessionTarget": "session:../x", "message": "m"}),
            &c,
            "i".into(),
            0,
            0,
        )
        .unwrap_err();
        assert_eq!(e, "invalid sessionTarget `session:../x`");
        assert!(build(
            &json!({"schedule": {"everyMs": "10"}, "sessionTarget": "session:ops", "message": "m"}),
            &c,
            "i".into(),
            0,
            0
        )
        .is_ok());
        assert!(build(&json!({"text": "x"}), &c, "i".into(), 0, 0)
            .unwrap_err()
            .starts_with("schedule required"));
        let e = build(&json!({"schedule": {"everyMs": 10}, "message": "m", "delivery": {"mode": "webhook", "to": "ftp://x"}}), &c, "i".into(), 0, 0).unwrap_err();
        assert!(e.contains("http(s) URL"));
    }

    #[test]
    fn patches_merge_payload_and_delivery() {
        let c = cfg();
        let j = build(&json!({"name": "n", "schedule": {"everyMs": 10}, "message": "keep me", "delivery": {"mode": "announce", "channel": "slack"}}), &c, "i".into(), 0, 0).unwrap();
        let p = patch(&j, &json!({"payload": {"model": "p/m"}, "delivery": {"bestEffort": true}, "enabled": false, "payload_ignored": null}), &c, 5).unwrap();
        assert!(
            matches!(p.payload, Payload::AgentTurn { ref message, ref model, .. } if message == "keep me" && model.as_deref() == Some("p/m"))
        );
        let d = p.delivery.unwrap();
        assert_eq!(
            (d.channel.as_deref(), d.best_effort),
            (Some("slack"), Some(true))
        );
        assert!(!p.enabled);
        assert_eq!(p.updated_at_ms, 5);
        let p = patch(&j, &json!({"payload": {"timeoutSeconds": 0}}), &c, 5).unwrap();
        assert!(
            matches!(p.payload, Payload::AgentTurn { timeout_seconds: Some(t), .. } if t == 0.0)
        );
        assert!(patch(&j, &json!({"sessionTarget": "main"}), &c, 5).is_err());
    }
}
