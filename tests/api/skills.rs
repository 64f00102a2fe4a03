//! Skills end to end over a temp workspace: `SKILL.md` folders found and gated (a missing
//! binary, a missing env var, another OS, a malformed file), eligible skills in the upstream
//! request's system prompt and ineligible ones absent, a new or edited `SKILL.md` picked up by
//! the next turn without a restart (announced as `skills.changed`), `execute` for both
//! dispatch kinds, seed 001's examples, and the 404/409 cases.

use crate::helpers::*;
use crate::ws_client::WsClient;
use clawgate_bench::mock::{RecordedRequest, Reply};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Another OS than this one, in the skills' spelling.
fn other_os() -> &'static str {
    if cfg!(target_os = "linux") {
        "darwin"
    } else {
        "linux"
    }
}

fn write_skill(root: &Path, folder: &str, text: &str) -> PathBuf {
    let dir = root.join(folder);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("SKILL.md");
    std::fs::write(&file, text).unwrap();
    file
}

fn skills_dir(t: &TestGateway) -> PathBuf {
    t.dir.path().join("workspace").join("skills")
}

const CONFIG: &str = r#"skills: {
    load: { includeUserDir: false },
    entries: { "off-skill": { enabled: false }, "keyed": { apiKey: "sk-skill-secret" } },
  },"#;

/// A gateway whose workspace holds the fixture skills.
async fn spawn_with_skills() -> TestGateway {
    let upstream = clawgate_bench::mock::MockUpstream::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("workspace").join("skills");
    write_skill(
        &root,
        "weather",
        "---\nname: weather\ndescription: 查询天气预报\nversion: 1.0.0\nmetadata: {\"openclaw\": {\"emoji\": \"🌤\"}}\n---\nAnswer with the forecast for the city in the user input.\n",
    );
    write_skill(
        &root,
        "needs-bin",
        "---\nname: needs-bin\ndescription: Needs a tool that is not installed\nmetadata: {\"openclaw\": {\"requires\": {\"bins\": [\"clawgate-no-such-binary\"]}}}\n---\n",
    );
    write_skill(
        &root,
        "needs-env",
        "---\nname: needs-env\ndescription: Needs an API key\nmetadata:\n  openclaw:\n    requires:\n      env: [CLAWGATE_SKILL_TEST_UNSET_KEY]\n---\n",
    );
    write_skill(
        &root,
        "keyed",
        "---\nname: keyed\ndescription: Its key comes from the config\nmetadata: {\"openclaw\": {\"primaryEnv\": \"CLAWGATE_SKILL_TEST_KEYED\", \"requires\": {\"env\": [\"CLAWGATE_SKILL_TEST_KEYED\"]}}}\n---\n",
    );
    write_skill(
        &root,
        "other-os",
        &format!("---\nname: other-os\ndescription: Runs elsewhere only\nmetadata: {{\"openclaw\": {{\"os\": [\"{}\"]}}}}\n---\n", other_os()),
    );
    write_skill(
        &root,
        "broken",
        "---\nname: broken\ndescription: [never closed\n---\n",
    );
    write_skill(
        &root,
        "status-cmd",
        "---\nname: status-cmd\ndescription: Shows the session status\ncommand-dispatch: tool\ncommand-tool: session_status\ncommand-arg-mode: raw\n---\n",
    );
    write_skill(
        &root,
        "off-skill",
        "---\nname: off-skill\ndescription: Turned off in the config\n---\n",
    );
    spawn_in(upstream, dir, "openai-completions", "", CONFIG).await
}

fn system_prompt(req: &RecordedRequest) -> String {
    req.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "system")
        .map(|m| m["content"].as_str().unwrap_or_default().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

async fn list(t: &TestGateway) -> Vec<Value> {
    let mut resp = t.get("/api/v1/skills").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["success"], true);
    v["data"]["skills"].as_array().unwrap().clone()
}

fn find<'a>(skills: &'a [Value], name: &str) -> &'a Value {
    skills
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("{name} not listed in {skills:?}"))
}

