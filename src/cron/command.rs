//! `clawgate cron …`: turns flags into `cron.*` RPC parameters, calls the running gateway
//! over the WebSocket RPC (one code path per operation, the same methods any operator
//! client uses) and prints the result (text, or the RPC payload with `--json`).

use super::schedule::{iso, parse_at_ms, parse_duration_ms};
use crate::cli::Remote;
use crate::cli_cron::{CronCmd, CronJobFlags};
use crate::client::fail;
use serde_json::{json, Map, Value};
use std::process::ExitCode;

/// The schedule given by `--at`/`--every`/`--cron`, if any.
fn schedule(f: &CronJobFlags, now_ms: i64) -> Result<Option<Value>, String> {
    if let Some(at) = &f.at {
        let ms = parse_at_ms(at)
            .filter(|_| at.contains('-') || at.contains(':'))
            .or_else(|| parse_duration_ms(at).map(|d| now_ms + d as i64))
            .ok_or_else(|| format!("--at `{at}` is neither an ISO time nor a duration like 20m"))?;
        return Ok(Some(json!({"kind": "at", "at": iso(ms)})));
    }
    if let Some(every) = &f.every {
        let ms = parse_duration_ms(every)
            .ok_or_else(|| format!("--every `{every}` is not a duration"))?;
        return Ok(Some(json!({"kind": "every", "everyMs": ms})));
    }
    if let Some(expr) = &f.cron {
        let mut s = json!({"kind": "cron", "expr": expr});
        if let Some(tz) = &f.tz {
            s["tz"] = json!(tz);
        }
        if f.exact {
            s["staggerMs"] = json!(0);
        } else if let Some(st) = &f.stagger {
            s["staggerMs"] = json!(parse_duration_ms(st)
                .ok_or_else(|| format!("--stagger `{st}` is not a duration"))?);
        }
        return Ok(Some(s));
    }
    Ok(None)
}

/// Payload fields given by the flags (merged by the gateway on `edit`).
fn payload(f: &CronJobFlags) -> Option<Value> {
    if let Some(text) = &f.system_event {
        return Some(json!({"kind": "systemEvent", "text": text}));
    }
    let mut p = Map::new();
    if let Some(m) = &f.message {
        p.insert("kind".into(), json!("agentTurn"));
        p.insert("message".into(), json!(m));
    }
    for (k, v) in [("model", &f.model), ("thinking", &f.thinking)] {
        if let Some(v) = v {
            p.insert(k.into(), json!(v));
        }
    }
    if let Some(t) = f.timeout_seconds {
        p.insert("timeoutSeconds".into(), json!(t));
    }
    (!p.is_empty()).then_some(Value::Object(p))
}

fn delivery(f: &CronJobFlags) -> Option<Value> {
    if f.no_deliver {
        return Some(json!({"mode": "none"}));
    }
    if !(f.announce || f.channel.is_some() || f.to.is_some() || f.best_effort_deliver) {
        return None;
    }
    let mut d = json!({"mode": "announce"});
    if let Some(c) = &f.channel {
        d["channel"] = json!(c);
    }
    if let Some(t) = &f.to {
        d["to"] = json!(t);
    }
    if f.best_effort_deliver {
        d["bestEffort"] = json!(true);
    }
    Some(d)
}

/// Fields common to `add` and `edit`.
fn fields(f: &CronJobFlags, now_ms: i64) -> Result<Map<String, Value>, String> {
    let mut o = Map::new();
    if let Some(s) = schedule(f, now_ms)? {
        o.insert("schedule".into(), s);
    }
    if let Some(p) = payload(f) {
        o.insert("payload".into(), p);
    }
    if let Some(d) = delivery(f) {
        o.insert("delivery".into(), d);
    }
    let session = f
        .session
        .as_deref()
        .map(|s| if s == "current" { "isolated" } else { s });
    for (k, v) in [
        ("name", f.name.as_deref()),
        ("description", f.description.as_deref()),
        ("sessionTarget", session),
        ("wakeMode", f.wake.as_deref()),
        ("agentId", f.agent.as_deref()),
    ] {
        if let Some(v) = v {
            o.insert(k.into(), json!(v));
        }
    }
    if f.delete_after_run {
        o.insert("deleteAfterRun".into(), json!(true));
    } else if f.keep_after_run {
        o.insert("deleteAfterRun".into(), json!(false));
    }
    Ok(o)
}

fn ms_text(v: &Value) -> String {
    v.as_i64().map(iso).unwrap_or_else(|| "-".into())
}

fn print_job(j: &Value) {
    let sched = &j["schedule"];
    let when = match sched["kind"].as_str() {
        Some("at") => format!("at {}", sched["at"].as_str().unwrap_or("?")),
        Some("every") => format!("every {} ms", sched["everyMs"]),
        Some("cron") => format!(
            "cron \"{}\"{}",
            sched["expr"].as_str().unwrap_or("?"),
            sched["tz"]
                .as_str()
                .map(|t| format!(" ({t})"))
                .unwrap_or_default()
        ),
        _ => "?".into(),
    };
    println!(
        "{}  {}  [{}] {}  {}  next {}  last {}",
        j["id"].as_str().unwrap_or("?"),
        j["name"].as_str().unwrap_or(""),
        if j["enabled"] == true { "on" } else { "off" },
        when,
        j["sessionTarget"].as_str().unwrap_or(""),
        ms_text(&j["state"]["nextRunAtMs"]),
        j["state"]["lastStatus"].as_str().unwrap_or("-"),
    );
}

