//! `cron.*` methods: `list`, `status`, `add`, `update`, `remove`, `run`, `runs`, with
//! OpenClaw's parameter and result shapes. Job changes go through the
//! [`crate::actors::scheduler::Scheduler`]; the run log is read from the store directly.

use super::{bad_param, Call};
use crate::actors::scheduler::{
    AddJob, CronError, GetStatus, ListJobs, RemoveJob, RunDecision, RunJob, UpdateJob,
};
use crate::cron::CronJob;
use crate::storage::RunLogQuery;
use crate::ws::frames::ErrorShape;
use serde_json::{json, Value};
use std::collections::HashMap;

/// Largest page of `cron.list` / `cron.runs`.
pub const MAX_PAGE: u64 = 200;

fn error(e: CronError) -> ErrorShape {
    match e {
        CronError::Store(m) => ErrorShape::unavailable(m),
        other => bad_param(other.to_string()),
    }
}

fn mailbox() -> ErrorShape {
    ErrorShape::unavailable("cron scheduler unavailable")
}

/// `id` or `jobId`; ids with path separators are refused.
fn job_id(call: &Call, method: &str) -> Result<String, ErrorShape> {
    let id = call
        .str_param("id")
        .or_else(|| call.str_param("jobId"))
        .ok_or_else(|| {
            bad_param(format!(
                "invalid {method} params: must have required property 'id'"
            ))
        })?;
    if id.contains('/') || id.contains('\\') || id.contains("..") {
        return Err(bad_param(format!("invalid {method} params: invalid id")));
    }
    Ok(id.to_string())
}

fn page(call: &Call, default: u64) -> Result<(usize, usize), ErrorShape> {
    let limit = match call.params.get("limit") {
        None | Some(Value::Null) => default,
        Some(v) => match v.as_u64() {
            Some(n) if n >= 1 => n.min(MAX_PAGE),
            _ => return Err(bad_param("limit must be at least 1")),
        },
    };
    Ok((
        limit as usize,
        call.u64_param("offset").unwrap_or(0) as usize,
    ))
}

fn paged(items: Vec<Value>, total: usize, limit: usize, offset: usize, key: &str) -> Value {
    let has_more = offset + items.len() < total;
    let next = has_more.then(|| offset + items.len());
    json!({key: items, "total": total, "offset": offset, "limit": limit,
           "hasMore": has_more, "nextOffset": next})
}

/// `cron.list`.
pub async fn list(call: Call) {
    let (limit, offset) = match page(&call, MAX_PAGE) {
        Ok(p) => p,
        Err(e) => return call.reply.err(e),
    };
    let Ok(jobs) = call.app.scheduler.send(ListJobs).await else {
        return call.reply.err(mailbox());
    };
    let include_disabled =
        call.params.get("includeDisabled").and_then(Value::as_bool) == Some(true);
    let filter =
        call.str_param("enabled")
            .unwrap_or(if include_disabled { "all" } else { "enabled" });
    let query = call.str_param("query").map(str::to_lowercase);
    let mut jobs: Vec<CronJob> = jobs
        .into_iter()
        .filter(|j| match filter {
            "enabled" => j.enabled,
            "disabled" => !j.enabled,
            _ => true,
        })
        .filter(|j| {
            query.as_deref().is_none_or(|q| {
                j.name.to_lowercase().contains(q)
                    || j.id.contains(q)
                    || j.description
                        .as_deref()
                        .is_some_and(|d| d.to_lowercase().contains(q))
            })
        })
        .collect();
    match call.str_param("sortBy").unwrap_or("nextRunAtMs") {
        "name" => jobs.sort_by_key(|j| j.name.to_lowercase()),
        "updatedAtMs" => jobs.sort_by_key(|j| j.updated_at_ms),
        _ => jobs.sort_by_key(|j| j.state.next_run_at_ms.unwrap_or(i64::MAX)),
    }
    if call.str_param("sortDir") == Some("desc") {
        jobs.reverse();
    }
    let total = jobs.len();
    let items: Vec<Value> = jobs
        .iter()
        .skip(offset)
        .take(limit)
        .map(CronJob::to_value)
        .collect();
    call.reply.ok(paged(items, total, limit, offset, "jobs"))
}

/// `cron.status`.
pub async fn status(call: Call) {
    let Ok(s) = call.app.scheduler.send(GetStatus).await else {
        return call.reply.err(mailbox());
    };
    call.reply.ok(json!({
        "enabled": s.enabled,
        "storePath": format!("{}#cron_jobs", call.app.app.store_name()),
        "jobs": s.jobs,
        "nextWakeAtMs": s.next_wake_at_ms,
    }))
}

