//! CORS for browser callers: only configured origins, preflight before authentication.

use crate::helpers::*;

#[actix_web::test]
async fn a_listed_origin_gets_a_preflight_and_cors_headers_others_do_not() {
    let t = spawn_with(
        "openai-completions",
        r#"http: { cors: { allowedOrigins: ["https://app.example.com"] } }"#,
        "",
    )
    .await;
    let pre = t
        .client()
        .request(awc::http::Method::OPTIONS, t.url("/api/v1/message"))
        .insert_header(("origin", "https://app.example.com"))
        .insert_header(("access-control-request-method", "POST"))
        .insert_header((
            "access-control-request-headers",
            "authorization, content-type",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(pre.status(), 204);
    let h = pre.headers();
    assert_eq!(
        h.get("access-control-allow-origin").unwrap(),
        "https://app.example.com"
    );
    assert!(h
        .get("access-control-allow-headers")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("authorization"));
    assert!(h.get("access-control-allow-credentials").is_none());

    let resp = t
        .get("/api/v1/status")
        .insert_header(("origin", "https://app.example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers().get("access-control-allow-origin").unwrap(),
        "https://app.example.com"
    );

    let other = t
        .client()
        .request(awc::http::Method::OPTIONS, t.url("/api/v1/message"))
        .insert_header(("origin", "https://evil.example.com"))
        .insert_header(("access-control-request-method", "POST"))
        .send()
        .await
        .unwrap();
    assert_ne!(other.status(), 204);
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[actix_web::test]
async fn without_configured_origins_there_are_no_cors_headers() {
    let t = spawn().await;
    let resp = t
        .get("/api/v1/status")
        .insert_header(("origin", "https://app.example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("access-control-allow-origin").is_none());
}
