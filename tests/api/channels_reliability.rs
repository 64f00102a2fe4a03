//! Channel reliability (#17) as a user sees it, against the local Telegram fake: rapid
//! messages coalesced by `messages.queue.debounceMs`, an inbox row out of attempts given up
//! instead of replayed (and counted in `GET /v1/channels`), and, with two gateway processes
//! on one PostgreSQL store, unanswered rows replayed only by the node running the account —
//! at start and when it takes the account over from a killed node; rows past
//! `channels.retentionDays` pruned.

use crate::channels_telegram::{telegram_cfg, wait_channel_state};
use crate::cluster_leases::{runner, start_node};
use crate::fake_telegram::{FakeTelegram, BOT_TOKEN};
use crate::helpers::{last_user_text, spawn_in, spawn_with, TestGateway};
use crate::pg::PgCluster;
use clawgate::storage::{InboxRow, Store};
use clawgate_bench::mock::{MockUpstream, Reply};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// A stored Telegram DM from user 42 (`telegram:default`), as the inbox keeps it.
fn stored_dm(platform_id: &str, text: &str, attempts: i64) -> InboxRow {
    InboxRow {
        account: "telegram:default".into(),
        message_id: format!("42:{platform_id}"),
        body: json!({
            "channel": "telegram", "account": "default", "chatId": "42",
            "sender": {"id": "42", "username": "ada", "name": null},
            "text": text, "threadId": null, "isGroup": false, "messageId": platform_id,
            "mentioned": false, "guildId": null, "media": [],
        })
        .to_string(),
        received_at: clawgate::storage::now_ms(),
        attempts,
    }
}

/// Polls until no inbox row and no outbox row is pending (10 s deadline); whether that
/// happened.
async fn inbox_drained(store: &Store) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if store.inbox_pending().await.unwrap().is_empty()
            && store.outbox_pending().await.unwrap().is_empty()
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// The Telegram account in `GET /v1/channels`.
async fn telegram_account(t: &TestGateway) -> Value {
    let mut resp = t.get("/v1/channels").send().await.unwrap();
    let v: Value = resp.json().await.unwrap();
    let list = v["data"]["channels"]
        .as_array()
        .or(v["channels"].as_array())
        .cloned()
        .unwrap_or_default();
    list.into_iter()
        .find(|c| c["id"] == "telegram")
        .unwrap_or(Value::Null)
}

#[actix_web::test]
async fn rapid_messages_within_the_debounce_window_become_one_turn_and_one_reply() {
    let fake = FakeTelegram::start().await;
    let top = format!(
        "{} messages: {{ queue: {{ debounceMs: 300 }} }},",
        telegram_cfg(&fake, "")
    );
    let t = spawn_with("openai-completions", "", &top).await;
    wait_channel_state(&t, "telegram", "connected").await;
    t.upstream.push(Reply::text("one answer for three"));
    t.upstream.push(Reply::text("the next one"));

    fake.push_text(42, 42, "ada", "first line");
    fake.push_text(42, 42, "ada", "second line");
    fake.push_text(42, 42, "ada", "third line");
    let first = fake.wait_sent(1).await;
    // A message after the reply is a turn of its own.
    fake.push_text(42, 42, "ada", "later");
    let sent = fake.wait_sent(2).await;

    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0]["text"], "one answer for three");
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[1]["text"], "the next one");
    let reqs = t.upstream.requests();
    assert_eq!(reqs.len(), 2, "three quick messages ran one turn");
    assert_eq!(
        last_user_text(&reqs[0].body),
        "first line\nsecond line\nthird line"
    );
    assert_eq!(last_user_text(&reqs[1].body), "later");
    assert!(
        inbox_drained(t.store()).await,
        "every coalesced row is answered"
    );
}

#[actix_web::test]
async fn without_a_debounce_window_the_first_message_starts_its_turn_alone() {
    let fake = FakeTelegram::start().await;
    let t = spawn_with("openai-completions", "", &telegram_cfg(&fake, "")).await;
    wait_channel_state(&t, "telegram", "connected").await;
    t.upstream.push(Reply::text("to the first"));
    t.upstream.push(Reply::text("to the rest"));

    fake.push_text(42, 42, "ada", "first line");
    fake.push_text(42, 42, "ada", "second line");
    fake.push_text(42, 42, "ada", "third line");
    let sent = fake.wait_sent(2).await;

    assert_eq!(sent.len(), 2, "{sent:?}");
    let reqs = t.upstream.requests();
    assert_eq!(last_user_text(&reqs[0].body), "first line");
    let rest = last_user_text(&reqs[1].body);
    assert!(
        rest.starts_with("[Queued messages while agent was busy]"),
        "the others are collected as before: {rest}"
    );
}

#[actix_web::test]
async fn an_inbox_row_out_of_attempts_is_given_up_and_counted_not_replayed() {
    let fake = FakeTelegram::start().await;
    let upstream = MockUpstream::start().await.unwrap();
    upstream.push(Reply::text("retried answer"));
    let dir = tempfile::tempdir().unwrap();
    {
        let (store, _) = clawgate::storage::open(dir.path()).unwrap();
        let fresh = store
            .inbox_put(vec![
                stored_dm("900", "this one crashed the gateway three times", 3),
                stored_dm("901", "this one gets its third try", 2),
            ])
            .await
            .unwrap();
        assert_eq!(fresh, [true, true]);
    }
    let t = spawn_in(
        upstream,
        dir,
        "openai-completions",
        "",
        &telegram_cfg(&fake, ""),
    )
    .await;

    let sent = fake.wait_sent(1).await;
    let drained = inbox_drained(t.store()).await;
    let account = telegram_account(&t).await;

    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["text"], "retried answer");
    assert!(drained, "one row answered, one given up");
    let reqs = t.upstream.requests();
    assert_eq!(reqs.len(), 1, "the row at the limit ran no turn");
    assert_eq!(last_user_text(&reqs[0].body), "this one gets its third try");
    assert_eq!(account["inbox"]["failed"], 1, "{account}");
    assert_eq!(
        t.store().inbox_failed_counts().await.unwrap(),
        [("telegram:default".to_string(), 1)]
    );
}

