//! Tool-round timing (benchmark figure 7): how long the client of the mock (the gateway) takes
//! from receiving a reply that carries tool calls to sending the request that carries their
//! results.
//!
//! What is measured, exactly:
//! - **start**: the moment the body of a reply carrying tool calls is complete on the mock's
//!   side — the last poll of the response body stream (a non-stream JSON body is sent as a
//!   one-chunk sized stream so it has such a poll; an SSE stream's last poll comes after its
//!   final frame). actix polls the body until it ends and then flushes its write buffer in the
//!   same task, so this is a few µs *before* the bytes are written to the socket;
//! - **end**: the handler is entered for a request whose `messages` carry a result for one of
//!   those calls (OpenAI `{"role":"tool","tool_call_id"}`, Anthropic
//!   `{"type":"tool_result","tool_use_id"}` content blocks): actix has read and parsed the
//!   whole request, head and body, before that.
//!
//! The interval therefore holds one loopback hop each way (the mock's write, the client's
//! read; the client's write, the mock's read and request parsing), a new upstream connection
//! if the client opens one, and everything the client does in between: parse the reply, run
//! the tool, persist or emit what it does, serialize the next request. Samples are kept only
//! when [`super::MockOptions::measure_tool_rounds`] is on; both the pending calls and the
//! samples are bounded.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::stream::{self, Stream, StreamExt};
use serde_json::Value;

use super::lock;
use super::reply::Reply;

/// Calls sent and not yet answered that are remembered at most (later ones are not timed).
const MAX_PENDING: usize = 4_096;
/// Samples kept at most until they are taken (later ones are dropped).
const MAX_SAMPLES: usize = 1 << 20;

/// A callback run once when a response body has been fully produced.
pub(crate) type OnEnd = Box<dyn FnOnce() + Send>;

/// Pending tool calls (id → when the reply carrying it was complete) and finished samples.
#[derive(Debug, Default)]
pub(crate) struct ToolRounds {
    pending: Mutex<HashMap<String, Instant>>,
    samples: Mutex<Vec<Duration>>,
}

impl ToolRounds {
    /// For a reply with tool calls, the callback that marks them sent (`None` otherwise).
    pub(crate) fn on_sent(self: &Arc<Self>, reply: &Reply) -> Option<OnEnd> {
        let Reply::ToolCalls { calls, .. } = reply else {
            return None;
        };
        let ids: Vec<String> = calls.iter().map(|c| c.id.clone()).collect();
        let me = self.clone();
        Some(Box::new(move || {
            let at = Instant::now();
            let mut pending = lock(&me.pending);
            for id in ids {
                if pending.len() < MAX_PENDING || pending.contains_key(&id) {
                    pending.insert(id, at);
                }
            }
        }))
    }

    /// A request arrived at `at` with these messages: one sample per pending call it answers.
    pub(crate) fn arrived(&self, messages: &[Value], at: Instant) {
        let mut found = Vec::new();
        {
            let mut pending = lock(&self.pending);
            if pending.is_empty() {
                return;
            }
            for id in result_ids(messages) {
                if let Some(sent) = pending.remove(id) {
                    found.push(at.saturating_duration_since(sent));
                }
            }
        }
        if !found.is_empty() {
            let mut samples = lock(&self.samples);
            let room = MAX_SAMPLES.saturating_sub(samples.len());
            samples.extend(found.into_iter().take(room));
        }
    }

    /// Takes every sample recorded so far, in arrival order.
    pub(crate) fn take(&self) -> Vec<Duration> {
        std::mem::take(&mut *lock(&self.samples))
    }
}

/// Ids of the tool calls that `messages` carry results for (OpenAI and Anthropic shapes).
fn result_ids(messages: &[Value]) -> impl Iterator<Item = &str> {
    messages.iter().flat_map(|m| {
        let openai = (m["role"] == "tool")
            .then(|| m["tool_call_id"].as_str())
            .flatten();
        let anthropic = m["content"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|b| b["type"] == "tool_result")
            .filter_map(|b| b["tool_use_id"].as_str());
        openai.into_iter().chain(anthropic)
    })
}

/// `inner`, then `on_end` run at the poll that finds it exhausted.
pub(crate) fn then_on_end<S>(
    inner: S,
    on_end: Option<OnEnd>,
) -> impl Stream<Item = Result<Bytes, std::io::Error>>
where
    S: Stream<Item = Result<Bytes, std::io::Error>>,
{
    let mut on_end = on_end;
    inner.chain(stream::poll_fn(move |_| {
        if let Some(f) = on_end.take() {
            f();
        }
        Poll::Ready(None)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn results_in_either_shape_close_their_pending_call() {
        let rounds = Arc::new(ToolRounds::default());
        let reply = Reply::ToolCalls {
            text: None,
            calls: ["a", "b"]
                .iter()
                .map(|id| super::super::ToolCall {
                    id: id.to_string(),
                    name: "t".into(),
                    arguments: "{}".into(),
                })
                .collect(),
            usage: super::super::Usage::new(1, 1),
        };
        assert!(rounds.on_sent(&Reply::default()).is_none());
        rounds.on_sent(&reply).unwrap()();
        let later = Instant::now() + Duration::from_micros(5);
        let messages = [
            json!({"role": "user", "content": "hi"}),
            json!({"role": "tool", "tool_call_id": "a", "content": "x"}),
            json!({"role": "user", "content": [{"type": "tool_result", "tool_use_id": "b"}]}),
            json!({"role": "tool", "tool_call_id": "unknown", "content": "x"}),
        ];
        rounds.arrived(&messages, later);
        let samples = rounds.take();
        assert_eq!(samples.len(), 2);
        assert!(samples.iter().all(|d| *d >= Duration::from_micros(5)));
        // Answered calls are forgotten: the same history again adds nothing.
        rounds.arrived(&messages, later);
        assert!(rounds.take().is_empty());
    }
}