async fn chat_once(t: &TestGateway, reply: &str) -> RecordedRequest {
    let before = t.upstream.request_count();
    t.upstream.push(Reply::text(reply));
    let (s, body) = t
        .chat(json!({"messages": [{"role": "user", "content": "hi"}]}))
        .await;
    assert_eq!(s, 200, "{body}");
    t.upstream.requests()[before].clone()
}

#[actix_web::test]
async fn skills_are_listed_with_reasons_and_only_eligible_ones_reach_the_prompt() {
    let t = spawn_with_skills().await;
    let skills = list(&t).await;
    let names: Vec<&str> = skills.iter().filter_map(|s| s["name"].as_str()).collect();
    assert!(!names.contains(&"broken"), "a malformed skill is skipped");

    let weather = find(&skills, "weather");
    assert_eq!(weather["eligible"], true);
    assert_eq!(weather["enabled"], true);
    assert_eq!(weather["version"], "1.0.0");
    assert_eq!(weather["emoji"], "🌤");
    assert_eq!(weather["source"], "openclaw-workspace");
    assert_eq!(weather["userInvocable"], true);
    let location = skills_dir(&t).join("weather/SKILL.md");
    assert_eq!(weather["location"], location.to_string_lossy().as_ref());

    let bin = find(&skills, "needs-bin");
    assert_eq!(bin["eligible"], false);
    assert_eq!(bin["missing"]["bins"], json!(["clawgate-no-such-binary"]));
    let env = find(&skills, "needs-env");
    assert_eq!(env["eligible"], false);
    assert_eq!(
        env["missing"]["env"],
        json!(["CLAWGATE_SKILL_TEST_UNSET_KEY"])
    );
    let os = find(&skills, "other-os");
    assert_eq!(os["eligible"], false);
    assert_eq!(os["missing"]["os"], json!([other_os()]));
    assert_eq!(
        find(&skills, "keyed")["eligible"],
        true,
        "apiKey fills primaryEnv"
    );
    let off = find(&skills, "off-skill");
    assert_eq!(
        (off["enabled"].clone(), off["eligible"].clone()),
        (json!(false), json!(true))
    );

    let req = chat_once(&t, "ok").await;
    let system = system_prompt(&req);
    assert!(system.contains("<available_skills>"), "{system}");
    assert!(
        system.contains(&format!(
            "<skill>\n    <name>weather</name>\n    <description>查询天气预报</description>\n    <location>{}</location>\n  </skill>",
            location.display()
        )),
        "{system}"
    );
    assert!(
        system.contains("no `read` tool"),
        "file tools are opt-in, and the prompt says so: {system}"
    );
    for absent in ["needs-bin", "needs-env", "other-os", "broken", "off-skill"] {
        assert!(
            !system.contains(&format!("<name>{absent}</name>")),
            "{absent} in {system}"
        );
    }
    assert!(system.contains("<name>keyed</name>") && system.contains("<name>status-cmd</name>"));
    assert!(
        !system.contains("sk-skill-secret"),
        "secrets stay out of the prompt"
    );
}

