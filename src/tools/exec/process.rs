//! `process`: the background jobs `exec` started in this session, as OpenClaw's tool manages
//! them. Actions: `list`, `poll` (output since the last poll and the status; `timeout` ms
//! waits for new output), `log` (the kept output by lines, `offset`/`limit`), `write` (stdin;
//! `eof` closes it), `submit` (`data` plus a newline), `kill`, `clear` (forget a finished
//! job) and `remove` (kill if needed, then forget). A job is visible only to the session
//! that started it.

use super::jobs::Jobs;
use super::{job::Job, status_name};
use crate::tools::{Tool, ToolContext, ToolError};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// Longest `poll` wait.
const MAX_POLL_WAIT: Duration = Duration::from_secs(120);
/// Default `log` page, in lines.
const LOG_LIMIT: usize = 200;

/// The `process` tool.
pub struct Process {
    jobs: Arc<Jobs>,
}

impl Process {
    /// `process` over the gateway's job registry.
    pub fn new(jobs: Arc<Jobs>) -> Self {
        Process { jobs }
    }
}

fn text(text: String, details: Value) -> Value {
    json!({"content": [{"type": "text", "text": text}], "details": details})
}

fn summary(job: &Job) -> Value {
    let st = job.state();
    json!({
        "sessionId": job.id, "status": status_name(&st), "pid": job.pid,
        "startedAt": job.started_at_ms, "runtimeMs": job.runtime_ms(&st), "cwd": job.cwd,
        "command": job.command, "exitCode": st.exit_code,
    })
}

fn job_of(jobs: &Jobs, ctx: &ToolContext, args: &Value) -> Result<Arc<Job>, ToolError> {
    let id = args["sessionId"].as_str().unwrap_or_default();
    if id.is_empty() {
        return Err(ToolError::InvalidInput(
            "missing required field `sessionId`".into(),
        ));
    }
    jobs.get(&ctx.session_key, id)
        .ok_or_else(|| ToolError::InvalidInput(format!("No session found for {id}")))
}

fn list(jobs: &Jobs, ctx: &ToolContext) -> Value {
    let all = jobs.list(&ctx.session_key);
    let lines: Vec<String> = all
        .iter()
        .map(|j| {
            let st = j.state();
            let status = status_name(&st);
            format!("{} {status} {}ms :: {}", j.id, j.runtime_ms(&st), j.command)
        })
        .collect();
    let body = if lines.is_empty() {
        "No running or recent sessions.".to_string()
    } else {
        lines.join("\n")
    };
    let sessions: Vec<Value> = all.iter().map(|j| summary(j)).collect();
    text(body, json!({"status": "completed", "sessions": sessions}))
}

async fn poll(job: Arc<Job>, args: &Value) -> Value {
    let wait = args["timeout"]
        .as_u64()
        .map(Duration::from_millis)
        .unwrap_or_default()
        .min(MAX_POLL_WAIT);
    let cursor = job.state().poll_cursor;
    if !wait.is_zero() {
        let _ = tokio::time::timeout(wait, job.output_past(cursor)).await;
    }
    let mut st = job.state();
    let new = st.out.text_from(st.poll_cursor);
    st.poll_cursor = st.out.total();
    let status = status_name(&st);
    let end = if !st.finished {
        "Process still running.".to_string()
    } else if st.timed_out {
        "Process timed out; its process group was killed.".to_string()
    } else if st.killed {
        "Process was killed.".to_string()
    } else if let Some(sig) = st.signal {
        format!("Process was terminated by signal {sig}.")
    } else {
        format!("Process exited with code {}.", st.exit_code.unwrap_or(-1))
    };
    let body = if new.is_empty() {
        format!("(no new output)\n\n{end}")
    } else {
        format!("{new}\n\n{end}")
    };
    let details = json!({
        "status": status, "sessionId": job.id, "exitCode": st.exit_code,
        "aggregated": st.out.text_from(0), "output": new,
    });
    text(body, details)
}

