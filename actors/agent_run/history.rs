//! What part of a session's history goes to the model: fitted to a context budget and
//! repaired so strict upstreams accept it.

use crate::config::{Config, ModelChoice};
use crate::providers::types::{Message, Role};
use std::collections::HashMap;

/// History budget when neither `agents.defaults.contextTokens` nor the model's `contextWindow`
/// is configured, in tokens.
pub const DEFAULT_CONTEXT_TOKENS: u64 = 32_000;
/// Rough characters per token used to turn a token budget into a character budget.
const CHARS_PER_TOKEN: usize = 4;

/// The history budget (in characters) for a run: `contextTokens`, else ¾ of the model's
/// `contextWindow`, else [`DEFAULT_CONTEXT_TOKENS`].
pub(super) fn history_budget(config: &Config, model: &ModelChoice, system_len: usize) -> usize {
    let window = model.primary.as_ref().and_then(|m| {
        config
            .providers
            .get(&m.provider)?
            .models
            .iter()
            .find(|i| i.id == m.model)?
            .context_window
    });
    let tokens = config
        .context_tokens
        .or(window.map(|w| w * 3 / 4))
        .unwrap_or(DEFAULT_CONTEXT_TOKENS);
    (tokens as usize * CHARS_PER_TOKEN).saturating_sub(system_len)
}

/// Keeps the most recent messages that fit in `budget` characters (always at least the last
/// one), so a long session does not overflow the model's context; the transcript in the store
/// keeps everything.
pub fn fit_history(messages: Vec<Message>, budget: usize) -> Vec<Message> {
    let cost = |m: &Message| {
        16 + m.content.len()
            + m.tool_calls
                .iter()
                .map(|c| c.name.len() + c.arguments.len() + 16)
                .sum::<usize>()
    };
    let mut used = 0;
    let mut keep = 0;
    for m in messages.iter().rev() {
        used += cost(m);
        if used > budget && keep > 0 {
            break;
        }
        keep += 1;
    }
    let drop = messages.len() - keep;
    messages.into_iter().skip(drop).collect()
}

/// Makes a history acceptable to strict upstreams: every assistant tool call gets a result, no
/// tool result is orphaned, and a call id appears once (when a client resends a stored turn with
/// its tool result, only the later copy is kept; Anthropic refuses duplicate `tool_use` ids).
pub fn sanitize_history(messages: Vec<Message>) -> Vec<Message> {
    let messages = drop_repeated_calls(messages);
    let mut out: Vec<Message> = Vec::with_capacity(messages.len());
    let mut open: Vec<String> = Vec::new();
    for m in messages {
        match m.role {
            Role::Tool => {
                let id = m.tool_call_id.clone().unwrap_or_default();
                if let Some(pos) = open.iter().position(|o| *o == id) {
                    open.remove(pos);
                    out.push(m);
                }
            }
            _ => {
                for id in open.drain(..) {
                    out.push(Message {
                        tool_call_id: Some(id),
                        ..Message::text(Role::Tool, "(no result)")
                    });
                }
                if m.role == Role::Assistant {
                    open = m.tool_calls.iter().map(|c| c.id.clone()).collect();
                }
                out.push(m);
            }
        }
    }
    for id in open {
        out.push(Message {
            tool_call_id: Some(id),
            ..Message::text(Role::Tool, "(no result)")
        });
    }
    out
}

/// Removes assistant tool calls whose id is called again later (and assistant messages left
/// empty by that); their results then count as orphans.
fn drop_repeated_calls(messages: Vec<Message>) -> Vec<Message> {
    let mut last: HashMap<&str, usize> = HashMap::new();
    for (i, m) in messages.iter().enumerate() {
        for c in m.tool_calls.iter().filter(|c| !c.id.is_empty()) {
            last.insert(c.id.as_str(), i);
        }
    }
    let keep: Vec<Vec<bool>> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            m.tool_calls
                .iter()
                .map(|c| c.id.is_empty() || last.get(c.id.as_str()) == Some(&i))
                .collect()
        })
        .collect();
    messages
        .into_iter()
        .zip(keep)
        .filter_map(|(mut m, keep)| {
            if keep.iter().all(|k| *k) {
                return Some(m);
            }
            let mut flags = keep.into_iter();
            m.tool_calls.retain(|_| flags.next().unwrap_or(true));
            (!m.tool_calls.is_empty() || !m.content.is_empty()).then_some(m)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::types::ToolCall;

    #[test]
    fn long_histories_keep_the_newest_messages_within_budget() {
        let msgs: Vec<Message> = (0..10)
            .map(|i| Message::text(Role::User, format!("message {i} {}", "x".repeat(100))))
            .collect();
        let kept = fit_history(msgs.clone(), 400);
        assert!(kept.len() < 10 && !kept.is_empty());
        assert_eq!(kept.last(), msgs.last());
        // The current message survives even when it alone is over budget.
        assert_eq!(fit_history(msgs.clone(), 10).len(), 1);
        assert_eq!(fit_history(msgs, 1_000_000).len(), 10);
    }

    #[test]
    fn history_is_repaired_for_strict_upstreams() {
        let call = ToolCall {
            id: "c1".into(),
            name: "x".into(),
            arguments: "{}".into(),
        };
        let h = vec![
            Message {
                tool_call_id: Some("orphan".into()),
                ..Message::text(Role::Tool, "lost")
            },
            Message {
                tool_calls: vec![call],
                ..Message::text(Role::Assistant, "")
            },
            Message::text(Role::User, "next"),
        ];
        let out = sanitize_history(h);
        let roles: Vec<_> = out.iter().map(|m| m.role).collect();
        assert_eq!(roles, [Role::Assistant, Role::Tool, Role::User]);
        assert_eq!(out[1].tool_call_id.as_deref(), Some("c1"));
    }

    #[test]
    fn a_resent_tool_call_keeps_only_its_later_copy_and_result() {
        let call = ToolCall {
            id: "c1".into(),
            name: "x".into(),
            arguments: "{}".into(),
        };
        let asked = Message {
            tool_calls: vec![call],
            ..Message::text(Role::Assistant, "")
        };
        let h = vec![
            Message::text(Role::User, "q"),
            asked.clone(),
            Message::text(Role::User, "q"),
            asked,
            Message {
                tool_call_id: Some("c1".into()),
                ..Message::text(Role::Tool, "answer")
            },
        ];
        let out = sanitize_history(h);
        let roles: Vec<_> = out.iter().map(|m| m.role).collect();
        assert_eq!(roles, [Role::User, Role::User, Role::Assistant, Role::Tool]);
        assert_eq!(out[3].content, "answer");
    }
}
