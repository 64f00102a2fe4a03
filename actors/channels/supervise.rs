//! Restart policy shared by the connectors: exponential backoff between reconnects and a
//! budget of `gateway.channelMaxRestartsPerHour` restarts in any rolling hour. Past the budget
//! the next attempt waits until the oldest restart leaves the window.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// First reconnect delay.
pub const BACKOFF_MIN: Duration = Duration::from_secs(1);
/// Longest reconnect delay (outside the budget limit).
pub const BACKOFF_MAX: Duration = Duration::from_secs(60);
/// The budget window.
const WINDOW: Duration = Duration::from_secs(3600);

/// Restart bookkeeping for one connector.
#[derive(Debug)]
pub struct Restarts {
    max_per_hour: u32,
    /// Consecutive failures since the last success (drives the backoff).
    consecutive: u32,
    at: VecDeque<Instant>,
}

/// What to do after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextAttempt {
    /// Wait this long before reconnecting.
    pub delay: Duration,
    /// The hourly budget is spent (the delay runs to the end of the window).
    pub limited: bool,
}

impl Restarts {
    /// A fresh budget.
    pub fn new(max_per_hour: u32) -> Self {
        Restarts {
            max_per_hour,
            consecutive: 0,
            at: VecDeque::new(),
        }
    }

    /// Restarts inside the current window.
    pub fn in_window(&mut self, now: Instant) -> u32 {
        while self
            .at
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            self.at.pop_front();
        }
        self.at.len() as u32
    }

    /// The connection came up: the backoff starts over (the hourly budget does not).
    pub fn succeeded(&mut self) {
        self.consecutive = 0;
    }

    /// A connection failed or dropped at `now`: records a restart and says when to retry.
    pub fn failed(&mut self, now: Instant) -> NextAttempt {
        let used = self.in_window(now);
        if used >= self.max_per_hour {
            let oldest = self.at.front().copied().unwrap_or(now);
            return NextAttempt {
                delay: (oldest + WINDOW).saturating_duration_since(now),
                limited: true,
            };
        }
        self.at.push_back(now);
        let exp = self.consecutive.min(6);
        self.consecutive += 1;
        NextAttempt {
            delay: (BACKOFF_MIN * 2u32.pow(exp)).min(BACKOFF_MAX),
            limited: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_and_are_capped() {
        let mut r = Restarts::new(100);
        let now = Instant::now();
        let d: Vec<u64> = (0..8).map(|_| r.failed(now).delay.as_secs()).collect();
        assert_eq!(d, vec![1, 2, 4, 8, 16, 32, 60, 60]);
        r.succeeded();
        assert_eq!(r.failed(now).delay, BACKOFF_MIN);
    }

    #[test]
    fn the_hourly_budget_limits_restarts() {
        let mut r = Restarts::new(2);
        let t0 = Instant::now();
        assert!(!r.failed(t0).limited);
        assert!(!r.failed(t0 + Duration::from_secs(10)).limited);
        let n = r.failed(t0 + Duration::from_secs(20));
        assert!(n.limited);
        assert_eq!(n.delay, Duration::from_secs(3580));
        assert!(!r.failed(t0 + WINDOW).limited, "the oldest left the window");
    }
}
