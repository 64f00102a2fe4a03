//! `agents.defaults.heartbeat`: the periodic heartbeat turn (OpenClaw's keys).
//!
//! `{every: "30m", activeHours: {start: "08:00", end: "22:00", timezone}, target: "none" |
//! "last" | <channel>, to, prompt, ackMaxChars: 300}`. The heartbeat runs only when the section
//! is present (OpenClaw runs one every 30 minutes by default; clawgate spends no model calls
//! unless asked); `every: "0"` switches it off. Durations as in cron (`2s`, `30m`, `1h`; a bare
//! number is minutes, as in OpenClaw).

use chrono::Timelike as _;
use serde_json::Value;
use std::time::Duration;

/// OpenClaw's heartbeat prompt.
pub const DEFAULT_PROMPT: &str = "Read HEARTBEAT.md if it exists (workspace context). Follow it strictly. Do not infer or repeat old tasks from prior chats. If nothing needs attention, reply HEARTBEAT_OK.";
/// Characters a reply may keep besides `HEARTBEAT_OK` and still count as an acknowledgement.
pub const DEFAULT_ACK_MAX_CHARS: usize = 300;

/// Where a heartbeat reply that is not an acknowledgement goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeartbeatTarget {
    /// Nowhere (the reply stays in the main session's transcript). OpenClaw's default.
    None,
    /// The chat that last wrote to the main session.
    Last,
    /// A channel (`telegram`, `whatsapp:work`, …) and the account's `to` / `defaultTo`.
    Channel(String),
}

/// The hours of the day heartbeats run in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveHours {
    /// Minute of the day the window opens.
    pub start_min: u32,
    /// Minute of the day it closes (`1440` = midnight); before `start_min` = over midnight.
    pub end_min: u32,
    /// IANA zone; `None` = the host's local time.
    pub tz: Option<chrono_tz::Tz>,
}

impl ActiveHours {
    /// Whether `now_ms` (Unix ms) falls inside the window.
    pub fn contains(&self, now_ms: u64) -> bool {
        let Some(utc) = chrono::DateTime::from_timestamp_millis(now_ms as i64) else {
            return true;
        };
        let (h, m) = match self.tz {
            Some(tz) => {
                let t = utc.with_timezone(&tz);
                (t.hour(), t.minute())
            }
            None => {
                let t = utc.with_timezone(&chrono::Local);
                (t.hour(), t.minute())
            }
        };
        let now = h * 60 + m;
        if self.start_min <= self.end_min {
            self.start_min <= now && now < self.end_min
        } else {
            now >= self.start_min || now < self.end_min
        }
    }
}

/// The validated heartbeat settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeartbeatConfig {
    /// Time between heartbeat turns.
    pub every: Duration,
    /// When heartbeats may run (`None` = always).
    pub active_hours: Option<ActiveHours>,
    /// Where a non-acknowledgement reply goes.
    pub target: HeartbeatTarget,
    /// Target within the channel.
    pub to: Option<String>,
    /// The turn's message.
    pub prompt: String,
    /// See [`DEFAULT_ACK_MAX_CHARS`].
    pub ack_max_chars: usize,
}

fn hhmm(v: Option<&Value>, key: &str) -> Result<Option<u32>, (String, String)> {
    let Some(v) = v else { return Ok(None) };
    let bad = || {
        (
            format!("agents.defaults.heartbeat.activeHours.{key}"),
            "must be HH:MM (00:00–24:00)".to_string(),
        )
    };
    let s = v.as_str().ok_or_else(bad)?;
    let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(Some(h * 60 + m))
}

