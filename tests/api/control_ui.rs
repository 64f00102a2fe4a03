//! The web UI (`src/http/control_ui`): served at `/` (or `gateway.controlUi.basePath`) with its
//! Content-Security-Policy, content types, gzip, ETag/304 and cache headers; switched off with
//! `gateway.controlUi.enabled: false`; never in the way of an API route.

use crate::helpers::*;
use awc::http::StatusCode;
use std::io::Read;

/// `GET path` without credentials, with extra headers; status, headers and body.
async fn fetch(
    t: &TestGateway,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, awc::http::header::HeaderMap, Vec<u8>) {
    let mut req = t.client().get(t.url(path));
    for (k, v) in headers {
        req = req.insert_header((*k, *v));
    }
    let mut res = req.send().await.unwrap();
    let body = res.body().limit(4 << 20).await.unwrap().to_vec();
    (res.status(), res.headers().clone(), body)
}

fn header<'a>(h: &'a awc::http::header::HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// The asset URLs the page names (`assets/<version>/<file>`).
fn asset_paths(index: &str) -> Vec<String> {
    index
        .split('"')
        .filter(|s| s.starts_with("assets/"))
        .map(str::to_string)
        .collect()
}

#[actix_web::test]
async fn the_page_and_its_assets_are_served_with_csp_types_and_caching() {
    let t = spawn().await;
    let (status, h, body) = fetch(&t, "/", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(header(&h, "content-type"), "text/html; charset=utf-8");
    assert_eq!(header(&h, "cache-control"), "no-cache");
    let csp = header(&h, "content-security-policy");
    assert!(csp.contains("default-src 'self'") && csp.contains("script-src 'self'"));
    assert!(!csp.contains("unsafe-inline"));
    assert!(csp.contains("frame-ancestors 'none'"));
    let index = String::from_utf8(body).unwrap();
    assert!(!index.contains("<script>"), "no inline script");
    let assets = asset_paths(&index);
    assert!(assets.iter().any(|a| a.ends_with("/main.js")), "{assets:?}");
    for a in &assets {
        let (status, h, _) = fetch(&t, &format!("/{a}"), &[]).await;
        assert_eq!(status, 200, "{a}");
        assert_eq!(
            header(&h, "cache-control"),
            "public, max-age=31536000, immutable"
        );
        let ty = header(&h, "content-type");
        if a.ends_with(".js") {
            assert_eq!(ty, "text/javascript; charset=utf-8");
        } else {
            assert_eq!(ty, "text/css; charset=utf-8");
        }
    }
    // A module the page imports is there too; an unknown version or file is not.
    let version = assets[0].split('/').nth(1).unwrap();
    let (status, _, _) = fetch(&t, &format!("/assets/{version}/chat.js"), &[]).await;
    assert_eq!(status, 200);
    let (status, _, _) = fetch(&t, "/assets/0000/main.js", &[]).await;
    assert_eq!(status, 404);
    let (status, _, _) = fetch(&t, &format!("/assets/{version}/nope.js"), &[]).await;
    assert_eq!(status, 404);
    let (status, _, _) = fetch(&t, &format!("/assets/{version}/../Cargo.toml"), &[]).await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn gzip_when_accepted_and_304_for_a_known_etag() {
    let t = spawn().await;
    let (_, plain_h, plain) = fetch(&t, "/", &[]).await;
    assert!(plain_h.get("content-encoding").is_none());
    let index = String::from_utf8(plain.clone()).unwrap();
    let main = asset_paths(&index)
        .into_iter()
        .find(|a| a.ends_with("/main.js"))
        .unwrap();
    let main = format!("/{main}");
    let (_, _, identity) = fetch(&t, &main, &[("accept-encoding", "identity")]).await;
    let (status, h, gz) = fetch(&t, &main, &[("accept-encoding", "br, gzip")]).await;
    assert_eq!(status, 200);
    assert_eq!(header(&h, "content-encoding"), "gzip");
    assert_eq!(header(&h, "vary"), "Accept-Encoding");
    assert!(gz.len() < identity.len());
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, identity);
    let (_, h, _) = fetch(&t, &main, &[("accept-encoding", "gzip;q=0")]).await;
    assert!(h.get("content-encoding").is_none());

    let etag = header(&plain_h, "etag").to_string();
    assert!(etag.starts_with('"'));
    let (status, h, body) = fetch(&t, "/", &[("if-none-match", &etag)]).await;
    assert_eq!(status, 304);
    assert!(body.is_empty());
    assert_eq!(header(&h, "etag"), etag);
    let (status, _, _) = fetch(&t, "/", &[("if-none-match", "\"other\"")]).await;
    assert_eq!(status, 200);
}

#[actix_web::test]
async fn the_page_does_not_shadow_api_routes_or_unknown_paths() {
    let t = spawn().await;
    let (status, h, _) = fetch(&t, "/health", &[]).await;
    assert_eq!(status, 200);
    assert!(header(&h, "content-type").starts_with("application/json"));
    let (status, h, _) = fetch(&t, "/v1/models", &[]).await;
    assert_eq!(status, 401, "the API still wants its credential");
    assert!(h.get("content-security-policy").is_none());
    let (status, h, _) = fetch(&t, "/no/such/page", &[]).await;
    assert_eq!(status, 404);
    assert!(header(&h, "content-type").starts_with("application/json"));
    // Only GET and HEAD: a POST to `/` is the API's 404, not the page.
    let res = t.client().post(t.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let res = t.client().head(t.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        header(res.headers(), "content-type"),
        "text/html; charset=utf-8"
    );
}

#[actix_web::test]
async fn a_base_path_moves_the_page_and_disabled_removes_it() {
    let t = spawn_with(
        "openai-completions",
        r#"controlUi: { basePath: "/ui/" }"#,
        "",
    )
    .await;
    let (status, _, _) = fetch(&t, "/", &[]).await;
    assert_eq!(status, 404);
    let client = awc::Client::builder().disable_redirects().finish();
    let res = client.get(t.url("/ui")).send().await.unwrap();
    assert_eq!(res.status(), 308);
    assert_eq!(header(res.headers(), "location"), "ui/");
    let (status, _, body) = fetch(&t, "/ui/", &[]).await;
    assert_eq!(status, 200);
    let index = String::from_utf8(body).unwrap();
    assert!(index.contains(r#"name="clawgate-base-path" content="/ui""#));
    let main = asset_paths(&index)
        .into_iter()
        .find(|a| a.ends_with("/main.js"))
        .unwrap();
    assert_eq!(fetch(&t, &format!("/ui/{main}"), &[]).await.0, 200);
    assert_eq!(fetch(&t, &format!("/{main}"), &[]).await.0, 404);

    let off = spawn_with("openai-completions", "controlUi: { enabled: false }", "").await;
    let (status, h, _) = fetch(&off, "/", &[]).await;
    assert_eq!(status, 404);
    assert!(header(&h, "content-type").starts_with("application/json"));
}

#[actix_web::test]
async fn an_odd_base_path_is_refused_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clawgate.json5");
    std::fs::write(
        &path,
        r#"{ gateway: { controlUi: { basePath: "/a/../b" } } }"#,
    )
    .unwrap();
    let err = clawgate::config::load(Some(&path), &Default::default()).unwrap_err();
    assert!(
        err.to_string().contains("gateway.controlUi.basePath"),
        "{err}"
    );
}
