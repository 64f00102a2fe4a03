//! The `channels` section as written on disk (OpenClaw key names).
//!
//! One struct, [`RawChannelAccount`], serves both a channel's top level and each
//! `accounts.<accountId>` entry, because OpenClaw lets every account key appear at the top level
//! (the implicit `default` account) and makes the top level the base every named account
//! inherits. Keys clawgate reads are typed; keys OpenClaw has but clawgate does not interpret
//! are accepted as opaque values so an `openclaw.json` loads as it is. Anything else is an error
//! naming the key.

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// `channels`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawChannels {
    /// Telegram Bot API (long polling).
    pub telegram: Option<Box<RawChannelAccount>>,
    /// Slack Events API (HTTP mode).
    pub slack: Option<Box<RawChannelAccount>>,
    /// Discord Gateway + REST.
    pub discord: Option<Box<RawChannelAccount>>,
    /// clawgate's generic webhook channel (inbound POST, reply to a callback URL).
    pub webhook: Option<Box<RawChannelAccount>>,
    /// Defaults shared by every channel (accepted; not interpreted).
    pub defaults: Option<Value>,
    /// clawgate: days answered/failed inbox rows and failed outbox rows are kept (default 7).
    pub retention_days: Option<Value>,
    /// WhatsApp Business Cloud API (OpenClaw's WhatsApp Web session keys are accepted too).
    pub whatsapp: Option<Box<RawChannelAccount>>,
    /// Signal through a signal-cli REST API server.
    pub signal: Option<Box<RawChannelAccount>>,
    /// iMessage through a BlueBubbles server (`serverUrl`, `password`); the same connector as
    /// `bluebubbles`.
    pub imessage: Option<Box<RawChannelAccount>>,
    /// OpenClaw's BlueBubbles channel: clawgate's iMessage connector.
    pub bluebubbles: Option<Box<RawChannelAccount>>,
    /// OpenClaw channels clawgate does not implement: accepted so the file loads; never started.
    pub googlechat: Option<Value>,
    /// See `whatsapp`.
    pub irc: Option<Value>,
    /// See `whatsapp`.
    pub matrix: Option<Value>,
    /// See `whatsapp`.
    pub msteams: Option<Value>,
    /// See `whatsapp`.
    pub mattermost: Option<Value>,
    /// See `whatsapp`.
    pub line: Option<Value>,
    /// See `whatsapp`.
    pub feishu: Option<Value>,
    /// See `whatsapp`.
    pub nostr: Option<Value>,
    /// See `whatsapp`.
    pub zalo: Option<Value>,
    /// See `whatsapp`.
    pub twitch: Option<Value>,
}

/// A group (or Slack channel / Discord guild) rule: `groups.<id>`, `channels.<id>`,
/// `guilds.<id>`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawGroupRule {
    /// Only answer when the bot is mentioned (OpenClaw default: `true`).
    pub require_mention: Option<bool>,
    /// `false` switches the group off.
    pub enabled: Option<bool>,
    /// Slack's spelling of `enabled`.
    pub allow: Option<bool>,
    /// Senders allowed in this group (overrides `groupAllowFrom`).
    pub allow_from: Option<Vec<Value>>,
    /// Discord guilds: per-channel rules inside the guild.
    pub channels: Option<BTreeMap<String, RawGroupRule>>,
    /// Discord guilds: OpenClaw's name for the guild's allowed users.
    pub users: Option<Vec<Value>>,
    /// Accepted; not interpreted.
    pub system_prompt: Option<Value>,
    /// Accepted; not interpreted.
    pub skills: Option<Value>,
    /// Accepted; not interpreted.
    pub tools: Option<Value>,
    /// Accepted; not interpreted.
    pub tools_by_sender: Option<Value>,
    /// Accepted; not interpreted.
    pub topics: Option<Value>,
    /// Accepted; not interpreted.
    pub slug: Option<Value>,
}

