//! Workspace file tools end to end: the scripted model calls them, the gateway runs them in
//! the agent's workspace, and the next model request carries the result; the same tools over
//! `/tools/invoke`; paths out of the workspace refused; the tool policy deciding who sees them.

use crate::helpers::*;
use clawgate_bench::mock::{RecordedRequest, Reply};
use serde_json::{json, Value};
use std::path::PathBuf;

const CODING: &str = "tools: { profile: \"coding\" }";

fn workspace(t: &TestGateway) -> PathBuf {
    t.dir.path().join("workspace")
}

/// Scripts `calls` (then a final text), runs one chat turn and returns the upstream requests.
async fn run_calls(t: &TestGateway, calls: &[(&str, Value)]) -> Vec<RecordedRequest> {
    for (name, args) in calls {
        t.upstream.push(Reply::tool_call(name, &args.to_string()));
    }
    t.upstream.push(Reply::text("done"));
    let (s, body) = t
        .chat(json!({"user":"fs","messages":[{"role":"user","content":"work"}]}))
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["choices"][0]["message"]["content"], "done");
    let reqs = t.upstream.requests();
    assert_eq!(reqs.len(), calls.len() + 1);
    reqs
}

#[actix_web::test]
async fn the_model_writes_edits_reads_lists_finds_and_greps_its_workspace() {
    let t = spawn_with("openai-completions", "", CODING).await;
    let reqs = run_calls(
        &t,
        &[
            (
                "write",
                json!({"path": "notes/a.md", "content": "hello world\nsecond line\n"}),
            ),
            (
                "edit",
                json!({"path": "notes/a.md", "oldText": "world", "newText": "there"}),
            ),
            (
                "read",
                json!({"path": "notes/a.md", "offset": 1, "limit": 1}),
            ),
            ("ls", json!({"path": "notes"})),
            ("find", json!({"pattern": "**/*.md"})),
            ("grep", json!({"pattern": "SECOND", "ignoreCase": true})),
        ],
    )
    .await;
    let offered = offered_tools(&reqs[0]);
    for name in [
        "read",
        "write",
        "edit",
        "ls",
        "find",
        "grep",
        "session_status",
    ] {
        assert!(
            offered.iter().any(|o| o == name),
            "{name} not in {offered:?}"
        );
    }
    assert_eq!(
        last_tool_text(&reqs[1]),
        "Successfully wrote 24 bytes to notes/a.md"
    );
    assert_eq!(
        last_tool_text(&reqs[2]),
        "Successfully replaced text in notes/a.md."
    );
    let file = std::fs::read_to_string(workspace(&t).join("notes/a.md")).unwrap();
    assert_eq!(file, "hello there\nsecond line\n");
    assert_eq!(
        last_tool_text(&reqs[3]),
        "hello there\n\n[Showing lines 1-1 of 2. Use offset=2 to continue.]"
    );
    assert_eq!(last_tool_text(&reqs[4]), "a.md");
    assert_eq!(last_tool_text(&reqs[5]), "notes/a.md");
    assert_eq!(last_tool_text(&reqs[6]), "notes/a.md:2: second line");
}

#[actix_web::test]
async fn edit_explains_a_missing_or_ambiguous_match_and_bad_arguments_name_the_field() {
    let t = spawn_with("openai-completions", "", CODING).await;
    std::fs::create_dir_all(workspace(&t)).unwrap();
    std::fs::write(workspace(&t).join("x.txt"), "a a").unwrap();
    let reqs = run_calls(
        &t,
        &[
            (
                "edit",
                json!({"path": "x.txt", "oldText": "zzz", "newText": "b"}),
            ),
            (
                "edit",
                json!({"file_path": "x.txt", "old_string": "a", "new_string": "b"}),
            ),
            ("read", json!({})),
            ("read", json!({"path": "x.txt", "limit": "ten"})),
        ],
    )
    .await;
    assert!(last_tool_text(&reqs[1]).contains("Could not find the exact text in x.txt"));
    assert!(last_tool_text(&reqs[2]).contains("Found 2 occurrences of the text in x.txt"));
    assert!(last_tool_text(&reqs[3]).contains("missing required field `path`"));
    assert!(last_tool_text(&reqs[4]).contains("field `limit` must be an integer"));
    assert_eq!(
        std::fs::read_to_string(workspace(&t).join("x.txt")).unwrap(),
        "a a"
    );
}