#[actix_web::test]
async fn seed_001_lists_and_executes_a_skill() {
    let t = spawn_with_skills().await;
    // 列出技能: GET /api/v1/skills
    let mut resp = t.get("/api/v1/skills").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["success"], true);
    let weather = find(v["data"]["skills"].as_array().unwrap(), "weather");
    for (k, want) in [
        ("name", json!("weather")),
        ("description", json!("查询天气预报")),
        ("enabled", json!(true)),
        ("version", json!("1.0.0")),
    ] {
        assert_eq!(weather[k], want, "{k}");
    }

    // 执行技能: POST /api/v1/skills/:name/execute
    t.upstream.push(Reply::text("北京今天晴,温度 20-28°C"));
    let (s, _, v) = t
        .post_json(
            "/api/v1/skills/weather/execute",
            json!({"args": ["北京"], "session": "default"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["success"], true);
    assert_eq!(v["data"]["result"], "北京今天晴,温度 20-28°C");
    let secs = v["data"]["executionTime"].as_f64().unwrap();
    assert!((0.0..60.0).contains(&secs), "{secs}");
    let req = &t.upstream.requests()[0];
    let user = last_user_text(&req.body);
    assert!(
        user.contains("\"weather\" skill") && user.contains("北京"),
        "{user}"
    );
    assert!(
        system_prompt(req).contains("Answer with the forecast for the city in the user input."),
        "the skill's instructions come with the turn"
    );
    // The turn ran in the named session, like /api/v1/message.
    let (_, _, m) = t
        .post_json(
            "/api/v1/message",
            json!({"text": "再说一次", "session": "default"}),
        )
        .await;
    assert_eq!(m["success"], true, "{m}");
    let history = t.upstream.requests()[1].body["messages"].to_string();
    assert!(history.contains("北京今天晴"), "{history}");
}

#[actix_web::test]
async fn a_tool_dispatch_skill_calls_its_tool_without_the_model() {
    let t = spawn_with_skills().await;
    let (s, _, v) = t
        .post_json(
            "/api/v1/skills/status-cmd/execute",
            json!({"args": "now please", "session": "ops"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["data"]["dispatch"], "tool");
    let result = v["data"]["result"].as_str().unwrap();
    assert!(
        result.contains("agent:main:ops"),
        "session_status ran in the session: {result}"
    );
    assert_eq!(t.upstream.request_count(), 0, "no model call");
}

#[actix_web::test]
async fn unknown_skills_are_404_and_ineligible_or_disabled_ones_409_with_the_reason() {
    let t = spawn_with_skills().await;
    let (s, _, v) = t
        .post_json("/api/v1/skills/nope/execute", json!({"args": []}))
        .await;
    assert_eq!(s, 404, "{v}");
    assert_eq!(v["error"]["code"], "not_found");

    let (s, _, v) = t
        .post_json("/api/v1/skills/needs-bin/execute", json!({"args": ["x"]}))
        .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["success"], false);
    assert_eq!(v["error"]["code"], "conflict");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("clawgate-no-such-binary"));
    assert_eq!(
        v["error"]["details"]["missing"]["bins"],
        json!(["clawgate-no-such-binary"])
    );

    let (s, _, v) = t
        .post_json("/api/v1/skills/off-skill/execute", json!({}))
        .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["error"]["details"]["enabled"], false);
    // A broken SKILL.md is not a skill at all.
    let (s, _, _) = t
        .post_json("/api/v1/skills/broken/execute", json!({}))
        .await;
    assert_eq!(s, 404);
    assert_eq!(t.upstream.request_count(), 0);
}