fn render(method: &str, v: &Value) {
    match method {
        "cron.list" => {
            let jobs = v["jobs"].as_array().cloned().unwrap_or_default();
            if jobs.is_empty() {
                println!("no cron jobs");
            }
            jobs.iter().for_each(print_job);
        }
        "cron.add" | "cron.update" => print_job(v),
        "cron.status" => println!(
            "cron {} — {} job(s), next wake {}",
            if v["enabled"] == true {
                "enabled"
            } else {
                "disabled"
            },
            v["jobs"],
            ms_text(&v["nextWakeAtMs"])
        ),
        "cron.run" if v["enqueued"] == true => {
            println!("started run {}", v["runId"].as_str().unwrap_or("?"))
        }
        "cron.run" => println!("not run: {}", v["reason"].as_str().unwrap_or("?")),
        "cron.runs" => {
            for e in v["entries"].as_array().cloned().unwrap_or_default() {
                println!(
                    "{}  {}  {}  {}{}",
                    ms_text(&e["runAtMs"]),
                    e["jobId"].as_str().unwrap_or("?"),
                    e["status"].as_str().unwrap_or("?"),
                    e["deliveryStatus"].as_str().unwrap_or("-"),
                    e["error"]
                        .as_str()
                        .or(e["summary"].as_str())
                        .map(|s| format!("  {}", s.lines().next().unwrap_or("")))
                        .unwrap_or_default()
                );
            }
        }
        "cron.remove" => println!(
            "{}",
            if v["removed"] == true {
                "removed"
            } else {
                "no such job"
            }
        ),
        _ => println!("{v}"),
    }
}

fn call(remote: &Remote, method: &'static str, params: Value) -> ExitCode {
    crate::client_ops::call_and_print(remote, method, params, |v| render(method, v))
}

/// Runs a `clawgate cron` command.
pub fn run(cmd: CronCmd) -> ExitCode {
    let now = chrono::Utc::now().timestamp_millis();
    match cmd {
        CronCmd::Add(a) => {
            let mut o = match fields(&a.job, now) {
                Ok(o) => o,
                Err(e) => return fail(e),
            };
            if !o.contains_key("schedule") {
                return fail("one of --at, --every or --cron is required");
            }
            if !o.contains_key("payload") {
                return fail("one of --message or --system-event is required");
            }
            if a.disabled {
                o.insert("enabled".into(), json!(false));
            }
            call(&a.remote, "cron.add", Value::Object(o))
        }
        CronCmd::Edit(e) => {
            let mut patch = match fields(&e.job, now) {
                Ok(o) => o,
                Err(err) => return fail(err),
            };
            if e.enable || e.disable {
                patch.insert("enabled".into(), json!(e.enable));
            }
            if e.clear_agent {
                patch.insert("agentId".into(), Value::Null);
            }
            if patch.is_empty() {
                return fail("nothing to change");
            }
            call(
                &e.remote,
                "cron.update",
                json!({"id": e.id, "patch": patch}),
            )
        }
        CronCmd::List { all, remote } => {
            call(&remote, "cron.list", json!({"includeDisabled": all}))
        }
        CronCmd::Status { remote } => call(&remote, "cron.status", json!({})),
        CronCmd::Run { id, due, remote } => call(
            &remote,
            "cron.run",
            json!({"id": id, "mode": if due { "due" } else { "force" }}),
        ),
        CronCmd::Runs { id, limit, remote } => {
            let params = match id {
                Some(id) => json!({"scope": "job", "id": id, "limit": limit}),
                None => json!({"scope": "all", "limit": limit}),
            };
            call(&remote, "cron.runs", params)
        }
        CronCmd::Remove { id, remote } => call(&remote, "cron.remove", json!({"id": id})),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_at_becomes_an_iso_time() {
        let f = CronJobFlags {
            at: Some("20m".into()),
            system_event: Some("x".into()),
            ..Default::default()
        };
        let o = fields(&f, 0).unwrap();
        assert_eq!(
            o["schedule"],
            json!({"kind": "at", "at": "1970-01-01T00:20:00.000Z"})
        );
        assert_eq!(o["payload"], json!({"kind": "systemEvent", "text": "x"}));
    }

    #[test]
    fn announce_flags_build_the_delivery() {
        let f = CronJobFlags {
            cron: Some("0 7 * * *".into()),
            exact: true,
            message: Some("m".into()),
            announce: true,
            channel: Some("slack".into()),
            to: Some("channel:C1".into()),
            ..Default::default()
        };
        let o = fields(&f, 0).unwrap();
        assert_eq!(o["schedule"]["staggerMs"], 0);
        assert_eq!(
            o["delivery"],
            json!({"mode": "announce", "channel": "slack", "to": "channel:C1"})
        );
        assert!(fields(
            &CronJobFlags {
                every: Some("soon".into()),
                ..Default::default()
            },
            0
        )
        .is_err());
    }
}
