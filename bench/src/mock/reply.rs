//! Scripted replies: what the mock model answers, independent of the wire protocol.
//!
//! One [`Reply`] is rendered in whichever protocol the request used (OpenAI chat completions or
//! Anthropic messages, streamed or not) by the sibling `openai` and `anthropic` modules.

use std::time::Duration;

/// Token counts reported by the mock.
///
/// OpenAI renders them as `prompt_tokens`/`completion_tokens`/`total_tokens`, Anthropic as
/// `input_tokens`/`output_tokens`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Usage {
    /// Prompt (input) tokens.
    pub prompt_tokens: u64,
    /// Completion (output) tokens.
    pub completion_tokens: u64,
}

impl Usage {
    /// Usage with the given prompt and completion token counts.
    pub fn new(prompt_tokens: u64, completion_tokens: u64) -> Self {
        Usage {
            prompt_tokens,
            completion_tokens,
        }
    }
}

/// Prompt tokens reported when a constructor does not say otherwise.
const DEFAULT_PROMPT_TOKENS: u64 = 9;

/// One tool (function) call the mock model makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolCall {
    /// Call id (`call_…` in OpenAI, used as the `tool_use` id in Anthropic).
    pub id: String,
    /// Function (tool) name.
    pub name: String,
    /// Arguments as a JSON text; streamed in at least two fragments.
    pub arguments: String,
}

/// A scripted reply of the mock model.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A text answer, streamed as one delta per chunk (after the reasoning deltas, if any).
    Text {
        /// Content deltas; concatenated they are the answer.
        chunks: Vec<String>,
        /// Reasoning deltas (`reasoning_content` / `thinking_delta`) sent before the content.
        reasoning: Vec<String>,
        /// Wait before the response head is sent.
        first_byte_delay: Duration,
        /// Pause between two consecutive deltas (not before the first one). A non-stream reply
        /// waits for the whole generation time, `first_byte_delay + chunk_delay × (deltas − 1)`.
        chunk_delay: Duration,
        /// Reported token usage.
        usage: Usage,
        /// The answer was cut by the output cap (`finish_reason: "length"`, Anthropic
        /// `stop_reason: "max_tokens"`).
        truncated: bool,
    },
    /// One or more tool calls, optionally preceded by some text.
    ToolCalls {
        /// Text sent before the calls, if any.
        text: Option<String>,
        /// The calls, in order (OpenAI `index` 0, 1, …).
        calls: Vec<ToolCall>,
        /// Reported token usage.
        usage: Usage,
    },
    /// An error status with a protocol-shaped error body.
    Error {
        /// HTTP status code (e.g. 429, 500, 529).
        status: u16,
        /// Human-readable message put in the error body.
        message: String,
    },
    /// Send the HTTP head and these chunks, then drop the connection without finishing the
    /// stream (for a stream request) / send a truncated body (non-stream).
    Disconnect {
        /// Content deltas sent before the connection is dropped.
        chunks: Vec<String>,
    },
    /// Accept and send nothing for this long (timeouts), then close.
    Hang {
        /// How long to stay silent before closing the connection.
        duration: Duration,
    },
}

impl Reply {
    /// A text reply, split into word chunks (each chunk but the first keeps its leading space:
    /// `"Hello from x"` → `["Hello", " from", " x"]`); usage: 9 prompt tokens, one completion
    /// token per chunk.
    pub fn text(text: &str) -> Reply {
        Reply::text_chunks(split_words(text))
    }

    /// A text reply streamed as exactly these chunks.
    pub fn chunks(chunks: &[&str]) -> Reply {
        Reply::text_chunks(chunks.iter().map(|c| c.to_string()).collect())
    }

    fn text_chunks(chunks: Vec<String>) -> Reply {
        let usage = Usage::new(DEFAULT_PROMPT_TOKENS, chunks.len() as u64);
        Reply::Text {
            chunks,
            reasoning: Vec::new(),
            first_byte_delay: Duration::ZERO,
            chunk_delay: Duration::ZERO,
            usage,
            truncated: false,
        }
    }

    /// Cuts a text reply to at most `max_tokens` chunks (one chunk is one token), marking it
    /// truncated when anything was cut. No effect on other variants.
    pub fn capped(mut self, max_tokens: u64) -> Reply {
        if let Reply::Text {
            chunks,
            usage,
            truncated,
            ..
        } = &mut self
        {
            let max = usize::try_from(max_tokens).unwrap_or(usize::MAX);
            if chunks.len() > max {
                chunks.truncate(max);
                usage.completion_tokens = max as u64;
                *truncated = true;
            }
        }
        self
    }

