//! `agents_list` over `/tools/invoke`: the configured agents, the caller first, with the
//! default marked; opt-in like the other tools added after the default set.

use crate::helpers::*;
use serde_json::json;

#[actix_web::test]
async fn agents_list_shows_the_configured_agents_caller_first() {
    let t = spawn_with(
        "openai-completions",
        "",
        "tools: { alsoAllow: [\"agents_list\"] }",
    )
    .await;

    let (s, _, b) = t
        .post_json(
            "/tools/invoke",
            json!({"tool": "agents_list", "agentId": "beta"}),
        )
        .await;

    assert_eq!(s, 200, "{b}");
    let d = &b["result"]["details"];
    assert_eq!(d["requester"], "beta");
    assert_eq!(
        d["agents"],
        json!([
            {"id": "beta", "configured": true, "default": false, "model": "mock/mock-model"},
            {"id": "main", "configured": true, "default": true, "model": "mock/mock-model"},
        ])
    );
}

#[actix_web::test]
async fn agents_list_is_opt_in() {
    let t = spawn().await;
    let (s, _, _) = t
        .post_json("/tools/invoke", json!({"tool": "agents_list"}))
        .await;
    assert_eq!(s, 404);
}
