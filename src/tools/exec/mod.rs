//! The shell tools (policy group `group:runtime`): `exec` runs a command, `process` manages
//! the commands `exec` left running in the background.
//!
//! Off unless configured: `tools.exec.security` is `deny` by default and `exec` then refuses
//! every command, whatever the tool profile says; `allowlist` runs allowlisted commands and
//! asks an operator for others (`tools.exec.ask`); `full` runs anything (unless `ask` is
//! `always`). An approval goes to operators over the WebSocket through the
//! [`super::ToolHost`]; no answer in time is a denial.
//!
//! Each command is `/bin/sh -c` in its own process group, in the agent's workspace (`workdir`
//! is confined to it like every file-tool path), with a scrubbed environment
//! ([`rules::environment`]), a timeout and an output cap. On exit, timeout, abort or shutdown
//! its whole group is killed and every process of it reaped ([`job`]).

pub mod job;
pub mod jobs;
pub mod output;
pub mod process;
pub mod rules;

use super::approval::{ApprovalDecision, ApprovalRequest};
use super::fs::confine::Workspace;
use super::{Tool, ToolContext, ToolError};
use crate::config::{ExecConfig, ExecSecurity};
use futures_util::future::LocalBoxFuture;
use job::{Job, Owner, Spec};
use jobs::Jobs;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// Bytes of output kept per command (the most recent ones).
pub const OUTPUT_CAP: usize = 200 * 1024;
/// Lines of output shown as the `tail` of a running job.
const TAIL_LINES: usize = 20;

/// The `exec` tool.
pub struct Exec {
    jobs: Arc<Jobs>,
}

impl Exec {
    /// `exec` over the gateway's job registry.
    pub fn new(jobs: Arc<Jobs>) -> Self {
        Exec { jobs }
    }
}

/// The last `n` lines of `text`.
fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// The answer for a job that is (still) running in the background.
pub fn running_result(job: &Job) -> Value {
    let out = job.state().out.text_from(0);
    let text = format!(
        "Command still running (session {}, pid {}). Use process (list/poll/log/write/kill/clear/remove) for follow-up.",
        job.id, job.pid
    );
    json!({"content": [{"type": "text", "text": text}], "details": {
        "status": "running", "sessionId": job.id, "pid": job.pid,
        "startedAt": job.started_at_ms, "cwd": job.cwd, "tail": tail(&out, TAIL_LINES),
    }})
}

/// `completed` (exit code 0), `killed` (on request) or `failed`.
pub fn status_name(st: &job::State) -> &'static str {
    if !st.finished {
        "running"
    } else if st.killed {
        "killed"
    } else if st.exit_code == Some(0) && !st.timed_out {
        "completed"
    } else {
        "failed"
    }
}

/// Why a finished job did not succeed, for the model (`None` when it exited 0).
pub fn failure_note(st: &job::State, timeout: Duration) -> Option<String> {
    if st.timed_out {
        Some(format!(
            "Command timed out after {} seconds; its process group was killed.",
            timeout.as_secs()
        ))
    } else if st.killed {
        Some("Command was killed.".into())
    } else if let Some(sig) = st.signal {
        Some(format!("Command was terminated by signal {sig}."))
    } else {
        match st.exit_code {
            Some(0) => None,
            Some(code) => Some(format!("Command exited with code {code}")),
            None => Some("Command ended with an unknown status.".into()),
        }
    }
}

/// The answer for a foreground command that finished: its output, or a tool error carrying
/// the output and why it failed.
fn finished_result(job: &Job, timeout: Duration) -> Result<Value, ToolError> {
    let st = job.state();
    let out = st.out.text();
    let note = failure_note(&st, timeout);
    let body = if out.trim().is_empty() {
        "(no output)".to_string()
    } else {
        out
    };
    let Some(note) = note else {
        let details = json!({
            "status": "completed", "exitCode": st.exit_code, "durationMs": job.runtime_ms(&st),
            "cwd": job.cwd, "pid": job.pid, "outputBytes": st.out.total(),
            "truncated": st.out.dropped() > 0,
        });
        return Ok(json!({"content": [{"type": "text", "text": body}], "details": details}));
    };
    Err(ToolError::Failed(format!("{body}\n\n{note}")))
}

