//! Several nodes: named leases, cron claims, session leases, and the dump/load behind `storage migrate`.

use super::session_data::msg;
use super::*;

/// `DumpStore` (behind `clawgate storage migrate`): a dumped table loads back row for row, the
/// id sequence moves past the loaded ids, and only the fixed table list is accepted.
pub(super) async fn dump_and_load(s: &Store) {
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

pub(super) async fn leases(s: &Store) {
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

pub(super) async fn cron_claims(s: &Store) {
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

/// Session leases: one owner at a time, renewal in bulk, a lapsed lease taken over (marking
/// the dead owner's running run interrupted), release on leave, membership listing.
pub(super) async fn cluster_leases(s: &Store) {
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
