//! Pure builder of the OpenResponses SSE event sequence (spec §4.6, wire-formats §1.2/§1.3).
//!
//! [`StreamEmitter`] is a state machine fed with what the run produces (text deltas, client
//! tool calls, the end or a failure). Each call returns the events to send, in order, each a JSON
//! object with `type` and a `sequence_number` that increases by one from 0. No I/O: the HTTP
//! layer writes each event with [`to_sse_frame`] (one buffer per event, as the compliance suite's
//! parser requires) and ends with [`DONE_FRAME`]. A non-stream handler can drive the same emitter,
//! ignore the events and return [`StreamEmitter::response`].

use bytes::{BufMut, Bytes, BytesMut};
use serde_json::{json, Value};

use super::resource::{
    function_call_item, message_item, new_function_call_id, new_message_id, output_text_part,
    ResponseErrorBody, ResponseResource, ResponseStatus, Usage,
};

/// Text used when a run finishes without any output (OpenClaw's fallback).
pub const EMPTY_RESPONSE_TEXT: &str = "No response from OpenClaw.";

/// The stream terminator.
pub const DONE_FRAME: &[u8] = b"data: [DONE]\n\n";

/// Encodes one event as `event: <type>\ndata: <json>\n\n` in a single buffer.
pub fn to_sse_frame(event: &Value) -> Bytes {
    let kind = event
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("message");
    let data = event.to_string();
    let mut buf = BytesMut::with_capacity(kind.len() + data.len() + 16);
    buf.put_slice(b"event: ");
    buf.put_slice(kind.as_bytes());
    buf.put_slice(b"\ndata: ");
    buf.put_slice(data.as_bytes());
    buf.put_slice(b"\n\n");
    buf.freeze()
}

#[derive(Debug)]
struct OpenMessage {
    id: String,
    output_index: usize,
    text: String,
}

#[derive(Debug)]
struct OpenCall {
    id: String,
    call_id: String,
    name: String,
    output_index: usize,
    arguments: String,
}

/// Event sequencer for one response.
#[derive(Debug)]
pub struct StreamEmitter {
    resource: ResponseResource,
    seq: u64,
    started: bool,
    finished: bool,
    message: Option<OpenMessage>,
    calls: Vec<OpenCall>,
    /// `incomplete_details.reason` when the output budget ran out.
    incomplete: Option<&'static str>,
    empty_fallback: Option<String>,
    /// Output index of the next item to open.
    next_index: usize,
    /// Completed items with their output index (kept sorted into `resource.output`).
    completed: Vec<(usize, Value)>,
}

impl StreamEmitter {
    /// A new emitter for `resource` (normally from [`ResponseResource::from_request`]).
    pub fn new(resource: ResponseResource) -> Self {
        Self {
            resource,
            seq: 0,
            started: false,
            finished: false,
            message: None,
            calls: Vec::new(),
            incomplete: None,
            empty_fallback: Some(EMPTY_RESPONSE_TEXT.to_owned()),
            next_index: 0,
            completed: Vec::new(),
        }
    }

    /// Sets the text emitted when the run ends with no output (`None` = emit nothing).
    pub fn with_empty_fallback(mut self, text: Option<String>) -> Self {
        self.empty_fallback = text;
        self
    }

    /// Snapshot of the response resource in wire form.
    pub fn response(&self) -> Value {
        self.resource.to_value()
    }

    /// Whether `finish` or `fail` has run (later calls return no events).
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    fn event(&mut self, kind: &str, fields: Value) -> Value {
        let mut event = json!({"type": kind, "sequence_number": self.seq});
        if let (Some(obj), Value::Object(extra)) = (event.as_object_mut(), fields) {
            obj.extend(extra);
        }
        self.seq += 1;
        event
    }

    fn take_index(&mut self) -> usize {
        self.next_index += 1;
        self.next_index - 1
    }

