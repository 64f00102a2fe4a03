//! Session keys for inbound chat messages (OpenClaw §8.1).
//!
//! Direct messages follow `session.dmScope`: `main` (default) shares the agent's main session;
//! `per-peer` → `agent:<a>:direct:<peer>`; `per-channel-peer` → `agent:<a>:<channel>:direct:<peer>`;
//! `per-account-channel-peer` → `agent:<a>:<channel>:<account>:direct:<peer>`. Groups are
//! `agent:<a>:<channel>:group:<id>` (Slack and Discord channels: `…:channel:<id>`); a thread
//! appends `:thread:<id>`, a Telegram forum topic `:topic:<id>`. Ids are lower-cased.

use super::InboundMessage;
use crate::config::{ChannelKind, Config, DmScope};
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
