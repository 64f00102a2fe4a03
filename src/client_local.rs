//! `clawgate agent --local`: builds the turn from the same request body the HTTP path takes
//! (agent, session or `--to` peer, thinking, model, timeout, delivery), runs it in this process
//! ([`crate::local::run_turn`]) and prints the reply (or `/v1/agent/run`'s JSON with `--json`).

use crate::app::select::{agent_by_id, scoped_session_key, Routing};
use crate::cli::AgentCmd;
use crate::client::fail;
use crate::config::{self, Overrides};
use crate::core::ids::new_run_id;
use crate::core::run::TurnRequest;
use crate::providers::types::ThinkingLevel;
use std::process::ExitCode;
use std::time::Duration;

/// The turn `cmd` asks for, under `cfg`.
fn turn(cmd: &AgentCmd, cfg: &config::Config) -> Result<TurnRequest, String> {
    let body = crate::client::request_body(cmd);
    let agent_id = agent_by_id(cfg, cmd.agent.as_deref()).map_err(|e| e.to_string())?;
    let routing = Routing::from_json(&body).map_err(|e| e.to_string())?;
    let key = match (cmd.session.as_deref(), routing.peer_session(cfg, &agent_id)) {
        (None, Some(peer)) => peer,
        (raw, _) => scoped_session_key(cfg, &agent_id, raw).map_err(|e| e.to_string())?,
    };
    let mut req = TurnRequest::new(
        new_run_id("local_"),
        agent_id.clone(),
        key,
        cmd.message.clone(),
    );
    req.channel = "cli".into();
    // The local user owns the state dir: an owner.
    req.sender_is_owner = true;
    req.deliver = routing.route().map_err(|e| e.to_string())?;
    if let Some(t) = &cmd.thinking {
        req.thinking =
            Some(ThinkingLevel::parse(t).ok_or_else(|| format!("unknown thinking level `{t}`"))?);
    }
    if let Some(m) = &cmd.model {
        let agent = cfg.agent(&agent_id).ok_or("unknown agent")?;
        req.model_override = Some(
            cfg.resolve_model_override(agent, m)
                .ok()
                .flatten()
                .ok_or_else(|| format!("Model '{m}' is not allowed for agent '{agent_id}'."))?,
        );
    }
    req.timeout = cmd.timeout.filter(|s| *s > 0).map(Duration::from_secs);
    Ok(req)
}

/// Runs `cmd` locally.
pub fn run(cmd: AgentCmd) -> ExitCode {
    let ov = Overrides {
        state_dir: cmd.remote.paths.state_dir.clone(),
        ..Default::default()
    };
    let cfg = match config::load(cmd.remote.paths.config.as_deref(), &ov) {
        Ok(c) => c,
        Err(e) => return fail(format!("config: {e}")),
    };
    let req = match turn(&cmd, &cfg) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let json_out = cmd.remote.json;
    actix_web::rt::System::new().block_on(async move {
        let out = match crate::local::run_turn(cfg, req).await {
            Ok(o) => o,
            Err(e) => return fail(e),
        };
        if json_out {
            println!("{}", crate::http::agent_run::result_json(&out));
        } else if out.failure.is_none() {
            println!("{}", out.text);
        }
        if let Some(f) = &out.failure {
            return fail(f);
        }
        match &out.delivery {
            Some(d) if d["ok"] == false => fail(format!(
                "the reply was not delivered: {}",
                d["error"].as_str().unwrap_or("unknown error")
            )),
            _ => ExitCode::SUCCESS,
        }
    })
}