#[actix_web::test]
async fn ws_skills_status_reports_skills_and_the_malformed_file_with_its_line() {
    let t = spawn_with_skills().await;
    let (mut c, hello) = WsClient::operator(&t, &["operator.read"]).await;
    let methods = hello["features"]["methods"].to_string();
    assert!(methods.contains("skills.status"), "{methods}");
    assert!(hello["features"]["events"]
        .to_string()
        .contains("skills.changed"));
    let res = c.call("skills.status", json!({})).await;
    assert_eq!(res["ok"], true, "{res}");
    let p = &res["payload"];
    assert_eq!(p["agentId"], "main");
    assert!(p["skills"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["name"] == "weather"));
    let errors = p["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let broken = skills_dir(&t).join("broken/SKILL.md");
    assert_eq!(errors[0]["path"], broken.to_string_lossy().as_ref());
    assert_eq!(errors[0]["line"], 3, "{}", errors[0]);
}

/// Waits for `skills.changed` events until skill `name` has `description` (a file write may
/// reach the watcher as more than one change); returns the last event.
async fn changed_until(t: &TestGateway, c: &mut WsClient, name: &str, description: &str) -> Value {
    loop {
        let (ev, _) = c.until(|v| v["event"] == "skills.changed").await;
        let skills = list(t).await;
        if skills
            .iter()
            .any(|s| s["name"] == name && s["description"] == description)
        {
            return ev;
        }
    }
}

#[actix_web::test]
async fn a_new_or_edited_skill_md_reaches_the_next_turn_without_a_restart() {
    let t = spawn_with_skills().await;
    let first = system_prompt(&chat_once(&t, "one").await);
    assert!(!first.contains("<name>fresh</name>"));
    let (mut c, _) = WsClient::operator(&t, &["operator.read"]).await;

    write_skill(
        &skills_dir(&t),
        "fresh",
        "---\nname: fresh\ndescription: Added while running\n---\n",
    );
    let ev = changed_until(&t, &mut c, "fresh", "Added while running").await;
    assert!(ev["payload"]["version"].as_u64().unwrap() > 1, "{ev}");
    let second = system_prompt(&chat_once(&t, "two").await);
    assert!(second.contains("<name>fresh</name>"), "{second}");
    assert!(second.contains("<description>Added while running</description>"));

    write_skill(
        &skills_dir(&t),
        "fresh",
        "---\nname: fresh\ndescription: Edited while running\n---\n",
    );
    changed_until(&t, &mut c, "fresh", "Edited while running").await;
    let third = system_prompt(&chat_once(&t, "three").await);
    assert!(
        third.contains("<description>Edited while running</description>"),
        "{third}"
    );
    assert!(!third.contains("Added while running"));
}

/// The text of the last tool result the model was sent in `req`.
fn last_tool_result(req: &RecordedRequest) -> String {
    let msgs = req.body["messages"].as_array().unwrap();
    let m = msgs.iter().rev().find(|m| m["role"] == "tool").unwrap();
    m["content"].as_str().unwrap_or_default().to_string()
}

#[actix_web::test]
async fn the_model_reads_a_skill_outside_its_workspace_with_read_and_nothing_else_there() {
    let upstream = clawgate_bench::mock::MockUpstream::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let extra = tempfile::tempdir().unwrap();
    let file = write_skill(
        extra.path(),
        "deploy",
        "---\nname: deploy\ndescription: Deploys the site\n---\nRun {baseDir}/deploy.sh then report.\n",
    );
    std::fs::write(extra.path().join("secret.txt"), "not a skill").unwrap();
    let top = format!(
        "skills: {{ load: {{ includeUserDir: false, extraDirs: [{:?}] }} }}, tools: {{ profile: \"coding\" }},",
        extra.path().to_string_lossy()
    );
    let t = spawn_in(upstream, dir, "openai-completions", "", &top).await;
    let path = file.to_string_lossy().to_string();
    let outside = extra
        .path()
        .join("secret.txt")
        .to_string_lossy()
        .to_string();
    t.upstream
        .push(Reply::tool_call("read", &json!({"path": path}).to_string()));
    t.upstream.push(Reply::tool_call(
        "read",
        &json!({"path": outside}).to_string(),
    ));
    t.upstream.push(Reply::text("done"));
    let (s, body) = t
        .chat(json!({"messages": [{"role": "user", "content": "deploy it"}]}))
        .await;
    assert_eq!(s, 200, "{body}");
    let reqs = t.upstream.requests();
    let system = system_prompt(&reqs[0]);
    assert!(
        system.contains(&format!("<location>{path}</location>")),
        "{system}"
    );
    assert!(
        system.contains("with the `read` tool and follow it"),
        "{system}"
    );
    let skill_dir = file.parent().unwrap().to_string_lossy().to_string();
    assert!(
        last_tool_result(&reqs[1]).contains(&format!("Run {skill_dir}/deploy.sh then report.")),
        "{}",
        last_tool_result(&reqs[1])
    );
    let refused = last_tool_result(&reqs[2]);
    assert!(!refused.contains("not a skill"), "{refused}");
    let skills = list(&t).await;
    assert_eq!(find(&skills, "deploy")["source"], "openclaw-extra");
}
