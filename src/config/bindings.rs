//! `bindings`: which agent answers an inbound chat message (OpenClaw's routing bindings).
//!
//! Each entry is `{agentId, match: {channel, accountId?, peer?: {kind, id}, guildId?}}`. A
//! binding without `accountId` matches the channel's default account only; `accountId: "*"`
//! matches every account of the channel. The most specific match wins (see
//! `crate::channels::routing::resolve_agent`). `teamId` and `roles` are OpenClaw keys clawgate
//! cannot match yet (no connector reports a Slack team or Discord member roles), so they are
//! refused at their key rather than silently never matching.

use super::channel_types::ChannelKind;
use serde_json::Value;

/// Which account a binding covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindingAccount {
    /// No `accountId`: the channel's default account.
    Default,
    /// `accountId: "*"`: every account of the channel.
    Any,
    /// One account id (lower-cased).
    Id(String),
}

/// The conversation a binding names (`match.peer`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingPeer {
    /// `direct` | `group` | `channel` (`dm` is read as `direct`).
    pub kind: String,
    /// The sender id of a direct conversation, the chat id of a group or channel (lower-cased).
    pub id: String,
}

/// One validated routing binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The agent that answers (an existing agent id).
    pub agent_id: String,
    /// `match.channel`.
    pub channel: ChannelKind,
    /// `match.accountId`.
    pub account: BindingAccount,
    /// `match.peer`.
    pub peer: Option<BindingPeer>,
    /// `match.guildId` (Discord), lower-cased.
    pub guild_id: Option<String>,
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_ascii_lowercase()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Parses `bindings`; an error names its key (`bindings[1].match.channel`) and says why.
pub fn parse(v: Option<&Value>, agents: &[String]) -> Result<Vec<Binding>, (String, String)> {
    let Some(v) = v else { return Ok(vec![]) };
    let list = v
        .as_array()
        .ok_or_else(|| ("bindings".to_string(), "must be a list".to_string()))?;
    list.iter()
        .enumerate()
        .map(|(i, b)| one(&format!("bindings[{i}]"), b, agents))
        .collect()
}

fn one(key: &str, b: &Value, agents: &[String]) -> Result<Binding, (String, String)> {
    let err = |k: &str, m: &str| (format!("{key}{k}"), m.to_string());
    let obj = b.as_object().ok_or_else(|| err("", "must be an object"))?;
    for k in obj.keys() {
        if !["agentId", "match", "comment", "type"].contains(&k.as_str()) {
            return Err(err(&format!(".{k}"), "unknown key (agentId, match)"));
        }
    }
    let agent_id = obj
        .get("agentId")
        .and_then(Value::as_str)
        .and_then(super::normalize_agent_id)
        .ok_or_else(|| err(".agentId", "must be an agent id"))?;
    if !agents.contains(&agent_id) {
        return Err(err(
            ".agentId",
            &format!("no agent `{agent_id}` (agents: {})", agents.join(", ")),
        ));
    }
    let m = obj
        .get("match")
        .and_then(Value::as_object)
        .ok_or_else(|| err(".match", "must be an object with at least `channel`"))?;
    for k in m.keys() {
        match k.as_str() {
            "channel" | "accountId" | "peer" | "guildId" => {}
            "teamId" | "roles" => {
                return Err(err(
                    &format!(".match.{k}"),
                    "clawgate cannot match on Slack teams or Discord roles yet; bind the account, guild or peer",
                ))
            }
            _ => {
                return Err(err(
                    &format!(".match.{k}"),
                    "unknown key (channel, accountId, peer, guildId)",
                ))
            }
        }
    }
    let channel = m
        .get("channel")
        .and_then(Value::as_str)
        .and_then(ChannelKind::parse)
        .ok_or_else(|| {
            let all: Vec<&str> = ChannelKind::ALL.iter().map(|k| k.as_str()).collect();
            err(
                ".match.channel",
                &format!("must be one of {}", all.join(" | ")),
            )
        })?;
    let account = match m.get("accountId") {
        None | Some(Value::Null) => BindingAccount::Default,
        Some(v) => match text(v).as_deref() {
            Some("*") => BindingAccount::Any,
            Some(id) => BindingAccount::Id(id.to_string()),
            None => return Err(err(".match.accountId", "must be an account id or \"*\"")),
        },
    };
    let peer = match m.get("peer") {
        None | Some(Value::Null) => None,
        Some(p) => {
            let kind = match p.get("kind").and_then(Value::as_str).map(str::trim) {
                Some("direct") | Some("dm") => "direct",
                Some("group") => "group",
                Some("channel") => "channel",
                _ => return Err(err(".match.peer.kind", "must be direct | group | channel")),
            };
            let id = p
                .get("id")
                .and_then(text)
                .ok_or_else(|| err(".match.peer.id", "must be a non-empty id"))?;
            let id = super::normalize_allow_entry(channel, &id);
            Some(BindingPeer {
                kind: kind.to_string(),
                id,
            })
        }
    };
    let guild_id = match m.get("guildId") {
        None | Some(Value::Null) => None,
        Some(v) => Some(text(v).ok_or_else(|| err(".match.guildId", "must be a guild id"))?),
    };
    if guild_id.is_some() && channel != ChannelKind::Discord {
        return Err(err(".match.guildId", "only Discord bindings have a guild"));
    }
    Ok(Binding {
        agent_id,
        channel,
        account,
        peer,
        guild_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn agents() -> Vec<String> {
        vec!["main".into(), "ops".into()]
    }

    #[test]
    fn parses_the_match_shapes() {
        let v = json!([
            {"agentId": "ops", "match": {"channel": "telegram"}},
            {"agentId": "Ops", "match": {"channel": "slack", "accountId": "*"}},
            {"agentId": "ops", "match": {"channel": "discord", "accountId": "Work", "guildId": 123,
                                         "peer": {"kind": "dm", "id": "discord:U7"}}},
        ]);
        let b = parse(Some(&v), &agents()).unwrap();
        assert_eq!(b[0].account, BindingAccount::Default);
        assert_eq!(b[1].account, BindingAccount::Any);
        assert_eq!(b[1].agent_id, "ops");
        assert_eq!(b[2].account, BindingAccount::Id("work".into()));
        assert_eq!(b[2].guild_id.as_deref(), Some("123"));
        assert_eq!(
            b[2].peer,
            Some(BindingPeer {
                kind: "direct".into(),
                id: "u7".into()
            })
        );
    }

    #[test]
    fn errors_name_the_key() {
        for (v, key) in [
            (json!({}), "bindings"),
            (
                json!([{"agentId": "nobody", "match": {"channel": "telegram"}}]),
                "bindings[0].agentId",
            ),
            (json!([{"agentId": "ops"}]), "bindings[0].match"),
            (
                json!([{"agentId": "ops", "match": {"channel": "fax"}}]),
                "bindings[0].match.channel",
            ),
            (
                json!([{"agentId": "ops", "match": {"channel": "slack", "teamId": "T1"}}]),
                "bindings[0].match.teamId",
            ),
            (
                json!([{"agentId": "ops", "match": {"channel": "telegram", "peer": {"kind": "x", "id": "1"}}}]),
                "bindings[0].match.peer.kind",
            ),
            (
                json!([{"agentId": "ops", "match": {"channel": "telegram", "guildId": "1"}}]),
                "bindings[0].match.guildId",
            ),
        ] {
            let (k, _) = parse(Some(&v), &agents()).unwrap_err();
            assert_eq!(k, key, "{v}");
        }
    }
}
