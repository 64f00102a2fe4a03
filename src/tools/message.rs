//! `message`: send text to a chat channel through the gateway's one delivery path (the
//! channel registry's [`Deliver`], the same one `clawgate message send`, the WS `send` method,
//! hook replies and cron announcements use), with OpenClaw's parameters: `action` (`send`, the
//! only one clawgate has; the default), `channel`, `target` (alias `to`), `message` (alias
//! `text`), `accountId`, `threadId`, `replyTo`, `silent`, and `media` (http(s) URLs the gateway
//! fetches through the SSRF guard and attaches). The result is the delivery receipt:
//! `{ok, action, channel, to, messageId, messageIds}`.
//!
//! `channel` may be left out when exactly one channel kind is configured; `target` may be left
//! out when the account has a `defaultTo`. An unknown, disabled or unconnected channel, a
//! missing target and a platform refusal are tool errors.

use super::{args, json_result, Tool, ToolContext, ToolError};
use crate::channels::media::{MediaSource, RichContent};
use crate::channels::{Deliver, DeliveryError};
use crate::config::{ChannelKind, Config};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};

/// The `message` tool.
pub struct MessageTool;

impl Tool for MessageTool {
    fn name(&self) -> &'static str {
        "message"
    }
    fn description(&self) -> &'static str {
        "Send a message to a chat channel (telegram, slack, discord, webhook): action \"send\" \
         with channel, target and message."
    }
    fn parameters(&self) -> Value {
        json!({"type": "object", "required": ["message"], "properties": {
            "action": {"type": "string", "enum": ["send"], "default": "send",
                "description": "What to do (only \"send\")."},
            "channel": {"type": "string",
                "description": "Channel id (telegram, slack, discord, webhook), <channel>:<accountId>, or an account id; optional when one channel is configured."},
            "target": {"type": "string",
                "description": "Recipient: chat id, channel id, user; defaults to the account's defaultTo."},
            "message": {"type": "string", "description": "The text to send."},
            "accountId": {"type": "string", "description": "Account of the channel to send from."},
            "threadId": {"type": "string", "description": "Thread or topic to post in."},
            "replyTo": {"type": "string", "description": "Message id to reply to."},
            "silent": {"type": "boolean", "description": "Send without a notification."},
            "media": {"type": "array", "items": {"type": "string"},
                "description": "http(s) URLs of files to attach (fetched by the gateway; public hosts only)."}
        }})
    }
    fn normalize_args(&self, a: Value) -> Value {
        let mut a = args::alias(a, "message", &["text", "content"]);
        a = args::alias(a, "target", &["to"]);
        // Numeric ids are common for chats and threads; take them as text.
        if let Some(obj) = a.as_object_mut() {
            for k in ["target", "threadId", "replyTo", "accountId"] {
                if let Some(Value::Number(n)) = obj.get(k) {
                    let s = n.to_string();
                    obj.insert(k.to_string(), Value::String(s));
                }
            }
        }
        a
    }
    fn call(
        &self,
        ctx: ToolContext,
        args: Value,
    ) -> LocalBoxFuture<'static, Result<Value, ToolError>> {
        Box::pin(async move {
            let mut deliver = request(&ctx.config, &args)?;
            deliver.session_key = Some(ctx.session_key.clone());
            let receipt = ctx.host.deliver(deliver).await.map_err(delivery_error)?;
            let mut out = json!({
                "ok": true,
                "action": "send",
                "channel": receipt.channel,
                "to": receipt.to,
                "messageId": receipt.message_ids.last(),
                "messageIds": receipt.message_ids,
            });
            if let Some(id) = &receipt.queued {
                // Not accepted yet: the outbox retries it (docs/channels.md).
                out["status"] = json!("queued");
                out["id"] = json!(id);
            }
            Ok(json_result(out))
        })
    }
}