#[actix_web::test]
async fn with_two_nodes_only_the_node_running_the_account_replays_its_inbox() {
    let cluster = PgCluster::shared();
    let db = cluster.create_db();
    let fake = FakeTelegram::start().await;
    let upstream = MockUpstream::start().await.unwrap();
    upstream.push(Reply::text("replayed once"));
    upstream.push(Reply::text("live answer"));
    upstream.push(Reply::text("replayed by the new runner"));
    let state = tempfile::tempdir().unwrap();
    let (store, _) = clawgate::storage::open_configured(
        &clawgate::config::StorageConfig::Postgres { url: db.clone() },
        state.path(),
        None,
    )
    .unwrap();
    store
        .inbox_put(vec![stored_dm("901", "left unanswered", 1)])
        .await
        .unwrap();
    let extra = format!(
        r#"channels: {{ telegram: {{ botToken: "{BOT_TOKEN}", apiRoot: "{}", dmPolicy: "allowlist", allowFrom: ["42"] }} }},"#,
        fake.api_root()
    );
    let mut nodes = Vec::new();
    for id in ["n1", "n2"] {
        nodes.push(start_node(id, &db, &upstream.base_url(), &extra).await);
    }
    let first = fake.wait_sent(1).await;
    // Both nodes are up (each did its start-up replay); one runs the account.
    let holder = runner(&nodes.iter().collect::<Vec<_>>()).await;
    fake.push_text(42, 42, "ada", "live message");
    let second = fake.wait_sent(2).await;
    let after_live = upstream.request_count();
    // The live message's rows are settled just after its reply went out.
    let live_done = inbox_drained(&store).await;

    // A row left while the holder runs it, then the holder dies: the other node replays it
    // when it takes the lease.
    store
        .inbox_put(vec![stored_dm("903", "left by the killed node", 1)])
        .await
        .unwrap();
    let mut gone = nodes.remove(holder);
    gone.proc.0.kill().unwrap();
    let _ = gone.proc.0.wait();
    let third = fake.wait_sent(3).await;
    let drained = inbox_drained(&store).await;

    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0]["text"], "replayed once");
    assert_eq!(second.len(), 2, "{second:?}");
    assert_eq!(second[1]["text"], "live answer");
    assert_eq!(after_live, 2, "the unanswered row ran on one node only");
    assert!(live_done);
    assert_eq!(third.len(), 3, "{third:?}");
    assert_eq!(third[2]["text"], "replayed by the new runner");
    assert!(drained);
    assert_eq!(fake.sent().len(), 3, "no reply went out twice");
    let reqs = upstream.requests();
    let texts: Vec<String> = reqs.iter().map(|r| last_user_text(&r.body)).collect();
    assert_eq!(reqs.len(), 3, "{texts:?} sent {:?}", fake.sent());
    assert_eq!(last_user_text(&reqs[0].body), "left unanswered");
    assert_eq!(last_user_text(&reqs[2].body), "left by the killed node");
    drop(gone);
}

#[actix_web::test]
async fn rows_past_channels_retention_days_are_pruned_at_start() {
    use clawgate::storage::{OutboxRow, OutboxState};
    let fake = FakeTelegram::start().await;
    let upstream = MockUpstream::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let day = 86_400_000;
    let now = clawgate::storage::now_ms();
    let failed = |id: &str, at: i64| OutboxRow {
        id: id.into(),
        seq: at,
        account: "telegram:default".into(),
        chat: "42\u{1f}".into(),
        payload: "{}".into(),
        state: OutboxState::Failed,
        attempts: 5,
        next_at: at,
        created_at: at,
        last_error: Some("HTTP 400".into()),
    };
    {
        let (store, _) = clawgate::storage::open(dir.path()).unwrap();
        let old = InboxRow {
            received_at: now - 3 * day,
            ..stored_dm("800", "answered long ago", 1)
        };
        store.inbox_put(vec![old]).await.unwrap();
        store
            .inbox_done("telegram:default", vec!["42:800".into()], now - 3 * day)
            .await
            .unwrap();
        store
            .outbox_put(&[failed("old", now - 3 * day), failed("recent", now - 1000)])
            .await
            .unwrap();
    }
    let t = spawn_in(
        upstream,
        dir,
        "openai-completions",
        "",
        &format!("{} ", telegram_cfg(&fake, "")).replace(
            "channels: { telegram:",
            "channels: { retentionDays: 2, telegram:",
        ),
    )
    .await;

    let deadline = Instant::now() + Duration::from_secs(10);
    let store = t.store().clone();
    let counts = || async {
        (
            store.count_rows("channel_inbox").await.unwrap(),
            store.count_rows("channel_outbox").await.unwrap(),
        )
    };
    let mut account = telegram_account(&t).await;
    while (counts().await != (0, 1) || account["delivery"]["failed"] != 1)
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
        account = telegram_account(&t).await;
    }

    assert_eq!(counts().await, (0, 1), "only the recent failed row is kept");
    assert_eq!(account["delivery"]["failed"], 1, "{account}");
}
