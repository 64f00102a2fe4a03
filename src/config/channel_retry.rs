//! `channels.<id>.retry` (OpenClaw's per-provider retry policy, with clawgate's two
//! additions for the durable outbox): how a failed send is retried and when it is given up.
//!
//! ```json5
//! channels: { telegram: { retry: {
//!   attempts: 3,            // optional cap on attempts (default: bounded by time only)
//!   minDelayMs: 400,        // first backoff (Telegram 400, Discord 500, others 1000)
//!   maxDelayMs: 30000,      // backoff cap
//!   jitter: 0.1,            // ± fraction of each backoff
//!   giveUpAfterMs: 600000,  // clawgate: a message still unsent this long after it was queued fails
//!   attemptTimeoutMs: 30000 // clawgate: one attempt longer than this counts as a timeout
//! } } }
//! ```

use super::channel_types::ChannelKind;
use serde_json::Value;
use std::time::Duration;

/// The validated retry policy of one account.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryRetry {
    /// At most this many attempts (`None`: bounded by `give_up_after` only).
    pub attempts: Option<u32>,
    /// First backoff.
    pub min_delay: Duration,
    /// Backoff cap (a platform's own retry-after is honoured even when longer).
    pub max_delay: Duration,
    /// ± fraction of each backoff (0 to 1).
    pub jitter: f64,
    /// A message not accepted this long after it was queued fails.
    pub give_up_after: Duration,
    /// One attempt taking longer than this is a timeout (retried).
    pub attempt_timeout: Duration,
}

impl DeliveryRetry {
    /// The defaults for `kind` (OpenClaw's: 400 ms for Telegram, 500 ms for Discord).
    pub fn defaults(kind: ChannelKind) -> DeliveryRetry {
        let min = match kind {
            ChannelKind::Telegram => 400,
            ChannelKind::Discord => 500,
            _ => 1000,
        };
        DeliveryRetry {
            attempts: None,
            min_delay: Duration::from_millis(min),
            max_delay: Duration::from_secs(30),
            jitter: 0.1,
            give_up_after: Duration::from_secs(600),
            attempt_timeout: Duration::from_secs(30),
        }
    }

    /// The backoff before attempt `attempt + 1` after `attempt` failures (1-based), with
    /// `unit` in `[0, 1)` choosing the jitter; a platform's `hint` wins when present.
    pub fn delay(&self, attempt: u32, hint: Option<Duration>, unit: f64) -> Duration {
        if let Some(h) = hint {
            return h;
        }
        let exp = attempt.saturating_sub(1).min(20);
        let base = self
            .min_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        let spread = base.as_secs_f64() * self.jitter * (2.0 * unit - 1.0);
        Duration::from_secs_f64((base.as_secs_f64() + spread).max(0.0))
    }
}

/// Parses `retry` (`key` names it in errors) over the defaults of `kind`.
pub(super) fn parse(
    kind: ChannelKind,
    v: Option<&Value>,
    key: &str,
) -> Result<DeliveryRetry, (String, String)> {
    let mut r = DeliveryRetry::defaults(kind);
    let Some(v) = v else { return Ok(r) };
    let Some(o) = v.as_object() else {
        return Err((key.to_string(), "must be an object".into()));
    };
    let bad = |f: &str, m: &str| (format!("{key}.{f}"), m.to_string());
    let ms = |f: &str| -> Result<Option<Duration>, (String, String)> {
        match o.get(f) {
            None | Some(Value::Null) => Ok(None),
            Some(x) => x
                .as_u64()
                .map(|n| Some(Duration::from_millis(n)))
                .ok_or_else(|| bad(f, "must be a non-negative integer (ms)")),
        }
    };
    if let Some(d) = ms("minDelayMs")? {
        r.min_delay = d;
    }
    if let Some(d) = ms("maxDelayMs")? {
        r.max_delay = d;
    }
    if let Some(d) = ms("giveUpAfterMs")? {
        r.give_up_after = d;
    }
    if let Some(d) = ms("attemptTimeoutMs")? {
        if d.is_zero() {
            return Err(bad("attemptTimeoutMs", "must be at least 1"));
        }
        r.attempt_timeout = d;
    }
    match o.get("attempts") {
        None | Some(Value::Null) => {}
        Some(x) => match x.as_u64() {
            Some(n) if n >= 1 && n <= u32::MAX as u64 => r.attempts = Some(n as u32),
            _ => return Err(bad("attempts", "must be a positive integer")),
        },
    }
    match o.get("jitter") {
        None | Some(Value::Null) => {}
        Some(x) => match x.as_f64() {
            Some(j) if (0.0..=1.0).contains(&j) => r.jitter = j,
            _ => return Err(bad("jitter", "must be a number from 0 to 1")),
        },
    }
    if r.max_delay < r.min_delay {
        return Err(bad("maxDelayMs", "must not be below minDelayMs"));
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn backoff_doubles_up_to_the_cap_and_a_platform_hint_wins() {
        let mut r = DeliveryRetry::defaults(ChannelKind::Telegram);
        r.jitter = 0.0;
        assert_eq!(r.delay(1, None, 0.5), Duration::from_millis(400));
        assert_eq!(r.delay(2, None, 0.5), Duration::from_millis(800));
        assert_eq!(r.delay(30, None, 0.5), Duration::from_secs(30));
        let hint = Some(Duration::from_secs(45));
        assert_eq!(r.delay(1, hint, 0.5), Duration::from_secs(45));
        r.jitter = 0.1;
        assert_eq!(r.delay(1, None, 0.0), Duration::from_millis(360));
        assert_eq!(r.delay(1, None, 1.0), Duration::from_millis(440));
    }

    #[test]
    fn keys_are_checked() {
        let ok = parse(
            ChannelKind::Slack,
            Some(
                &json!({"attempts": 5, "minDelayMs": 10, "maxDelayMs": 50, "jitter": 0,
                "giveUpAfterMs": 2000, "attemptTimeoutMs": 300}),
            ),
            "channels.slack.retry",
        )
        .unwrap();
        assert_eq!(ok.attempts, Some(5));
        assert_eq!(ok.give_up_after, Duration::from_secs(2));
        assert_eq!(ok.attempt_timeout, Duration::from_millis(300));
        let e = parse(
            ChannelKind::Slack,
            Some(&json!({"jitter": 2})),
            "channels.slack.retry",
        )
        .unwrap_err();
        assert_eq!(e.0, "channels.slack.retry.jitter");
        assert_eq!(
            parse(ChannelKind::Discord, None, "x").unwrap().min_delay,
            Duration::from_millis(500)
        );
    }
}
