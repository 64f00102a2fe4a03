//! Restart policy shared by the connectors: exponential backoff between reconnects and a
//! budget of `gateway.channelMaxRestartsPerHour` restarts in any rolling hour. Past the budget
//! the next attempt waits until the oldest restart leaves the window.
//!
//! [`Watchdog`]: a long poll (Telegram `getUpdates`, Signal receive) or a gateway socket
//! (Discord) that makes no progress for a bounded time is torn down by its connector and
//! restarted through the same budget and backoff; progress and the restart are reported to the
//! registry (`lastProgressAt`, `restarts`, `lastError` in the channel status).

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

/// `gateway.channelPollTimeoutSeconds` / `gateway.channelStallTimeoutSeconds`, as the
/// connectors use them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WatchdogConfig {
    /// Long-poll hold asked of the platform (`None` = the connector's default).
    pub poll_timeout_secs: Option<u64>,
    /// No progress for this long tears the connection down (`None` = derived from the poll
    /// timeout or the heartbeat interval).
    pub stall: Option<Duration>,
}

impl WatchdogConfig {
    /// The poll hold: the configured one or `default_secs`.
    pub fn poll_secs(&self, default_secs: u64) -> u64 {
        self.poll_timeout_secs.unwrap_or(default_secs)
    }

    /// The stall bound for a wait of `expected` (a poll hold, a heartbeat interval): the
    /// configured one, else twice `expected` plus [`STALL_MARGIN`].
    pub fn stall_for(&self, expected: Duration) -> Duration {
        self.stall.unwrap_or(expected * 2 + STALL_MARGIN)
    }
}

/// Slack added to twice the expected wait before a connection counts as stalled.
pub const STALL_MARGIN: Duration = Duration::from_secs(10);

/// Notices a connection that stopped making progress.
#[derive(Debug)]
pub struct Watchdog {
    stall: Duration,
    last: Instant,
    /// When progress was last reported to the registry (at most once a second).
    reported: Option<Instant>,
}

impl Watchdog {
    /// A watchdog that fires after `stall` without progress (counting from now).
    pub fn new(stall: Duration) -> Self {
        Watchdog {
            stall,
            last: Instant::now(),
            reported: None,
        }
    }

    /// Changes the bound (e.g. once a heartbeat interval is known) and counts from now.
    pub fn rearm(&mut self, stall: Duration) {
        self.stall = stall;
        self.last = Instant::now();
    }

    /// The connection made progress at `now`.
    pub fn progress(&mut self, now: Instant) {
        self.last = now;
    }

    /// The connection made progress at `now`; answers whether to report it to the registry
    /// (`lastProgressAt`), which happens at most once a second.
    pub fn progress_due(&mut self, now: Instant) -> bool {
        self.last = now;
        let due = self
            .reported
            .is_none_or(|t| now.duration_since(t) >= Duration::from_secs(1));
        if due {
            self.reported = Some(now);
        }
        due
    }

    /// Whether nothing happened for longer than the bound at `now`.
    pub fn stalled(&self, now: Instant) -> bool {
        now.duration_since(self.last) > self.stall
    }

    /// The bound.
    pub fn stall(&self) -> Duration {
        self.stall
    }

    /// How often to check (a quarter of the bound, between 50 ms and 5 s).
    pub fn check_every(&self) -> Duration {
        (self.stall / 4).clamp(Duration::from_millis(50), Duration::from_secs(5))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_watchdog_fires_only_after_the_bound_without_progress() {
        let mut w = Watchdog::new(Duration::from_secs(10));
        let t0 = Instant::now();
        assert!(!w.stalled(t0 + Duration::from_secs(5)));
        assert!(w.stalled(t0 + Duration::from_secs(11)));
        w.progress(t0 + Duration::from_secs(9));
        assert!(!w.stalled(t0 + Duration::from_secs(11)));
        assert!(w.progress_due(t0 + Duration::from_secs(12)));
        assert!(
            !w.progress_due(t0 + Duration::from_millis(12_500)),
            "throttled"
        );
        assert!(!w.stalled(t0 + Duration::from_secs(22)), "still progress");
        assert!(w.progress_due(t0 + Duration::from_secs(13)));
        assert_eq!(w.check_every(), Duration::from_millis(2500));
    }

    #[test]
    fn the_stall_bound_is_twice_the_wait_plus_a_margin_unless_configured() {
        let d = WatchdogConfig::default();
        assert_eq!(
            d.stall_for(Duration::from_secs(25)),
            Duration::from_secs(60)
        );
        assert_eq!(d.poll_secs(25), 25);
        let c = WatchdogConfig {
            poll_timeout_secs: Some(1),
            stall: Some(Duration::from_secs(2)),
        };
        assert_eq!(c.stall_for(Duration::from_secs(1)), Duration::from_secs(2));
        assert_eq!(c.poll_secs(25), 1);
    }

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
