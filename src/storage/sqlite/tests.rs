//! SqliteStore tests: durability across reopen, group commit, resets, permissions.

use super::*;
use crate::storage::NewMessage;

fn msg(role: Role, text: &str) -> NewMessage {
    NewMessage {
        role,
        content: text.into(),
        tool_calls: vec![],
        tool_call_id: None,
    }
}

#[test]
fn messages_append_and_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = SqliteStore::open(dir.path()).unwrap();
    let s = store.ensure_session("agent:main:main", "main").unwrap();
    store
        .append_messages(
            &s.key,
            &s.session_id,
            Some("r1"),
            &[msg(Role::User, "hi"), msg(Role::Assistant, "hello")],
        )
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(store.begin_turn(
        &s.key,
        &s.session_id,
        "r2",
        None,
        vec![msg(Role::User, "third")],
    ))
    .unwrap();
    drop(store);
    let (store, interrupted) = SqliteStore::open(dir.path()).unwrap();
    assert_eq!(interrupted, 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("clawgate.sqlite"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_eq!(store.get_run("r2").unwrap().unwrap().status, "interrupted");
    let msgs = store.load_messages(&s.session_id, 10).unwrap();
    assert_eq!(
        msgs.iter().map(|m| m.content.as_str()).collect::<Vec<_>>(),
        ["hi", "hello", "third"]
    );
    assert_eq!(store.get_session(&s.key).unwrap().unwrap().message_count, 3);
}

#[test]
fn concurrent_writes_share_commits_and_a_failing_one_does_not_undo_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = SqliteStore::open(dir.path()).unwrap();
    let s = store.ensure_session("k", "main").unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    // Hold the write lock so every write below queues for the group-commit writer.
    let held = store.inner.write.lock().unwrap();
    let futs: Vec<_> = (0..50)
        .map(|i| {
            store.begin_turn(
                "k",
                &s.session_id,
                &format!("r{i}"),
                None,
                vec![msg(Role::User, &format!("m{i}"))],
            )
        })
        .collect();
    let bad = store.write_async(Box::new(|c| {
        c.execute("INSERT INTO no_such_table VALUES (1)", [])?;
        Ok(())
    }));
    drop(held);
    let results = rt.block_on(async { (futures_util::future::join_all(futs).await, bad.await) });
    assert!(results.0.iter().all(Result::is_ok));
    assert!(results.1.is_err());
    assert_eq!(store.load_messages(&s.session_id, 100).unwrap().len(), 50);
}

#[test]
fn reset_starts_an_empty_transcript() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = SqliteStore::open(dir.path()).unwrap();
    let s = store.ensure_session("k", "main").unwrap();
    store
        .append_messages("k", &s.session_id, None, &[msg(Role::User, "x")])
        .unwrap();
    let r = store.reset_session("k").unwrap().unwrap();
    assert_ne!(r.session_id, s.session_id);
    assert!(store.load_messages(&r.session_id, 10).unwrap().is_empty());
    assert!(store.delete_session("k").unwrap());
    assert!(store.get_session("k").unwrap().is_none());
}

#[test]
fn a_stored_run_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = SqliteStore::open(dir.path()).unwrap();
    let s = store.ensure_session("k", "main").unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(store.begin_turn("k", &s.session_id, "r1", Some("a/m"), vec![]))
        .unwrap();
    let first = store.get_run("r1").unwrap().unwrap();
    let again = rt.block_on(store.begin_turn("k2", &s.session_id, "r1", None, vec![]));
    assert!(again.is_err(), "a second run with the same id was accepted");
    let row = store.get_run("r1").unwrap().unwrap();
    assert_eq!(row.session_key, "k");
    assert_eq!(row.started_at, first.started_at);
}

#[test]
fn idempotency_claims_are_per_credential_and_never_reuse_a_stored_run_id() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = SqliteStore::open(dir.path()).unwrap();
    let a = store.claim_idempotency("token", "agent:k", "k").unwrap();
    assert!(a.fresh);
    assert_eq!(a.run_id, "k");
    let again = store.claim_idempotency("token", "agent:k", "k").unwrap();
    assert!(!again.fresh);
    assert_eq!(again.run_id, "k");
    assert_eq!(again.record, None);
    let b = store.claim_idempotency("device:x", "agent:k", "k").unwrap();
    assert!(b.fresh);
    assert_ne!(b.run_id, "k", "another credential got the same run id");
    store
        .complete_idempotency("token", "agent:k", r#"{"ok":true}"#)
        .unwrap();
    let done = store.claim_idempotency("token", "agent:k", "k").unwrap();
    assert_eq!(done.record.as_deref(), Some(r#"{"ok":true}"#));
    drop(store);
    // Claims survive a restart.
    let (store, _) = SqliteStore::open(dir.path()).unwrap();
    let after = store.claim_idempotency("device:x", "agent:k", "k").unwrap();
    assert_eq!(after.run_id, b.run_id);
}

#[test]
fn commits_leave_checkpoints_to_the_checkpointer_and_a_dropped_store_leaves_an_empty_wal() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = SqliteStore::open(dir.path()).unwrap();
    {
        let c = store.conn().unwrap();
        let auto: i64 = c
            .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
            .unwrap();
        let limit: i64 = c
            .query_row("PRAGMA journal_size_limit", [], |r| r.get(0))
            .unwrap();
        assert_eq!((auto, limit), (0, checkpoint::JOURNAL_SIZE_LIMIT));
    }
    let s = store.ensure_session("agent:main:main", "main").unwrap();
    for i in 0..2_000 {
        let text = format!("message {i} {}", "x".repeat(200));
        store
            .append_messages(&s.key, &s.session_id, None, &[msg(Role::User, &text)])
            .unwrap();
    }
    let wal = dir.path().join("clawgate.sqlite-wal");
    assert!(std::fs::metadata(&wal).unwrap().len() > 0);
    drop(store);
    assert_eq!(std::fs::metadata(&wal).map_or(0, |m| m.len()), 0);
    let (store, _) = SqliteStore::open(dir.path()).unwrap();
    assert_eq!(
        store.load_messages(&s.session_id, 5_000).unwrap().len(),
        2_000
    );
    // A second process (`agent --local`) checkpoints as SQLite does by default.
    let shared = SqliteStore::open_shared(dir.path()).unwrap();
    let auto: i64 = shared
        .conn()
        .unwrap()
        .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
        .unwrap();
    assert_eq!(auto, 1000);
}