#[actix_web::test]
async fn paths_out_of_the_workspace_are_refused_for_read_and_write() {
    let t = spawn_with("openai-completions", "", CODING).await;
    let ws = workspace(&t);
    let outside = t.dir.path().join("outside");
    std::fs::create_dir_all(&ws).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.txt"), "TOP-SECRET").unwrap();
    std::os::unix::fs::symlink(&outside, ws.join("link")).unwrap();
    std::os::unix::fs::symlink(outside.join("secret.txt"), ws.join("leak")).unwrap();
    let abs_secret = outside.join("secret.txt").to_string_lossy().into_owned();
    let abs_new = outside.join("new.txt").to_string_lossy().into_owned();
    let calls = [
        ("read", json!({"path": "../outside/secret.txt"})),
        ("read", json!({"path": abs_secret})),
        ("read", json!({"path": "leak"})),
        ("read", json!({"path": "link/secret.txt"})),
        (
            "write",
            json!({"path": "../outside/new.txt", "content": "x"}),
        ),
        ("write", json!({"path": abs_new, "content": "x"})),
        ("write", json!({"path": "link/new.txt", "content": "x"})),
        ("write", json!({"path": "leak", "content": "overwritten"})),
        (
            "edit",
            json!({"path": "leak", "oldText": "TOP", "newText": "x"}),
        ),
        ("ls", json!({"path": "link"})),
        ("grep", json!({"pattern": "TOP", "path": "link"})),
        ("find", json!({"pattern": "*", "path": "../outside"})),
    ];
    let reqs = run_calls(&t, &calls).await;
    for (i, req) in reqs.iter().enumerate().skip(1) {
        let r = last_tool_text(req);
        assert!(r.contains("path escapes the workspace"), "call {i}: {r}");
        assert!(!req.body.to_string().contains("TOP-SECRET"));
    }
    assert_eq!(
        std::fs::read_to_string(outside.join("secret.txt")).unwrap(),
        "TOP-SECRET"
    );
    assert!(!outside.join("new.txt").exists());
    // Searching the whole workspace does not follow the symlinks out of it.
    t.upstream.push(Reply::tool_call(
        "grep",
        &json!({"pattern": "TOP"}).to_string(),
    ));
    t.upstream.push(Reply::text("done"));
    t.chat(json!({"user":"fs","messages":[{"role":"user","content":"again"}]}))
        .await;
    let last = t.upstream.requests().pop().unwrap();
    assert_eq!(last_tool_text(&last), "No matches found");

    for (tool, args) in [
        ("read", json!({"path": "../outside/secret.txt"})),
        ("read", json!({"path": "leak"})),
        ("write", json!({"path": "link/new.txt", "content": "x"})),
    ] {
        let (s, _, b) = t
            .post_json("/tools/invoke", json!({"tool": tool, "args": args}))
            .await;
        assert_eq!(s, 403, "{tool}: {b}");
        assert_eq!(b["error"]["type"], "tool_error");
    }
    assert!(!outside.join("new.txt").exists());
}

