//! Inbound access control: `dmPolicy`/`allowFrom` for direct messages, `groupPolicy`,
//! `groups`/`channels`/`guilds` rules, `groupAllowFrom` and mention gating for groups.
//!
//! Supported policies: `allowlist`, `open` (needs `"*"` in `allowFrom`, checked at load),
//! `disabled`, and `pairing` — OpenClaw's default — which is `allowlist` here; the dispatcher
//! then also admits senders the operator approved and sends unknown ones a pairing code
//! (`super::pairing`).

use super::InboundMessage;
use crate::config::{ChannelAccount, ChannelKind, DmPolicy, GroupPolicy, GroupRule};

/// Why an inbound message was ignored (logged, never sent to the sender).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `dmPolicy: disabled`.
    DmDisabled,
    /// The sender is not in `allowFrom`.
    SenderNotAllowed,
    /// `groupPolicy: disabled`.
    GroupsDisabled,
    /// The group is not listed (allowlist) or is switched off.
    GroupNotAllowed,
    /// The sender is not in the group's allow-list.
    GroupSenderNotAllowed,
    /// The group requires a mention and there was none.
    NotMentioned,
}

impl Refusal {
    /// A short reason for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::DmDisabled => "direct messages are disabled",
            Refusal::SenderNotAllowed => "sender not in allowFrom",
            Refusal::GroupsDisabled => "groups are disabled",
            Refusal::GroupNotAllowed => "group not allowed",
            Refusal::GroupSenderNotAllowed => "sender not allowed in this group",
            Refusal::NotMentioned => "not mentioned",
        }
    }
}

/// Whether `list` admits the sender of `m` (`"*"`, the id, or the username with or without `@`).
pub fn sender_allowed(list: &[String], m: &InboundMessage) -> bool {
    let id = m.sender.id.to_ascii_lowercase();
    let user = m.sender.username.as_ref().map(|u| u.to_ascii_lowercase());
    list.iter()
        .any(|e| e == "*" || *e == id || user.as_deref() == Some(e.trim_start_matches('@')))
}

fn group_rule<'a>(a: &'a ChannelAccount, m: &InboundMessage) -> Option<&'a GroupRule> {
    let chat = m.chat_id.to_ascii_lowercase();
    if a.kind == ChannelKind::Discord {
        if let Some(gid) = &m.guild_id {
            let guild = a
                .groups
                .get(&format!("guild:{}", gid.to_ascii_lowercase()))
                .or_else(|| a.groups.get("*"))?;
            return guild
                .channels
                .get(&chat)
                .or_else(|| guild.channels.get("*"))
                .or(Some(guild));
        }
    }
    a.groups.get(&chat).or_else(|| a.groups.get("*"))
}

/// Checks `m` against the account's policies.
pub fn check(a: &ChannelAccount, m: &InboundMessage) -> Result<(), Refusal> {
    if !m.is_group {
        return match a.dm_policy {
            DmPolicy::Disabled => Err(Refusal::DmDisabled),
            DmPolicy::Open => Ok(()),
            DmPolicy::Pairing | DmPolicy::Allowlist => {
                if sender_allowed(&a.allow_from, m) {
                    Ok(())
                } else {
                    Err(Refusal::SenderNotAllowed)
                }
            }
        };
    }
    let rule = group_rule(a, m);
    match a.group_policy {
        GroupPolicy::Disabled => return Err(Refusal::GroupsDisabled),
        GroupPolicy::Allowlist if rule.is_none() => return Err(Refusal::GroupNotAllowed),
        _ => {}
    }
    if rule.is_some_and(|r| !r.enabled) {
        return Err(Refusal::GroupNotAllowed);
    }
    let senders = rule
        .and_then(|r| r.allow_from.as_ref())
        .or(a.group_allow_from.as_ref());
    if let Some(list) = senders {
        if !sender_allowed(list, m) {
            return Err(Refusal::GroupSenderNotAllowed);
        }
    }
    if rule.is_none_or(|r| r.require_mention) && !m.mentioned {
        return Err(Refusal::NotMentioned);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::Sender;
    use crate::config::ReplyToMode;
    use std::collections::BTreeMap;

    fn account(dm: DmPolicy, allow: &[&str], gp: GroupPolicy) -> ChannelAccount {
        ChannelAccount {
            kind: ChannelKind::Telegram,
            id: "default".into(),
            name: None,
            enabled: true,
            configured: true,
            unsupported: None,
            token: None,
            signing_secret: None,
            secret: None,
            phone: None,
            read_receipts: true,
            callback_url: None,
            allow_private_network: false,
            api_root: String::new(),
            gateway_url: String::new(),
            dm_policy: dm,
            allow_from: allow.iter().map(|s| s.to_string()).collect(),
            group_policy: gp,
            group_allow_from: None,
            groups: BTreeMap::new(),
            reply_to_mode: ReplyToMode::Off,
            ingress: Default::default(),
            media_max_bytes: crate::config::DEFAULT_MEDIA_MAX_BYTES,
            chunk_limit: 4096,
            default_to: None,
            retry: crate::config::DeliveryRetry::defaults(ChannelKind::Telegram),
        }
    }

    fn msg(sender: &str, username: &str, group: bool, mentioned: bool) -> InboundMessage {
        InboundMessage {
            channel: ChannelKind::Telegram,
            account: "default".into(),
            chat_id: if group { "-100".into() } else { sender.into() },
            sender: Sender {
                id: sender.into(),
                username: Some(username.into()),
                name: None,
            },
            text: "hi".into(),
            thread_id: None,
            is_group: group,
            message_id: None,
            mentioned,
            guild_id: None,
            media: Vec::new(),
        }
    }

    #[test]
    fn dm_policies() {
        let a = account(DmPolicy::Pairing, &["42", "@ada"], GroupPolicy::Allowlist);
        assert_eq!(check(&a, &msg("42", "x", false, false)), Ok(()));
        assert_eq!(check(&a, &msg("7", "Ada", false, false)), Ok(()));
        assert_eq!(
            check(&a, &msg("7", "eve", false, false)),
            Err(Refusal::SenderNotAllowed)
        );
        let d = account(DmPolicy::Disabled, &["*"], GroupPolicy::Open);
        assert_eq!(
            check(&d, &msg("42", "x", false, false)),
            Err(Refusal::DmDisabled)
        );
        let o = account(DmPolicy::Open, &["*"], GroupPolicy::Open);
        assert_eq!(check(&o, &msg("7", "eve", false, false)), Ok(()));
    }

    #[test]
    fn groups_need_a_rule_and_a_mention_by_default() {
        let mut a = account(DmPolicy::Allowlist, &[], GroupPolicy::Allowlist);
        assert_eq!(
            check(&a, &msg("1", "x", true, true)),
            Err(Refusal::GroupNotAllowed)
        );
        a.groups.insert(
            "-100".into(),
            GroupRule {
                require_mention: true,
                enabled: true,
                allow_from: None,
                channels: BTreeMap::new(),
            },
        );
        assert_eq!(
            check(&a, &msg("1", "x", true, false)),
            Err(Refusal::NotMentioned)
        );
        assert_eq!(check(&a, &msg("1", "x", true, true)), Ok(()));
        a.group_allow_from = Some(vec!["2".into()]);
        assert_eq!(
            check(&a, &msg("1", "x", true, true)),
            Err(Refusal::GroupSenderNotAllowed)
        );
        a.group_policy = GroupPolicy::Disabled;
        assert_eq!(
            check(&a, &msg("2", "x", true, true)),
            Err(Refusal::GroupsDisabled)
        );
    }
}