/// Kills a foreground command whose call went away (run aborted: the future is dropped).
struct KillOnDrop {
    job: Arc<Job>,
    jobs: Arc<Jobs>,
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if !self.job.is_background() {
            self.job.kill();
            self.jobs.release(&self.job);
        }
    }
}

/// The parsed arguments.
struct Args {
    command: String,
    workdir: String,
    env: Vec<(String, String)>,
    timeout: Option<Duration>,
    background: bool,
    yield_after: Option<Duration>,
}

fn parse(args: &Value) -> Result<Args, ToolError> {
    let bad = |m: &str| ToolError::InvalidInput(m.to_string());
    let command = args["command"]
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_string();
    if command.is_empty() {
        return Err(bad("field `command` must not be empty"));
    }
    let mut env = Vec::new();
    if let Some(map) = args.get("env").and_then(Value::as_object) {
        for (k, v) in map {
            let v = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return Err(bad("field `env` must map names to strings")),
            };
            env.push((k.clone(), v));
        }
    }
    let timeout = match args.get("timeout").and_then(Value::as_u64) {
        Some(0) => return Err(bad("field `timeout` must be at least 1")),
        Some(t) if t > crate::config::MAX_EXEC_TIMEOUT_SECS => {
            return Err(ToolError::InvalidInput(format!(
                "field `timeout` must be at most {} seconds",
                crate::config::MAX_EXEC_TIMEOUT_SECS
            )))
        }
        t => t.map(Duration::from_secs),
    };
    Ok(Args {
        command,
        workdir: args["workdir"].as_str().unwrap_or(".").to_string(),
        env,
        timeout,
        background: args["background"].as_bool().unwrap_or(false),
        yield_after: args
            .get("yieldMs")
            .and_then(Value::as_u64)
            .map(Duration::from_millis),
    })
}

/// Asks an operator when the policy says so; `Err` when the command may not run.
async fn authorize(
    ctx: &ToolContext,
    jobs: &Jobs,
    cfg: &ExecConfig,
    a: &Args,
    cwd: &str,
    path: &str,
) -> Result<(), ToolError> {
    let approved = jobs.is_approved_always(&ctx.agent_id, &a.command);
    match rules::evaluate(cfg, &a.command, approved, path) {
        rules::Verdict::Run => Ok(()),
        rules::Verdict::Deny(m) => Err(ToolError::Forbidden(m)),
        rules::Verdict::Ask => {
            let answer = ctx
                .host
                .request_approval(ApprovalRequest {
                    command: a.command.clone(),
                    cwd: cwd.to_string(),
                    agent_id: ctx.agent_id.clone(),
                    session_key: ctx.session_key.clone(),
                    run_id: ctx.run_id.clone(),
                    security: cfg.security.as_str(),
                    ask: cfg.ask.as_str(),
                    timeout: cfg.approval_timeout,
                })
                .await;
            match answer.decision {
                ApprovalDecision::Deny => Err(ToolError::Forbidden(format!(
                    "exec denied: {}",
                    answer.reason
                ))),
                ApprovalDecision::AllowAlways => {
                    jobs.approve_always(&ctx.agent_id, &a.command);
                    Ok(())
                }
                ApprovalDecision::AllowOnce => Ok(()),
            }
        }
    }
}

