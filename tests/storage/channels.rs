//! The channel outbox and inbox.

use super::*;

pub(super) fn outbox_row(id: &str, seq: i64, account: &str) -> OutboxRow {
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

pub(super) async fn outbox(s: &Store) {
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

pub(super) fn inbox_row(account: &str, id: &str, at: i64) -> InboxRow {
    InboxRow {
        account: account.into(),
        message_id: id.into(),
        body: format!("{{\"text\":\"{id}\"}}"),
        received_at: at,
    }
}

pub(super) async fn channel_inbox(s: &Store) {
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
