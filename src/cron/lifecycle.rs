//! A job's state transitions, free of I/O: what a finished run does to it (status fields,
//! error count, next due time with backoff, one-shot retry or completion) and the missed-run
//! replay at start-up. The `Scheduler` actor applies these and persists the result.

use super::execute::RunResult;
use super::job::CronJob;
use super::schedule::{error_backoff_ms, next_run_ms};
use crate::config::CronConfig;
use std::collections::BTreeMap;

/// Overdue jobs run immediately at start-up; the rest are deferred.
pub const MAX_MISSED_AT_START: usize = 5;
/// Spacing of deferred missed runs.
pub const MISSED_STAGGER: i64 = 5_000;

/// Errors worth retrying for one-shot jobs (rate limits, overload, network, timeouts, 5xx).
pub fn is_transient(error: &str) -> bool {
    let e = error.to_ascii_lowercase();
    [
        "rate limit",
        "rate_limit",
        "429",
        "overloaded",
        "network",
        "connect",
        "timeout",
        "timed out",
        "econnreset",
        "server error",
        "server_error",
        "500",
        "502",
        "503",
        "504",
        "unavailable",
    ]
    .iter()
    .any(|p| e.contains(p))
}

/// Records a finished run started at `started` and ending at `now` in `job`.
pub fn apply_result(job: &mut CronJob, r: &RunResult, started: i64, now: i64, cfg: &CronConfig) {
    let s = &mut job.state;
    s.running_at_ms = None;
    s.last_run_at_ms = Some(started);
    s.last_run_status = Some(r.status.clone());
    s.last_status = Some(r.status.clone());
    s.last_error = r.error.clone();
    s.last_duration_ms = Some(now - started);
    s.last_delivery_status = Some(r.delivery_status.clone());
    s.last_delivery_error = r.delivery_error.clone();
    s.last_delivered = r.delivered;
    let failed = r.status == "error";
    s.consecutive_errors = if failed { s.consecutive_errors + 1 } else { 0 };
    if !job.is_one_shot() {
        let next = next_run_ms(job, now).unwrap_or(None);
        job.state.next_run_at_ms = match (failed, next) {
            (true, Some(n)) => Some(n.max(now + error_backoff_ms(job.state.consecutive_errors))),
            (_, n) => n,
        };
        return;
    }
    let attempts = job.state.retry_attempts.unwrap_or(0);
    let transient = r.error.as_deref().is_some_and(is_transient);
    if failed && transient && attempts < cfg.retry_max_attempts {
        let delay = cfg
            .retry_backoff
            .get(attempts as usize)
            .or(cfg.retry_backoff.last())
            .map(|d| d.as_millis() as i64)
            .unwrap_or(30_000);
        job.state.retry_attempts = Some(attempts + 1);
        job.state.next_run_at_ms = Some(now + delay);
    } else {
        // Done (success), or a permanent failure / retries used up: disabled.
        job.enabled = false;
        job.state.next_run_at_ms = None;
    }
}

/// Missed-run replay: interrupted runs are due now, overdue jobs keep their (past) due time
/// up to [`MAX_MISSED_AT_START`], the rest are spread [`MISSED_STAGGER`] apart.
pub fn catch_up(jobs: &mut BTreeMap<String, CronJob>, now: i64) {
    let mut overdue: Vec<(i64, String)> = Vec::new();
    for job in jobs.values_mut() {
        if job.state.running_at_ms.take().is_some() && job.enabled {
            job.state.next_run_at_ms = Some(now);
        }
        if job.state.next_run_at_ms.is_none() && job.enabled {
            job.state.next_run_at_ms = next_run_ms(job, now).unwrap_or(None);
        }
        if let Some(t) = job
            .state
            .next_run_at_ms
            .filter(|t| *t <= now && job.enabled)
        {
            overdue.push((t, job.id.clone()));
        }
    }
    overdue.sort();
    for (i, (_, id)) in overdue.into_iter().enumerate().skip(MAX_MISSED_AT_START) {
        if let Some(j) = jobs.get_mut(&id) {
            let slot = (i - MAX_MISSED_AT_START + 1) as i64;
            j.state.next_run_at_ms = Some(now + slot * MISSED_STAGGER);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cron::job::{JobState, Payload, Schedule};

    fn job(id: &str, schedule: Schedule) -> CronJob {
        CronJob {
            id: id.into(),
            agent_id: None,
            session_key: None,
            name: id.into(),
            description: None,
            enabled: true,
            delete_after_run: None,
            created_at_ms: 0,
            updated_at_ms: 0,
            schedule,
            session_target: "isolated".into(),
            wake_mode: "now".into(),
            payload: Payload::AgentTurn {
                message: "m".into(),
                model: None,
                thinking: None,
                timeout_seconds: None,
                allow_unsafe_external_content: None,
                light_context: None,
                tools_allow: None,
                fallbacks: None,
            },
            delivery: None,
            state: JobState::default(),
        }
    }

    fn result(status: &str, error: Option<&str>) -> RunResult {
        RunResult {
            status: status.into(),
            error: error.map(str::to_string),
            delivery_status: "not-requested".into(),
            ..Default::default()
        }
    }

    #[test]
    fn one_shots_retry_transient_errors_then_give_up() {
        let cfg = CronConfig::default();
        let mut j = job(
            "a",
            Schedule::At {
                at: "1970-01-01T00:00:01Z".into(),
            },
        );
        for (n, delay) in [(1, 30_000), (2, 60_000), (3, 300_000)] {
            apply_result(
                &mut j,
                &result("error", Some("upstream 503 overloaded")),
                1_000,
                2_000,
                &cfg,
            );
            assert!(j.enabled);
            assert_eq!(j.state.retry_attempts, Some(n));
            assert_eq!(j.state.next_run_at_ms, Some(2_000 + delay));
        }
        apply_result(
            &mut j,
            &result("error", Some("upstream 503 overloaded")),
            1_000,
            2_000,
            &cfg,
        );
        assert!(!j.enabled, "retries used up");
        let mut p = job(
            "b",
            Schedule::At {
                at: "1970-01-01T00:00:01Z".into(),
            },
        );
        apply_result(
            &mut p,
            &result("error", Some("invalid api key")),
            1_000,
            2_000,
            &cfg,
        );
        assert!(!p.enabled, "permanent errors are not retried");
        assert_eq!(p.state.last_error.as_deref(), Some("invalid api key"));
    }

    #[test]
    fn missed_runs_beyond_five_are_spread_out_and_interrupted_runs_are_due() {
        let mut jobs = BTreeMap::new();
        for i in 0..7 {
            let mut j = job(
                &format!("j{i}"),
                Schedule::Every {
                    every_ms: 60_000,
                    anchor_ms: None,
                },
            );
            j.state.next_run_at_ms = Some(100 + i);
            jobs.insert(j.id.clone(), j);
        }
        let mut stuck = job(
            "stuck",
            Schedule::Every {
                every_ms: 60_000,
                anchor_ms: Some(0),
            },
        );
        stuck.state.running_at_ms = Some(50);
        stuck.state.next_run_at_ms = Some(999_999);
        jobs.insert("stuck".into(), stuck);
        catch_up(&mut jobs, 10_000);
        let due = jobs
            .values()
            .filter(|j| j.state.next_run_at_ms.unwrap() <= 10_000)
            .count();
        assert_eq!(due, MAX_MISSED_AT_START, "five run at once, three wait");
        assert_eq!(jobs["stuck"].state.running_at_ms, None);
        assert_eq!(
            jobs["j6"].state.next_run_at_ms,
            Some(10_000 + 2 * MISSED_STAGGER)
        );
    }
}
