//! `cron.*` methods: `list`, `status`, `add`, `update`, `remove`, `run`, `runs`, with
//! OpenClaw's parameter and result shapes — each a thin adapter over the application layer's
//! cron operation ([`crate::app::App::cron_list`] and its siblings in `src/app/cron.rs`).

use super::Call;
use crate::app::AppError;
use serde_json::Value;

fn answer(call: &Call, r: Result<Value, AppError>) {
    match r {
        Ok(v) => call.reply.ok(v),
        Err(e) => call.reply.err(e.into()),
    }
}

/// `cron.list`.
pub async fn list(call: Call) {
    answer(&call, call.app.app.cron_list(&call.params).await);
}

/// `cron.status`.
pub async fn status(call: Call) {
    answer(&call, call.app.app.cron_status().await);
}

/// `cron.add`.
pub async fn add(call: Call) {
    answer(&call, call.app.app.cron_add(call.params.clone()).await);
}

/// `cron.update {id|jobId, patch}`.
pub async fn update(call: Call) {
    answer(&call, call.app.app.cron_update(&call.params).await);
}

/// `cron.remove {id|jobId}`.
pub async fn remove(call: Call) {
    answer(&call, call.app.app.cron_remove(&call.params).await);
}

/// `cron.run {id|jobId, mode?: "force"|"due"}`.
pub async fn run(call: Call) {
    answer(&call, call.app.app.cron_run(&call.params).await);
}

/// `cron.runs {scope?, id|jobId?, limit?, offset?, statuses?, deliveryStatuses?, query?, sortDir?}`.
pub async fn runs(call: Call) {
    answer(&call, call.app.app.cron_runs_page(&call.params).await);
}