#[actix_web::test]
async fn file_tools_work_over_tools_invoke_with_name_and_agent_id() {
    let t = spawn_with("openai-completions", "", CODING).await;
    let (s, _, b) = t
        .post_json(
            "/tools/invoke",
            json!({"name": "write", "agentId": "beta", "args": {"path": "b.txt", "content": "one\ntwo"}}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["result"]["details"], json!({"path": "b.txt", "bytes": 7}));
    let (s, _, b) = t
        .post_json(
            "/tools/invoke",
            json!({"tool": "read", "args": {"path": "b.txt", "offset": 2}}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["result"]["content"][0]["text"], "two");
    assert_eq!(b["result"]["details"]["totalLines"], 2);
    let (s, _, b) = t
        .post_json(
            "/tools/invoke",
            json!({"tool": "read", "args": {"path": 5}}),
        )
        .await;
    assert_eq!(s, 400);
    assert_eq!(b["error"]["message"], "field `path` must be a string");
    let (s, _, b) = t
        .post_json(
            "/tools/invoke",
            json!({"tool": "read", "args": {"path": "missing.txt"}}),
        )
        .await;
    assert_eq!(s, 400);
    assert_eq!(b["error"]["message"], "file not found: missing.txt");
    let (s, _, _) = t
        .post_json(
            "/tools/invoke",
            json!({"tool": "read", "agentId": "nobody"}),
        )
        .await;
    assert_eq!(s, 400);
}

#[actix_web::test]
async fn profile_minimal_hides_the_file_tools_from_the_model_and_from_http() {
    let t = spawn_with("openai-completions", "", "tools: { profile: \"minimal\" }").await;
    let reqs = run_calls(&t, &[("read", json!({"path": "a.txt"}))]).await;
    assert_eq!(offered_tools(&reqs[0]), ["session_status"]);
    assert_eq!(
        last_tool_text(&reqs[1]),
        "{\n  \"error\": \"Tool not available: read\"\n}"
    );
    let (s, _, b) = t
        .post_json(
            "/tools/invoke",
            json!({"tool": "read", "args": {"path": "a.txt"}}),
        )
        .await;
    assert_eq!(s, 404);
    assert_eq!(b["error"]["message"], "Tool not available: read");
}

#[actix_web::test]
async fn deny_beats_allow_and_groups() {
    let t = spawn_with(
        "openai-completions",
        "",
        "tools: { allow: [\"group:fs\", \"write\"], deny: [\"write\"] }",
    )
    .await;
    let reqs = run_calls(&t, &[("write", json!({"path": "w.txt", "content": "x"}))]).await;
    assert_eq!(
        offered_tools(&reqs[0]),
        ["read", "edit", "apply_patch", "ls", "find", "grep"]
    );
    assert!(last_tool_text(&reqs[1]).contains("Tool not available: write"));
    assert!(!workspace(&t).join("w.txt").exists());
    let (s, _, _) = t
        .post_json(
            "/tools/invoke",
            json!({"tool": "write", "args": {"path": "w.txt", "content": "x"}}),
        )
        .await;
    assert_eq!(s, 404);
}

#[actix_web::test]
async fn per_agent_policy_under_agents_entries() {
    let upstream = clawgate_bench::mock::MockUpstream::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = format!(
        r#"{{
  gateway: {{ auth: {{ mode: "token", token: "{TOKEN}" }} }},
  models: {{ providers: {{ mock: {{ baseUrl: "{}", apiKey: "k", api: "openai-completions", models: [{{ id: "m" }}] }} }} }},
  agents: {{ defaults: {{ model: "mock/m" }}, entries: {{
    main: {{ default: true, tools: {{ profile: "coding" }} }},
    beta: {{ tools: {{ profile: "messaging", alsoAllow: ["read"] }} }},
    gamma: {{ tools: {{ deny: ["group:fs"] }} }},
  }} }},
  tools: {{ alsoAllow: ["ls"] }},
}}"#,
        upstream.base_url()
    );
    let t = start_gateway(upstream, dir, &cfg).await;
    let status = |agent: &'static str, tool: &'static str| {
        let t = &t;
        async move {
            let (s, _, b) = t
                .post_json(
                    "/tools/invoke",
                    json!({"tool": tool, "agentId": agent, "args": {"path": "."}}),
                )
                .await;
            (s.as_u16(), b)
        }
    };
    assert_eq!(status("main", "ls").await.0, 200);
    assert_eq!(status("main", "write").await.0, 400); // available; `content` missing
    assert_eq!(status("beta", "ls").await.0, 404);
    assert_eq!(status("beta", "read").await.0, 400); // available; `.` is a directory
    assert_eq!(status("gamma", "ls").await.0, 404);
    assert_eq!(status("gamma", "session_status").await.0, 200);
}

