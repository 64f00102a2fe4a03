//! Cron jobs and their run log, stored responses and kv.

use super::*;

pub(super) async fn cron(s: &Store) {
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

pub(super) async fn responses_and_kv(s: &Store) {
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