    /// A reply with a single tool call (id `call_mock_0`); `arguments` is a JSON text.
    pub fn tool_call(name: &str, arguments: &str) -> Reply {
        Reply::ToolCalls {
            text: None,
            calls: vec![ToolCall {
                id: "call_mock_0".to_string(),
                name: name.to_string(),
                arguments: arguments.to_string(),
            }],
            usage: Usage::new(DEFAULT_PROMPT_TOKENS, 1),
        }
    }

    /// An error reply with this HTTP status and message.
    pub fn error(status: u16, message: &str) -> Reply {
        Reply::Error {
            status,
            message: message.to_string(),
        }
    }

    /// Adds reasoning deltas (DeepSeek `reasoning_content`, Anthropic `thinking`) to a text reply.
    /// No effect on other variants.
    pub fn with_reasoning(mut self, reasoning: &[&str]) -> Reply {
        if let Reply::Text { reasoning: r, .. } = &mut self {
            *r = reasoning.iter().map(|c| c.to_string()).collect();
        }
        self
    }

    /// Sets the wait before the first byte of a text reply. No effect on other variants.
    pub fn with_first_byte_delay(mut self, delay: Duration) -> Reply {
        if let Reply::Text {
            first_byte_delay, ..
        } = &mut self
        {
            *first_byte_delay = delay;
        }
        self
    }

    /// Sets the pause between two deltas of a text reply. No effect on other variants.
    pub fn with_chunk_delay(mut self, delay: Duration) -> Reply {
        if let Reply::Text { chunk_delay, .. } = &mut self {
            *chunk_delay = delay;
        }
        self
    }

    /// Sets the reported usage of a text or tool-call reply. No effect on other variants.
    pub fn with_usage(mut self, prompt_tokens: u64, completion_tokens: u64) -> Reply {
        if let Reply::Text { usage, .. } | Reply::ToolCalls { usage, .. } = &mut self {
            *usage = Usage::new(prompt_tokens, completion_tokens);
        }
        self
    }
}

impl Default for Reply {
    /// "Hello from the mock model." in chunks `["Hello"," from"," the"," mock"," model."]`,
    /// usage 9 prompt / 5 completion tokens.
    fn default() -> Self {
        Reply::text("Hello from the mock model.")
    }
}

/// Splits text into chunks at word starts, keeping whitespace attached to the following word.
fn split_words(text: &str) -> Vec<String> {
    let mut chunks = Vec::new();
    let mut current = String::new();
    let mut prev_space = false;
    for c in text.chars() {
        let space = c.is_whitespace();
        if space && !prev_space && !current.trim().is_empty() {
            chunks.push(std::mem::take(&mut current));
        }
        current.push(c);
        prev_space = space;
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

/// Splits a tool-call argument text into at least two fragments at character boundaries
/// (an argument text shorter than two characters yields `["", text]`).
pub(crate) fn argument_fragments(arguments: &str) -> Vec<&str> {
    let bounds: Vec<usize> = arguments.char_indices().map(|(i, _)| i).collect();
    let chars = bounds.len();
    if chars < 2 {
        return vec!["", arguments];
    }
    let pieces = chars.min(3);
    let mut out = Vec::with_capacity(pieces);
    let mut start = 0;
    for k in 1..pieces {
        let cut = bounds[chars * k / pieces];
        out.push(&arguments[start..cut]);
        start = cut;
    }
    out.push(&arguments[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_reply_is_the_five_golden_chunks() {
        match Reply::default() {
            Reply::Text { chunks, usage, .. } => {
                assert_eq!(chunks, ["Hello", " from", " the", " mock", " model."]);
                assert_eq!(usage, Usage::new(9, 5));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn argument_fragments_concatenate_and_are_at_least_two() {
        for args in ["", "x", "{}", r#"{"city":"Paris"}"#, "{\"é\":\"ü€\"}"] {
            let parts = argument_fragments(args);
            assert!(parts.len() >= 2, "{args}: {parts:?}");
            assert_eq!(parts.concat(), args);
        }
        assert_eq!(argument_fragments(r#"{"a":1}"#).len(), 3);
    }
}