#[actix_web::test]
async fn the_model_applies_a_patch_and_a_bad_patch_changes_nothing() {
    let t = spawn_with("openai-completions", "", CODING).await;
    let ws = workspace(&t);
    std::fs::create_dir_all(&ws).unwrap();
    std::fs::write(ws.join("main.txt"), "alpha\nbeta\ngamma\n").unwrap();
    std::fs::write(ws.join("old.txt"), "bye\n").unwrap();
    let good = "*** Begin Patch\n*** Add File: new/added.txt\n+fresh\n*** Delete File: old.txt\n\
                *** Update File: main.txt\n*** Move to: moved.txt\n@@\n alpha\n-beta\n+BETA\n\
                *** End Patch";
    let bad = "*** Begin Patch\n*** Add File: other.txt\n+x\n*** Update File: moved.txt\n\
               @@\n-no such line\n+y\n*** End Patch";
    let escape = "*** Begin Patch\n*** Add File: ../escaped.txt\n+x\n*** End Patch";
    let reqs = run_calls(
        &t,
        &[
            ("apply_patch", json!({"input": good})),
            ("apply_patch", json!({"input": bad})),
            ("apply_patch", json!({"input": escape})),
        ],
    )
    .await;
    assert!(offered_tools(&reqs[0]).iter().any(|n| n == "apply_patch"));
    assert_eq!(
        last_tool_text(&reqs[1]),
        "Success. Updated the following files:\nA new/added.txt\nD old.txt\nD main.txt\nM moved.txt"
    );
    assert_eq!(
        std::fs::read_to_string(ws.join("new/added.txt")).unwrap(),
        "fresh\n"
    );
    assert_eq!(
        std::fs::read_to_string(ws.join("moved.txt")).unwrap(),
        "alpha\nBETA\ngamma\n"
    );
    assert!(!ws.join("old.txt").exists() && !ws.join("main.txt").exists());
    assert!(last_tool_text(&reqs[2]).contains("could not find these lines in moved.txt"));
    assert!(!ws.join("other.txt").exists());
    assert!(last_tool_text(&reqs[3]).contains("path escapes the workspace"));
    assert!(!t.dir.path().join("escaped.txt").exists());
    // On OpenClaw's HTTP deny list: not callable over /tools/invoke.
    let (s, _, _) = t
        .post_json(
            "/tools/invoke",
            json!({"tool": "apply_patch", "args": {"input": good}}),
        )
        .await;
    assert_eq!(s, 404);
}

#[actix_web::test]
async fn by_provider_rules_follow_the_model_of_the_turn() {
    let t = spawn_with(
        "openai-completions",
        "",
        "tools: { profile: \"coding\", byProvider: { \"mock/mock-model\": { deny: [\"write\"] }, other: { deny: [\"read\"] } } }",
    )
    .await;
    let reqs = run_calls(&t, &[]).await;
    let offered = offered_tools(&reqs[0]);
    assert!(offered.iter().any(|n| n == "read"), "{offered:?}");
    assert!(!offered.iter().any(|n| n == "write"), "{offered:?}");
    let (s, _, _) = t
        .post_json(
            "/tools/invoke",
            json!({"tool": "write", "args": {"path": "w.txt", "content": "x"}}),
        )
        .await;
    assert_eq!(s, 404);
}

#[actix_web::test]
async fn a_retried_invoke_with_the_same_idempotency_key_replays_the_first_answer() {
    let t = spawn_with("openai-completions", "", CODING).await;
    let call = |text: &str, key: &str| {
        json!({"tool": "write", "idempotencyKey": key,
               "args": {"path": "once.txt", "content": text}})
    };
    let (s, _, first) = t.post_json("/tools/invoke", call("first", "k1")).await;
    assert_eq!(s, 200, "{first}");
    let (s, _, again) = t.post_json("/tools/invoke", call("second", "k1")).await;
    assert_eq!(s, 200);
    assert_eq!(again, first, "the retry is answered from the first call");
    let on_disk = std::fs::read_to_string(workspace(&t).join("once.txt")).unwrap();
    assert_eq!(on_disk, "first", "the retry did not write again");
    // Errors are replayed too; a new key runs the tool again.
    let bad = json!({"tool": "read", "idempotencyKey": "k2", "args": {"path": "../x"}});
    let (s1, _, b1) = t.post_json("/tools/invoke", bad.clone()).await;
    let (s2, _, b2) = t.post_json("/tools/invoke", bad).await;
    assert_eq!((s1.as_u16(), s2.as_u16()), (403, 403));
    assert_eq!(b1, b2);
    let (s, _, _) = t.post_json("/tools/invoke", call("third", "k3")).await;
    assert_eq!(s, 200);
    let on_disk = std::fs::read_to_string(workspace(&t).join("once.txt")).unwrap();
    assert_eq!(on_disk, "third");
}
