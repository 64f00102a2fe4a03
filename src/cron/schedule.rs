//! Schedule arithmetic: when a job is next due, `at` and duration parsing, the error
//! backoff and the top-of-hour stagger. Cron expressions are evaluated by `croner` (5 or 6
//! fields, day-of-month and day-of-week OR'ed) in an IANA zone from `chrono-tz`.

use super::job::{CronJob, Schedule};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// Recurring jobs back off after consecutive errors: 30 s, 1 min, 5 min, 15 min, 60 min.
pub const ERROR_BACKOFF_MS: [i64; 5] = [30_000, 60_000, 300_000, 900_000, 3_600_000];
/// The widest top-of-hour stagger.
pub const MAX_STAGGER_MS: u64 = 300_000;

/// The backoff after `consecutive_errors` failures (≥ 1).
pub fn error_backoff_ms(consecutive_errors: u32) -> i64 {
    let i = (consecutive_errors.max(1) as usize - 1).min(ERROR_BACKOFF_MS.len() - 1);
    ERROR_BACKOFF_MS[i]
}

/// Parses a duration such as `20m`, `1h30m`, `45s`, `2d`, `500ms` or a bare number of ms.
pub fn parse_duration_ms(s: &str) -> Option<u64> {
    let s = s.trim().to_ascii_lowercase();
    if s.is_empty() {
        return None;
    }
    if let Ok(n) = s.parse::<u64>() {
        return Some(n);
    }
    let mut total: u64 = 0;
    let mut num = String::new();
    let mut chars = s.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let mut unit = c.to_string();
        while chars.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            unit.push(chars.next()?);
        }
        let n: f64 = num.parse().ok()?;
        num.clear();
        let mult = match unit.as_str() {
            "ms" => 1.0,
            "s" | "sec" | "secs" => 1_000.0,
            "m" | "min" | "mins" => 60_000.0,
            "h" | "hr" | "hrs" => 3_600_000.0,
            "d" | "day" | "days" => 86_400_000.0,
            "w" => 604_800_000.0,
            _ => return None,
        };
        total += (n * mult) as u64;
        any = true;
    }
    (num.is_empty() && any).then_some(total)
}

/// Parses an `at` value: RFC 3339, or a date-time without offset (UTC), or ms since epoch.
pub fn parse_at_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(ms) = s.parse::<i64>() {
        return Some(ms);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, f) {
            return Some(Utc.from_utc_datetime(&n).timestamp_millis());
        }
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|n| Utc.from_utc_datetime(&n).timestamp_millis())
}

/// ISO form (UTC, milliseconds) of a time.
pub fn iso(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

fn parse_cron(expr: &str) -> Result<croner::Cron, String> {
    croner::Cron::new(expr.trim())
        .with_seconds_optional()
        .parse()
        .map_err(|e| format!("invalid cron expression `{expr}`: {e}"))
}

fn parse_tz(tz: &str) -> Result<chrono_tz::Tz, String> {
    tz.trim()
        .parse::<chrono_tz::Tz>()
        .map_err(|_| format!("unknown time zone `{tz}`"))
}

/// Whether an expression fires at minute 0 (and second 0) of some hours.
pub fn is_top_of_hour(expr: &str) -> bool {
    let f: Vec<&str> = expr.split_whitespace().collect();
    match f.len() {
        5 => f[0] == "0",
        6 => f[0] == "0" && f[1] == "0",
        _ => false,
    }
}

/// The stagger a cron job gets: explicit `staggerMs`, else a deterministic 0–5 min derived
/// from the job id for top-of-hour expressions, else 0.
pub fn stagger_ms(job_id: &str, expr: &str, explicit: Option<u64>) -> u64 {
    if let Some(s) = explicit {
        return s;
    }
    if !is_top_of_hour(expr) {
        return 0;
    }
    let d = Sha256::digest(job_id.as_bytes());
    u64::from_be_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]]) % MAX_STAGGER_MS
}

/// Checks a schedule (expression, zone, interval, instant).
pub fn validate(s: &Schedule) -> Result<(), String> {
    match s {
        Schedule::At { at } => parse_at_ms(at)
            .map(|_| ())
            .ok_or_else(|| format!("invalid schedule.at `{at}` (use an ISO 8601 time)")),
        Schedule::Every { every_ms, .. } => (*every_ms >= 1)
            .then_some(())
            .ok_or_else(|| "schedule.everyMs must be at least 1".to_string()),
        Schedule::Cron { expr, tz, .. } => {
            parse_cron(expr)?;
            if let Some(tz) = tz {
                parse_tz(tz)?;
            }
            Ok(())
        }
    }
}

