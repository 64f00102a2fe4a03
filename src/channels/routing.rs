//! Session keys for inbound chat messages (OpenClaw §8.1).
//!
//! Direct messages follow `session.dmScope`: `main` (default) shares the agent's main session;
//! `per-peer` → `agent:<a>:direct:<peer>`; `per-channel-peer` → `agent:<a>:<channel>:direct:<peer>`;
//! `per-account-channel-peer` → `agent:<a>:<channel>:<account>:direct:<peer>`. Groups are
//! `agent:<a>:<channel>:group:<id>` (Slack and Discord channels: `…:channel:<id>`); a thread
//! appends `:thread:<id>`, a Telegram forum topic `:topic:<id>`. Ids are lower-cased.
//!
//! The agent comes first ([`resolve_agent`]): the most specific `bindings` entry that matches
//! — peer, then Discord guild, then account (an explicit `accountId`, or none = the default
//! account), then channel (`accountId: "*"`) — else the default agent. On a tie the first
//! entry in the file wins.

use super::InboundMessage;
use crate::config::{Binding, BindingAccount, ChannelKind, Config, DmScope};

/// How specifically `b` matches `m` (`None`: it does not).
fn specificity(cfg: &Config, b: &Binding, m: &InboundMessage) -> Option<u8> {
    if b.channel != m.channel {
        return None;
    }
    let account = m.account.to_ascii_lowercase();
    let mut rank = match &b.account {
        BindingAccount::Any => 1,
        BindingAccount::Id(id) if *id == account => 2,
        BindingAccount::Default
            if cfg.channels.default_accounts.get(&m.channel) == Some(&account) =>
        {
            2
        }
        _ => return None,
    };
    if let Some(g) = &b.guild_id {
        if m.guild_id.as_deref().map(str::to_ascii_lowercase).as_ref() != Some(g) {
            return None;
        }
        rank = 3;
    }
    if let Some(p) = &b.peer {
        let hit = if m.is_group {
            p.kind != "direct" && p.id == m.chat_id.to_ascii_lowercase()
        } else {
            p.kind == "direct"
                && (p.id == m.sender.id.to_ascii_lowercase()
                    || m.sender
                        .username
                        .as_ref()
                        .is_some_and(|u| p.id.trim_start_matches('@') == u.to_ascii_lowercase()))
        };
        if !hit {
            return None;
        }
        rank = 4;
    }
    Some(rank)
}

/// The agent that answers `m`: the most specific matching binding's, else the default agent.
pub fn resolve_agent(cfg: &Config, m: &InboundMessage) -> String {
    let mut best: Option<(u8, &Binding)> = None;
    for b in &cfg.channels.bindings {
        if let Some(r) = specificity(cfg, b, m) {
            if best.is_none_or(|(top, _)| r > top) {
                best = Some((r, b));
            }
        }
    }
    match best {
        Some((_, b)) if cfg.agent(&b.agent_id).is_some() => b.agent_id.clone(),
        _ => cfg.default_agent.clone(),
    }
}
use crate::core::SessionKey;

/// The session of a direct conversation with `peer` on `channel` (`account`), by
/// `session.dmScope` (also what `clawgate agent --to <peer>` runs in).
pub fn direct_session_key(
    cfg: &Config,
    agent_id: &str,
    channel: &str,
    account: &str,
    peer: &str,
) -> String {
    let peer = peer.to_ascii_lowercase();
    let ch = channel.to_ascii_lowercase();
    match cfg.channels.dm_scope {
        DmScope::Main => cfg.main_session_key(agent_id),
        DmScope::PerPeer => SessionKey::under(agent_id, &format!("direct:{peer}")).into_string(),
        DmScope::PerChannelPeer => {
            SessionKey::under(agent_id, &format!("{ch}:direct:{peer}")).into_string()
        }
        DmScope::PerAccountChannelPeer => SessionKey::under(
            agent_id,
            &format!("{ch}:{}:direct:{peer}", account.to_ascii_lowercase()),
        )
        .into_string(),
    }
}

