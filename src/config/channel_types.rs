//! Validated channel configuration types: what the connectors and the dispatcher see.
//! Built from the raw file by `super::channels`.

use super::types::Secret;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Account id used when a channel has no `accounts` map.
pub const DEFAULT_ACCOUNT: &str = "default";
/// `gateway.channelMaxRestartsPerHour` default (OpenClaw's).
pub const DEFAULT_MAX_RESTARTS_PER_HOUR: u32 = 10;
/// `messages.queue.cap` default (OpenClaw's).
pub const DEFAULT_QUEUE_CAP: usize = 20;
/// Default `channels.retentionDays`.
pub const DEFAULT_RETENTION_DAYS: u64 = 7;

/// A supported chat platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChannelKind {
    /// Telegram Bot API.
    Telegram,
    /// Slack (Events API + Web API).
    Slack,
    /// Discord (Gateway + REST).
    Discord,
    /// clawgate's generic webhook channel.
    Webhook,
    /// WhatsApp Business Cloud API (Graph API webhooks + `/{phone-number-id}/messages`).
    WhatsApp,
    /// Signal through a signal-cli REST API server (`/v1/receive`, `/v2/send`).
    Signal,
    /// iMessage through a BlueBubbles server (REST + webhooks).
    IMessage,
}

impl ChannelKind {
    /// Every supported kind, in display order.
    pub const ALL: [ChannelKind; 7] = [
        ChannelKind::Telegram,
        ChannelKind::WhatsApp,
        ChannelKind::Slack,
        ChannelKind::Discord,
        ChannelKind::Signal,
        ChannelKind::IMessage,
        ChannelKind::Webhook,
    ];

    /// The channel id (`telegram`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Telegram => "telegram",
            ChannelKind::Slack => "slack",
            ChannelKind::Discord => "discord",
            ChannelKind::Webhook => "webhook",
            ChannelKind::WhatsApp => "whatsapp",
            ChannelKind::Signal => "signal",
            ChannelKind::IMessage => "imessage",
        }
    }

    /// Human label (`Telegram`, …).
    pub fn label(self) -> &'static str {
        match self {
            ChannelKind::Telegram => "Telegram",
            ChannelKind::Slack => "Slack",
            ChannelKind::Discord => "Discord",
            ChannelKind::Webhook => "Webhook",
            ChannelKind::WhatsApp => "WhatsApp",
            ChannelKind::Signal => "Signal",
            ChannelKind::IMessage => "iMessage",
        }
    }

    /// Parses a channel id (`imsg` and `bluebubbles` name iMessage, as in OpenClaw).
    pub fn parse(s: &str) -> Option<ChannelKind> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("imsg") || s.eq_ignore_ascii_case("bluebubbles") {
            return Some(ChannelKind::IMessage);
        }
        ChannelKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
    }

    /// The platform's hard limit on one message's text, in characters.
    pub fn max_chunk(self) -> usize {
        match self {
            ChannelKind::Telegram => 4096,
            ChannelKind::Slack => 40_000,
            ChannelKind::Discord => 2000,
            ChannelKind::Webhook => 1_000_000,
            ChannelKind::WhatsApp => 4096,
            ChannelKind::Signal | ChannelKind::IMessage => 4000,
        }
    }

    pub(super) fn default_api_root(self) -> &'static str {
        match self {
            ChannelKind::Telegram => "https://api.telegram.org",
            ChannelKind::Slack => "https://slack.com/api",
            ChannelKind::Discord => "https://discord.com/api/v10",
            ChannelKind::Webhook | ChannelKind::IMessage => "",
            ChannelKind::WhatsApp => "https://graph.facebook.com",
            ChannelKind::Signal => "http://127.0.0.1:8080",
        }
    }

    /// Environment variable that supplies the default account's token, as in OpenClaw.
    pub(super) fn token_env(self) -> Option<&'static str> {
        match self {
            ChannelKind::Telegram => Some("TELEGRAM_BOT_TOKEN"),
            ChannelKind::Slack => Some("SLACK_BOT_TOKEN"),
            ChannelKind::Discord => Some("DISCORD_BOT_TOKEN"),
            ChannelKind::Webhook
            | ChannelKind::WhatsApp
            | ChannelKind::Signal
            | ChannelKind::IMessage => None,
        }
    }
}

/// Who may open a direct conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DmPolicy {
    /// OpenClaw's default: `allowFrom` senders and senders the operator approved; an unknown
    /// sender gets a pairing code and is not answered until approved (`clawgate pairing`).
    Pairing,
    /// Only `allowFrom` senders.
    Allowlist,
    /// Anyone (`allowFrom` must contain `"*"`, as OpenClaw requires).
    Open,
    /// No direct messages at all.
    Disabled,
}

/// Which groups are answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupPolicy {
    /// Only groups listed in `groups`/`channels`/`guilds` (or `"*"`).
    Allowlist,
    /// Every group.
    Open,
    /// No groups.
    Disabled,
}

/// Whether replies quote the triggering message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyToMode {
    /// Never.
    Off,
    /// The first chunk of a reply.
    First,
    /// Every chunk.
    All,
}