/// The [`Deliver`] the arguments ask for.
fn request(config: &Config, args: &Value) -> Result<Deliver, ToolError> {
    let bad = |m: String| ToolError::InvalidInput(m);
    let text_of = |k: &str| {
        args[k]
            .as_str()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let action = text_of("action").unwrap_or_else(|| "send".into());
    if !action.eq_ignore_ascii_case("send") {
        return Err(bad(format!(
            "message action `{action}` is not supported (clawgate has `send` only)"
        )));
    }
    let text = args["message"].as_str().unwrap_or_default();
    if text.trim().is_empty() {
        return Err(bad("`message` must not be empty".into()));
    }
    let channel = match text_of("channel") {
        Some(c) => c.to_ascii_lowercase(),
        None => only_channel(config)?,
    };
    let channel = match text_of("accountId") {
        Some(acct) if ChannelKind::parse(&channel).is_some() => format!("{channel}:{acct}"),
        _ => channel,
    };
    Ok(Deliver {
        channel,
        to: text_of("target"),
        text: text.to_string(),
        thread_id: text_of("threadId"),
        reply_to: text_of("replyTo"),
        silent: args["silent"].as_bool().unwrap_or(false),
        rich: RichContent {
            media: media_urls(args)?,
            ..Default::default()
        },
        session_key: None,
    })
}

/// `media`: a URL or a list of URLs, fetched through the SSRF guard at delivery.
fn media_urls(args: &Value) -> Result<Vec<MediaSource>, ToolError> {
    let list = match &args["media"] {
        Value::Null => return Ok(Vec::new()),
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => {
            return Err(ToolError::InvalidInput(
                "`media` must be a list of URLs".into(),
            ))
        }
    };
    list.into_iter()
        .map(|u| {
            let u = u.trim();
            if u.starts_with("https://") || u.starts_with("http://") {
                Ok(MediaSource::Url(u.to_string()))
            } else {
                Err(ToolError::InvalidInput(format!(
                    "`media` takes http(s) URLs, not `{u}`"
                )))
            }
        })
        .collect()
}

/// The one configured channel kind, for a call that names none.
fn only_channel(config: &Config) -> Result<String, ToolError> {
    let mut kinds: Vec<&str> = config
        .channels
        .accounts
        .iter()
        .filter(|a| a.configured && a.enabled)
        .map(|a| a.kind.as_str())
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    match kinds.as_slice() {
        [one] => Ok(one.to_string()),
        [] => Err(ToolError::Forbidden("no chat channel is configured".into())),
        _ => Err(ToolError::InvalidInput(format!(
            "`channel` is required when more than one channel is configured ({})",
            kinds.join(", ")
        ))),
    }
}

/// Delivery failures as tool errors: a bad channel or target is the caller's (400), a channel
/// that is off is a refusal (403), a platform failure a failure.
fn delivery_error(e: DeliveryError) -> ToolError {
    let msg = format!("message: {e}");
    match e {
        DeliveryError::UnknownChannel(_)
        | DeliveryError::NoTarget(_)
        | DeliveryError::Unsupported(_) => ToolError::InvalidInput(msg),
        DeliveryError::NotConnected(_) | DeliveryError::NoConnector(_) => ToolError::Forbidden(msg),
        DeliveryError::Failed(_) | DeliveryError::Transient { .. } => ToolError::Failed(msg),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> Config {
        crate::config::load_str_for_tests("{}")
    }

    #[test]
    fn aliases_and_defaults_build_the_delivery() {
        let a = MessageTool.normalize_args(json!({"to": 42, "text": "hi", "channel": "Telegram"}));
        let d = request(&cfg(), &a).unwrap();
        assert_eq!(d.channel, "telegram");
        assert_eq!(d.to.as_deref(), Some("42"));
        assert_eq!(d.text, "hi");
        let a = json!({"message": "x", "channel": "slack", "accountId": "work"});
        assert_eq!(request(&cfg(), &a).unwrap().channel, "slack:work");
    }

    #[test]
    fn other_actions_empty_text_and_no_channel_are_refused() {
        let c = cfg();
        let e = request(&c, &json!({"action": "react", "message": "x"})).unwrap_err();
        assert!(e.to_string().contains("`react` is not supported"), "{e}");
        assert!(request(&c, &json!({"message": " ", "channel": "slack"})).is_err());
        let e = request(&c, &json!({"message": "x"})).unwrap_err();
        assert_eq!(e.to_string(), "no chat channel is configured");
    }
}
