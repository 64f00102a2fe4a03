//! The `chat` event delta throttle.
//!
//! Assistant text arrives as many small updates; `chat` deltas carry the FULL
//! accumulated text and go out at most once per [`CHAT_DELTA_THROTTLE_MS`].
//! Updates inside the window are held as pending and emitted by [`ChatDeltaThrottle::poll`]
//! once the window passes, or by [`ChatDeltaThrottle::flush`] before a tool
//! start; the terminal builders (`final_events`, `aborted_events`,
//! `error_events`) flush a pending delta first.
//!
//! Delta payload (golden `agent-env` order; `agentId` only when set):
//! `{runId, sessionKey, agentId?, seq, state:"delta", deltaText,
//!   message:{role:"assistant", content:[{type:"text", text}], timestamp}}`.

use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::core::clock::Clock;

/// Minimum spacing between two deltas of one run.
pub const CHAT_DELTA_THROTTLE_MS: u64 = 150;

/// Per-run delta throttle producing `chat` event payloads.
pub struct ChatDeltaThrottle {
    run_id: String,
    session_key: String,
    agent_id: Option<String>,
    clock: Arc<dyn Clock>,
    text: String,
    emitted_len: usize,
    seq: u64,
    last_emit_ms: Option<u64>,
    pending: bool,
}

impl std::fmt::Debug for ChatDeltaThrottle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatDeltaThrottle")
            .field("run_id", &self.run_id)
            .field("seq", &self.seq)
            .field("pending", &self.pending)
            .finish()
    }
}

impl ChatDeltaThrottle {
    /// A throttle for one run in one session.
    pub fn new(run_id: &str, session_key: &str, clock: Arc<dyn Clock>) -> Self {
        Self {
            run_id: run_id.to_string(),
            session_key: session_key.to_string(),
            agent_id: None,
            clock,
            text: String::new(),
            emitted_len: 0,
            seq: 0,
            last_emit_ms: None,
            pending: false,
        }
    }

    /// Adds `agentId` to every payload.
    pub fn with_agent_id(mut self, agent_id: &str) -> Self {
        self.agent_id = Some(agent_id.to_string());
        self
    }

    /// The full text accumulated so far.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether an update is waiting for the throttle window.
    pub fn has_pending(&self) -> bool {
        self.pending
    }

    /// When the pending delta may be emitted (for scheduling a `poll`).
    pub fn next_due_ms(&self) -> Option<u64> {
        self.pending
            .then(|| self.last_emit_ms.map_or(0, |t| t + CHAT_DELTA_THROTTLE_MS))
    }

    /// Records the new full accumulated text (`seq` = the agent stream seq of
    /// this update); returns a delta payload if the window allows one now.
    pub fn update(&mut self, full_text: &str, seq: u64) -> Option<Value> {
        self.seq = seq;
        if full_text == self.text && !self.pending {
            return None;
        }
        self.text.clear();
        self.text.push_str(full_text);
        self.emitted_len = self.emitted_len.min(self.text.len());
        self.pending = true;
        self.poll()
    }

    /// Appends a chunk to the accumulated text (convenience over [`Self::update`]).
    pub fn push_chunk(&mut self, chunk: &str, seq: u64) -> Option<Value> {
        let full = format!("{}{}", self.text, chunk);
        self.update(&full, seq)
    }

    /// Emits the pending delta if the throttle window has passed.
    pub fn poll(&mut self) -> Option<Value> {
        let now = self.clock.now_ms();
        let due = self
            .last_emit_ms
            .is_none_or(|t| now.saturating_sub(t) >= CHAT_DELTA_THROTTLE_MS);
        if self.pending && due {
            Some(self.emit(now))
        } else {
            None
        }
    }

    /// Emits the pending delta now, ignoring the window (before tool start or
    /// a terminal event).
    pub fn flush(&mut self) -> Option<Value> {
        self.pending.then(|| {
            let now = self.clock.now_ms();
            self.emit(now)
        })
    }

    fn emit(&mut self, now: u64) -> Value {
        let delta_text = self.text.get(self.emitted_len..).unwrap_or("").to_string();
        let mut p = self.base("delta");
        p.insert("deltaText".into(), json!(delta_text));
        p.insert("message".into(), self.message(now));
        self.pending = false;
        self.last_emit_ms = Some(now);
        self.emitted_len = self.text.len();
        Value::Object(p)
    }

    fn base(&self, state: &str) -> Map<String, Value> {
        let mut p = Map::new();
        p.insert("runId".into(), json!(self.run_id));
        p.insert("sessionKey".into(), json!(self.session_key));
        if let Some(a) = &self.agent_id {
            p.insert("agentId".into(), json!(a));
        }
        p.insert("seq".into(), json!(self.seq));
        p.insert("state".into(), json!(state));
        p
    }

    fn message(&self, now: u64) -> Value {
        json!({"role": "assistant", "content": [{"type": "text", "text": self.text}], "timestamp": now})
    }

    fn with_flush(&mut self, terminal: Value) -> Vec<Value> {
        let mut out: Vec<Value> = self.flush().into_iter().collect();
        out.push(terminal);
        out
    }

    /// Pending delta (if any) then `state:"final"` with `stopReason?` and the
    /// final text (message omitted when empty or a silent `NO_REPLY`).
    pub fn final_events(&mut self, stop_reason: Option<&str>) -> Vec<Value> {
        let silent = self.text.trim().is_empty() || self.text.trim() == "NO_REPLY";
        if silent {
            self.pending = false;
        }
        let flushed = self.flush();
        let mut p = self.base("final");
        if let Some(r) = stop_reason {
            p.insert("stopReason".into(), json!(r));
        }
        if !silent {
            p.insert("message".into(), self.message(self.clock.now_ms()));
        }
        flushed.into_iter().chain([Value::Object(p)]).collect()
    }

