//! Channel methods: `channels.status` (OpenClaw shape), the simple dialect's `channel.list` /
//! `channel.status` (seed shapes), and `send` (outbound message through a channel, with
//! `idempotencyKey` deduplication; `channel: "last"` with an optional `sessionKey` sends to
//! that session's last chat). `clawgate message send` calls `send`.

use super::{bad_param, Call};
use crate::actors::channels::{AccountStatus, ConnState, Deliver, DeliveryError, ListAccounts};
use crate::channels::media::rich_from_params;
use crate::config::ChannelKind;
use crate::core::dedupe::Begin;
use crate::storage::now_ms;
use crate::ws::frames::{ErrorCode, ErrorShape};
use serde_json::{json, Map, Value};

async fn accounts(call: &Call) -> Vec<AccountStatus> {
    call.app
        .channels
        .send(ListAccounts)
        .await
        .unwrap_or_default()
}

/// One status word per supported channel (its default account), `not_configured` when absent:
/// the `channels` object of `GET /status`.
pub fn summary(list: &[AccountStatus]) -> Value {
    let mut out = Map::new();
    for kind in ChannelKind::ALL {
        let state = list
            .iter()
            .find(|a| a.channel == kind.as_str() && a.is_default)
            .map(|a| a.state)
            .unwrap_or(ConnState::NotConfigured);
        out.insert(kind.as_str().into(), json!(state.as_str()));
    }
    Value::Object(out)
}

fn account_json(a: &AccountStatus) -> Value {
    let mut v = json!({
        "accountId": a.account_id, "name": a.name, "enabled": a.enabled,
        "configured": a.configured, "status": a.state.as_str(),
        "running": matches!(a.state, ConnState::Connected | ConnState::Connecting),
        "connected": a.state == ConnState::Connected,
        "botUsername": a.user, "lastError": a.last_error, "reconnectAttempts": a.restarts,
        "restarts": a.restarts,
        "lastInboundAt": a.last_inbound_at, "lastOutboundAt": a.last_outbound_at,
        "delivery": a.delivery, "inbox": a.inbox,
        "lastProgressAt": a.last_progress_at,
    });
    if let (Some(node), Some(o)) = (&a.node, v.as_object_mut()) {
        // Several nodes share the store: the node running the account.
        o.insert("node".into(), json!(node));
    }
    v
}

/// The seed's channel entry for a channel's default account.
fn seed_entry(a: &AccountStatus, all: &[AccountStatus]) -> Value {
    let accounts: Vec<Value> = all
        .iter()
        .filter(|x| x.channel == a.channel)
        .map(account_json)
        .collect();
    json!({
        "id": a.channel, "name": a.label, "enabled": a.enabled, "status": a.state.as_str(),
        "account": a.user, "botUsername": a.user, "accountId": a.account_id,
        "error": a.error, "accounts": accounts,
    })
}

/// `channels.status`: OpenClaw's shape, with every configured account.
pub async fn channels_status(call: Call) {
    let list = accounts(&call).await;
    let mut order = Vec::new();
    let (mut labels, mut channels, mut per_account, mut defaults) =
        (Map::new(), Map::new(), Map::new(), Map::new());
    for kind in ChannelKind::ALL {
        let mine: Vec<&AccountStatus> =
            list.iter().filter(|a| a.channel == kind.as_str()).collect();
        let Some(def) = mine.iter().find(|a| a.is_default).or(mine.first()) else {
            continue;
        };
        let id = kind.as_str().to_string();
        order.push(json!(id));
        labels.insert(id.clone(), json!(kind.label()));
        let mut summary = account_json(def);
        if let Some(o) = summary.as_object_mut() {
            o.remove("accountId");
            o.remove("name");
        }
        channels.insert(id.clone(), summary);
        per_account.insert(
            id.clone(),
            Value::Array(mine.iter().map(|a| account_json(a)).collect()),
        );
        defaults.insert(id, json!(def.account_id));
    }
    call.reply.ok(json!({
        "ts": now_ms(), "channelOrder": order, "channelLabels": labels, "channels": channels,
        "channelAccounts": per_account, "channelDefaultAccountId": defaults,
    }))
}

/// Simple dialect `channel.list`: `{channels: [{id, name, enabled, status, account, …}]}`.
pub async fn channel_list(call: Call) {
    let list = accounts(&call).await;
    let entries: Vec<Value> = list
        .iter()
        .filter(|a| a.is_default)
        .map(|a| seed_entry(a, &list))
        .collect();
    call.reply.ok(json!({"channels": entries}))
}

/// Simple dialect `channel.status {channelId}`: one entry of `channel.list`.
pub async fn channel_status(call: Call) {
    let id = call
        .str_param("channelId")
        .unwrap_or("")
        .to_ascii_lowercase();
    let list = accounts(&call).await;
    match list.iter().find(|a| a.channel == id && a.is_default) {
        Some(a) => call.reply.ok(seed_entry(a, &list)),
        None => call.reply.err(ErrorShape::invalid_request(format!(
            "unknown channel: {id}"
        ))),
    }
}

