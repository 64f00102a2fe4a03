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
        attempts: 1,
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

/// Attempts per row, failed rows (kept, counted, not pending, still duplicates) and the
/// retention prune of done and failed rows.
pub(super) async fn inbox_attempts_and_failures(s: &Store) {
    let tg = "telegram:default";
    s.inbox_put(vec![
        inbox_row(tg, "1", 1_000),
        InboxRow {
            attempts: 3,
            ..inbox_row(tg, "2", 2_000)
        },
        inbox_row(tg, "3", 3_000),
        inbox_row("slack:default", "1", 4_000),
    ])
    .await
    .unwrap();
    s.inbox_attempt(tg, vec!["1".into(), "nope".into()])
        .await
        .unwrap();
    s.inbox_attempt(tg, vec!["1".into()]).await.unwrap();
    let attempts: Vec<(String, i64)> = s
        .inbox_pending()
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.message_id, r.attempts))
        .collect();
    assert_eq!(
        attempts,
        [
            ("1".into(), 3),
            ("2".into(), 3),
            ("3".into(), 1),
            ("1".into(), 1)
        ],
        "stored with its count; one more per replay"
    );

    s.inbox_fail(tg, vec!["1".into(), "2".into()], 5_000)
        .await
        .unwrap();
    s.inbox_done(tg, vec!["3".into()], 5_000).await.unwrap();
    s.inbox_fail(tg, vec!["3".into()], 5_000).await.unwrap();
    s.inbox_attempt(tg, vec!["2".into()]).await.unwrap();
    let pending: Vec<String> = s
        .inbox_pending()
        .await
        .unwrap()
        .into_iter()
        .map(|r| format!("{}/{}", r.account, r.message_id))
        .collect();
    assert_eq!(pending, ["slack:default/1"], "failed rows are not pending");
    assert_eq!(
        s.inbox_failed_counts().await.unwrap(),
        vec![(tg.to_string(), 2)],
        "a done row cannot fail"
    );
    assert_eq!(
        s.inbox_put(vec![inbox_row(tg, "2", 6_000)]).await.unwrap(),
        vec![false],
        "a failed message is still a duplicate"
    );

    assert_eq!(
        s.inbox_prune(2_500).await.unwrap(),
        2,
        "failed and done rows received before the cut"
    );
    assert_eq!(
        s.inbox_failed_counts().await.unwrap(),
        Vec::<(String, i64)>::new()
    );
    assert_eq!(s.inbox_prune(10_000).await.unwrap(), 1, "the done one");
    assert_eq!(
        s.inbox_pending().await.unwrap().len(),
        1,
        "pending rows stay"
    );
}

/// Failed outbox rows given up before the cut are deleted; pending ones never.
pub(super) async fn outbox_prune(s: &Store) {
    let old = OutboxRow {
        state: OutboxState::Failed,
        next_at: 1_000,
        ..outbox_row("old", 1, "telegram:default")
    };
    let recent = OutboxRow {
        state: OutboxState::Failed,
        next_at: 9_000,
        ..outbox_row("recent", 2, "telegram:default")
    };
    let waiting = OutboxRow {
        next_at: 1_000,
        ..outbox_row("waiting", 3, "telegram:default")
    };
    s.outbox_put(&[old, recent, waiting.clone()]).await.unwrap();
    assert_eq!(s.outbox_prune_failed(5_000).await.unwrap(), 1);
    assert_eq!(
        s.outbox_failed_counts().await.unwrap(),
        vec![("telegram:default".to_string(), 1)]
    );
    assert_eq!(s.outbox_pending().await.unwrap(), vec![waiting]);
}
