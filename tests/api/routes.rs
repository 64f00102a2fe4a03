//! Walks the route table: every gateway route refuses a caller without credentials (before
//! reading a body), every public route says why it is public, and wrong methods stay 405.

use crate::helpers::*;
use clawgate::http::routes::{Access, ROUTES};

fn concrete(path: &str) -> String {
    // `{id}`, `{id:.*}`, `{account}` → a plausible segment.
    let mut out = String::new();
    let mut rest = path;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let j = rest[i..].find('}').expect("closing brace") + i;
        out.push_str("x1");
        rest = &rest[j + 1..];
    }
    out.push_str(rest);
    out
}

#[actix_web::test]
async fn every_gateway_route_requires_credentials() {
    let t = spawn_with(
        "openai-completions",
        "http: { endpoints: { responses: { enabled: true } } }",
        "",
    )
    .await;
    let client = t.client();
    let mut checked = 0;
    for route in ROUTES {
        let path = concrete(route.path);
        for method in route.methods {
            let m = awc::http::Method::from_bytes(method.as_bytes()).unwrap();
            let mut req = client.request(m, t.url(&path));
            if route.path == "/v1/responses" && *method == "GET" {
                // Only the WebSocket upgrade is served on GET.
                req = req
                    .insert_header(("upgrade", "websocket"))
                    .insert_header(("connection", "upgrade"))
                    .insert_header(("sec-websocket-version", "13"))
                    .insert_header(("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="));
            }
            let resp = req
                .insert_header(("content-type", "application/json"))
                .send_body("{}")
                .await
                .unwrap();
            match route.access {
                Access::Gateway | Access::Scrape | Access::ApiV1 | Access::Rest => {
                    assert_eq!(
                        resp.status(),
                        401,
                        "{method} {} answered without credentials",
                        route.path
                    );
                    checked += 1;
                }
                Access::Public(why) => {
                    assert!(!why.is_empty());
                    assert_ne!(resp.status(), 500, "{method} {}", route.path);
                }
            }
        }
    }
    assert!(checked >= 11, "only {checked} gateway routes walked");
}

#[actix_web::test]
async fn a_wrong_method_is_405_before_authentication() {
    let t = spawn().await;
    for route in ROUTES.iter().filter(|r| !r.methods.contains(&"DELETE")) {
        if route.path.starts_with("/v1/responses") {
            continue; // off by default: 404
        }
        let resp = t
            .client()
            .delete(t.url(&concrete(route.path)))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 405, "DELETE {}", route.path);
    }
}
