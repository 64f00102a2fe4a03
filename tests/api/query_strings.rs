//! Raw UTF-8 and odd characters in a URL are decoded leniently on every route instead of
//! failing with an empty 400 before routing.

use crate::helpers::*;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends `GET <target>` byte for byte on a fresh connection; returns (status, body).
async fn raw_get(t: &TestGateway, target: &[u8]) -> (u16, String) {
    let addr = t.base.trim_start_matches("http://").to_string();
    let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut req = b"GET ".to_vec();
    req.extend_from_slice(target);
    req.extend_from_slice(
        format!(
            " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n"
        )
        .as_bytes(),
    );
    sock.write_all(&req).await.unwrap();
    let mut resp = Vec::new();
    sock.read_to_end(&mut resp).await.unwrap();
    let text = String::from_utf8_lossy(&resp).into_owned();
    let status = text[9..12].parse().unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[actix_web::test]
async fn raw_utf8_and_odd_escapes_in_a_query_reach_the_routes() {
    let t = spawn().await;
    for target in [
        "/health?query=配置".as_bytes(),
        b"/health?q=%zz&x=%E9&y=\xff",
        b"/health?q=\"a b\"<c>`d`",
        b"/v1/models?query=\xe9\x85\x8d\xe7\xbd\xae",
    ] {
        let (status, body) = raw_get(&t, target).await;
        assert_eq!(status, 200, "{}: {body}", String::from_utf8_lossy(target));
        let v: Value = serde_json::from_str(&body).unwrap();
        assert!(v.is_object());
    }
    // An unknown path with raw UTF-8 gets the JSON 404 every unknown path gets.
    let (status, body) = raw_get(&t, "/nope/配置?x=é".as_bytes()).await;
    assert_eq!(status, 404);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"]["type"], "invalid_request_error");
}

#[actix_web::test]
async fn a_raw_utf8_query_value_is_decoded_for_the_handler() {
    // A hook mapping renders `{{query.ref}}`: the raw UTF-8 value must arrive decoded.
    let t = spawn_with(
        "openai-completions",
        "",
        r#"hooks: { enabled: true, token: "hook-tok", mappings: [
            { match: { path: "gh" }, messageTemplate: "ref={{query.ref}} esc={{query.e}}", deliver: false } ] },"#,
    )
    .await;
    let addr = t.base.trim_start_matches("http://").to_string();
    let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
    let body = "{}";
    let req = format!(
        "POST /hooks/gh?ref=配置&e=%E9%85%8D HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer hook-tok\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    sock.write_all(req.as_bytes()).await.unwrap();
    let mut resp = Vec::new();
    sock.read_to_end(&mut resp).await.unwrap();
    let text = String::from_utf8_lossy(&resp);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(
        eventually(|| t.upstream.request_count() > 0).await,
        "the hook ran a turn"
    );
    let sent = last_user_text(&t.upstream.requests()[0].body);
    assert!(sent.contains("ref=配置 esc=配"), "{sent}");
}
