//! Inbound routing end to end over the fake Telegram Bot API: `bindings` pick the agent,
//! queue modes `steer` and `interrupt` act on the running turn, and a session's last route
//! survives a restart.

use crate::channels_telegram::{telegram_cfg, wait_channel_state};
use crate::fake_telegram::FakeTelegram;
use crate::helpers::{eventually, last_user_text, spawn_in, spawn_with};
use crate::ws_client::WsClient;
use clawgate_bench::mock::{MockUpstream, Reply};
use serde_json::json;
use std::time::Duration;

/// A named pipe: `cat` on it blocks until the test writes to it.
fn gate(dir: &std::path::Path) -> std::path::PathBuf {
    let p = dir.join("gate");
    let ok = std::process::Command::new("mkfifo")
        .arg(&p)
        .status()
        .unwrap()
        .success();
    assert!(ok, "mkfifo");
    p
}

/// Opens the pipe for writing (on a thread: the open waits for the reader) and closes it.
fn release(gate: &std::path::Path) {
    let p = gate.to_path_buf();
    std::thread::spawn(move || std::fs::write(p, "go\n").unwrap());
}

/// Waits until the connector has fetched update `id` (its next poll asks for `id + 1`).
async fn fetched(fake: &FakeTelegram, id: i64) {
    assert!(eventually(|| fake.offsets().contains(&(id + 1))).await);
}

const EXEC: &str =
    r#"tools: { profile: "coding", exec: { security: "full", ask: "off", timeoutSec: 30 } },"#;

#[actix_web::test]
async fn steer_adds_a_message_to_the_running_turn_before_its_next_model_call() {
    let fake = FakeTelegram::start().await;
    let pipes = tempfile::tempdir().unwrap();
    let gate = gate(pipes.path());
    let top = format!(
        "{} {EXEC} messages: {{ queue: {{ mode: \"collect\", byChannel: {{ telegram: \"steer\" }} }} }},",
        telegram_cfg(&fake, "")
    );
    let t = spawn_with("openai-completions", "", &top).await;
    let cmd = json!({"command": format!("cat {}", gate.display())});
    t.upstream.push(Reply::tool_call("exec", &cmd.to_string()));
    t.upstream.push(Reply::text("done, and noted"));
    fake.push_text(42, 42, "ada", "run the job");
    assert!(eventually(|| t.upstream.request_count() == 1).await);

    // The turn waits in its tool; the second message arrives meanwhile.
    let second = fake.push_text(42, 42, "ada", "also email me the result");
    fetched(&fake, second).await;
    release(&gate);
    let sent = fake.wait_sent(1).await;

    assert_eq!(sent.len(), 1, "one turn, one reply: {sent:?}");
    assert_eq!(sent[0]["text"], "done, and noted");
    let reqs = t.upstream.requests();
    assert_eq!(reqs.len(), 2, "no followup turn");
    let msgs = reqs[1].body["messages"].as_array().unwrap();
    let last = msgs.last().unwrap();
    assert_eq!(last["role"], "user", "after the tool result: {msgs:?}");
    assert_eq!(last["content"], "also email me the result");
    assert_eq!(msgs[msgs.len() - 2]["role"], "tool");
}

#[actix_web::test]
async fn steer_during_the_final_answer_runs_the_message_as_a_followup() {
    let fake = FakeTelegram::start().await;
    let top = format!(
        "{} messages: {{ queue: {{ mode: \"steer\" }} }},",
        telegram_cfg(&fake, "")
    );
    let t = spawn_with("openai-completions", "", &top).await;
    t.upstream
        .push(Reply::text("first answer").with_first_byte_delay(Duration::from_millis(800)));
    t.upstream.push(Reply::text("second answer"));
    fake.push_text(42, 42, "ada", "one");
    assert!(eventually(|| t.upstream.request_count() == 1).await);
    fake.push_text(42, 42, "ada", "two");

    let sent = fake.wait_sent(2).await;

    let texts: Vec<&str> = sent.iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(texts, vec!["first answer", "second answer"]);
    let reqs = t.upstream.requests();
    assert_eq!(last_user_text(&reqs[1].body), "two");
}