/// `channels.<id>` and `channels.<id>.accounts.<accountId>`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawChannelAccount {
    /// `false` keeps the account configured but stopped.
    pub enabled: Option<bool>,
    /// Display name.
    pub name: Option<String>,
    /// Telegram / Slack bot token (Slack: `xoxb-…`).
    pub bot_token: Option<String>,
    /// Discord bot token.
    pub token: Option<String>,
    /// Slack app-level token (`xapp-…`, Socket Mode).
    pub app_token: Option<String>,
    /// Slack signing secret (Events API request signatures).
    pub signing_secret: Option<String>,
    /// Slack: `http` (Events API, default) or `socket` (Socket Mode with `appToken`).
    pub mode: Option<String>,
    /// Webhook channel: shared secret for inbound requests and callback signatures.
    pub secret: Option<String>,
    /// Webhook channel: where replies are POSTed.
    pub callback_url: Option<String>,
    /// Webhook channel: let `callbackUrl` reach loopback/private addresses (tests, LAN bridges).
    pub allow_private_network: Option<bool>,
    /// API base URL (Telegram `https://api.telegram.org`, Slack `https://slack.com/api`,
    /// Discord `https://discord.com/api/v10`); tests point it at a local fake.
    pub api_root: Option<String>,
    /// Discord Gateway URL (default `wss://gateway.discord.gg/?v=10&encoding=json`).
    pub gateway_url: Option<String>,
    /// `pairing` (default; treated as `allowlist`) | `allowlist` | `open` | `disabled`.
    pub dm_policy: Option<String>,
    /// Direct-message senders allowed (ids, `@usernames`, `"*"`).
    pub allow_from: Option<Vec<Value>>,
    /// `allowlist` (default) | `open` | `disabled`.
    pub group_policy: Option<String>,
    /// Group senders allowed (default: anyone in an allowed group).
    pub group_allow_from: Option<Vec<Value>>,
    /// Telegram groups (chat id or `"*"` → rule).
    pub groups: Option<BTreeMap<String, RawGroupRule>>,
    /// Slack channels (channel id or `"*"` → rule).
    pub channels: Option<BTreeMap<String, RawGroupRule>>,
    /// Discord guilds (guild id or `"*"` → rule, with per-channel rules).
    pub guilds: Option<BTreeMap<String, RawGroupRule>>,
    /// `off` (default) | `first` | `all`: quote the triggering message in replies.
    pub reply_to_mode: Option<String>,
    /// Maximum characters per outbound message (capped at the platform limit).
    pub text_chunk_limit: Option<usize>,
    /// Target used by deliveries that name no `to`.
    pub default_to: Option<String>,
    /// WhatsApp Cloud API: the system-user / permanent access token.
    pub access_token: Option<String>,
    /// WhatsApp Cloud API: the business phone number id messages are sent from.
    pub phone_number_id: Option<String>,
    /// WhatsApp Cloud API: the app secret (`X-Hub-Signature-256` of webhook deliveries).
    pub app_secret: Option<String>,
    /// WhatsApp Cloud API: the token echoed in the subscription handshake.
    pub verify_token: Option<String>,
    /// WhatsApp Cloud API: Graph API base URL (default `https://graph.facebook.com`).
    pub api_base_url: Option<String>,
    /// WhatsApp Cloud API: Graph API version (default `v21.0`).
    pub api_version: Option<String>,
    /// Accepted; not interpreted (WhatsApp Business Account id).
    pub business_account_id: Option<Value>,
    /// Signal: the bot's number (E.164).
    pub account: Option<String>,
    /// Signal: the signal-cli REST API base URL (default `http://127.0.0.1:8080`).
    pub http_url: Option<String>,
    /// BlueBubbles: the server's base URL.
    pub server_url: Option<String>,
    /// BlueBubbles: the server password (REST calls and webhook authentication).
    pub password: Option<String>,
    /// WhatsApp / Signal: mark accepted inbound messages as read (default true).
    pub send_read_receipts: Option<bool>,
    /// Accepted; not interpreted (clawgate talks to a running signal-cli REST server).
    pub cli_path: Option<Value>,
    /// Accepted; not interpreted.
    pub http_host: Option<Value>,
    /// Accepted; not interpreted.
    pub http_port: Option<Value>,
    /// Accepted; not interpreted.
    pub auto_start: Option<Value>,
    /// Accepted; not interpreted.
    pub receive_mode: Option<Value>,
    /// Accepted; not interpreted.
    pub ignore_attachments: Option<Value>,
    /// Accepted; not interpreted.
    pub ignore_stories: Option<Value>,
    /// Accepted; not interpreted (legacy iMessage `imsg` database).
    pub db_path: Option<Value>,
    /// Accepted; not interpreted.
    pub service: Option<Value>,
    /// Accepted; not interpreted.
    pub region: Option<Value>,
    /// Accepted; not interpreted (WhatsApp Web session directory).
    pub auth_dir: Option<Value>,
    /// Accepted; not interpreted (WhatsApp Web).
    pub self_chat_mode: Option<Value>,
    /// Accepted; not interpreted.
    pub debounce_ms: Option<Value>,
    /// Accepted; not interpreted.
    pub include_attachments: Option<Value>,
    /// Accepted; not interpreted.
    pub max_reply_length: Option<Value>,
    /// Named accounts (top-level keys are their defaults).
    pub accounts: Option<BTreeMap<String, RawChannelAccount>>,
    /// Account used when a delivery names only the channel.
    pub default_account: Option<String>,
    /// Telegram: the public URL registered with `setWebhook` (webhook mode instead of long
    /// polling).
    pub webhook_url: Option<Value>,
    /// Telegram: the `secret_token` Telegram sends back in `X-Telegram-Bot-Api-Secret-Token`.
    pub webhook_secret: Option<Value>,
    /// Telegram: the gateway path receiving updates (default `/telegram-webhook`);
    /// BlueBubbles: accepted, not interpreted.
    pub webhook_path: Option<Value>,
    /// Accepted; not interpreted.
    pub token_file: Option<Value>,
    /// Accepted; not interpreted.
    pub user_token: Option<Value>,
    /// Accepted; not interpreted (older Slack/Discord spelling of dmPolicy/allowFrom).
    pub dm: Option<Value>,
    /// Accepted; not interpreted.
    pub dms: Option<Value>,
    /// Accepted; not interpreted.
    pub health_monitor: Option<Value>,
    /// Accepted; not interpreted.
    pub history_limit: Option<Value>,
    /// Accepted; not interpreted.
    pub dm_history_limit: Option<Value>,
    /// Accepted; not interpreted.
    pub streaming: Option<Value>,
    /// Accepted; not interpreted.
    pub block_streaming: Option<Value>,
    /// Accepted; not interpreted.
    pub chunk_mode: Option<Value>,
    /// Accepted; not interpreted.
    pub markdown: Option<Value>,
    /// Accepted; not interpreted.
    pub capabilities: Option<Value>,
    /// Accepted; not interpreted.
    pub config_writes: Option<Value>,
    /// Accepted; not interpreted.
    pub actions: Option<Value>,
    /// Largest inbound media file downloaded, in MB (default 10).
    pub media_max_mb: Option<Value>,
    /// Accepted; not interpreted.
    pub timeout_seconds: Option<Value>,
    /// Retry policy of outbound sends (see `config::DeliveryRetry`).
    pub retry: Option<Value>,
    /// Accepted; not interpreted.
    pub link_preview: Option<Value>,
    /// Accepted; not interpreted.
    pub commands: Option<Value>,
    /// Accepted; not interpreted.
    pub custom_commands: Option<Value>,
    /// Accepted; not interpreted.
    pub heartbeat: Option<Value>,
    /// Accepted; not interpreted.
    pub reaction_notifications: Option<Value>,
    /// Accepted; not interpreted.
    pub reaction_level: Option<Value>,
    /// Accepted; not interpreted.
    pub ack_reaction: Option<Value>,
    /// Accepted; not interpreted.
    pub response_prefix: Option<Value>,
    /// Accepted; not interpreted.
    pub proxy: Option<Value>,
    /// Accepted; not interpreted.
    pub intents: Option<Value>,
    /// Accepted; not interpreted.
    pub slash_command: Option<Value>,
    /// Accepted; not interpreted.
    pub thread: Option<Value>,
}