async fn run(jobs: Arc<Jobs>, ctx: ToolContext, args: Value) -> Result<Value, ToolError> {
    let a = parse(&args)?;
    let cfg = ctx.config.exec.for_agent(&ctx.agent_id).clone();
    if cfg.security == ExecSecurity::Deny {
        // Refused before anything else is looked at (the workspace, the environment).
        return Err(ToolError::Forbidden(rules::DISABLED.into()));
    }
    let agent = ctx
        .config
        .agent(&ctx.agent_id)
        .ok_or_else(|| ToolError::Failed(format!("unknown agent {}", ctx.agent_id)))?;
    let ws = Workspace::open(&agent.workspace)?;
    let cwd = ws.existing(&a.workdir)?;
    if !cwd.is_dir() {
        return Err(ToolError::InvalidInput(format!(
            "workdir is not a directory: {}",
            a.workdir
        )));
    }
    // The agent's skills' env/apiKey values first, then the call's own `env` over them.
    let mut extra: Vec<(String, String)> = ctx
        .env
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    extra.extend(a.env.iter().cloned());
    let env = rules::environment(&extra, &cwd).map_err(ToolError::InvalidInput)?;
    let path = env
        .iter()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    authorize(&ctx, &jobs, &cfg, &a, &cwd.display().to_string(), &path).await?;
    if ctx.cancel.is_cancelled() {
        return Err(ToolError::Failed(
            "exec aborted: the run was cancelled".into(),
        ));
    }
    if a.background {
        jobs.reserve_background().map_err(ToolError::Failed)?;
    }
    let timeout = a.timeout.unwrap_or(cfg.timeout);
    let spec = Spec {
        command: a.command.clone(),
        cwd: cwd.clone(),
        env,
        timeout,
        output_cap: OUTPUT_CAP,
    };
    let owner = Owner {
        agent_id: ctx.agent_id.clone(),
        session_key: ctx.session_key.clone(),
    };
    let job = Job::spawn(&spec, ws.display(&cwd), owner)
        .map_err(|e| ToolError::Failed(format!("cannot start /bin/sh: {e}")))?;
    if a.background {
        job.set_background();
        jobs.add(job.clone());
        return Ok(running_result(&job));
    }
    jobs.add(job.clone());
    let guard = KillOnDrop {
        job: job.clone(),
        jobs: jobs.clone(),
    };
    let yield_after = a.yield_after.unwrap_or(cfg.background_after);
    let finished = async {
        if yield_after.is_zero() {
            job.finished().await;
            return true;
        }
        if tokio::time::timeout(yield_after, job.finished())
            .await
            .is_ok()
        {
            return true;
        }
        if jobs.reserve_background().is_ok() {
            job.set_background();
            return false;
        }
        job.finished().await;
        true
    };
    tokio::select! {
        done = finished => {
            if !done {
                return Ok(running_result(&job));
            }
        }
        _ = ctx.cancel.cancelled() => {
            job.kill();
            job.finished().await;
            return Err(ToolError::Failed("exec aborted: the run was cancelled".into()));
        }
    }
    drop(guard);
    finished_result(&job, timeout)
}

impl Tool for Exec {
    fn name(&self) -> &'static str {
        "exec"
    }
    fn description(&self) -> &'static str {
        "Run a shell command in the workspace (sh -c). Long commands continue in the background; manage them with the process tool."
    }
    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "command": {"type": "string", "description": "Shell command to run"},
                "workdir": {"type": "string", "description": "Working directory, relative to the workspace (default: its root)"},
                "env": {"type": "object", "description": "Extra environment variables", "additionalProperties": {"type": "string"}},
                "timeout": {"type": "integer", "minimum": 1, "description": "Seconds before the command is killed"},
                "background": {"type": "boolean", "description": "Run in the background and return a session id at once"},
                "yieldMs": {"type": "integer", "minimum": 0, "description": "Milliseconds to wait before moving the command to the background"}
            },
            "required": ["command"],
            "additionalProperties": false
        })
    }
    fn normalize_args(&self, mut args: Value) -> Value {
        if let Some(obj) = args.as_object_mut() {
            for (alias, key) in [("cmd", "command"), ("cwd", "workdir")] {
                if !obj.contains_key(key) {
                    if let Some(v) = obj.remove(alias) {
                        obj.insert(key.into(), v);
                    }
                }
            }
        }
        args
    }
    fn call(
        &self,
        ctx: ToolContext,
        args: Value,
    ) -> LocalBoxFuture<'static, Result<Value, ToolError>> {
        Box::pin(run(self.jobs.clone(), ctx, args))
    }
}