#[actix_web::test]
async fn interrupt_aborts_the_running_turn_and_answers_the_new_message() {
    let fake = FakeTelegram::start().await;
    let top = format!(
        "{} messages: {{ queue: {{ mode: \"interrupt\" }} }},",
        telegram_cfg(&fake, "")
    );
    let t = spawn_with("openai-completions", "", &top).await;
    // The first answer would take a minute; the interrupt must not wait for it.
    t.upstream
        .push(Reply::text("slow answer").with_first_byte_delay(Duration::from_secs(60)));
    t.upstream.push(Reply::text("answer to the correction"));
    fake.push_text(42, 42, "ada", "write a long essay");
    assert!(eventually(|| t.upstream.request_count() == 1).await);
    fake.push_text(42, 42, "ada", "no, just one line");

    let sent = fake.wait_sent(1).await;

    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["text"], "answer to the correction");
    let reqs = t.upstream.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(last_user_text(&reqs[1].body), "no, just one line");
    assert!(
        !fake.sent().iter().any(|m| m["text"] == "slow answer"),
        "the aborted turn sends nothing"
    );
}

#[actix_web::test]
async fn a_binding_routes_a_peer_to_its_agent() {
    let fake = FakeTelegram::start().await;
    let top = format!(
        "{} bindings: [{{ agentId: \"beta\", match: {{ channel: \"telegram\", peer: {{ kind: \"direct\", id: \"42\" }} }} }}],",
        telegram_cfg(&fake, "")
    );
    let t = spawn_with("openai-completions", "", &top).await;
    t.upstream.push(Reply::text("beta here"));
    t.upstream.push(Reply::text("main here"));
    fake.push_text(42, 42, "ada", "who answers?");
    assert_eq!(fake.wait_sent(1).await.len(), 1);
    fake.push_text(55, 55, "carol", "and me?");

    let sent = fake.wait_sent(2).await;

    assert_eq!(sent[0]["text"], "beta here");
    assert_eq!(sent[1]["chat_id"], 55);
    let store = t.store();
    assert!(store
        .get_session("agent:beta:main")
        .await
        .unwrap()
        .is_some());
    assert!(store
        .get_session("agent:main:main")
        .await
        .unwrap()
        .is_some());
}

#[actix_web::test]
async fn the_last_route_survives_a_restart() {
    let fake = FakeTelegram::start().await;
    let upstream = MockUpstream::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let top = format!(
        "{} session: {{ dmScope: \"per-channel-peer\" }},",
        telegram_cfg(&fake, "")
    );
    let t = spawn_in(upstream, dir, "openai-completions", "", &top).await;
    t.upstream.push(Reply::text("hi"));
    fake.push_text(42, 42, "ada", "hello");
    assert_eq!(fake.wait_sent(1).await.len(), 1);
    let (upstream, dir) = t.stop().await;

    let t = spawn_in(upstream, dir, "openai-completions", "", &top).await;
    wait_channel_state(&t, "telegram", "connected").await;
    let (mut c, _) = WsClient::operator(&t, &["operator.write"]).await;
    let res = c
        .call(
            "send",
            json!({"channel": "last", "sessionKey": "agent:main:telegram:direct:42",
                   "message": "reminder: stand-up", "idempotencyKey": "last-1"}),
        )
        .await;
    let unknown = c
        .call(
            "send",
            json!({"channel": "last", "sessionKey": "agent:main:nobody",
                   "message": "lost", "idempotencyKey": "last-2"}),
        )
        .await;

    assert_eq!(res["ok"], true, "{res}");
    assert_eq!(res["payload"]["to"], "42");
    let sent = fake.wait_sent(2).await;
    assert_eq!(sent[1]["chat_id"], 42);
    assert_eq!(sent[1]["text"], "reminder: stand-up");
    assert_eq!(unknown["ok"], false, "{unknown}");
    assert!(
        unknown["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no chat has written"),
        "{unknown}"
    );
}