fn next_cron(expr: &str, tz: Option<&str>, after_ms: i64) -> Result<Option<i64>, String> {
    let cron = parse_cron(expr)?;
    let after = Utc
        .timestamp_millis_opt(after_ms)
        .single()
        .ok_or("time out of range")?;
    let next = match tz {
        Some(tz) => cron
            .find_next_occurrence(&after.with_timezone(&parse_tz(tz)?), false)
            .map(|t| t.timestamp_millis()),
        None => cron
            .find_next_occurrence(&after.with_timezone(&chrono::Local), false)
            .map(|t| t.timestamp_millis()),
    };
    Ok(next.ok())
}

/// When `job` is next due after `now_ms` (`None`: never again).
pub fn next_run_ms(job: &CronJob, now_ms: i64) -> Result<Option<i64>, String> {
    match &job.schedule {
        Schedule::At { at } => {
            let at = parse_at_ms(at).ok_or_else(|| format!("invalid schedule.at `{at}`"))?;
            let done = job.state.last_run_at_ms.is_some()
                && job.state.last_status.as_deref() != Some("error");
            Ok((!done).then_some(at))
        }
        Schedule::Every {
            every_ms,
            anchor_ms,
        } => {
            let every = i64::try_from(*every_ms).unwrap_or(i64::MAX).max(1);
            let anchor = anchor_ms.unwrap_or(job.created_at_ms);
            if now_ms < anchor {
                return Ok(Some(anchor));
            }
            // A slot past the end of time is never.
            let periods = (now_ms.saturating_sub(anchor) / every).saturating_add(1);
            Ok(periods
                .checked_mul(every)
                .and_then(|d| anchor.checked_add(d)))
        }
        Schedule::Cron {
            expr,
            tz,
            stagger_ms: explicit,
        } => {
            let stagger = stagger_ms(&job.id, expr, *explicit) as i64;
            // The slot whose staggered time is still ahead of `now`.
            let slot = next_cron(expr, tz.as_deref(), now_ms.saturating_sub(stagger))?;
            Ok(slot.and_then(|s| s.checked_add(stagger)))
        }
    }
}

