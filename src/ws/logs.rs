//! A bounded in-memory ring of the gateway's recent log lines, for `logs.tail`.
//!
//! [`crate::ws::log_records::RingLayer`] (installed by [`crate::telemetry::init`]) keeps every
//! event here as an OpenClaw-shaped JSON record line. The ring is process-wide because the
//! `tracing` subscriber is; gateways embedded in tests that install no subscriber see no lines.

use std::collections::VecDeque;
use std::sync::{Mutex, OnceLock};

/// Lines kept.
pub const RING_LINES: usize = 2000;

/// The ring: lines plus the byte offset of the first kept line (the `cursor` space).
#[derive(Debug, Default)]
pub struct LogRing {
    lines: VecDeque<String>,
    start: u64,
    end: u64,
}

/// A `logs.tail` page.
#[derive(Debug, Clone, PartialEq)]
pub struct Tail {
    /// Lines, oldest first.
    pub lines: Vec<String>,
    /// Cursor to pass next time (end of the returned lines).
    pub cursor: u64,
    /// Total bytes ever logged.
    pub size: u64,
    /// Older lines exist that were not returned.
    pub truncated: bool,
    /// The given cursor was older than the ring (lines were lost).
    pub reset: bool,
}

impl LogRing {
    /// Appends one line.
    pub fn push(&mut self, line: &str) {
        let len = line.len() as u64 + 1;
        if self.lines.len() >= RING_LINES {
            if let Some(old) = self.lines.pop_front() {
                self.start += old.len() as u64 + 1;
            }
        }
        self.lines.push_back(line.to_string());
        self.end += len;
    }

    /// The last `limit` lines (at most `max_bytes`), or the lines after `cursor`.
    pub fn tail(&self, cursor: Option<u64>, limit: usize, max_bytes: usize) -> Tail {
        let reset = cursor.is_some_and(|c| c < self.start || c > self.end);
        let mut offset = self.start;
        let mut candidates: Vec<&String> = Vec::new();
        for l in &self.lines {
            if cursor.is_none() || reset || offset >= cursor.unwrap_or(0) {
                candidates.push(l);
            }
            offset += l.len() as u64 + 1;
        }
        let mut picked: Vec<String> = Vec::new();
        let mut bytes = 0;
        for l in candidates.iter().rev() {
            if picked.len() >= limit || bytes + l.len() > max_bytes {
                break;
            }
            bytes += l.len();
            picked.push((*l).clone());
        }
        let truncated = picked.len() < candidates.len();
        picked.reverse();
        Tail {
            lines: picked,
            cursor: self.end,
            size: self.end,
            truncated,
            reset,
        }
    }
}

/// The process-wide ring.
pub fn ring() -> &'static Mutex<LogRing> {
    static RING: OnceLock<Mutex<LogRing>> = OnceLock::new();
    RING.get_or_init(|| Mutex::new(LogRing::default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_returns_the_last_lines_and_a_cursor_for_the_next_page() {
        let mut r = LogRing::default();
        for i in 0..5 {
            r.push(&format!("line {i}"));
        }
        let t = r.tail(None, 2, 10_000);
        assert_eq!(t.lines, ["line 3", "line 4"]);
        assert!(t.truncated);
        r.push("line 5");
        let next = r.tail(Some(t.cursor), 100, 10_000);
        assert_eq!(next.lines, ["line 5"]);
        assert!(!next.reset);
    }
}