    /// Records a completed item; `output` stays ordered by output index even when parallel
    /// calls complete out of order.
    fn complete_item(&mut self, output_index: usize, item: Value) {
        self.completed.push((output_index, item));
        self.completed.sort_by_key(|(i, _)| *i);
        self.resource.output = self.completed.iter().map(|(_, v)| v.clone()).collect();
    }

    fn response_event(&mut self, kind: &str) -> Value {
        let response = self.resource.to_value();
        self.event(kind, json!({"response": response}))
    }

    /// `response.created` + `response.in_progress` (once; implied by the other methods).
    pub fn start(&mut self) -> Vec<Value> {
        if self.started || self.finished {
            return Vec::new();
        }
        self.started = true;
        vec![
            self.response_event("response.created"),
            self.response_event("response.in_progress"),
        ]
    }

    /// Appends assistant text, opening a message item (and its content part) if needed.
    pub fn text_delta(&mut self, delta: &str) -> Vec<Value> {
        let mut out = self.start();
        if self.finished || delta.is_empty() {
            return out;
        }
        if self.message.is_none() {
            let id = new_message_id();
            let output_index = self.take_index();
            let item = message_item(&id, None, None, "in_progress");
            out.push(self.event(
                "response.output_item.added",
                json!({"output_index": output_index, "item": item}),
            ));
            out.push(self.event(
                "response.content_part.added",
                json!({"item_id": id, "output_index": output_index, "content_index": 0,
                       "part": output_text_part("")}),
            ));
            self.message = Some(OpenMessage {
                id,
                output_index,
                text: String::new(),
            });
        }
        if let Some(m) = self.message.as_mut() {
            m.text.push_str(delta);
            let (id, idx) = (m.id.clone(), m.output_index);
            out.push(self.event(
                "response.output_text.delta",
                json!({"item_id": id, "output_index": idx, "content_index": 0, "delta": delta}),
            ));
        }
        out
    }

    fn close_message(&mut self, phase: &str) -> Vec<Value> {
        let Some(m) = self.message.take() else {
            return Vec::new();
        };
        let (id, idx) = (m.id.as_str(), m.output_index);
        let status = if self.incomplete.is_some() {
            "incomplete"
        } else {
            "completed"
        };
        let item = message_item(id, Some(&m.text), Some(phase), status);
        let out = vec![
            self.event(
                "response.output_text.done",
                json!({"item_id": id, "output_index": idx, "content_index": 0, "text": m.text}),
            ),
            self.event(
                "response.content_part.done",
                json!({"item_id": id, "output_index": idx, "content_index": 0,
                       "part": output_text_part(&m.text)}),
            ),
            self.event(
                "response.output_item.done",
                json!({"output_index": idx, "item": item.clone()}),
            ),
        ];
        self.complete_item(idx, item);
        out
    }

    /// Opens a client tool call item. Any open message is completed first (phase `commentary`).
    pub fn tool_call_start(&mut self, call_id: &str, name: &str) -> Vec<Value> {
        let mut out = self.start();
        if self.finished {
            return out;
        }
        out.extend(self.close_message("commentary"));
        let id = new_function_call_id();
        let output_index = self.take_index();
        let item = function_call_item(&id, call_id, name, "", "in_progress");
        out.push(self.event(
            "response.output_item.added",
            json!({"output_index": output_index, "item": item}),
        ));
        self.calls.push(OpenCall {
            id,
            call_id: call_id.to_owned(),
            name: name.to_owned(),
            output_index,
            arguments: String::new(),
        });
        out
    }

    /// Appends argument text to the open call `call_id` (ignored if no such open call).
    pub fn tool_call_args_delta(&mut self, call_id: &str, delta: &str) -> Vec<Value> {
        if self.finished || delta.is_empty() {
            return Vec::new();
        }
        let Some(call) = self.calls.iter_mut().find(|c| c.call_id == call_id) else {
            return Vec::new();
        };
        call.arguments.push_str(delta);
        let (id, idx) = (call.id.clone(), call.output_index);
        vec![self.event(
            "response.function_call_arguments.delta",
            json!({"item_id": id, "output_index": idx, "delta": delta}),
        )]
    }