fn log(job: &Job, args: &Value) -> Value {
    let all = job.state().out.text_from(0);
    let lines: Vec<&str> = all.lines().collect();
    let offset = args["offset"].as_u64().unwrap_or(0) as usize;
    let limit = args["limit"].as_u64().map_or(LOG_LIMIT, |n| n as usize);
    let page: Vec<&str> = lines.iter().skip(offset).take(limit).copied().collect();
    let body = if page.is_empty() {
        "(no output)".to_string()
    } else {
        page.join("\n")
    };
    text(
        body,
        json!({"status": status_name(&job.state()), "sessionId": job.id,
               "totalLines": lines.len(), "offset": offset, "limit": limit}),
    )
}

fn write(job: &Job, args: &Value, submit: bool) -> Result<Value, ToolError> {
    let mut data = args["data"].as_str().unwrap_or_default().to_string();
    if submit {
        data.push('\n');
    }
    let eof = args["eof"].as_bool().unwrap_or(false);
    if job.is_finished() {
        return Err(ToolError::InvalidInput(format!(
            "Session {} is not running",
            job.id
        )));
    }
    job.write_stdin(data.as_bytes(), eof)
        .map_err(|e| ToolError::Failed(format!("write to session {} failed: {e}", job.id)))?;
    Ok(text(
        format!(
            "Wrote {} bytes to session {}{}.",
            data.len(),
            job.id,
            if eof { " (stdin closed)" } else { "" }
        ),
        json!({"status": "running", "sessionId": job.id}),
    ))
}

async fn run(jobs: Arc<Jobs>, ctx: ToolContext, args: Value) -> Result<Value, ToolError> {
    let action = args["action"].as_str().unwrap_or_default();
    match action {
        "list" => Ok(list(&jobs, &ctx)),
        "poll" => Ok(poll(job_of(&jobs, &ctx, &args)?, &args).await),
        "log" => {
            let job = job_of(&jobs, &ctx, &args)?;
            Ok(log(&job, &args))
        }
        "write" | "submit" => {
            let job = job_of(&jobs, &ctx, &args)?;
            write(&job, &args, action == "submit")
        }
        "kill" => {
            let job = job_of(&jobs, &ctx, &args)?;
            job.kill();
            let wait = super::job::KILL_GRACE + Duration::from_secs(1);
            let _ = tokio::time::timeout(wait, job.finished()).await;
            Ok(text(
                format!("Killed session {}.", job.id),
                json!({"status": status_name(&job.state()), "sessionId": job.id}),
            ))
        }
        "clear" => {
            let job = job_of(&jobs, &ctx, &args)?;
            if !job.is_finished() {
                return Err(ToolError::InvalidInput(format!(
                    "Session {} is still running; kill or remove it",
                    job.id
                )));
            }
            jobs.remove(&ctx.session_key, &job.id);
            Ok(text(
                format!("Cleared session {}.", job.id),
                json!({"status": "completed", "sessionId": job.id}),
            ))
        }
        "remove" => {
            let job = job_of(&jobs, &ctx, &args)?;
            jobs.remove(&ctx.session_key, &job.id);
            Ok(text(
                format!("Removed session {}.", job.id),
                json!({"status": "completed", "sessionId": job.id}),
            ))
        }
        other => Err(ToolError::InvalidInput(format!(
            "Unknown action {other} (list, poll, log, write, submit, kill, clear, remove)"
        ))),
    }
}

impl Tool for Process {
    fn name(&self) -> &'static str {
        "process"
    }
    fn description(&self) -> &'static str {
        "Manage background exec sessions: list, poll, log, write, submit, kill, clear, remove."
    }
    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "action": {"type": "string", "enum": ["list", "poll", "log", "write", "submit", "kill", "clear", "remove"]},
                "sessionId": {"type": "string", "description": "Session id from exec (all actions but list)"},
                "data": {"type": "string", "description": "Text for write/submit"},
                "eof": {"type": "boolean", "description": "Close stdin after write"},
                "offset": {"type": "integer", "minimum": 0, "description": "log: first line"},
                "limit": {"type": "integer", "minimum": 1, "description": "log: lines"},
                "timeout": {"type": "integer", "minimum": 0, "description": "poll: milliseconds to wait for new output"}
            },
            "required": ["action"],
            "additionalProperties": false
        })
    }
    fn call(
        &self,
        ctx: ToolContext,
        args: Value,
    ) -> LocalBoxFuture<'static, Result<Value, ToolError>> {
        Box::pin(run(self.jobs.clone(), ctx, args))
    }
}
