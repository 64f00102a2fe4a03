//! API keys, usage and the audit log.

use super::*;

pub(super) async fn keys_usage_and_audit(s: &Store) {
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