fn delivery_error(e: &DeliveryError) -> ErrorShape {
    match e {
        DeliveryError::UnknownChannel(_)
        | DeliveryError::NoTarget(_)
        | DeliveryError::Unsupported(_) => ErrorShape::invalid_request(e.to_string()),
        DeliveryError::NotConnected(_) | DeliveryError::NoConnector(_) => {
            ErrorShape::new(ErrorCode::NotLinked, e.to_string())
        }
        DeliveryError::Failed(_) | DeliveryError::Transient { .. } => {
            ErrorShape::unavailable(e.to_string())
        }
    }
}

/// The delivery channel of `send`/`poll` params: `channel` (with `accountId` as
/// `<channel>:<account>`), or the only configured channel.
pub(super) async fn resolve_channel(call: &Call) -> Result<String, ErrorShape> {
    let channel = match call.str_param("channel") {
        Some(c) => c.to_string(),
        None => {
            let list = accounts(call).await;
            let mut kinds: Vec<&str> = list
                .iter()
                .filter(|a| a.configured)
                .map(|a| a.channel)
                .collect();
            kinds.dedup();
            match kinds.as_slice() {
                [one] => one.to_string(),
                [] => return Err(bad_param("no channel is configured")),
                _ => {
                    return Err(bad_param(
                        "channel is required when more than one channel is configured",
                    ))
                }
            }
        }
    };
    let channel = match call.str_param("accountId") {
        Some(acct) if ChannelKind::parse(&channel).is_some() => format!("{channel}:{acct}"),
        _ => channel,
    };
    Ok(channel)
}

/// Builds the [`Deliver`] for `send` parameters.
async fn deliver_for(call: &Call) -> Result<Deliver, ErrorShape> {
    let has_media = ["mediaUrl", "mediaUrls", "media", "card"]
        .iter()
        .any(|k| call.params.get(*k).is_some_and(|v| !v.is_null()));
    let message = match call.str_param("message") {
        Some(m) => m,
        None if has_media => "",
        None => {
            return Err(bad_param(
                "invalid send params: must have required property 'message'",
            ))
        }
    };
    let rich = rich_from_params(&call.params)
        .map_err(|e| bad_param(format!("invalid send params: {e}")))?;
    let channel = resolve_channel(call).await?;
    // `channel: "last"` may leave `to` out: the session's last chat.
    let last = channel.eq_ignore_ascii_case("last");
    let to = match call.str_param("to") {
        Some(t) => Some(t.to_string()),
        None if last => None,
        None => {
            return Err(bad_param(
                "invalid send params: must have required property 'to'",
            ))
        }
    };
    let text_param = |k: &str| {
        call.params.get(k).and_then(|v| match v {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    };
    Ok(Deliver {
        channel,
        to,
        text: message.to_string(),
        thread_id: text_param("threadId"),
        reply_to: text_param("replyTo").or_else(|| text_param("replyToId")),
        silent: call
            .params
            .get("silent")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        rich,
        session_key: call.str_param("sessionKey").map(str::to_string),
    })
}

/// `send {to, message, channel?, accountId?, threadId?, replyTo?, silent?, mediaUrl?,
/// mediaUrls?, media?, buttons?, card?, gifPlayback?, idempotencyKey}`.
pub async fn send(call: Call) {
    let Some(idk) = call.str_param("idempotencyKey").map(str::to_string) else {
        return call.reply.err(bad_param(
            "invalid send params: must have required property 'idempotencyKey'",
        ));
    };
    let deliver = match deliver_for(&call).await {
        Ok(d) => d,
        Err(e) => return call.reply.err(e),
    };
    // Deliveries are not runs: the key is remembered in memory only (scoped by credential).
    let key = format!("{}\u{1f}send:{idk}", call.credential);
    let dedupe = call.app.app.idempotency_cache().clone();
    match dedupe.begin(&key, &idk) {
        Begin::Done(payload) => call.reply.ok(payload),
        Begin::InFlight(_) => {
            let closed = call.reply.outbox().clone();
            tokio::select! {
                done = dedupe.wait_done(&key) => match done {
                    Some(payload) => call.reply.ok(payload),
                    None => call.reply.err(ErrorShape::unavailable(
                        "the first send with this key failed",
                    )),
                },
                _ = closed.closed() => {}
            }
        }
        Begin::New => match call.app.channels.send(deliver).await {
            Ok(Ok(r)) => {
                let mut payload = json!({
                    "runId": idk, "messageId": r.message_ids.last(), "messageIds": r.message_ids,
                    "channel": r.channel, "to": r.to, "chatId": r.to,
                    "status": if r.queued.is_some() { "queued" } else { "sent" },
                });
                if let Some(id) = &r.queued {
                    payload["id"] = json!(id);
                }
                dedupe.complete(&key, payload.clone());
                call.reply.ok(payload)
            }
            Ok(Err(e)) => {
                dedupe.remove(&key);
                call.reply.err(delivery_error(&e))
            }
            Err(_) => {
                dedupe.remove(&key);
                call.reply.err(ErrorShape::unavailable(
                    "the channel registry is not running",
                ))
            }
        },
    }
}