/// `cron.add`.
pub async fn add(call: Call) {
    let params = call.params.clone();
    match call.app.scheduler.send(AddJob { params }).await {
        Ok(Ok(job)) => call.reply.ok(job.to_value()),
        Ok(Err(e)) => call.reply.err(error(e)),
        Err(_) => call.reply.err(mailbox()),
    }
}

/// `cron.update {id|jobId, patch}`.
pub async fn update(call: Call) {
    let id = match job_id(&call, "cron.update") {
        Ok(id) => id,
        Err(e) => return call.reply.err(e),
    };
    let Some(patch) = call.params.get("patch").filter(|p| p.is_object()).cloned() else {
        return call.reply.err(bad_param(
            "invalid cron.update params: must have required property 'patch'",
        ));
    };
    match call.app.scheduler.send(UpdateJob { id, patch }).await {
        Ok(Ok(job)) => call.reply.ok(job.to_value()),
        Ok(Err(e)) => call.reply.err(error(e)),
        Err(_) => call.reply.err(mailbox()),
    }
}

/// `cron.remove {id|jobId}`.
pub async fn remove(call: Call) {
    let id = match job_id(&call, "cron.remove") {
        Ok(id) => id,
        Err(e) => return call.reply.err(e),
    };
    match call.app.scheduler.send(RemoveJob { id }).await {
        Ok(Ok(removed)) => call.reply.ok(json!({"ok": true, "removed": removed})),
        Ok(Err(e)) => call.reply.err(error(e)),
        Err(_) => call.reply.err(mailbox()),
    }
}

/// `cron.run {id|jobId, mode?: "force"|"due"}`.
pub async fn run(call: Call) {
    let id = match job_id(&call, "cron.run") {
        Ok(id) => id,
        Err(e) => return call.reply.err(e),
    };
    let due_only = match call.str_param("mode").unwrap_or("force") {
        "force" => false,
        "due" => true,
        _ => {
            return call.reply.err(bad_param(
                "invalid cron.run params: mode must be \"force\" or \"due\"",
            ))
        }
    };
    match call.app.scheduler.send(RunJob { id, due_only }).await {
        Ok(Ok(RunDecision::Enqueued(run_id))) => call
            .reply
            .ok(json!({"ok": true, "enqueued": true, "runId": run_id})),
        Ok(Ok(RunDecision::NotRun(reason))) => call
            .reply
            .ok(json!({"ok": true, "ran": false, "reason": reason})),
        Ok(Err(e)) => call.reply.err(error(e)),
        Err(_) => call.reply.err(mailbox()),
    }
}

fn strings(call: &Call, many: &str, one: &str) -> Vec<String> {
    let mut out: Vec<String> = call
        .params
        .get(many)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if let Some(s) = call.str_param(one) {
        out.push(s.to_string());
    }
    out
}

/// `cron.runs {scope?, id|jobId?, limit?, offset?, statuses?, deliveryStatuses?, query?, sortDir?}`.
pub async fn runs(call: Call) {
    let (limit, offset) = match page(&call, 50) {
        Ok(p) => p,
        Err(e) => return call.reply.err(e),
    };
    let has_id = call.str_param("id").is_some() || call.str_param("jobId").is_some();
    let scope = call
        .str_param("scope")
        .unwrap_or(if has_id { "job" } else { "all" });
    let job = match scope {
        "job" => match job_id(&call, "cron.runs") {
            Ok(id) => Some(id),
            Err(e) => return call.reply.err(e),
        },
        "all" => None,
        _ => {
            return call.reply.err(bad_param(
                "invalid cron.runs params: scope must be \"job\" or \"all\"",
            ))
        }
    };
    let q = RunLogQuery {
        job_id: job,
        statuses: strings(&call, "statuses", "status"),
        delivery_statuses: strings(&call, "deliveryStatuses", "deliveryStatus"),
        query: call.str_param("query").map(str::to_string),
        ascending: call.str_param("sortDir") == Some("asc"),
        limit,
        offset,
    };
    let (rows, total) = match call.app.app.cron_runs(&q).await {
        Ok(r) => r,
        Err(e) => return call.reply.err(ErrorShape::unavailable(e.to_string())),
    };
    let names: HashMap<String, String> = if scope == "all" {
        call.app
            .scheduler
            .send(ListJobs)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|j| (j.id, j.name))
            .collect()
    } else {
        HashMap::new()
    };
    let entries: Vec<Value> = rows
        .iter()
        .filter_map(|r| serde_json::from_str::<Value>(r).ok())
        .map(|mut v| {
            let name = v
                .get("jobId")
                .and_then(Value::as_str)
                .and_then(|id| names.get(id))
                .cloned();
            if let (Some(n), Some(o)) = (name, v.as_object_mut()) {
                o.insert("jobName".into(), json!(n));
            }
            v
        })
        .collect();
    call.reply
        .ok(paged(entries, total, limit, offset, "entries"))
}
