//! `poll {to, question, options, maxSelections?, durationSeconds?, durationHours?, silent?,
//! isAnonymous?, threadId?, channel?, accountId?, idempotencyKey}`: create a poll in a chat
//! channel (OpenClaw's `message poll`; seed 004 lists it as "发送投票").
//!
//! The parameters are validated as OpenClaw's `PollParams` schema says and the channel is
//! resolved like `send`'s. None of clawgate's channel connectors can create native polls yet
//! (Telegram `sendPoll` and Discord poll objects are not wired), so a valid request answers a
//! clear `INVALID_REQUEST "polls are not supported on channel <c>"` rather than pretending; the
//! method is advertised because it answers.

use super::channels::resolve_channel;
use super::{bad_param, Call};
use crate::ws::frames::ErrorShape;
use serde_json::Value;

/// Most options a poll may offer (OpenClaw `PollParams.options.maxItems`).
pub const MAX_POLL_OPTIONS: usize = 12;

/// Checks `PollParams`; the first violation, worded like OpenClaw's validator.
fn validate(p: &Value) -> Result<(), String> {
    let msg = |m: &str| format!("invalid poll params: {m}");
    for key in ["to", "question", "idempotencyKey"] {
        match p.get(key) {
            Some(Value::String(s)) if !s.trim().is_empty() => {}
            Some(Value::String(_)) => {
                return Err(msg(&format!(
                    "'{key}' must NOT have fewer than 1 characters"
                )))
            }
            Some(_) => return Err(msg(&format!("'{key}' must be string"))),
            None => return Err(msg(&format!("must have required property '{key}'"))),
        }
    }
    let Some(options) = p.get("options") else {
        return Err(msg("must have required property 'options'"));
    };
    let Some(options) = options.as_array() else {
        return Err(msg("'options' must be array"));
    };
    if options.len() < 2 {
        return Err(msg("'options' must NOT have fewer than 2 items"));
    }
    if options.len() > MAX_POLL_OPTIONS {
        return Err(msg(&format!(
            "'options' must NOT have more than {MAX_POLL_OPTIONS} items"
        )));
    }
    if options
        .iter()
        .any(|o| o.as_str().is_none_or(|s| s.trim().is_empty()))
    {
        return Err(msg("'options' items must be non-empty strings"));
    }
    if let Some(n) = p.get("maxSelections") {
        let n = n.as_u64().unwrap_or(0);
        if n == 0 || n as usize > options.len() {
            return Err(msg(
                "'maxSelections' must be between 1 and the number of options",
            ));
        }
    }
    Ok(())
}

/// `poll`.
pub async fn poll(call: Call) {
    if let Err(m) = validate(&call.params) {
        return call.reply.err(bad_param(m));
    }
    let channel = match resolve_channel(&call).await {
        Ok(c) => c,
        Err(e) => return call.reply.err(e),
    };
    let kind = channel.split(':').next().unwrap_or(&channel);
    call.reply.err(ErrorShape::invalid_request(format!(
        "polls are not supported on channel {kind}: clawgate's {kind} connector cannot create native polls"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn poll_params_follow_openclaw_schema() {
        let ok = json!({"to": "chat:1", "question": "Lunch?", "options": ["a", "b"], "idempotencyKey": "k"});
        assert_eq!(validate(&ok), Ok(()));
        let mut one = ok.clone();
        one["options"] = json!(["a"]);
        assert!(validate(&one).unwrap_err().contains("fewer than 2 items"));
        let mut many = ok.clone();
        many["options"] = json!((0..13).map(|i| i.to_string()).collect::<Vec<_>>());
        assert!(validate(&many).unwrap_err().contains("more than 12 items"));
        let mut sel = ok.clone();
        sel["maxSelections"] = json!(3);
        assert!(validate(&sel).unwrap_err().contains("maxSelections"));
        assert!(validate(&json!({}))
            .unwrap_err()
            .contains("must have required property 'to'"));
    }
}