    /// Completes the open call `call_id` (`function_call_arguments.done` + `output_item.done`).
    pub fn tool_call_done(&mut self, call_id: &str) -> Vec<Value> {
        if self.finished {
            return Vec::new();
        }
        let Some(pos) = self.calls.iter().position(|c| c.call_id == call_id) else {
            return Vec::new();
        };
        let call = self.calls.remove(pos);
        self.close_call(call)
    }

    fn close_call(&mut self, call: OpenCall) -> Vec<Value> {
        let item = function_call_item(
            &call.id,
            &call.call_id,
            &call.name,
            &call.arguments,
            "completed",
        );
        let out = vec![
            self.event(
                "response.function_call_arguments.done",
                json!({"item_id": call.id, "output_index": call.output_index, "arguments": call.arguments}),
            ),
            self.event(
                "response.output_item.done",
                json!({"output_index": call.output_index, "item": item.clone()}),
            ),
        ];
        self.complete_item(call.output_index, item);
        out
    }

    /// A complete tool call at once: start, one arguments delta (if non-empty), done.
    pub fn tool_call(&mut self, call_id: &str, name: &str, arguments: &str) -> Vec<Value> {
        let mut out = self.tool_call_start(call_id, name);
        out.extend(self.tool_call_args_delta(call_id, arguments));
        out.extend(self.tool_call_done(call_id));
        out
    }

    /// Marks the response as cut short (`max_output_tokens`): [`Self::finish`] then ends it with
    /// status `incomplete`, `incomplete_details: {reason}`, the open message item `incomplete`
    /// and the terminal event `response.incomplete`, as OpenAI does.
    pub fn set_incomplete(&mut self, reason: &'static str) {
        self.incomplete = Some(reason);
    }

    /// Ends the response: closes open items (message phase `final_answer`) and emits
    /// `response.completed` with status `completed` (also when client tools were called, as
    /// OpenAI does), or `response.incomplete` after [`Self::set_incomplete`].
    pub fn finish(&mut self, usage: Usage) -> Vec<Value> {
        let mut out = self.start();
        if self.finished {
            return out;
        }
        if self.next_index == 0 {
            if let Some(text) = self.empty_fallback.clone() {
                out.extend(self.text_delta(&text));
            }
        }
        out.extend(self.close_message("final_answer"));
        for call in std::mem::take(&mut self.calls) {
            out.extend(self.close_call(call));
        }
        let terminal = match self.incomplete {
            Some(reason) => {
                self.resource.status = ResponseStatus::Incomplete;
                self.resource.incomplete_details = Some(json!({ "reason": reason }));
                "response.incomplete"
            }
            None => {
                self.resource.status = ResponseStatus::Completed;
                "response.completed"
            }
        };
        self.resource.completed_at = Some(chrono::Utc::now().timestamp());
        self.resource.usage = Some(usage);
        self.finished = true;
        out.push(self.response_event(terminal));
        out
    }

    /// Fails the response: an `error` event, then `response.failed` (status `failed`, empty
    /// output, `error: {code: "api_error", message}`). Pass a generic message for server faults.
    pub fn fail(&mut self, message: &str) -> Vec<Value> {
        let mut out = self.start();
        if self.finished {
            return out;
        }
        self.finished = true;
        self.message = None;
        self.calls.clear();
        self.resource.status = ResponseStatus::Failed;
        self.completed.clear();
        self.resource.output.clear();
        self.resource.error = Some(ResponseErrorBody {
            code: "api_error".to_owned(),
            message: message.to_owned(),
        });
        out.push(self.event(
            "error",
            json!({"error": {"code": "api_error", "message": message, "param": null}}),
        ));
        out.push(self.response_event("response.failed"));
        out
    }
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