/// Builds the settings from `agents.defaults.heartbeat` (`None` = no heartbeat); errors name
/// the key.
pub fn build(
    v: Option<&Value>,
    user_timezone: Option<&Value>,
) -> Result<Option<HeartbeatConfig>, (String, String)> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let key = |k: &str| format!("agents.defaults.heartbeat.{k}");
    if !v.is_object() {
        return Err((
            "agents.defaults.heartbeat".into(),
            "must be an object".into(),
        ));
    }
    let every_ms = match &v["every"] {
        Value::Null => 30 * 60_000,
        Value::Number(n) => n
            .as_f64()
            .filter(|n| *n >= 0.0)
            .map(|n| (n * 60_000.0) as u64)
            .ok_or_else(|| (key("every"), "must be a duration".into()))?,
        Value::String(s) if s.trim().parse::<f64>().is_ok() => {
            (s.trim().parse::<f64>().unwrap_or(0.0).max(0.0) * 60_000.0) as u64
        }
        Value::String(s) => crate::cron::schedule::parse_duration_ms(s)
            .ok_or_else(|| (key("every"), "must be a duration such as 30m or 2s".into()))?,
        _ => return Err((key("every"), "must be a duration such as 30m or 2s".into())),
    };
    if every_ms == 0 {
        return Ok(None);
    }
    if every_ms < 1000 {
        return Err((key("every"), "must be at least 1s".into()));
    }
    let active_hours = match v.get("activeHours").filter(|a| !a.is_null()) {
        None => None,
        Some(a) => {
            let start = hhmm(a.get("start"), "start")?.unwrap_or(0);
            let end = hhmm(a.get("end"), "end")?.unwrap_or(1440);
            let zone = a
                .get("timezone")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|z| *z != "user")
                .or_else(|| user_timezone.and_then(Value::as_str).map(str::trim));
            let tz = match zone {
                None | Some("local") | Some("") => None,
                Some(z) => Some(z.parse::<chrono_tz::Tz>().map_err(|_| {
                    (
                        key("activeHours.timezone"),
                        format!("unknown time zone `{z}`"),
                    )
                })?),
            };
            Some(ActiveHours {
                start_min: start,
                end_min: end,
                tz,
            })
        }
    };
    let target = match v.get("target").and_then(Value::as_str).map(str::trim) {
        None | Some("none") | Some("") => HeartbeatTarget::None,
        Some("last") => HeartbeatTarget::Last,
        Some(c) => HeartbeatTarget::Channel(c.to_ascii_lowercase()),
    };
    let text = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let ack_max_chars = match v.get("ackMaxChars") {
        None | Some(Value::Null) => DEFAULT_ACK_MAX_CHARS,
        Some(n) => n
            .as_u64()
            .ok_or_else(|| (key("ackMaxChars"), "must be a non-negative integer".into()))?
            as usize,
    };
    Ok(Some(HeartbeatConfig {
        every: Duration::from_millis(every_ms),
        active_hours,
        target,
        to: text("to"),
        prompt: text("prompt").unwrap_or_else(|| DEFAULT_PROMPT.to_string()),
        ack_max_chars,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn durations_targets_and_defaults() {
        let h = build(
            Some(&json!({"every": "2s", "target": "WhatsApp", "to": "+1"})),
            None,
        )
        .unwrap()
        .unwrap();
        assert_eq!(h.every, Duration::from_secs(2));
        assert_eq!(h.target, HeartbeatTarget::Channel("whatsapp".into()));
        assert_eq!(h.prompt, DEFAULT_PROMPT);
        assert_eq!(
            build(Some(&json!({"every": 5})), None)
                .unwrap()
                .unwrap()
                .every,
            Duration::from_secs(300)
        );
        assert_eq!(build(Some(&json!({"every": "0m"})), None).unwrap(), None);
        assert_eq!(build(None, None).unwrap(), None);
        assert!(build(Some(&json!({"every": "soon"})), None).is_err());
    }

    #[test]
    fn active_hours_wrap_midnight_in_their_zone() {
        let h = build(
            Some(&json!({"activeHours": {"start": "22:00", "end": "06:00", "timezone": "Asia/Shanghai"}})),
            None,
        )
        .unwrap()
        .unwrap();
        let a = h.active_hours.unwrap();
        // 2026-01-01T15:00Z is 23:00 in Shanghai; 04:00Z is 12:00.
        assert!(a.contains(1_767_279_600_000));
        assert!(!a.contains(1_767_240_000_000));
        assert!(build(Some(&json!({"activeHours": {"start": "25:00"}})), None).is_err());
    }
}
