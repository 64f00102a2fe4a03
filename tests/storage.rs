//! The storage traits, one suite for every backend: each test function takes a [`Store`] and
//! is run against SQLite (a temp state dir) and PostgreSQL (a fresh database on a throwaway
//! cluster, see `support/postgres.rs`). What one backend does, the other must do too.

#[path = "support/postgres.rs"]
mod postgres;

use clawgate::providers::types::{Role, ToolCall, Usage};
use clawgate::storage::{
    AuditEntry, InboxRow, KeyRow, MemoryFile, NewChunk, NewMessage, OutboxRow, OutboxState,
    RunLogQuery, RunStatus, SessionPatch, SessionQuery, Store, StoredResponse, TurnEnd, UsageDelta,
    UsageQuery,
};
use postgres::PgCluster;
use std::sync::Arc;

/// A store, how to open it again (as a restarted gateway would), and what keeps it alive
/// (dropped after the store).
struct Fixture {
    store: Store,
    config: clawgate::config::StorageConfig,
    dir: tempfile::TempDir,
    _cluster: Option<Arc<PgCluster>>,
}

impl Fixture {
    fn open(config: clawgate::config::StorageConfig, cluster: Option<Arc<PgCluster>>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = clawgate::storage::open_configured(&config, dir.path(), None).unwrap();
        Fixture {
            store,
            config,
            dir,
            _cluster: cluster,
        }
    }

    /// Opens the same store again: the store and how many runs it marked interrupted.
    fn reopen(&self) -> (Store, usize) {
        clawgate::storage::open_configured(&self.config, self.dir.path(), None).unwrap()
    }
}

fn sqlite() -> Fixture {
    let f = Fixture::open(clawgate::config::StorageConfig::Sqlite, None);
    assert_eq!(f.store.describe(), "sqlite:clawgate.sqlite");
    f
}

fn postgres() -> Fixture {
    let cluster = PgCluster::shared();
    let url = cluster.create_db();
    let f = Fixture::open(
        clawgate::config::StorageConfig::Postgres { url },
        Some(cluster),
    );
    assert!(
        f.store.describe().starts_with("postgres:t_"),
        "{}",
        f.store.describe()
    );
    f
}

/// Runs `$name(&Fixture)` once per backend.
macro_rules! on_both_fixture {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[actix_rt::test]
            async fn sqlite() {
                super::$name(super::sqlite()).await;
            }
            #[actix_rt::test]
            async fn postgres() {
                super::$name(super::postgres()).await;
            }
        }
    )*};
}

on_both_fixture!(runs_left_running_are_interrupted_on_open);

/// Runs `$name(&Store)` once per backend.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[actix_rt::test]
            async fn sqlite() {
                let f = super::sqlite();
                super::$name(&f.store).await;
            }
            #[actix_rt::test]
            async fn postgres() {
                let f = super::postgres();
                super::$name(&f.store).await;
            }
        }
    )*};
}

on_both!(
    sessions,
    session_pages,
    transcripts,
    turns,
    idempotency,
    cron,
    responses_and_kv,
    memory,
    memory_keyword_search,
    concurrent_writes,
    keys_usage_and_audit,
    sessions_under_key_prefixes,
    leases,
    cron_claims,
    outbox,
    channel_inbox,
    cluster_leases,
    dump_and_load,
);