/// One group/channel/guild rule.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRule {
    /// Answer only when mentioned.
    pub require_mention: bool,
    /// `false` ignores the group.
    pub enabled: bool,
    /// Senders allowed here (`None` = the account's `groupAllowFrom`).
    pub allow_from: Option<Vec<String>>,
    /// Per-channel rules (Discord guilds).
    pub channels: BTreeMap<String, GroupRule>,
}

/// One configured account of one channel, flattened and validated.
#[derive(Debug, Clone)]
pub struct ChannelAccount {
    /// Platform.
    pub kind: ChannelKind,
    /// Account id (`default` or an `accounts` key).
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// `enabled` (default true).
    pub enabled: bool,
    /// Credentials present; an unconfigured account is never started.
    pub configured: bool,
    /// Why the account cannot run even though it is configured.
    pub unsupported: Option<String>,
    /// Bot token (Telegram/Slack `botToken`, Discord `token`, WhatsApp `accessToken`,
    /// BlueBubbles `password`).
    pub token: Option<Secret>,
    /// Slack signing secret; WhatsApp `appSecret` (webhook signatures).
    pub signing_secret: Option<Secret>,
    /// Webhook channel shared secret; WhatsApp `verifyToken` (subscription handshake).
    pub secret: Option<Secret>,
    /// The platform identity the account sends as: WhatsApp `phoneNumberId`, Signal `account`
    /// (E.164).
    pub phone: Option<String>,
    /// Mark accepted inbound messages as read (`sendReadReceipts`, default true).
    pub read_receipts: bool,
    /// Webhook channel callback URL.
    pub callback_url: Option<String>,
    /// Webhook channel: callback may reach loopback/private addresses.
    pub allow_private_network: bool,
    /// API base URL, no trailing slash.
    pub api_root: String,
    /// Discord Gateway URL.
    pub gateway_url: String,
    /// DM access policy.
    pub dm_policy: DmPolicy,
    /// Normalised DM allow-list.
    pub allow_from: Vec<String>,
    /// Group access policy.
    pub group_policy: GroupPolicy,
    /// Normalised group sender allow-list (`None` = anyone in an allowed group).
    pub group_allow_from: Option<Vec<String>>,
    /// Group rules by chat/channel id (`"*"` = any); Discord guilds are keyed `guild:<id>`.
    pub groups: BTreeMap<String, GroupRule>,
    /// Reply quoting.
    pub reply_to_mode: ReplyToMode,
    /// Characters per outbound message.
    pub chunk_limit: usize,
    /// Target for deliveries without `to`.
    pub default_to: Option<String>,
    /// How inbound messages arrive when not the platform's default (Slack Socket Mode,
    /// Telegram webhook mode).
    pub ingress: Ingress,
    /// Largest inbound media file downloaded (`mediaMaxMb`, default
    /// [`DEFAULT_MEDIA_MAX_BYTES`]).
    pub media_max_bytes: u64,
    /// How failed sends are retried (`retry`, see [`super::DeliveryRetry`]).
    pub retry: super::DeliveryRetry,
}

/// `mediaMaxMb` default: 10 MiB.
pub const DEFAULT_MEDIA_MAX_BYTES: u64 = 10 * 1024 * 1024;
/// Telegram `webhookPath` default (OpenClaw's).
pub const DEFAULT_TELEGRAM_WEBHOOK_PATH: &str = "/telegram-webhook";

/// How an account receives messages, when not the platform's default transport (Telegram
/// long polling, Slack Events API over HTTP).
#[derive(Debug, Clone, Default)]
pub enum Ingress {
    /// The default transport.
    #[default]
    Default,
    /// Slack Socket Mode (`mode: "socket"`): events over a WebSocket opened with the app-level
    /// token (`appToken`, `xapp-…`).
    SlackSocket {
        /// The app-level token.
        app_token: Secret,
    },
    /// Telegram webhook mode (`webhookUrl`): `setWebhook` at start, updates POSTed to
    /// `path` on the gateway's port with `X-Telegram-Bot-Api-Secret-Token`.
    TelegramWebhook {
        /// The public URL Telegram POSTs to (registered with `setWebhook`).
        url: String,
        /// `webhookSecret`: the `secret_token` Telegram echoes in every request.
        secret: Secret,
        /// `webhookPath`: the gateway path that receives the updates.
        path: String,
    },
}

impl Ingress {
    /// The secret this ingress holds (compared on reload; `Debug` hides it).
    pub fn secret(&self) -> Option<&str> {
        match self {
            Ingress::Default => None,
            Ingress::SlackSocket { app_token } => Some(app_token.expose()),
            Ingress::TelegramWebhook { secret, .. } => Some(secret.expose()),
        }
    }
}

impl ChannelAccount {
    /// `<channel>:<account>`, the registry key.
    pub fn key(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.id)
    }
}