/// The session key for `m`, handled by `agent_id`.
pub fn session_key(cfg: &Config, agent_id: &str, m: &InboundMessage) -> String {
    let ch = m.channel.as_str();
    let chat = m.chat_id.to_ascii_lowercase();
    let mut key = if m.is_group {
        let kind = match m.channel {
            ChannelKind::Slack | ChannelKind::Discord => "channel",
            _ => "group",
        };
        SessionKey::under(agent_id, &format!("{ch}:{kind}:{chat}")).into_string()
    } else {
        if cfg.channels.dm_scope == DmScope::Main {
            return cfg.main_session_key(agent_id);
        }
        direct_session_key(cfg, agent_id, ch, &m.account, &m.sender.id)
    };
    if let Some(t) = &m.thread_id {
        let label = if m.channel == ChannelKind::Telegram {
            "topic"
        } else {
            "thread"
        };
        key.push_str(&format!(":{label}:{}", t.to_ascii_lowercase()));
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::Sender;

    fn cfg(dm_scope: &str) -> Config {
        crate::config::load_str_for_tests(&format!("{{ session: {{ dmScope: '{dm_scope}' }} }}"))
    }

    fn msg(channel: ChannelKind, group: bool, thread: Option<&str>) -> InboundMessage {
        InboundMessage {
            channel,
            account: "Work".into(),
            chat_id: "C42".into(),
            sender: Sender {
                id: "U7".into(),
                ..Default::default()
            },
            text: "x".into(),
            thread_id: thread.map(str::to_string),
            is_group: group,
            message_id: None,
            mentioned: true,
            guild_id: None,
            media: Vec::new(),
        }
    }

    #[test]
    fn the_most_specific_binding_wins() {
        let c = crate::config::load_str_for_tests(
            "{ agents: { list: [{ id: 'main', default: true }, { id: 'chan' }, { id: 'acct' }, { id: 'peer' }, { id: 'guild' }] },
               channels: { telegram: { accounts: { work: {}, home: {} }, defaultAccount: 'home' }, discord: {} },
               bindings: [
                 { agentId: 'chan', match: { channel: 'telegram', accountId: '*' } },
                 { agentId: 'acct', match: { channel: 'telegram', accountId: 'work' } },
                 { agentId: 'peer', match: { channel: 'telegram', accountId: '*', peer: { kind: 'direct', id: 'u7' } } },
                 { agentId: 'guild', match: { channel: 'discord', guildId: 'g1' } },
               ] }",
        );
        let mut m = msg(ChannelKind::Telegram, false, None);
        m.account = "work".into();
        assert_eq!(resolve_agent(&c, &m), "peer");
        m.sender.id = "U8".into();
        assert_eq!(resolve_agent(&c, &m), "acct");
        m.account = "home".into();
        assert_eq!(resolve_agent(&c, &m), "chan");
        let mut d = msg(ChannelKind::Discord, true, None);
        d.account = "default".into();
        assert_eq!(resolve_agent(&c, &d), "main");
        d.guild_id = Some("G1".into());
        assert_eq!(resolve_agent(&c, &d), "guild");
    }

    #[test]
    fn direct_messages_follow_dm_scope() {
        let m = msg(ChannelKind::Telegram, false, None);
        assert_eq!(session_key(&cfg("main"), "main", &m), "agent:main:main");
        assert_eq!(
            session_key(&cfg("per-peer"), "main", &m),
            "agent:main:direct:u7"
        );
        assert_eq!(
            session_key(&cfg("per-channel-peer"), "main", &m),
            "agent:main:telegram:direct:u7"
        );
        assert_eq!(
            session_key(&cfg("per-account-channel-peer"), "ops", &m),
            "agent:ops:telegram:work:direct:u7"
        );
    }

    #[test]
    fn groups_channels_threads_and_topics() {
        let c = cfg("main");
        assert_eq!(
            session_key(&c, "main", &msg(ChannelKind::Telegram, true, Some("5"))),
            "agent:main:telegram:group:c42:topic:5"
        );
        assert_eq!(
            session_key(&c, "main", &msg(ChannelKind::Slack, true, Some("1.2"))),
            "agent:main:slack:channel:c42:thread:1.2"
        );
        assert_eq!(
            session_key(&c, "main", &msg(ChannelKind::Discord, true, None)),
            "agent:main:discord:channel:c42"
        );
    }
}
