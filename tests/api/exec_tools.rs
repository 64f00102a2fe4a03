//! The shell tools end to end, with real processes: `exec` off by default, a command's
//! output reaching the next model request, `workdir` confined to the workspace, a command
//! that outlives its timeout killed with its children, no zombie or leftover process after
//! 100 runs, approvals over the WebSocket (allow, deny, timeout), and a background job
//! driven through `process` (poll, write stdin, kill).

use crate::helpers::*;
use crate::ws_client::WsClient;
use clawgate_bench::mock::Reply;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::{Duration, Instant};

const FULL: &str =
    r#"tools: { profile: "coding", exec: { security: "full", ask: "off", timeoutSec: 30 } }"#;

/// Scripts `calls` then a final text, runs one chat turn as `user`; returns the tool results
/// the model was sent, in order.
async fn turn(t: &TestGateway, user: &str, calls: &[(&str, Value)]) -> Vec<String> {
    let before = t.upstream.request_count();
    for (name, args) in calls {
        t.upstream.push(Reply::tool_call(name, &args.to_string()));
    }
    t.upstream.push(Reply::text("done"));
    let (s, body) = t
        .chat(json!({"user": user, "messages": [{"role": "user", "content": "run it"}]}))
        .await;
    assert_eq!(s, 200, "{body}");
    let reqs = t.upstream.requests();
    assert_eq!(reqs.len(), before + calls.len() + 1);
    reqs[before + 1..].iter().map(last_tool_text).collect()
}