/// How direct-message sessions are keyed (`session.dmScope`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DmScope {
    /// Every DM shares the agent's main session (OpenClaw's default).
    Main,
    /// `agent:<a>:direct:<peer>`.
    PerPeer,
    /// `agent:<a>:<channel>:direct:<peer>`.
    PerChannelPeer,
    /// `agent:<a>:<channel>:<account>:direct:<peer>`.
    PerAccountChannelPeer,
}

/// What happens to inbound messages that arrive while the session is busy
/// (`messages.queue.mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueMode {
    /// Batch everything that arrived during the run into the next turn (OpenClaw's default).
    Collect,
    /// Each message becomes its own turn, in order, after the current one.
    Followup,
    /// Inject the message into the running turn before its next model call; when the turn
    /// makes no further model call it becomes a followup.
    Steer,
    /// As `Steer`, and the message is also kept for a followup turn.
    SteerBacklog,
    /// Abort the running turn and start a new one with the message.
    Interrupt,
}

impl QueueMode {
    /// Parses a mode name (`queue` is OpenClaw's older name of `followup`).
    pub fn parse(s: &str) -> Option<QueueMode> {
        Some(match s.trim() {
            "collect" => QueueMode::Collect,
            "followup" | "queue" => QueueMode::Followup,
            "steer" => QueueMode::Steer,
            "steer-backlog" | "steer+backlog" => QueueMode::SteerBacklog,
            "interrupt" => QueueMode::Interrupt,
            _ => return None,
        })
    }
}

/// Everything the channel layer needs.
#[derive(Debug, Clone)]
pub struct ChannelsConfig {
    /// Every account of every supported channel (configured or not).
    pub accounts: Vec<Arc<ChannelAccount>>,
    /// The account a bare channel id resolves to.
    pub default_accounts: BTreeMap<ChannelKind, String>,
    /// `session.dmScope`.
    pub dm_scope: DmScope,
    /// `messages.queue.mode`.
    pub queue_mode: QueueMode,
    /// `messages.queue.byChannel`: per-channel overrides of the mode.
    pub queue_by_channel: BTreeMap<ChannelKind, QueueMode>,
    /// `bindings`: which agent answers which channel, account or conversation.
    pub bindings: Vec<super::bindings::Binding>,
    /// `messages.queue.cap`: messages collected at most (oldest dropped).
    pub queue_cap: usize,
    /// `messages.queue.debounceMs`: inbound messages of one sender and chat arriving within
    /// this many ms of each other become one turn (0 = off).
    pub debounce_ms: u64,
    /// `messages.queue.debounceMsByChannel`: per-channel overrides of `debounce_ms`.
    pub debounce_by_channel: BTreeMap<ChannelKind, u64>,
    /// `channels.retentionDays`: how long answered and failed inbox rows and failed outbox
    /// rows are kept (days).
    pub retention_days: u64,
    /// `gateway.channelMaxRestartsPerHour`.
    pub max_restarts_per_hour: u32,
    /// `gateway.channelPollTimeoutSeconds` (`None` = each connector's default).
    pub poll_timeout_secs: Option<u64>,
    /// `gateway.channelStallTimeoutSeconds` (`None` = derived per connector).
    pub stall_timeout: Option<std::time::Duration>,
}

impl Default for ChannelsConfig {
    fn default() -> Self {
        ChannelsConfig {
            accounts: vec![],
            default_accounts: BTreeMap::new(),
            dm_scope: DmScope::Main,
            queue_mode: QueueMode::Collect,
            queue_by_channel: BTreeMap::new(),
            bindings: vec![],
            queue_cap: DEFAULT_QUEUE_CAP,
            debounce_ms: 0,
            debounce_by_channel: BTreeMap::new(),
            retention_days: DEFAULT_RETENTION_DAYS,
            max_restarts_per_hour: DEFAULT_MAX_RESTARTS_PER_HOUR,
            poll_timeout_secs: None,
            stall_timeout: None,
        }
    }
}

impl ChannelsConfig {
    /// Accounts of one kind.
    pub fn of_kind(&self, kind: ChannelKind) -> impl Iterator<Item = &Arc<ChannelAccount>> {
        self.accounts.iter().filter(move |a| a.kind == kind)
    }

    /// The queue mode of messages arriving on `kind` (`byChannel`, else `mode`).
    pub fn queue_mode_for(&self, kind: ChannelKind) -> QueueMode {
        self.queue_by_channel
            .get(&kind)
            .copied()
            .unwrap_or(self.queue_mode)
    }

    /// The inbound debounce window of `kind` (`debounceMsByChannel`, else `debounceMs`).
    pub fn debounce_for(&self, kind: ChannelKind) -> std::time::Duration {
        let ms = self
            .debounce_by_channel
            .get(&kind)
            .copied()
            .unwrap_or(self.debounce_ms);
        std::time::Duration::from_millis(ms)
    }

    /// `channels.retentionDays` as a duration.
    pub fn retention(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.retention_days * 86_400)
    }

    /// The account of `kind` with id `id`.
    pub fn account(&self, kind: ChannelKind, id: &str) -> Option<&Arc<ChannelAccount>> {
        self.of_kind(kind).find(|a| a.id == id)
    }
}
