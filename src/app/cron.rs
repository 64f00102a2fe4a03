//! Cron jobs as an application operation: `list`, `status`, `add`, `update`, `remove`, `run`
//! and `runs`, with OpenClaw's parameter and result shapes (the `cron.*` WebSocket methods and
//! the agent's `cron` tool are both thin adapters over these). Job changes go through the
//! [`Scheduler`] actor, the only writer of jobs; the run log is read from the store.

use super::{App, AppError};
use crate::actors::scheduler::{
    AddJob, CronError, GetStatus, ListJobs, RemoveJob, RunDecision, RunJob, Scheduler, UpdateJob,
};
use crate::cron::CronJob;
use crate::storage::RunLogQuery;
use actix::Addr;
use serde_json::{json, Value};
use std::collections::HashMap;

/// Largest page of `list` / `runs`.
pub const MAX_PAGE: u64 = 200;

impl From<CronError> for AppError {
    fn from(e: CronError) -> Self {
        match e {
            CronError::Store(m) => AppError::Unavailable(m),
            other => AppError::Invalid {
                message: other.to_string(),
                param: None,
            },
        }
    }
}

fn invalid(message: impl Into<String>) -> AppError {
    AppError::Invalid {
        message: message.into(),
        param: None,
    }
}

fn mailbox<E>(_: E) -> AppError {
    AppError::Unavailable("cron scheduler unavailable".into())
}

fn str_param<'a>(params: &'a Value, key: &str) -> Option<&'a str> {
    params
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// `id` or `jobId`; ids with path separators are refused.
fn job_id(params: &Value, method: &str) -> Result<String, AppError> {
    let id = str_param(params, "id")
        .or_else(|| str_param(params, "jobId"))
        .ok_or_else(|| {
            invalid(format!(
                "invalid {method} params: must have required property 'id'"
            ))
        })?;
    if id.contains('/') || id.contains('\\') || id.contains("..") {
        return Err(invalid(format!("invalid {method} params: invalid id")));
    }
    Ok(id.to_string())
}

fn page(params: &Value, default: u64) -> Result<(usize, usize), AppError> {
    let limit = match params.get("limit") {
        None | Some(Value::Null) => default,
        Some(v) => match v.as_u64() {
            Some(n) if n >= 1 => n.min(MAX_PAGE),
            _ => return Err(invalid("limit must be at least 1")),
        },
    };
    let offset = params.get("offset").and_then(|v| {
        v.as_u64()
            .or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
    });
    Ok((limit as usize, offset.unwrap_or(0) as usize))
}

fn paged(items: Vec<Value>, total: usize, limit: usize, offset: usize, key: &str) -> Value {
    let has_more = offset + items.len() < total;
    let next = has_more.then(|| offset + items.len());
    json!({key: items, "total": total, "offset": offset, "limit": limit,
           "hasMore": has_more, "nextOffset": next})
}

fn strings(params: &Value, many: &str, one: &str) -> Vec<String> {
    let mut out: Vec<String> = params
        .get(many)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if let Some(s) = str_param(params, one) {
        out.push(s.to_string());
    }
    out
}

impl App {
    /// Binds the scheduler (once, at start-up: it starts after the application handle).
    pub fn bind_scheduler(&self, scheduler: Addr<Scheduler>) {
        let _ = self.scheduler.set(scheduler);
    }

    fn scheduler(&self) -> Result<&Addr<Scheduler>, AppError> {
        self.scheduler
            .get()
            .ok_or_else(|| AppError::Unavailable("cron scheduler unavailable".into()))
    }

    /// `list {limit?, offset?, enabled?: enabled|disabled|all, includeDisabled?, query?,
    /// sortBy?: nextRunAtMs|name|updatedAtMs, sortDir?}`.
    pub async fn cron_list(&self, params: &Value) -> Result<Value, AppError> {
        let (limit, offset) = page(params, MAX_PAGE)?;
        let jobs = self.scheduler()?.send(ListJobs).await.map_err(mailbox)?;
        let include_disabled = params.get("includeDisabled").and_then(Value::as_bool) == Some(true);
        let filter = str_param(params, "enabled").unwrap_or(if include_disabled {
            "all"
        } else {
            "enabled"
        });
        let query = str_param(params, "query").map(str::to_lowercase);
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
        match str_param(params, "sortBy").unwrap_or("nextRunAtMs") {
            "name" => jobs.sort_by_key(|j| j.name.to_lowercase()),
            "updatedAtMs" => jobs.sort_by_key(|j| j.updated_at_ms),
            _ => jobs.sort_by_key(|j| j.state.next_run_at_ms.unwrap_or(i64::MAX)),
        }
        if str_param(params, "sortDir") == Some("desc") {
            jobs.reverse();
        }
        let total = jobs.len();
        let items: Vec<Value> = jobs
            .iter()
            .skip(offset)
            .take(limit)
            .map(CronJob::to_value)
            .collect();
        Ok(paged(items, total, limit, offset, "jobs"))
    }