/// The timeout of a job's run: agent turns `timeoutSeconds` (≤ 0: none; default 60 min),
/// everything else 10 min.
pub fn run_timeout(job: &CronJob) -> Option<Duration> {
    match &job.payload {
        super::job::Payload::AgentTurn {
            timeout_seconds, ..
        } => match timeout_seconds {
            Some(s) if *s <= 0.0 => None,
            Some(s) => Some(Duration::from_secs_f64(*s)),
            None => Some(Duration::from_secs(60 * 60)),
        },
        super::job::Payload::SystemEvent { .. } => Some(Duration::from_secs(10 * 60)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cron::job::{JobState, Payload};

    fn job(schedule: Schedule) -> CronJob {
        CronJob {
            id: "job-1".into(),
            agent_id: None,
            session_key: None,
            name: "t".into(),
            description: None,
            enabled: true,
            delete_after_run: None,
            created_at_ms: 1_000,
            updated_at_ms: 1_000,
            schedule,
            session_target: "main".into(),
            wake_mode: "now".into(),
            payload: Payload::SystemEvent { text: "x".into() },
            delivery: None,
            state: JobState::default(),
        }
    }

    #[test]
    fn durations_and_instants_parse() {
        assert_eq!(parse_duration_ms("20m"), Some(1_200_000));
        assert_eq!(parse_duration_ms("1h30m"), Some(5_400_000));
        assert_eq!(parse_duration_ms("500ms"), Some(500));
        assert_eq!(parse_duration_ms("1500"), Some(1500));
        assert_eq!(parse_duration_ms("m"), None);
        assert_eq!(parse_duration_ms("5x"), None);
        assert_eq!(parse_at_ms("1970-01-01T00:00:01Z"), Some(1000));
        assert_eq!(
            parse_at_ms("1970-01-01T00:00:01"),
            Some(1000),
            "no offset = UTC"
        );
        assert_eq!(parse_at_ms("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_at_ms("tomorrow"), None);
    }

    #[test]
    fn every_is_strictly_after_now_and_honours_the_anchor() {
        let j = job(Schedule::Every {
            every_ms: 100,
            anchor_ms: None,
        });
        assert_eq!(next_run_ms(&j, 1_000).unwrap(), Some(1_100));
        assert_eq!(next_run_ms(&j, 1_050).unwrap(), Some(1_100));
        assert_eq!(next_run_ms(&j, 500).unwrap(), Some(1_000));
        let a = job(Schedule::Every {
            every_ms: 100,
            anchor_ms: Some(1_030),
        });
        assert_eq!(next_run_ms(&a, 1_100).unwrap(), Some(1_130));
    }

    /// Found by `tests/fuzz.rs`: a huge `everyMs` overflowed (a panic in debug builds, a
    /// wrapped time in release).
    #[test]
    fn an_interval_past_the_end_of_time_is_never_not_a_panic() {
        let j = job(Schedule::Every {
            every_ms: u64::MAX,
            anchor_ms: Some(0),
        });
        assert_eq!(next_run_ms(&j, 1).unwrap(), Some(i64::MAX));
        let j = job(Schedule::Every {
            every_ms: 1 << 62,
            anchor_ms: Some(i64::MAX - 10),
        });
        assert_eq!(next_run_ms(&j, i64::MAX).unwrap(), None);
    }

    #[test]
    fn cron_next_is_tz_aware_and_never_in_the_past() {
        let j = job(Schedule::Cron {
            expr: "30 7 * * *".into(),
            tz: Some("Asia/Shanghai".into()),
            stagger_ms: None,
        });
        let now = parse_at_ms("2026-03-01T00:00:00Z").unwrap();
        // 07:30 in Shanghai (UTC+8) is 23:30 UTC the day before: the next one is 2026-03-01T23:30Z.
        assert_eq!(
            next_run_ms(&j, now).unwrap(),
            parse_at_ms("2026-03-01T23:30:00Z")
        );
        // Inside the matching second, the next run is the following day.
        let at = parse_at_ms("2026-03-01T23:30:00Z").unwrap();
        assert_eq!(
            next_run_ms(&j, at).unwrap(),
            parse_at_ms("2026-03-02T23:30:00Z")
        );
        let six = job(Schedule::Cron {
            expr: "*/10 * * * * *".into(),
            tz: Some("UTC".into()),
            stagger_ms: None,
        });
        assert_eq!(next_run_ms(&six, 5_000).unwrap(), Some(10_000));
    }

    #[test]
    fn top_of_hour_jobs_get_a_stable_stagger_unless_exact() {
        assert!(is_top_of_hour("0 7 * * *"));
        assert!(is_top_of_hour("0 * * * *"));
        assert!(is_top_of_hour("0 0 */2 * * *"));
        assert!(!is_top_of_hour("30 7 * * *"));
        let s = stagger_ms("job-1", "0 7 * * *", None);
        assert!(s < MAX_STAGGER_MS);
        assert_eq!(s, stagger_ms("job-1", "0 7 * * *", None));
        assert_eq!(stagger_ms("job-1", "0 7 * * *", Some(0)), 0);
    }

    #[test]
    fn one_shots_are_done_after_a_successful_run() {
        let mut j = job(Schedule::At {
            at: "1970-01-01T00:00:05Z".into(),
        });
        assert_eq!(next_run_ms(&j, 0).unwrap(), Some(5_000));
        j.state.last_run_at_ms = Some(5_000);
        j.state.last_status = Some("ok".into());
        assert_eq!(next_run_ms(&j, 6_000).unwrap(), None);
    }

    #[test]
    fn backoff_steps() {
        assert_eq!(error_backoff_ms(1), 30_000);
        assert_eq!(error_backoff_ms(3), 300_000);
        assert_eq!(error_backoff_ms(9), 3_600_000);
    }

    #[test]
    fn bad_expressions_and_zones_are_rejected() {
        assert!(validate(&Schedule::Cron {
            expr: "61 * * * *".into(),
            tz: None,
            stagger_ms: None
        })
        .is_err());
        assert!(validate(&Schedule::Cron {
            expr: "0 7 * * *".into(),
            tz: Some("Mars/Base".into()),
            stagger_ms: None
        })
        .is_err());
        assert!(validate(&Schedule::Every {
            every_ms: 0,
            anchor_ms: None
        })
        .is_err());
    }
}