    /// Pending delta (if any) then `state:"aborted"` (with the partial text, if any).
    pub fn aborted_events(&mut self) -> Vec<Value> {
        let mut p = self.base("aborted");
        if !self.text.is_empty() {
            p.insert("message".into(), self.message(self.clock.now_ms()));
        }
        self.with_flush(Value::Object(p))
    }

    /// Pending delta (if any) then `state:"error"` with `errorMessage` and
    /// optional `errorKind` (`refusal|timeout|rate_limit|context_length|unknown`).
    pub fn error_events(&mut self, error_message: &str, error_kind: Option<&str>) -> Vec<Value> {
        let mut p = self.base("error");
        p.insert("errorMessage".into(), json!(error_message));
        if let Some(k) = error_kind {
            p.insert("errorKind".into(), json!(k));
        }
        self.with_flush(Value::Object(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::clock::ManualClock;

    fn throttle(clock: &ManualClock) -> ChatDeltaThrottle {
        ChatDeltaThrottle::new("run-1", "agent:main:main", Arc::new(clock.clone()))
    }

    #[test]
    fn first_update_emits_golden_shaped_delta() {
        let clock = ManualClock::new(1_795_257_610_077);
        let mut t = throttle(&clock).with_agent_id("main");
        let d = t.update("Hello", 3).unwrap();
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"runId":"run-1","sessionKey":"agent:main:main","agentId":"main","seq":3,"state":"delta","deltaText":"Hello","message":{"role":"assistant","content":[{"type":"text","text":"Hello"}],"timestamp":1795257610077}}"#
        );
    }

    #[test]
    fn at_most_one_delta_per_window_with_full_text() {
        let clock = ManualClock::new(0);
        let mut t = throttle(&clock);
        assert!(t.push_chunk("a", 1).is_some());
        clock.advance(50);
        assert!(t.push_chunk("b", 2).is_none());
        clock.advance(50);
        assert!(t.push_chunk("c", 3).is_none());
        assert_eq!(t.next_due_ms(), Some(150));
        assert!(t.poll().is_none());
        clock.advance(49); // t = 149
        assert!(t.poll().is_none());
        clock.advance(1); // t = 150
        let d = t.poll().unwrap();
        assert_eq!(d["message"]["content"][0]["text"], "abc");
        assert_eq!(d["deltaText"], "bc");
        assert_eq!(d["seq"], 3);
        assert!(t.poll().is_none(), "nothing pending");
        assert_eq!(t.next_due_ms(), None);
        clock.advance(200);
        let d = t.update("abcd", 4).unwrap();
        assert_eq!(d["message"]["content"][0]["text"], "abcd");
        assert!(
            t.update("abcd", 4).is_none(),
            "unchanged text emits nothing"
        );
    }

    #[test]
    fn flush_before_final_and_final_shape() {
        let clock = ManualClock::new(1000);
        let mut t = throttle(&clock);
        t.update("Hello", 3);
        clock.advance(10);
        assert!(t.update("Hello from the mock model.", 7).is_none());
        let ev = t.final_events(Some("stop"));
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0]["state"], "delta");
        assert_eq!(ev[0]["deltaText"], " from the mock model.");
        assert_eq!(
            ev[1],
            json!({"runId":"run-1","sessionKey":"agent:main:main","seq":7,"state":"final","stopReason":"stop",
                   "message":{"role":"assistant","content":[{"type":"text","text":"Hello from the mock model."}],"timestamp":1010}})
        );
        let keys: Vec<&str> = ev[1]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "runId",
                "sessionKey",
                "seq",
                "state",
                "stopReason",
                "message"
            ]
        );
    }

    #[test]
    fn final_without_pending_and_silent_reply() {
        let clock = ManualClock::new(0);
        let mut t = throttle(&clock);
        t.update("done", 1);
        let ev = t.final_events(None);
        assert_eq!(ev.len(), 1, "nothing pending → only final");
        assert!(ev[0].get("stopReason").is_none());
        let mut t = throttle(&clock);
        t.update("NO_REPLY", 1);
        clock.advance(1);
        t.update("NO_REPLY ", 2);
        let ev = t.final_events(Some("stop"));
        assert_eq!(ev.len(), 1);
        assert!(
            ev[0].get("message").is_none(),
            "silent reply has no message"
        );
    }

    #[test]
    fn aborted_and_error_flush_first() {
        let clock = ManualClock::new(0);
        let mut t = throttle(&clock);
        t.update("par", 1);
        t.update("partial", 2);
        let ev = t.aborted_events();
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[1]["state"], "aborted");
        assert_eq!(ev[1]["message"]["content"][0]["text"], "partial");
        let mut t = throttle(&clock);
        let ev = t.error_events("model exploded", Some("unknown"));
        assert_eq!(
            ev,
            vec![
                json!({"runId":"run-1","sessionKey":"agent:main:main","seq":0,"state":"error",
                        "errorMessage":"model exploded","errorKind":"unknown"})
            ]
        );
        assert_eq!(t.aborted_events()[0].get("message"), None);
    }

    #[test]
    fn explicit_flush_resets_window() {
        let clock = ManualClock::new(0);
        let mut t = throttle(&clock);
        t.update("a", 1);
        clock.advance(20);
        t.update("ab", 2);
        assert!(t.has_pending());
        assert_eq!(t.flush().unwrap()["message"]["content"][0]["text"], "ab");
        assert!(t.flush().is_none());
        clock.advance(100);
        assert!(t.update("abc", 3).is_none(), "window restarts at the flush");
        assert_eq!(t.text(), "abc");
        assert!(format!("{t:?}").contains("run-1"));
    }
}