    /// `status`: whether cron runs, where jobs are stored, how many, the next wake-up.
    pub async fn cron_status(&self) -> Result<Value, AppError> {
        let s = self.scheduler()?.send(GetStatus).await.map_err(mailbox)?;
        Ok(json!({
            "enabled": s.enabled,
            "storePath": format!("{}#cron_jobs", self.store_name()),
            "jobs": s.jobs,
            "nextWakeAtMs": s.next_wake_at_ms,
        }))
    }

    /// `add {name, schedule, payload, …}`: the created job.
    pub async fn cron_add(&self, params: Value) -> Result<Value, AppError> {
        let add = AddJob { params };
        let job = self.scheduler()?.send(add).await.map_err(mailbox)??;
        Ok(job.to_value())
    }

    /// `update {id|jobId, patch}`: the updated job.
    pub async fn cron_update(&self, params: &Value) -> Result<Value, AppError> {
        let id = job_id(params, "cron.update")?;
        let Some(patch) = params.get("patch").filter(|p| p.is_object()).cloned() else {
            return Err(invalid(
                "invalid cron.update params: must have required property 'patch'",
            ));
        };
        let update = UpdateJob { id, patch };
        let job = self.scheduler()?.send(update).await.map_err(mailbox)??;
        Ok(job.to_value())
    }

    /// `remove {id|jobId}` → `{ok, removed}`.
    pub async fn cron_remove(&self, params: &Value) -> Result<Value, AppError> {
        let id = job_id(params, "cron.remove")?;
        let removed = self
            .scheduler()?
            .send(RemoveJob { id })
            .await
            .map_err(mailbox)??;
        Ok(json!({"ok": true, "removed": removed}))
    }

    /// `run {id|jobId, mode?: "force"|"due"}`.
    pub async fn cron_run(&self, params: &Value) -> Result<Value, AppError> {
        let id = job_id(params, "cron.run")?;
        let due_only = match str_param(params, "mode").unwrap_or("force") {
            "force" => false,
            "due" => true,
            _ => {
                return Err(invalid(
                    "invalid cron.run params: mode must be \"force\" or \"due\"",
                ))
            }
        };
        let run = RunJob { id, due_only };
        Ok(match self.scheduler()?.send(run).await.map_err(mailbox)?? {
            RunDecision::Enqueued(run_id) => {
                json!({"ok": true, "enqueued": true, "runId": run_id})
            }
            RunDecision::NotRun(reason) => json!({"ok": true, "ran": false, "reason": reason}),
        })
    }

    /// `runs {scope?, id|jobId?, limit?, offset?, statuses?, deliveryStatuses?, query?,
    /// sortDir?}`: a page of the run log, each entry named after its job.
    pub async fn cron_runs_page(&self, params: &Value) -> Result<Value, AppError> {
        let (limit, offset) = page(params, 50)?;
        let has_id = str_param(params, "id").is_some() || str_param(params, "jobId").is_some();
        let scope = str_param(params, "scope").unwrap_or(if has_id { "job" } else { "all" });
        let job = match scope {
            "job" => Some(job_id(params, "cron.runs")?),
            "all" => None,
            _ => {
                return Err(invalid(
                    "invalid cron.runs params: scope must be \"job\" or \"all\"",
                ))
            }
        };
        let q = RunLogQuery {
            job_id: job,
            statuses: strings(params, "statuses", "status"),
            delivery_statuses: strings(params, "deliveryStatuses", "deliveryStatus"),
            query: str_param(params, "query").map(str::to_string),
            ascending: str_param(params, "sortDir") == Some("asc"),
            limit,
            offset,
        };
        let (rows, total) = self.cron_runs(&q).await?;
        let names: HashMap<String, String> = if scope == "all" {
            self.scheduler()?
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
        Ok(paged(entries, total, limit, offset, "entries"))
    }
}