/// `DumpStore` (behind `clawgate storage migrate`): a dumped table loads back row for row, the
/// id sequence moves past the loaded ids, and only the fixed table list is accepted.
async fn dump_and_load(s: &Store) {
    let row = s.ensure_session("agent:main:dump", "main").await.unwrap();
    let sid = row.session_id.clone();
    s.append_messages(
        "agent:main:dump",
        &sid,
        None,
        vec![msg(Role::User, "hi ✓"), msg(Role::Assistant, "hello")],
    )
    .await
    .unwrap();
    s.cron_put_job("j1", r#"{"id":"j1","name":"Brief"}"#)
        .await
        .unwrap();
    let sessions = s.dump_table("sessions").await.unwrap();
    let messages = s.dump_table("messages").await.unwrap();
    let jobs = s.dump_table("cron_jobs").await.unwrap();
    assert_eq!((sessions.len(), messages.len(), jobs.len()), (1, 2, 1));
    assert_eq!(messages[0]["content"], "hi ✓");
    assert_eq!(sessions[0]["message_count"], 2);
    let before = s.load_messages(&sid, 10).await.unwrap();

    assert!(s.delete_session("agent:main:dump").await.unwrap());
    assert!(s.cron_delete_job("j1").await.unwrap());
    assert_eq!(s.count_rows("messages").await.unwrap(), 0);
    assert_eq!(s.load_table("sessions", sessions).await.unwrap(), 1);
    assert_eq!(s.load_table("messages", messages).await.unwrap(), 2);
    assert_eq!(s.load_table("cron_jobs", jobs).await.unwrap(), 1);
    assert_eq!(s.count_rows("messages").await.unwrap(), 2);
    assert_eq!(s.load_messages(&sid, 10).await.unwrap(), before);
    assert_eq!(
        s.get_session("agent:main:dump")
            .await
            .unwrap()
            .unwrap()
            .message_count,
        2
    );
    assert_eq!(
        s.cron_jobs().await.unwrap(),
        [r#"{"id":"j1","name":"Brief"}"#]
    );
    // A new message gets a fresh id after the loaded ones.
    s.append_messages("agent:main:dump", &sid, None, vec![msg(Role::User, "more")])
        .await
        .unwrap();
    let after = s.load_messages(&sid, 10).await.unwrap();
    assert_eq!(after.len(), 3);
    assert!(after[2].id > before[1].id);

    // Quoted column names (`user`) come through.
    s.usage_add(&UsageDelta {
        key_id: "k".into(),
        user: "u1".into(),
        day: "2026-12-02".into(),
        requests: 1,
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(s.dump_table("key_usage").await.unwrap()[0]["user"], "u1");

    assert!(s.dump_table("memory_chunks").await.is_err());
    assert!(s.count_rows("sessions; DROP TABLE kv").await.is_err());
    assert!(s.load_table("nope", Vec::new()).await.is_err());
}

async fn leases(s: &Store) {
    use std::time::Duration;
    let ttl = Duration::from_secs(60);
    let a = s
        .lease_try_acquire("channel:telegram:default", "node-a", ttl)
        .await
        .unwrap();
    let a = a.expect("a free lease is taken");
    assert_eq!(a.holder, "node-a");
    assert!(a.expires_at_ms > 0);
    assert_eq!(
        s.lease_try_acquire("channel:telegram:default", "node-b", ttl)
            .await
            .unwrap(),
        None,
        "a live lease is not taken by another node"
    );
    let again = s
        .lease_try_acquire("channel:telegram:default", "node-a", ttl)
        .await
        .unwrap();
    assert_eq!(
        again.map(|l| l.holder).as_deref(),
        Some("node-a"),
        "the holder extends it"
    );
    let held = s
        .lease_holder("channel:telegram:default")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(held.holder, "node-a");
    assert_eq!(s.lease_holder("channel:slack:default").await.unwrap(), None);
    assert_eq!(
        s.lease_renew("channel:telegram:default", "node-b", ttl)
            .await
            .unwrap(),
        None
    );
    assert!(s
        .lease_renew("channel:telegram:default", "node-a", ttl)
        .await
        .unwrap()
        .is_some());
    assert!(!s
        .lease_release("channel:telegram:default", "node-b")
        .await
        .unwrap());
    assert!(s
        .lease_release("channel:telegram:default", "node-a")
        .await
        .unwrap());
    assert_eq!(
        s.lease_holder("channel:telegram:default").await.unwrap(),
        None
    );

    // A lapsed lease (no lifetime left) goes to the next node that asks; its old holder can
    // no longer renew it.
    s.lease_try_acquire("l2", "node-a", Duration::ZERO)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.lease_holder("l2").await.unwrap(), None, "lapsed");
    let b = s
        .lease_try_acquire("l2", "node-b", ttl)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(b.holder, "node-b");
    assert_eq!(s.lease_renew("l2", "node-a", ttl).await.unwrap(), None);

    // Nodes racing for a free lease: exactly one wins.
    let tries: Vec<_> = (0..8)
        .map(|i| s.lease_try_acquire("l3", &format!("n{i}"), ttl))
        .collect();
    let won = futures_util::future::join_all(tries)
        .await
        .into_iter()
        .filter(|r| r.as_ref().unwrap().is_some())
        .count();
    assert_eq!(won, 1);
}

async fn cron_claims(s: &Store) {
    assert!(s.cron_claim("j", 1_000, "node-a").await.unwrap());
    assert!(
        !s.cron_claim("j", 1_000, "node-b").await.unwrap(),
        "one claim per tick"
    );
    assert!(s.cron_claim("j", 2_000, "node-b").await.unwrap());
    assert!(s.cron_claim("other", 1_000, "node-b").await.unwrap());
    let tries: Vec<_> = (0..8)
        .map(|i| s.cron_claim("j", 3_000, &format!("n{i}")))
        .collect();
    let won = futures_util::future::join_all(tries)
        .await
        .into_iter()
        .filter(|r| *r.as_ref().unwrap())
        .count();
    assert_eq!(won, 1, "racing nodes: exactly one runs the tick");
    // Claims older than a day before the newest are pruned.
    assert!(s
        .cron_claim("j", 1_000 + 2 * 86_400_000, "node-a")
        .await
        .unwrap());
    assert!(s.cron_claim("j", 1_000, "node-c").await.unwrap());
}

fn msg(role: Role, text: &str) -> NewMessage {
    NewMessage {
        role,
        content: text.into(),
        tool_calls: Vec::new(),
        tool_call_id: None,
    }
}

async fn sessions(s: &Store) {
    let a = s.ensure_session("agent:main:main", "main").await.unwrap();
    assert_eq!((a.agent_id.as_str(), a.message_count), ("main", 0));
    let again = s.ensure_session("agent:main:main", "main").await.unwrap();
    assert_eq!(
        again.session_id, a.session_id,
        "ensure never replaces a row"
    );
    assert!(s.get_session("agent:main:nope").await.unwrap().is_none());

    let patched = s
        .patch_session(
            "agent:main:main",
            &SessionPatch {
                label: Some(Some("Work".into())),
                model: Some(Some("mock/m".into())),
                thinking_level: None,
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(patched.label.as_deref(), Some("Work"));
    assert_eq!(patched.model.as_deref(), Some("mock/m"));
    let cleared = s
        .patch_session(
            "agent:main:main",
            &SessionPatch {
                label: Some(None),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (cleared.label, cleared.model.as_deref()),
        (None, Some("mock/m"))
    );
    assert!(s
        .patch_session("agent:main:nope", &SessionPatch::default())
        .await
        .unwrap()
        .is_none());

    s.append_messages(
        "agent:main:main",
        &a.session_id,
        None,
        vec![msg(Role::User, "hi")],
    )
    .await
    .unwrap();
    let reset = s.reset_session("agent:main:main").await.unwrap().unwrap();
    assert_ne!(reset.session_id, a.session_id);
    assert_eq!(reset.message_count, 0);
    assert_eq!(
        s.load_messages(&a.session_id, 10).await.unwrap().len(),
        1,
        "the old transcript stays stored"
    );
    assert!(s.reset_session("agent:main:nope").await.unwrap().is_none());

    assert!(s.delete_session("agent:main:main").await.unwrap());
    assert!(s.get_session("agent:main:main").await.unwrap().is_none());
    assert!(s.load_messages(&a.session_id, 10).await.unwrap().is_empty());
    assert!(!s.delete_session("agent:main:main").await.unwrap());
}

async fn session_pages(s: &Store) {
    let keys = [
        ("agent:main:main", "main"),
        ("agent:main:telegram:direct:42", "main"),
        ("agent:beta:main", "beta"),
        ("agent:main:slack:channel:c1", "main"),
    ];
    for (k, agent) in keys {
        s.ensure_session(k, agent).await.unwrap();
    }
    // Touch one: it moves up (or stays level) in the order.
    let row = s.get_session("agent:main:main").await.unwrap().unwrap();
    s.append_messages(
        "agent:main:main",
        &row.session_id,
        None,
        vec![msg(Role::User, "x")],
    )
    .await
    .unwrap();

    let all = s.list_sessions(None, 10).await.unwrap();
    assert_eq!(all.len(), 4);
    let mut expected = all.clone();
    expected.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(a.key.cmp(&b.key)));
    let order =
        |v: &[clawgate::storage::SessionRow]| v.iter().map(|r| r.key.clone()).collect::<Vec<_>>();
    assert_eq!(order(&all), order(&expected), "updated_at DESC, key");
    assert_eq!(s.list_sessions(Some("beta"), 10).await.unwrap().len(), 1);
    assert_eq!(s.list_sessions(None, 2).await.unwrap().len(), 2);
    assert_eq!(s.count_sessions(None).await.unwrap(), 4);
    assert_eq!(s.count_sessions(Some("main")).await.unwrap(), 3);

    let (rows, total) = s
        .query_sessions(&SessionQuery {
            channel: Some("telegram".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (order(&rows), total),
        (vec!["agent:main:telegram:direct:42".to_string()], 1)
    );
    let (rows, total) = s
        .query_sessions(&SessionQuery {
            agent_id: Some("main".into()),
            limit: 1,
            offset: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    let mains: Vec<_> = all.iter().filter(|r| r.agent_id == "main").collect();
    assert_eq!((rows[0].key.as_str(), total), (mains[1].key.as_str(), 3));
    let (rows, total) = s
        .query_sessions(&SessionQuery {
            updated_since: Some(all[0].updated_at + 60_000),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((rows.len(), total), (0, 0));
    let newest = all[0].updated_at;
    let (rows, total) = s
        .query_sessions(&SessionQuery {
            updated_since: Some(newest),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let expected = all.iter().filter(|r| r.updated_at >= newest).count();
    assert!(expected >= 1);
    assert_eq!((rows.len(), total), (expected, expected as i64));
}

async fn transcripts(s: &Store) {
    let row = s.ensure_session("agent:main:main", "main").await.unwrap();
    let other = s.ensure_session("agent:main:other", "main").await.unwrap();
    let call = ToolCall {
        id: "call_1".into(),
        name: "read".into(),
        arguments: "{\"path\":\"a\"}".into(),
    };
    let msgs = vec![
        msg(Role::User, "read a"),
        NewMessage {
            tool_calls: vec![call.clone()],
            ..msg(Role::Assistant, "")
        },
        NewMessage {
            tool_call_id: Some("call_1".into()),
            ..msg(Role::Tool, "contents of a")
        },
        msg(Role::Assistant, "done"),
    ];
    s.append_messages("agent:main:main", &row.session_id, Some("run_x"), msgs)
        .await
        .unwrap();
    s.append_messages(
        "agent:main:other",
        &other.session_id,
        None,
        vec![msg(Role::User, "elsewhere")],
    )
    .await
    .unwrap();
    s.append_messages("agent:main:main", &row.session_id, None, Vec::new())
        .await
        .unwrap();

    let all = s.load_messages(&row.session_id, 100).await.unwrap();
    let texts: Vec<&str> = all.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(texts, ["read a", "", "contents of a", "done"]);
    assert!(all.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(all[1].tool_calls, vec![call]);
    assert_eq!(all[2].tool_call_id.as_deref(), Some("call_1"));
    assert_eq!(
        (all[2].role, all[0].run_id.as_deref()),
        (Role::Tool, Some("run_x"))
    );
    let last2 = s.load_messages(&row.session_id, 2).await.unwrap();
    assert_eq!(last2, all[2..].to_vec(), "the last `limit`, oldest first");
    let after = s.get_session("agent:main:main").await.unwrap().unwrap();
    assert_eq!(after.message_count, 4);
    assert!(after.updated_at >= row.updated_at);
}

async fn turns(s: &Store) {
    let row = s.ensure_session("agent:main:main", "main").await.unwrap();
    let (key, sid) = ("agent:main:main", row.session_id.as_str());
    s.begin_turn(
        key,
        sid,
        "run_1",
        Some("mock/m"),
        vec![msg(Role::User, "hello")],
    )
    .await
    .unwrap();
    let run = s.get_run("run_1").await.unwrap().unwrap();
    assert_eq!(
        (run.status.as_str(), run.session_key.as_str(), run.ended_at),
        ("running", key, None)
    );

    let refused = s
        .begin_turn(key, sid, "run_1", None, vec![msg(Role::User, "again")])
        .await;
    assert!(refused.is_err(), "a stored run id is never reused");
    let texts: Vec<String> = s
        .load_messages(sid, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.content)
        .collect();
    assert_eq!(
        texts,
        ["hello"],
        "the refused turn's input is not committed"
    );

    s.end_turn(TurnEnd {
        key: key.into(),
        session_id: sid.into(),
        run_id: "run_1".into(),
        messages: vec![msg(Role::Assistant, "hi there")],
        status: RunStatus::Ok,
        usage: Usage {
            input: 10,
            output: 5,
            cache_read: 2,
            cache_write: 0,
            total: 0,
        },
        model: None,
        error: None,
    })
    .await
    .unwrap();
    let run = s.get_run("run_1").await.unwrap().unwrap();
    assert_eq!(run.status, "ok");
    assert!(run.ended_at.unwrap() >= run.started_at);
    let after = s.get_session(key).await.unwrap().unwrap();
    assert_eq!(
        (
            after.message_count,
            after.input_tokens,
            after.output_tokens,
            after.total_tokens
        ),
        (2, 12, 5, 17)
    );
    let last = s.load_messages(sid, 1).await.unwrap();
    assert_eq!(
        (last[0].content.as_str(), last[0].run_id.as_deref()),
        ("hi there", Some("run_1"))
    );

    s.begin_turn(
        key,
        sid,
        "run_2",
        None,
        vec![msg(Role::User, "fail please")],
    )
    .await
    .unwrap();
    s.end_turn(TurnEnd {
        key: key.into(),
        session_id: sid.into(),
        run_id: "run_2".into(),
        messages: Vec::new(),
        status: RunStatus::Error,
        usage: Usage::default(),
        model: Some("mock/other".into()),
        error: Some("upstream 500".into()),
    })
    .await
    .unwrap();
    let run = s.get_run("run_2").await.unwrap().unwrap();
    assert_eq!(
        (run.status.as_str(), run.error.as_deref()),
        ("error", Some("upstream 500"))
    );
    assert!(s.get_run("run_none").await.unwrap().is_none());
}

async fn idempotency(s: &Store) {
    let first = s.claim_idempotency("cred-a", "k1", "run_a").await.unwrap();
    assert_eq!(
        (first.run_id.as_str(), first.fresh, first.record),
        ("run_a", true, None)
    );
    let again = s.claim_idempotency("cred-a", "k1", "run_b").await.unwrap();
    assert_eq!((again.run_id.as_str(), again.fresh), ("run_a", false));
    s.complete_idempotency("cred-a", "k1", "{\"answer\":1}")
        .await
        .unwrap();
    let done = s.claim_idempotency("cred-a", "k1", "run_c").await.unwrap();
    assert_eq!(done.record.as_deref(), Some("{\"answer\":1}"));
    // Another credential's claim of the same key is its own; `run_a` is taken, so it gets a
    // fresh run id.
    let other = s.claim_idempotency("cred-b", "k1", "run_a").await.unwrap();
    assert!(other.fresh);
    assert_ne!(other.run_id, "run_a");
    // A stored run's id is never handed out again.
    let row = s.ensure_session("agent:main:main", "main").await.unwrap();
    s.begin_turn(
        "agent:main:main",
        &row.session_id,
        "run_stored",
        None,
        Vec::new(),
    )
    .await
    .unwrap();
    let c = s
        .claim_idempotency("cred-a", "k2", "run_stored")
        .await
        .unwrap();
    assert!(c.fresh);
    assert_ne!(c.run_id, "run_stored");
}

async fn cron(s: &Store) {
    s.cron_put_job("j1", "{\"v\":1}").await.unwrap();
    s.cron_put_job("j2", "{\"v\":2}").await.unwrap();
    s.cron_put_job("j1", "{\"v\":3}").await.unwrap();
    assert_eq!(s.cron_jobs().await.unwrap(), ["{\"v\":3}", "{\"v\":2}"]);
    assert!(s.cron_delete_job("j2").await.unwrap());
    assert!(!s.cron_delete_job("j2").await.unwrap());
    assert_eq!(s.cron_jobs().await.unwrap(), ["{\"v\":3}"]);

    for i in 0..5 {
        let (status, delivery) = if i % 2 == 0 {
            ("ok", "delivered")
        } else {
            ("error", "not-requested")
        };
        let body = format!("{{\"n\":{i},\"summary\":\"Run {i}\"}}");
        s.cron_append_run("a", i, status, Some(delivery), &body, 4)
            .await
            .unwrap();
    }
    s.cron_append_run("b", 9, "ok", None, "{\"n\":9}", 4)
        .await
        .unwrap();
    let q = RunLogQuery {
        job_id: Some("a".into()),
        limit: 10,
        ..Default::default()
    };
    let (rows, total) = s.cron_runs(&q).await.unwrap();
    assert_eq!(total, 4, "kept the newest 4");
    assert_eq!(rows[0], "{\"n\":4,\"summary\":\"Run 4\"}");
    assert!(rows.iter().all(|r| !r.contains("\"n\":0")));
    let (rows, total) = s
        .cron_runs(&RunLogQuery {
            statuses: vec!["error".into()],
            limit: 1,
            ..q.clone()
        })
        .await
        .unwrap();
    assert_eq!(
        (rows, total),
        (vec!["{\"n\":3,\"summary\":\"Run 3\"}".to_string()], 2)
    );
    let (rows, total) = s
        .cron_runs(&RunLogQuery {
            delivery_statuses: vec!["delivered".into()],
            ascending: true,
            ..q.clone()
        })
        .await
        .unwrap();
    assert_eq!(total, 2);
    assert!(rows[0].contains("\"n\":2") && rows[1].contains("\"n\":4"));
    let (rows, total) = s
        .cron_runs(&RunLogQuery {
            query: Some("RUN 3".into()),
            ..q.clone()
        })
        .await
        .unwrap();
    assert_eq!((rows.len(), total), (1, 1));
    let (rows, total) = s
        .cron_runs(&RunLogQuery {
            limit: 2,
            offset: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(total, 5, "every job's entries");
    assert_eq!(
        rows[0], "{\"n\":4,\"summary\":\"Run 4\"}",
        "newest first, one skipped"
    );
}

async fn responses_and_kv(s: &Store) {
    let r = StoredResponse {
        id: "resp_1".into(),
        session_key: "agent:main:openai-user:a".into(),
        agent_id: "main".into(),
        auth_subject: "sub".into(),
        requested_session_key: None,
        created_at: 1_700_000_000_000,
        body: "{\"id\":\"resp_1\"}".into(),
    };
    s.put_response(&r).await.unwrap();
    assert_eq!(s.get_response("resp_1").await.unwrap(), Some(r.clone()));
    let replaced = StoredResponse {
        body: "{\"id\":\"resp_1\",\"v\":2}".into(),
        requested_session_key: Some("mine".into()),
        ..r
    };
    s.put_response(&replaced).await.unwrap();
    assert_eq!(s.get_response("resp_1").await.unwrap(), Some(replaced));
    assert_eq!(s.get_response("resp_2").await.unwrap(), None);

    assert_eq!(s.kv_get("telegram:offset").await.unwrap(), None);
    s.kv_put("telegram:offset", "41").await.unwrap();
    s.kv_put("telegram:offset", "42").await.unwrap();
    assert_eq!(
        s.kv_get("telegram:offset").await.unwrap().as_deref(),
        Some("42")
    );
}

fn chunk(line: i64, text: &str, emb: Option<Vec<f32>>) -> NewChunk {
    NewChunk {
        start_line: line,
        end_line: line + 1,
        hash: format!("h-{text}"),
        text: text.into(),
        fts_body: clawgate::memory::text::index_body(text),
        embedding: emb.map(|v| ("m".to_string(), v)),
    }
}

fn file(path: &str) -> MemoryFile {
    MemoryFile {
        path: path.into(),
        source: "memory".into(),
        hash: format!("fh-{path}"),
        mtime: 1,
        size: 2,
    }
}

async fn memory(s: &Store) {
    let ids = s
        .memory_put_file(
            "main",
            file("MEMORY.md"),
            vec![
                chunk(5, "alpha beta", Some(vec![1.0, 0.5])),
                chunk(1, "gamma", None),
            ],
        )
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    assert_eq!(
        s.memory_files("main").await.unwrap(),
        vec![file("MEMORY.md")]
    );
    assert!(s.memory_files("beta").await.unwrap().is_empty());

    let by_line: Vec<String> = s
        .memory_file_chunks("main", "MEMORY.md")
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.text)
        .collect();
    assert_eq!(by_line, ["gamma", "alpha beta"]);
    let picked = s
        .memory_chunks("main", vec![ids[1], 999_999, ids[0]])
        .await
        .unwrap();
    assert_eq!(
        picked.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![ids[1], ids[0]],
        "asked order, missing left out"
    );
    assert!(s
        .memory_chunks("beta", ids.clone())
        .await
        .unwrap()
        .is_empty());

    assert_eq!(
        s.memory_vectors("main", "m").await.unwrap(),
        vec![(ids[0], "MEMORY.md".to_string(), vec![1.0, 0.5])]
    );
    let missing = s.memory_missing_vectors("main", "m", 10).await.unwrap();
    assert_eq!(
        missing,
        vec![(ids[1], "h-gamma".to_string(), "gamma".to_string())]
    );
    assert_eq!(
        s.memory_missing_vectors("main", "other", 10)
            .await
            .unwrap()
            .len(),
        2
    );
    s.memory_set_vectors("main", "m", vec![(ids[1], vec![0.25, -2.0])])
        .await
        .unwrap();
    let counts = s.memory_counts("main", "m").await.unwrap();
    assert_eq!((counts.files, counts.chunks, counts.vectors), (1, 2, 2));

    s.memory_put_file("main", file("MEMORY.md"), vec![chunk(1, "delta", None)])
        .await
        .unwrap();
    let counts = s.memory_counts("main", "m").await.unwrap();
    assert_eq!(
        (counts.files, counts.chunks, counts.vectors),
        (1, 1, 0),
        "replaced"
    );
    s.memory_put_file("main", file("notes.md"), vec![chunk(1, "epsilon", None)])
        .await
        .unwrap();
    s.memory_remove_file("main", "MEMORY.md").await.unwrap();
    assert_eq!(
        s.memory_files("main").await.unwrap(),
        vec![file("notes.md")]
    );

    s.memory_cache_put(
        "m",
        vec![("h1".into(), vec![0.25]), ("h2".into(), vec![1.5, 2.5])],
    )
    .await
    .unwrap();
    s.memory_cache_put("m", vec![("h1".into(), vec![0.75])])
        .await
        .unwrap();
    assert_eq!(
        s.memory_cache_get("m", vec!["h2".into(), "nope".into(), "h1".into()])
            .await
            .unwrap(),
        vec![
            ("h2".to_string(), vec![1.5, 2.5]),
            ("h1".to_string(), vec![0.75])
        ]
    );
    assert!(s
        .memory_cache_get("other", vec!["h1".into()])
        .await
        .unwrap()
        .is_empty());

    s.memory_clear("main").await.unwrap();
    assert!(s.memory_files("main").await.unwrap().is_empty());
    assert_eq!(s.memory_counts("main", "m").await.unwrap().chunks, 0);
    assert_eq!(
        s.memory_cache_get("m", vec!["h1".into()])
            .await
            .unwrap()
            .len(),
        1,
        "the cache stays"
    );
}

/// Keyword search with the queries the memory service builds (`memory::text::fts_query`).
async fn memory_keyword_search(s: &Store) {
    use clawgate::memory::text::{fts_query, query_terms};
    s.memory_put_file(
        "main",
        file("MEMORY.md"),
        vec![
            chunk(1, "The project deadlines are in March", None),
            chunk(3, "项目截止日期是三月十五日", None),
            chunk(5, "Lunch with Alice on Friday", None),
            chunk(7, "Alice prefers deadlines on Friday; Alice", None),
        ],
    )
    .await
    .unwrap();
    s.memory_put_file(
        "beta",
        file("MEMORY.md"),
        vec![chunk(1, "deadline for beta", None)],
    )
    .await
    .unwrap();
    let search = |q: &str| {
        let expr = fts_query(&query_terms(q)).unwrap();
        let s = s.clone();
        async move {
            s.memory_text_search("main", &expr, 10)
                .await
                .unwrap()
                .into_iter()
                .map(|h| (h.chunk.text, h.bm25))
                .collect::<Vec<_>>()
        }
    };
    // A prefix term: `deadline` finds `deadlines`, in this agent's chunks only.
    let hits = search("deadline").await;
    let texts: Vec<&str> = hits.iter().map(|h| h.0.as_str()).collect();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(texts.iter().all(|t| t.contains("deadlines")));
    assert!(hits.iter().all(|h| h.1 > 0.0), "larger is better, positive");
    // CJK: bigrams of the query meet the bigrams of the text.
    let hits = search("截止日期").await;
    assert_eq!(hits.len(), 1);
    assert!(hits[0].0.starts_with("项目"));
    // Any term matches; the chunk with more of them ranks first.
    let hits = search("alice friday").await;
    assert_eq!(hits.len(), 2);
    assert!(hits[0].1 >= hits[1].1);
    // The agent's id is not searchable text.
    assert!(search("main").await.is_empty());
    assert!(search("zebra").await.is_empty());
}

async fn runs_left_running_are_interrupted_on_open(mut f: Fixture) {
    let row = f
        .store
        .ensure_session("agent:main:main", "main")
        .await
        .unwrap();
    f.store
        .begin_turn(
            "agent:main:main",
            &row.session_id,
            "run_live",
            None,
            vec![msg(Role::User, "hi")],
        )
        .await
        .unwrap();
    f.store
        .begin_turn(
            "agent:main:main",
            &row.session_id,
            "run_done",
            None,
            Vec::new(),
        )
        .await
        .unwrap();
    f.store
        .end_turn(TurnEnd {
            key: "agent:main:main".into(),
            session_id: row.session_id.clone(),
            run_id: "run_done".into(),
            messages: Vec::new(),
            status: RunStatus::Ok,
            usage: Usage::default(),
            model: None,
            error: None,
        })
        .await
        .unwrap();
    // The gateway stops; a new process opens the store.
    let (store, interrupted) = f.reopen();
    f.store = store;
    assert_eq!(interrupted, 1);
    let run = f.store.get_run("run_live").await.unwrap().unwrap();
    assert_eq!(run.status, "interrupted");
    assert!(run.ended_at.is_some() && run.error.is_some());
    assert_eq!(
        f.store.get_run("run_done").await.unwrap().unwrap().status,
        "ok"
    );
    assert_eq!(
        f.store
            .load_messages(&row.session_id, 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_bad_postgres_url_fails_without_showing_the_password() {
    let dir = tempfile::tempdir().unwrap();
    for url in [
        // Nothing listens on port 1.
        "postgres://clawgate:s3cret-pw@127.0.0.1:1/clawgate",
        "postgres://clawgate:s3cret-pw@127.0.0.1:notaport/clawgate",
    ] {
        let cfg = clawgate::config::StorageConfig::Postgres { url: url.into() };
        let err = match clawgate::storage::open_configured(&cfg, dir.path(), None) {
            Ok(_) => panic!("opened {url}"),
            Err(e) => e.to_string(),
        };
        assert!(err.to_lowercase().contains("postgres"), "{err}");
        assert!(!err.contains("s3cret-pw"), "the password leaked: {err}");
    }
}

/// Many writers at once: every append is counted, and of many claims of one key exactly one
/// is fresh and all name the same run.
async fn concurrent_writes(s: &Store) {
    let row = s.ensure_session("agent:main:main", "main").await.unwrap();
    let appends = (0..40).map(|i| {
        let (s, sid) = (s.clone(), row.session_id.clone());
        async move {
            s.append_messages(
                "agent:main:main",
                &sid,
                None,
                vec![msg(Role::User, &format!("m{i}"))],
            )
            .await
        }
    });
    for r in futures_util::future::join_all(appends).await {
        r.unwrap();
    }
    let after = s.get_session("agent:main:main").await.unwrap().unwrap();
    assert_eq!(after.message_count, 40);
    assert_eq!(
        s.load_messages(&row.session_id, 100).await.unwrap().len(),
        40
    );

    let claims = (0..20).map(|i| {
        let s = s.clone();
        async move {
            s.claim_idempotency("cred", "same-key", &format!("run_{i}"))
                .await
        }
    });
    let claims: Vec<_> = futures_util::future::join_all(claims)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(claims.iter().filter(|c| c.fresh).count(), 1);
    assert!(claims.iter().all(|c| c.run_id == claims[0].run_id));
}

async fn keys_usage_and_audit(s: &Store) {
    let row = |id: &str, at: i64| KeyRow {
        id: id.into(),
        hash: format!("hash-{id}"),
        policy: r#"{"name":"app"}"#.into(),
        created_at: at,
        revoked_at: None,
    };
    s.key_put(&row("k1", 1_000)).await.unwrap();
    s.key_put(&row("k2", 2_000)).await.unwrap();
    assert_eq!(s.key_get("k1").await.unwrap(), Some(row("k1", 1_000)));
    assert_eq!(s.key_get("nope").await.unwrap(), None);
    let ids: Vec<String> = s
        .key_list()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.id)
        .collect();
    assert_eq!(ids, ["k2", "k1"], "newest first");
    assert!(s.key_revoke("k1", 3_000).await.unwrap());
    assert!(!s.key_revoke("k1", 4_000).await.unwrap(), "already revoked");
    assert_eq!(
        s.key_get("k1").await.unwrap().unwrap().revoked_at,
        Some(3_000)
    );

    let delta = |user: &str, day: &str, tokens: u64| UsageDelta {
        key_id: "k2".into(),
        user: user.into(),
        day: day.into(),
        requests: 1,
        turns: 1,
        errors: 0,
        tokens_in: tokens,
        tokens_out: 2 * tokens,
    };
    s.usage_add(&delta("ada", "2026-12-01", 10)).await.unwrap();
    s.usage_add(&delta("ada", "2026-12-01", 5)).await.unwrap();
    s.usage_add(&delta("bob", "2026-12-02", 7)).await.unwrap();
    let all = s.usage_query(&UsageQuery::default()).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(
        (
            all[0].user.as_str(),
            all[0].turns,
            all[0].tokens_in,
            all[0].tokens_out
        ),
        ("ada", 2, 15, 30)
    );
    let bob = s
        .usage_query(&UsageQuery {
            user: Some("bob".into()),
            since: Some("2026-12-02".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((bob.len(), bob[0].tokens_in), (1, 7));

    let entry = |ts: i64, action: &str| AuditEntry {
        seq: 0,
        ts,
        actor: "owner".into(),
        action: action.into(),
        target: "k1".into(),
        detail: "{}".into(),
    };
    let a = s.audit_append(&entry(100, "key.created")).await.unwrap();
    let b = s.audit_append(&entry(200, "key.revoked")).await.unwrap();
    assert!(b > a, "sequence numbers grow");
    let log = s.audit_list(0, 10).await.unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["key.revoked", "key.created"], "newest first");
    assert_eq!(s.audit_prune(150).await.unwrap(), 1);
    assert_eq!(s.audit_list(0, 10).await.unwrap().len(), 1);
}

async fn sessions_under_key_prefixes(s: &Store) {
    for key in [
        "agent:main:app:shop:user:ada:main",
        "agent:main:app:shop:main",
        "agent:main:app:other:main",
        "agent:main:main",
    ] {
        s.ensure_session(key, "main").await.unwrap();
    }
    let q = SessionQuery {
        limit: 10,
        key_prefixes: vec!["agent:main:app:shop:".into()],
        ..Default::default()
    };
    let (rows, total) = s.query_sessions(&q).await.unwrap();
    let mut keys: Vec<String> = rows.into_iter().map(|r| r.key).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "agent:main:app:shop:main",
            "agent:main:app:shop:user:ada:main"
        ]
    );
    assert_eq!(total, 2);
}

fn outbox_row(id: &str, seq: i64, account: &str) -> OutboxRow {
    OutboxRow {
        id: id.into(),
        seq,
        account: account.into(),
        chat: "42".into(),
        payload: format!("{{\"text\":\"{id}\"}}"),
        state: OutboxState::Pending,
        attempts: 0,
        next_at: 1_700_000_000_000,
        created_at: 1_700_000_000_000,
        last_error: None,
    }
}

async fn outbox(s: &Store) {
    assert!(s.outbox_pending().await.unwrap().is_empty());
    let a = outbox_row("a", 2, "telegram:default");
    let b = outbox_row("b", 1, "telegram:default");
    let c = outbox_row("c", 3, "slack:default");
    s.outbox_put(&[a.clone(), b.clone(), c.clone()])
        .await
        .unwrap();
    let ids: Vec<String> = s
        .outbox_pending()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, ["b", "a", "c"], "pending rows come back by seq");

    let retried = OutboxRow {
        attempts: 2,
        next_at: 1_700_000_005_000,
        last_error: Some("HTTP 429".into()),
        ..a.clone()
    };
    s.outbox_update(&retried).await.unwrap();
    let failed = OutboxRow {
        state: OutboxState::Failed,
        attempts: 1,
        last_error: Some("HTTP 400".into()),
        ..c.clone()
    };
    s.outbox_update(&failed).await.unwrap();
    s.outbox_delete("b").await.unwrap();

    assert_eq!(s.outbox_pending().await.unwrap(), vec![retried]);
    assert_eq!(
        s.outbox_failed_counts().await.unwrap(),
        vec![("slack:default".to_string(), 1)]
    );
}

fn inbox_row(account: &str, id: &str, at: i64) -> InboxRow {
    InboxRow {
        account: account.into(),
        message_id: id.into(),
        body: format!("{{\"text\":\"{id}\"}}"),
        received_at: at,
    }
}

async fn channel_inbox(s: &Store) {
    let fresh = s
        .inbox_put(vec![
            inbox_row("telegram:default", "42:1", 1_000),
            inbox_row("telegram:default", "42:2", 2_000),
            inbox_row("whatsapp:default", "42:1", 3_000),
        ])
        .await
        .unwrap();
    assert_eq!(fresh, vec![true, true, true], "ids are unique per account");
    let again = s
        .inbox_put(vec![
            inbox_row("telegram:default", "42:2", 9_000),
            inbox_row("telegram:default", "42:3", 4_000),
        ])
        .await
        .unwrap();
    assert_eq!(again, vec![false, true], "a redelivery is not written");
    let pending = s.inbox_pending().await.unwrap();
    let ids: Vec<(&str, &str)> = pending
        .iter()
        .map(|r| (r.account.as_str(), r.message_id.as_str()))
        .collect();
    assert_eq!(
        ids,
        vec![
            ("telegram:default", "42:1"),
            ("telegram:default", "42:2"),
            ("whatsapp:default", "42:1"),
            ("telegram:default", "42:3"),
        ],
        "oldest first"
    );
    assert_eq!(pending[1], inbox_row("telegram:default", "42:2", 2_000));

    s.inbox_done(
        "telegram:default",
        vec!["42:1".into(), "42:2".into()],
        5_000,
    )
    .await
    .unwrap();
    let left: Vec<String> = s
        .inbox_pending()
        .await
        .unwrap()
        .into_iter()
        .map(|r| format!("{}/{}", r.account, r.message_id))
        .collect();
    assert_eq!(left, vec!["whatsapp:default/42:1", "telegram:default/42:3"]);
    assert_eq!(
        s.inbox_put(vec![inbox_row("telegram:default", "42:1", 6_000)])
            .await
            .unwrap(),
        vec![false],
        "a done message is still a duplicate"
    );

    assert_eq!(
        s.inbox_prune(1_500).await.unwrap(),
        1,
        "done and older only"
    );
    assert_eq!(s.inbox_pending().await.unwrap().len(), 2);
}

/// Session leases: one owner at a time, renewal in bulk, a lapsed lease taken over (marking
/// the dead owner's running run interrupted), release on leave, membership listing.
async fn cluster_leases(s: &Store) {
    assert_eq!(s.claim_session("k1", "a", 60_000).await.unwrap(), "a");
    assert_eq!(s.claim_session("k1", "b", 60_000).await.unwrap(), "a");
    assert_eq!(s.claim_session("k1", "a", 60_000).await.unwrap(), "a");
    assert_eq!(s.renew_node("a", "{}", 60_000).await.unwrap(), 1);
    assert_eq!(s.renew_node("b", r#"{"v":1}"#, 60_000).await.unwrap(), 0);
    let nodes = s.live_nodes().await.unwrap();
    let listed: Vec<(&str, i64)> = nodes
        .iter()
        .map(|n| (n.node_id.as_str(), n.sessions))
        .collect();
    assert_eq!(listed, [("a", 1), ("b", 0)]);

    // A run of `a`'s session is safe while the lease lives …
    let row = s.ensure_session("k1", "main").await.unwrap();
    s.begin_turn("k1", &row.session_id, "run_a", None, vec![])
        .await
        .unwrap();
    // … and a run nobody holds a lease for is orphaned.
    let other = s.ensure_session("k2", "main").await.unwrap();
    s.begin_turn("k2", &other.session_id, "run_orphan", None, vec![])
        .await
        .unwrap();
    assert_eq!(s.interrupt_orphaned_runs().await.unwrap(), 1);
    assert_eq!(s.get_run("run_a").await.unwrap().unwrap().status, "running");
    assert_eq!(
        s.get_run("run_orphan").await.unwrap().unwrap().status,
        "interrupted"
    );

    // `a` stops renewing: with a lapsed lease, `b` takes the session and `a`'s run is over.
    assert_eq!(s.renew_node("a", "{}", -1).await.unwrap(), 1);
    assert_eq!(s.claim_session("k1", "b", 60_000).await.unwrap(), "b");
    assert_eq!(
        s.get_run("run_a").await.unwrap().unwrap().status,
        "interrupted"
    );
    let live: Vec<String> = s
        .live_nodes()
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.node_id)
        .collect();
    assert_eq!(live, ["b"], "a lapsed node is not listed");

    // `b` leaves: its sessions are free at once.
    s.release_node("b").await.unwrap();
    assert_eq!(s.claim_session("k1", "c", 60_000).await.unwrap(), "c");
    assert!(s.live_nodes().await.unwrap().is_empty());
}