/// The number after `tag` in `text` (`tag` = `leader:` → the pid the command printed).
fn pid_after(text: &str, tag: &str) -> i32 {
    let at = text
        .find(tag)
        .unwrap_or_else(|| panic!("no {tag} in {text}"))
        + tag.len();
    text[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

/// `(pid, state, ppid, pgrp)` of every process on the machine.
fn processes() -> Vec<(i32, char, i32, i32)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid pgrp …`; comm may hold spaces and parentheses.
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 2..]) else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        let state = f[0].chars().next().unwrap_or('?');
        out.push((
            pid,
            state,
            f[1].parse().unwrap_or(0),
            f[2].parse().unwrap_or(0),
        ));
    }
    out
}

fn exists(pid: i32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

#[actix_web::test]
async fn exec_is_off_unless_enabled() {
    // No tool policy at all: the shell tools are not even offered.
    let t = spawn().await;
    turn(&t, "u", &[]).await;
    let offered = t.upstream.requests()[0].body["tools"].to_string();
    assert!(!offered.contains("\"exec\""), "{offered}");
    assert!(!offered.contains("\"process\""), "{offered}");
    t.stop().await;

    // Offered by the coding profile, but `tools.exec.security` defaults to deny.
    let t = spawn_with("openai-completions", "", r#"tools: { profile: "coding" }"#).await;
    let marker = t.dir.path().join("workspace/ran.txt");
    let results = turn(
        &t,
        "u",
        &[("exec", json!({"command": "echo hi > ran.txt"}))],
    )
    .await;
    assert!(results[0].contains("exec is disabled"), "{}", results[0]);
    assert!(!marker.exists());
    t.stop().await;
}

#[actix_web::test]
async fn the_model_runs_a_command_and_reads_its_output() {
    let t = spawn_with("openai-completions", "", FULL).await;
    std::fs::create_dir_all(t.dir.path().join("workspace/sub")).unwrap();
    let results = turn(
        &t,
        "u",
        &[
            ("exec", json!({"command": "echo hi; echo oops >&2; pwd"})),
            ("exec", json!({"command": "pwd", "workdir": "sub"})),
            ("exec", json!({"command": "env", "env": {"FOO": "bar"}})),
            ("exec", json!({"command": "exit 3"})),
            ("exec", json!({"command": "pwd", "workdir": "../"})),
            (
                "exec",
                json!({"command": "true", "env": {"LD_PRELOAD": "/x.so"}}),
            ),
        ],
    )
    .await;
    assert!(results[0].starts_with("hi\noops\n"), "{}", results[0]);
    assert!(
        results[0].trim_end().ends_with("/workspace"),
        "{}",
        results[0]
    );
    assert!(
        results[1].trim_end().ends_with("/workspace/sub"),
        "{}",
        results[1]
    );
    // Only the scrubbed environment: no token, no provider key, nothing else of the gateway's.
    let allowed = [
        "PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "TERM",
        "PWD", "OLDPWD", "SHLVL", "_", "FOO",
    ];
    for line in results[2].lines() {
        let name = line.split('=').next().unwrap();
        assert!(allowed.contains(&name), "unexpected variable {line}");
    }
    assert!(results[2].contains("FOO=bar"), "{}", results[2]);
    assert!(
        results[3].contains("Command exited with code 3"),
        "{}",
        results[3]
    );
    assert!(
        results[4].contains("path escapes the workspace"),
        "{}",
        results[4]
    );
    assert!(results[5].contains("may not be set"), "{}", results[5]);
    t.stop().await;
}

#[actix_web::test]
async fn a_command_that_outlives_its_timeout_is_killed_with_its_children() {
    let t = spawn_with("openai-completions", "", FULL).await;
    let started = Instant::now();
    let results = turn(
        &t,
        "u",
        &[(
            "exec",
            json!({"command": "sleep 100 & echo child:$!; echo leader:$$; sleep 100", "timeout": 1}),
        )],
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(20));
    let r = &results[0];
    assert!(r.contains("timed out after 1 seconds"), "{r}");
    let (child, leader) = (pid_after(r, "child:"), pid_after(r, "leader:"));
    // Killed and reaped before the result came back: not even a zombie is left.
    assert!(!exists(child), "child {child} still exists");
    assert!(!exists(leader), "leader {leader} still exists");
    assert!(!processes().iter().any(|p| p.3 == leader));
    t.stop().await;
}

#[actix_web::test]
async fn a_hundred_runs_leave_no_zombie_and_no_leftover_process() {
    let t = spawn_with("openai-completions", "", FULL).await;
    let app = t.gw.as_ref().unwrap().state.app.clone();
    let mut groups = HashSet::new();
    for i in 0..100 {
        // Each run leaves a background child behind for the gateway to kill and reap.
        let r = app
            .invoke_tool(
                "exec",
                json!({"command": format!("sleep 30 & echo leader:$$ run {i}")}),
                "agent:main:main".into(),
                "main".into(),
                true,
            )
            .await
            .expect("exec ran");
        let text = r["content"][0]["text"].as_str().unwrap().to_string();
        assert!(text.contains(&format!("run {i}")), "{text}");
        groups.insert(pid_after(&text, "leader:"));
    }
    assert_eq!(groups.len(), 100);
    let me = std::process::id() as i32;
    let procs = processes();
    let left: Vec<_> = procs.iter().filter(|p| groups.contains(&p.3)).collect();
    assert!(left.is_empty(), "processes of exec groups remain: {left:?}");
    // Only this test's runs: other tests in this binary run tools too (their children are this
    // process's children for the moment between exit and reaping).
    let zombies: Vec<_> = procs
        .iter()
        .filter(|p| p.2 == me && p.1 == 'Z' && groups.contains(&p.3))
        .collect();
    assert!(zombies.is_empty(), "zombie children: {zombies:?}");
    t.stop().await;
}

const ASK: &str = r#"tools: { profile: "coding", exec: { security: "allowlist", ask: "on-miss", allowlist: ["echo"], approvalTimeoutSec: 1 } }"#;

/// Runs a turn whose model calls `exec {command}` while `ws` answers the approval request with
/// `decision` (or not at all); returns the tool result, the request event and the frames seen.
async fn approval_turn(
    t: &TestGateway,
    ws: &mut WsClient,
    command: &str,
    decision: Option<&str>,
) -> (String, Value, Vec<Value>) {
    t.upstream.push(Reply::tool_call(
        "exec",
        &json!({"command": command}).to_string(),
    ));
    t.upstream.push(Reply::text("done"));
    let chat = t.chat(json!({"user": "ops", "messages": [{"role": "user", "content": "go"}]}));
    let operator = async {
        let (req, mut seen) = ws.until(|v| v["event"] == "exec.approval.requested").await;
        if let Some(d) = decision {
            let id = req["payload"]["id"].as_str().unwrap().to_string();
            let lid = ws.req("exec.approval.list", json!({})).await;
            let (list, more) = ws.until(|v| v["type"] == "res" && v["id"] == lid).await;
            seen.extend(more);
            assert_eq!(list["payload"]["approvals"][0]["id"], id.as_str(), "{list}");
            let rid = ws
                .req("exec.approval.resolve", json!({"id": id, "decision": d}))
                .await;
            let (res, more) = ws.until(|v| v["type"] == "res" && v["id"] == rid).await;
            assert_eq!(res["ok"], true, "{res}");
            seen.extend(more);
        }
        // Everything up to the end of the run.
        let (end, more) = ws
            .until(|v| v["event"] == "chat" && v["payload"]["state"] == "final")
            .await;
        seen.extend(more);
        seen.push(end);
        (req, seen)
    };
    let ((s, body), (req, seen)) = futures_util::future::join(chat, operator).await;
    assert_eq!(s, 200, "{body}");
    let reqs = t.upstream.requests();
    (last_tool_text(&reqs[reqs.len() - 1]), req, seen)
}

#[actix_web::test]
async fn operators_approve_and_deny_commands_over_the_websocket() {
    let t = spawn_with("openai-completions", "", ASK).await;
    let (mut ws, hello) = WsClient::operator(&t, &["operator.approvals", "operator.read"]).await;
    assert!(hello["features"]["events"]
        .to_string()
        .contains("exec.approval.requested"));

    // Allowlisted: runs without asking.
    let r = turn(&t, "ops", &[("exec", json!({"command": "echo listed"}))]).await;
    assert!(r[0].contains("listed"), "{}", r[0]);

    // Off the allowlist: an operator allows it once.
    let marker = t.dir.path().join("workspace/approved.txt");
    let (r, req, seen) = approval_turn(
        &t,
        &mut ws,
        "touch approved.txt && echo ran",
        Some("allow-once"),
    )
    .await;
    assert!(r.contains("ran"), "{r}");
    assert!(marker.exists());
    let p = &req["payload"];
    assert_eq!(p["request"]["command"], "touch approved.txt && echo ran");
    assert_eq!(p["request"]["agentId"], "main");
    assert!(p["request"]["sessionKey"]
        .as_str()
        .unwrap()
        .starts_with("agent:main:"));
    assert!(p["expiresAtMs"].as_i64().unwrap() > p["createdAtMs"].as_i64().unwrap());
    assert!(seen.iter().any(
        |v| v["event"] == "exec.approval.resolved" && v["payload"]["decision"] == "allow-once"
    ));

    // The run's own events show the approval.
    let approval_events: Vec<&Value> = seen
        .iter()
        .filter(|v| v["event"] == "agent" && v["payload"]["stream"] == "approval")
        .collect();
    assert!(
        approval_events
            .iter()
            .any(|v| v["payload"]["data"]["phase"] == "resolved"),
        "{seen:?}"
    );

    // Denied: the tool reports it and nothing runs.
    let marker = t.dir.path().join("workspace/denied.txt");
    let (r, _, _) = approval_turn(&t, &mut ws, "touch denied.txt", Some("deny")).await;
    assert!(r.contains("denied by operator"), "{r}");
    assert!(!marker.exists());

    // Nobody answers: denied when the approval times out.
    let marker = t.dir.path().join("workspace/late.txt");
    let (r, _, seen) = approval_turn(&t, &mut ws, "touch late.txt", None).await;
    assert!(r.contains("denied") && r.contains("timed out"), "{r}");
    assert!(!marker.exists());
    let resolved = seen
        .iter()
        .find(|v| v["event"] == "exec.approval.resolved")
        .expect("resolved event");
    assert_eq!(resolved["payload"]["decision"], "deny");
    assert_eq!(resolved["payload"]["resolvedBy"], "timeout");

    // An unknown id.
    let res = ws
        .call(
            "exec.approval.resolve",
            json!({"id": "nope", "decision": "allow-once"}),
        )
        .await;
    assert_eq!(res["error"]["code"], "APPROVAL_NOT_FOUND", "{res}");
    t.stop().await;
}

#[actix_web::test]
async fn without_an_approver_connected_the_command_is_denied_at_once() {
    let t = spawn_with("openai-completions", "", ASK).await;
    let r = turn(&t, "ops", &[("exec", json!({"command": "touch x.txt"}))]).await;
    assert!(r[0].contains("no operator"), "{}", r[0]);
    assert!(!t.dir.path().join("workspace/x.txt").exists());
    t.stop().await;
}

#[actix_web::test]
async fn a_background_job_is_polled_fed_and_killed_through_process() {
    let t = spawn_with("openai-completions", "", FULL).await;
    let cmd = "echo ready; read line; echo got:$line; echo leader:$$; sleep 100";
    let r = turn(
        &t,
        "bg",
        &[("exec", json!({"command": cmd, "background": true}))],
    )
    .await;
    assert!(r[0].contains("Command still running"), "{}", r[0]);
    let id = r[0]
        .split("session ")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .unwrap()
        .to_string();
    let r = turn(
        &t,
        "bg",
        &[
            (
                "process",
                json!({"action": "poll", "sessionId": id, "timeout": 10000}),
            ),
            (
                "process",
                json!({"action": "write", "sessionId": id, "data": "hello\n"}),
            ),
            (
                "process",
                json!({"action": "poll", "sessionId": id, "timeout": 10000}),
            ),
            ("process", json!({"action": "list"})),
            ("process", json!({"action": "kill", "sessionId": id})),
            ("process", json!({"action": "poll", "sessionId": id})),
            ("process", json!({"action": "log", "sessionId": id})),
        ],
    )
    .await;
    assert!(
        r[0].contains("ready") && r[0].contains("Process still running"),
        "{}",
        r[0]
    );
    assert!(r[1].contains("Wrote 6 bytes"), "{}", r[1]);
    assert!(r[2].contains("got:hello"), "{}", r[2]);
    assert!(r[3].contains(&id) && r[3].contains("running"), "{}", r[3]);
    assert!(r[4].contains("Killed session"), "{}", r[4]);
    assert!(r[5].contains("Process was killed"), "{}", r[5]);
    assert!(r[6].contains("ready\ngot:hello"), "{}", r[6]);
    let leader = pid_after(&r[6], "leader:");
    assert!(!exists(leader), "leader {leader} still exists");

    // Another session does not see it.
    let r = turn(
        &t,
        "other",
        &[("process", json!({"action": "poll", "sessionId": id}))],
    )
    .await;
    assert!(r[0].contains("No session found"), "{}", r[0]);
    t.stop().await;
}

#[actix_web::test]
async fn gateway_shutdown_kills_background_jobs() {
    let t = spawn_with("openai-completions", "", FULL).await;
    let r = turn(
        &t,
        "bg",
        &[(
            "exec",
            json!({"command": "echo leader:$$; sleep 100", "background": true, "yieldMs": 0}),
        )],
    )
    .await;
    assert!(r[0].contains("Command still running"), "{}", r[0]);
    let pid = r[0]
        .split("pid ")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .unwrap()
        .parse::<i32>()
        .unwrap();
    assert!(exists(pid));
    t.stop().await;
    assert!(!exists(pid), "pid {pid} survived shutdown");
}

#[actix_web::test]
async fn aborting_the_run_kills_its_command_and_children() {
    let t = spawn_with("openai-completions", "", FULL).await;
    let app = t.gw.as_ref().unwrap().state.app.clone();
    let pid_file = t.dir.path().join("workspace/pid.txt");
    let cmd = "sleep 100 & echo $$ > pid.tmp && mv pid.tmp pid.txt; sleep 100";
    t.upstream.push(Reply::tool_call(
        "exec",
        &json!({"command": cmd}).to_string(),
    ));
    t.upstream.push(Reply::text("done"));
    let chat = t.chat(json!({"user": "ab", "messages": [{"role": "user", "content": "go"}]}));
    let abort = async {
        // The command itself says when it runs (an external signal: a file it writes).
        assert!(
            eventually(|| pid_file.exists()).await,
            "the command never started"
        );
        let pid: i32 = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(exists(pid));
        let aborted = app
            .abort(clawgate::app::turns::AbortTarget::Session(
                "agent:main:openai-user:ab".into(),
            ))
            .await;
        assert!(aborted);
        pid
    };
    let (_, pid) = futures_util::future::join(chat, abort).await;
    // Killed with its background child: the process table empties of its group.
    assert!(
        eventually(|| !processes().iter().any(|p| p.3 == pid)).await,
        "processes of group {pid} survived the abort"
    );
    t.stop().await;
}

#[actix_web::test]
async fn tools_invoke_keeps_exec_denied_even_when_enabled() {
    let t = spawn_with("openai-completions", "", FULL).await;
    let (s, _, b) = t
        .post_json(
            "/tools/invoke",
            json!({"tool": "exec", "args": {"command": "touch http.txt"}}),
        )
        .await;
    assert_eq!(s, 404, "{b}");
    assert!(!t.dir.path().join("workspace/http.txt").exists());
    // `process` is not on OpenClaw's HTTP deny list: it sees the session's (no) jobs.
    let (s, _, b) = t
        .post_json(
            "/tools/invoke",
            json!({"tool": "process", "args": {"action": "list"}, "sessionKey": "main"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["result"]["details"]["sessions"], json!([]));
    t.stop().await;
}

#[actix_web::test]
async fn an_approval_is_withdrawn_when_its_run_is_aborted() {
    let t = spawn_with(
        "openai-completions",
        "",
        &ASK.replace("approvalTimeoutSec: 1", "approvalTimeoutSec: 60"),
    )
    .await;
    let app = t.gw.as_ref().unwrap().state.app.clone();
    let (mut ws, _) = WsClient::operator(&t, &["operator.approvals"]).await;
    t.upstream.push(Reply::tool_call(
        "exec",
        &json!({"command": "touch never.txt"}).to_string(),
    ));
    t.upstream.push(Reply::text("done"));
    let chat = t.chat(json!({"user": "wd", "messages": [{"role": "user", "content": "go"}]}));
    let operator = async {
        let (req, _) = ws.until(|v| v["event"] == "exec.approval.requested").await;
        app.abort(clawgate::app::turns::AbortTarget::Session(
            "agent:main:openai-user:wd".into(),
        ))
        .await;
        let (resolved, _) = ws.until(|v| v["event"] == "exec.approval.resolved").await;
        (req, resolved)
    };
    let (_, (req, resolved)) = futures_util::future::join(chat, operator).await;
    assert_eq!(resolved["payload"]["id"], req["payload"]["id"]);
    assert_eq!(resolved["payload"]["resolvedBy"], "cancelled");
    let list = ws.call("exec.approval.list", json!({})).await;
    assert_eq!(list["payload"]["approvals"], json!([]), "{list}");
    assert!(!t.dir.path().join("workspace/never.txt").exists());
    t.stop().await;
}

#[actix_web::test]
async fn a_skills_api_key_reaches_the_commands_environment_but_not_the_gateways() {
    let upstream = clawgate_bench::mock::MockUpstream::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let skill = dir.path().join("workspace/skills/keyed");
    std::fs::create_dir_all(&skill).unwrap();
    std::fs::write(
        skill.join("SKILL.md"),
        "---\nname: keyed\ndescription: Needs a key\nmetadata: {\"openclaw\": {\"primaryEnv\": \"CLAWGATE_EXEC_SKILL_KEY\"}}\n---\n",
    )
    .unwrap();
    let top = format!(
        r#"{}, skills: {{ load: {{ includeUserDir: false }}, entries: {{ keyed: {{ apiKey: "sk-from-skill" }} }} }}"#,
        FULL
    );
    let t = spawn_in(upstream, dir, "openai-completions", "", &top).await;
    let results = turn(
        &t,
        "u",
        &[(
            "exec",
            json!({"command": "echo key=$CLAWGATE_EXEC_SKILL_KEY"}),
        )],
    )
    .await;
    assert!(results[0].contains("key=sk-from-skill"), "{}", results[0]);
    assert!(
        std::env::var("CLAWGATE_EXEC_SKILL_KEY").is_err(),
        "the gateway's own environment is never changed"
    );
    t.stop().await;
}
