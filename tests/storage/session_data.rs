//! Sessions, transcripts, turns and idempotency on both backends.

use super::*;

pub(super) fn msg(role: Role, text: &str) -> NewMessage {
    NewMessage {
        role,
        content: text.into(),
        tool_calls: Vec::new(),
        tool_call_id: None,
    }
}

pub(super) async fn sessions(s: &Store) {
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

pub(super) async fn session_pages(s: &Store) {
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

pub(super) async fn transcripts(s: &Store) {
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

pub(super) async fn turns(s: &Store) {
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
    let began = s.get_session(key).await.unwrap().unwrap().updated_at;
    assert!(began >= row.updated_at, "a turn's start moves updated_at");
    // The end is stamped at a later millisecond, so an end that moved updated_at would show.
    while clawgate::storage::now_ms() <= began {
        std::hint::spin_loop();
    }

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
    assert_eq!(
        after.updated_at, began,
        "the end leaves updated_at where the turn's start put it"
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

pub(super) async fn idempotency(s: &Store) {
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

pub(super) async fn runs_left_running_are_interrupted_on_open(mut f: Fixture) {
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
pub(super) fn a_bad_postgres_url_fails_without_showing_the_password() {
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
pub(super) async fn concurrent_writes(s: &Store) {
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

pub(super) async fn sessions_under_key_prefixes(s: &Store) {
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
