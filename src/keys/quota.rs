//! Per-key quotas and the counters behind them: requests a minute (a fixed window),
//! concurrent turns (a slot held until the turn ends), tokens a UTC day and month (loaded from
//! the stored usage when the key is first verified, so they survive restarts, and advanced as
//! turns end). Each refusal names its limit and when to retry.

use super::policy::Quotas;
use chrono::{Datelike, NaiveDate, Utc};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

/// A request over one of a key's limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    /// The limit's name (`requestsPerMinute`, `concurrentTurns`, `tokensPerDay`,
    /// `tokensPerMonth`).
    pub limit: &'static str,
    /// What to tell the caller.
    pub message: String,
    /// Seconds until it may retry.
    pub retry_after: u64,
}

/// Tokens spent by one key today and this month.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Spent {
    /// UTC day, `YYYY-MM-DD`.
    pub day: String,
    /// Tokens that day.
    pub day_tokens: u64,
    /// UTC month, `YYYY-MM`.
    pub month: String,
    /// Tokens that month.
    pub month_tokens: u64,
}

/// One key's live counters.
#[derive(Debug)]
pub struct Counters {
    window: Mutex<(Instant, u32)>,
    turns: Arc<AtomicU32>,
    spent: Mutex<Spent>,
}

/// Today (UTC) as `YYYY-MM-DD`.
pub fn today() -> String {
    Utc::now().format("%Y-%m-%d").to_string()
}

fn seconds_to_midnight() -> u64 {
    let now = Utc::now();
    let tomorrow = now.date_naive().succ_opt().unwrap_or(now.date_naive());
    let end = tomorrow.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    end.map(|e| (e - now).num_seconds().max(1) as u64)
        .unwrap_or(86_400)
}

fn seconds_to_month_end() -> u64 {
    let now = Utc::now();
    let (y, m) = if now.month() == 12 {
        (now.year() + 1, 1)
    } else {
        (now.year(), now.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| (t.and_utc() - now).num_seconds().max(1) as u64)
        .unwrap_or(86_400)
}

/// A concurrent-turn slot; dropping it frees the slot.
#[derive(Debug)]
pub struct TurnSlot(Option<Arc<AtomicU32>>);

impl Drop for TurnSlot {
    fn drop(&mut self) {
        if let Some(c) = &self.0 {
            c.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl Counters {
    /// Counters starting from what was already spent.
    pub fn new(spent: Spent) -> Self {
        Counters {
            window: Mutex::new((Instant::now(), 0)),
            turns: Arc::default(),
            spent: Mutex::new(spent),
        }
    }

    /// Admits one request under `requestsPerMinute`.
    pub fn admit_request(&self, q: &Quotas) -> Result<(), Denied> {
        let Some(limit) = q.requests_per_minute else {
            return Ok(());
        };
        let now = Instant::now();
        let mut w = self.window.lock().unwrap_or_else(|p| p.into_inner());
        if now.duration_since(w.0) >= WINDOW {
            *w = (now, 0);
        }
        if w.1 >= limit {
            let retry_after = WINDOW
                .saturating_sub(now.duration_since(w.0))
                .as_secs()
                .max(1);
            return Err(Denied {
                limit: "requestsPerMinute",
                message: format!("API key quota exceeded: requestsPerMinute ({limit})."),
                retry_after,
            });
        }
        w.1 += 1;
        Ok(())
    }

    /// Admits one turn under `concurrentTurns`, `tokensPerDay` and `tokensPerMonth`.
    pub fn admit_turn(&self, q: &Quotas) -> Result<TurnSlot, Denied> {
        {
            let mut s = self.spent.lock().unwrap_or_else(|p| p.into_inner());
            roll(&mut s);
            if let Some(limit) = q.tokens_per_day.filter(|l| s.day_tokens >= *l) {
                return Err(Denied {
                    limit: "tokensPerDay",
                    message: format!("API key quota exceeded: tokensPerDay ({limit})."),
                    retry_after: seconds_to_midnight(),
                });
            }
            if let Some(limit) = q.tokens_per_month.filter(|l| s.month_tokens >= *l) {
                return Err(Denied {
                    limit: "tokensPerMonth",
                    message: format!("API key quota exceeded: tokensPerMonth ({limit})."),
                    retry_after: seconds_to_month_end(),
                });
            }
        }
        let Some(limit) = q.concurrent_turns else {
            return Ok(TurnSlot(None));
        };
        let before = self.turns.fetch_add(1, Ordering::AcqRel);
        let slot = TurnSlot(Some(self.turns.clone()));
        if before >= limit {
            return Err(Denied {
                limit: "concurrentTurns",
                message: format!("API key quota exceeded: concurrentTurns ({limit})."),
                retry_after: 1,
            });
        }
        Ok(slot)
    }

    /// Adds a finished turn's tokens.
    pub fn spend(&self, tokens: u64) {
        let mut s = self.spent.lock().unwrap_or_else(|p| p.into_inner());
        roll(&mut s);
        s.day_tokens += tokens;
        s.month_tokens += tokens;
    }
}

fn roll(s: &mut Spent) {
    let day = today();
    if s.day != day {
        let month = day[..7].to_string();
        if s.month != month {
            s.month = month;
            s.month_tokens = 0;
        }
        s.day = day;
        s.day_tokens = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_101st_request_of_a_minute_is_refused() {
        let c = Counters::new(Spent::default());
        let q = Quotas {
            requests_per_minute: Some(100),
            ..Default::default()
        };
        for _ in 0..100 {
            c.admit_request(&q).unwrap();
        }
        let d = c.admit_request(&q).unwrap_err();
        assert_eq!(d.limit, "requestsPerMinute");
        assert!(d.retry_after >= 1 && d.retry_after <= 60);
    }

    #[test]
    fn a_spent_budget_stops_turns_and_slots_free_on_drop() {
        let c = Counters::new(Spent::default());
        let q = Quotas {
            tokens_per_day: Some(10),
            concurrent_turns: Some(1),
            ..Default::default()
        };
        let slot = c.admit_turn(&q).unwrap();
        assert_eq!(c.admit_turn(&q).unwrap_err().limit, "concurrentTurns");
        drop(slot);
        c.spend(10);
        assert_eq!(c.admit_turn(&q).unwrap_err().limit, "tokensPerDay");
    }
}
