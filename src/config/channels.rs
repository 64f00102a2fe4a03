//! Validated channel configuration ([`ChannelsConfig`]) and how it is built from
//! `channels.*`, `session.dmScope`, `messages.queue` (see `channel_queue`), `bindings` and
//! `gateway.channelMaxRestartsPerHour`.
//!
//! Every account is flattened: the channel's top-level keys are the base and
//! `accounts.<id>` entries override them (OpenClaw's inheritance). A channel with no
//! `accounts` has one account, `default`. An account without its credentials is kept as
//! *not configured* (never started, reported as such) rather than refused, as OpenClaw does.

use super::channel_types::*;
use super::env;
use super::raw::RawConfig;
use super::raw_channels::{RawChannelAccount, RawGroupRule};
use super::types::{ConfigError, Secret};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

struct Ctx<'a> {
    file: &'a Option<PathBuf>,
    source: &'a str,
}

impl Ctx<'_> {
    fn invalid(&self, key: &str, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            path: self
                .file
                .clone()
                .unwrap_or_else(|| PathBuf::from("<defaults>")),
            key: key.to_string(),
            line: env::line_of(self.source, key),
            message: message.into(),
        }
    }
}

/// Builds the channel configuration from the raw file.
pub(super) fn build(
    raw: &RawConfig,
    source: &str,
    file: &Option<PathBuf>,
    agent_ids: &[String],
) -> Result<ChannelsConfig, ConfigError> {
    let cx = Ctx { file, source };
    let mut out = ChannelsConfig {
        dm_scope: dm_scope(&cx, raw.session.dm_scope.as_ref())?,
        ..Default::default()
    };
    let invalid = |k: &str, m: &str| cx.invalid(k, m);
    let q = super::channel_queue::parse(raw.messages.as_ref(), &invalid)?;
    out.queue_mode = q.mode;
    out.queue_by_channel = q.by_channel;
    out.queue_cap = q.cap;
    out.debounce_ms = q.debounce_ms;
    out.debounce_by_channel = q.debounce_by_channel;
    if let Some(v) = raw
        .channels
        .as_ref()
        .and_then(|c| c.retention_days.as_ref())
    {
        out.retention_days = super::channel_queue::retention_days(v, &invalid)?;
    }
    out.bindings = super::bindings::parse(raw.bindings.as_ref(), agent_ids)
        .map_err(|(k, m)| cx.invalid(&k, m))?;
    if let Some(v) = &raw.gateway.channel_max_restarts_per_hour {
        out.max_restarts_per_hour =
            v.as_u64()
                .filter(|n| *n <= u32::MAX as u64)
                .ok_or_else(|| {
                    cx.invalid(
                        "gateway.channelMaxRestartsPerHour",
                        "must be a non-negative integer",
                    )
                })? as u32;
    }
    let positive = |key: &str, v: &Option<serde_json::Value>| -> Result<Option<f64>, ConfigError> {
        match v {
            None => Ok(None),
            Some(v) => v
                .as_f64()
                .filter(|n| *n > 0.0 && *n <= 86_400.0)
                .map(Some)
                .ok_or_else(|| {
                    cx.invalid(key, "must be a positive number of seconds (at most 86400)")
                }),
        }
    };
    out.poll_timeout_secs = positive(
        "gateway.channelPollTimeoutSeconds",
        &raw.gateway.channel_poll_timeout_seconds,
    )?
    .map(|n| n.ceil() as u64);
    out.stall_timeout = positive(
        "gateway.channelStallTimeoutSeconds",
        &raw.gateway.channel_stall_timeout_seconds,
    )?
    .map(std::time::Duration::from_secs_f64);
    let Some(ch) = &raw.channels else {
        return Ok(out);
    };
    if ch.imessage.is_some() && ch.bluebubbles.is_some() {
        return Err(cx.invalid(
            "channels.bluebubbles",
            "configure iMessage under one of channels.imessage or channels.bluebubbles (the same BlueBubbles connector)",
        ));
    }
    let (imessage, imessage_prefix) = match &ch.bluebubbles {
        Some(_) => (&ch.bluebubbles, "channels.bluebubbles"),
        None => (&ch.imessage, "channels.imessage"),
    };
    let sections = [
        (ChannelKind::Telegram, &ch.telegram, "channels.telegram"),
        (ChannelKind::WhatsApp, &ch.whatsapp, "channels.whatsapp"),
        (ChannelKind::Slack, &ch.slack, "channels.slack"),
        (ChannelKind::Discord, &ch.discord, "channels.discord"),
        (ChannelKind::Signal, &ch.signal, "channels.signal"),
        (ChannelKind::IMessage, imessage, imessage_prefix),
        (ChannelKind::Webhook, &ch.webhook, "channels.webhook"),
    ];
    for (kind, section, prefix) in sections {
        let Some(base) = section else { continue };
        let prefix = prefix.to_string();
        let named = base.accounts.clone().unwrap_or_default();
        let mut ids = Vec::new();
        if named.is_empty() {
            let acct = account(&cx, kind, DEFAULT_ACCOUNT, &prefix, base, None, true)?;
            ids.push(acct.id.clone());
            out.accounts.push(Arc::new(acct));
        } else {
            for (id, over) in &named {
                let key = format!("{prefix}.accounts.{id}");
                if over.accounts.is_some() || over.default_account.is_some() {
                    return Err(cx.invalid(&key, "accounts cannot be nested"));
                }
                let id = id.trim().to_ascii_lowercase();
                if id.is_empty() || id.contains(':') {
                    return Err(cx.invalid(&key, "account ids must be non-empty, without ':'"));
                }
                let acct = account(&cx, kind, &id, &key, base, Some(over), false)?;
                ids.push(acct.id.clone());
                out.accounts.push(Arc::new(acct));
            }
        }
        let default = match &base.default_account {
            Some(d) => {
                let d = d.trim().to_ascii_lowercase();
                if !ids.contains(&d) {
                    return Err(cx.invalid(
                        &format!("{prefix}.defaultAccount"),
                        format!("no account `{d}` under {prefix}.accounts"),
                    ));
                }
                d
            }
            None if ids.iter().any(|i| i == DEFAULT_ACCOUNT) => DEFAULT_ACCOUNT.to_string(),
            None => ids[0].clone(),
        };
        out.default_accounts.insert(kind, default);
    }
    Ok(out)
}

fn dm_scope(cx: &Ctx<'_>, v: Option<&Value>) -> Result<DmScope, ConfigError> {
    let Some(v) = v else { return Ok(DmScope::Main) };
    Ok(match v.as_str() {
        Some("main") => DmScope::Main,
        Some("per-peer") => DmScope::PerPeer,
        Some("per-channel-peer") => DmScope::PerChannelPeer,
        Some("per-account-channel-peer") => DmScope::PerAccountChannelPeer,
        _ => {
            return Err(cx.invalid(
                "session.dmScope",
                "must be main | per-peer | per-channel-peer | per-account-channel-peer",
            ))
        }
    })
}

/// Normalises one allow-list entry: lower-case, without a `<channel>:`/`user:`/`tg:` prefix.
pub fn normalize_allow_entry(kind: ChannelKind, v: &str) -> String {
    let mut s = v.trim().to_ascii_lowercase();
    for p in [
        format!("{}:", kind.as_str()),
        "tg:".into(),
        "user:".into(),
        "id:".into(),
    ] {
        if let Some(rest) = s.strip_prefix(p.as_str()) {
            s = rest.to_string();
        }
    }
    s
}

fn allow_list(
    cx: &Ctx<'_>,
    kind: ChannelKind,
    key: &str,
    v: &[Value],
) -> Result<Vec<String>, ConfigError> {
    v.iter()
        .map(|e| match e {
            Value::String(s) if !s.trim().is_empty() => Ok(normalize_allow_entry(kind, s)),
            Value::Number(n) => Ok(n.to_string()),
            _ => Err(cx.invalid(key, "entries must be non-empty strings or numbers")),
        })
        .collect()
}

fn group_rules(
    cx: &Ctx<'_>,
    kind: ChannelKind,
    key: &str,
    map: &BTreeMap<String, RawGroupRule>,
    key_prefix: &str,
    out: &mut BTreeMap<String, GroupRule>,
) -> Result<(), ConfigError> {
    for (id, r) in map {
        let k = format!("{key}.{id}");
        let mut channels = BTreeMap::new();
        if let Some(c) = &r.channels {
            group_rules(cx, kind, &format!("{k}.channels"), c, "", &mut channels)?;
        }
        let allow_from = match (&r.allow_from, &r.users) {
            (Some(a), _) | (None, Some(a)) => Some(allow_list(cx, kind, &k, a)?),
            (None, None) => None,
        };
        let name = if id == "*" {
            id.clone()
        } else {
            format!("{key_prefix}{}", id.trim().to_ascii_lowercase())
        };
        out.insert(
            name,
            GroupRule {
                require_mention: r.require_mention.unwrap_or(true),
                enabled: r.enabled.or(r.allow).unwrap_or(true),
                allow_from,
                channels,
            },
        );
    }
    Ok(())
}

fn secret(v: &Option<String>) -> Option<Secret> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(Secret::new)
}

fn http_url(cx: &Ctx<'_>, key: &str, v: &str, ws: bool) -> Result<String, ConfigError> {
    let v = v.trim().trim_end_matches('/');
    let ok = if ws {
        v.starts_with("ws://") || v.starts_with("wss://")
    } else {
        v.starts_with("http://") || v.starts_with("https://")
    };
    if !ok || v.parse::<awc::http::Uri>().is_err() {
        let what = if ws {
            "a ws(s):// URL"
        } else {
            "an http(s):// URL"
        };
        return Err(cx.invalid(key, format!("must be {what}")));
    }
    Ok(v.to_string())
}

/// One flattened account: `over` (an `accounts` entry) wins over `base` key by key.
fn account(
    cx: &Ctx<'_>,
    kind: ChannelKind,
    id: &str,
    key: &str,
    base: &RawChannelAccount,
    over: Option<&RawChannelAccount>,
    env_fallback: bool,
) -> Result<ChannelAccount, ConfigError> {
    let empty = RawChannelAccount::default();
    let o = over.unwrap_or(&empty);
    macro_rules! pick {
        ($f:ident) => {
            o.$f.clone().or_else(|| base.$f.clone())
        };
    }
    let mut token = match kind {
        ChannelKind::Discord => secret(&pick!(token)),
        ChannelKind::WhatsApp => secret(&pick!(access_token)),
        ChannelKind::IMessage => secret(&pick!(password)),
        ChannelKind::Signal => None,
        _ => secret(&pick!(bot_token)),
    };
    if token.is_none() && env_fallback {
        token = kind
            .token_env()
            .and_then(|v| std::env::var(v).ok())
            .and_then(|t| secret(&Some(t)));
    }
    let (signing_secret, secret_v) = match kind {
        ChannelKind::WhatsApp => (secret(&pick!(app_secret)), secret(&pick!(verify_token))),
        _ => (secret(&pick!(signing_secret)), secret(&pick!(secret))),
    };
    let phone = match kind {
        ChannelKind::WhatsApp => pick!(phone_number_id),
        ChannelKind::Signal => pick!(account),
        _ => None,
    }
    .map(|p| p.trim().to_string())
    .filter(|p| !p.is_empty());
    let callback_url = pick!(callback_url)
        .map(|u| http_url(cx, &format!("{key}.callbackUrl"), &u, false))
        .transpose()?;
    let api_root = match kind {
        ChannelKind::WhatsApp => {
            let base = match pick!(api_base_url).or_else(|| pick!(api_root)) {
                Some(r) => http_url(cx, &format!("{key}.apiBaseUrl"), &r, false)?,
                None => kind.default_api_root().to_string(),
            };
            let version = pick!(api_version).unwrap_or_else(|| "v21.0".into());
            let version = version.trim().trim_matches('/');
            if version.is_empty() || version.contains(['/', '?', '#']) {
                return Err(cx.invalid(&format!("{key}.apiVersion"), "must look like v21.0"));
            }
            format!("{base}/{version}")
        }
        ChannelKind::Signal => match pick!(http_url).or_else(|| pick!(api_root)) {
            Some(r) => http_url(cx, &format!("{key}.httpUrl"), &r, false)?,
            None => kind.default_api_root().to_string(),
        },
        ChannelKind::IMessage => match pick!(server_url).or_else(|| pick!(api_root)) {
            Some(r) => http_url(cx, &format!("{key}.serverUrl"), &r, false)?,
            None => String::new(),
        },
        _ => match pick!(api_root) {
            Some(r) => http_url(cx, &format!("{key}.apiRoot"), &r, false)?,
            None => kind.default_api_root().to_string(),
        },
    };
    let gateway_url = match pick!(gateway_url) {
        Some(r) => http_url(cx, &format!("{key}.gatewayUrl"), &r, true)?,
        None => "wss://gateway.discord.gg/?v=10&encoding=json".to_string(),
    };
    let unsupported = None;
    let ingress = ingress(cx, kind, key, base, o)?;
    let configured = match kind {
        ChannelKind::Telegram | ChannelKind::Discord => token.is_some(),
        ChannelKind::Slack => match &ingress {
            Ingress::SlackSocket { .. } => token.is_some(),
            _ => token.is_some() && signing_secret.is_some(),
        },
        ChannelKind::Webhook => secret_v.is_some(),
        ChannelKind::WhatsApp => token.is_some() && phone.is_some(),
        ChannelKind::Signal => phone.is_some(),
        ChannelKind::IMessage => token.is_some() && !api_root.is_empty(),
    };
    if kind == ChannelKind::Webhook && configured && callback_url.is_none() {
        return Err(cx.invalid(
            &format!("{key}.callbackUrl"),
            "the webhook channel needs callbackUrl (where replies are POSTed)",
        ));
    }
    let allow_from = match pick!(allow_from) {
        Some(v) => allow_list(cx, kind, &format!("{key}.allowFrom"), &v)?,
        None => vec![],
    };
    let dm_policy = match pick!(dm_policy).as_deref().map(str::trim) {
        None | Some("pairing") => DmPolicy::Pairing,
        Some("allowlist") => DmPolicy::Allowlist,
        Some("open") => DmPolicy::Open,
        Some("disabled") => DmPolicy::Disabled,
        Some(_) => {
            return Err(cx.invalid(
                &format!("{key}.dmPolicy"),
                "must be pairing | allowlist | open | disabled",
            ))
        }
    };
    if dm_policy == DmPolicy::Open && !allow_from.iter().any(|a| a == "*") {
        return Err(cx.invalid(
            &format!("{key}.allowFrom"),
            "dmPolicy \"open\" requires allowFrom to include \"*\"",
        ));
    }
    let group_policy = match pick!(group_policy).as_deref().map(str::trim) {
        None | Some("allowlist") => GroupPolicy::Allowlist,
        Some("open") => GroupPolicy::Open,
        Some("disabled") => GroupPolicy::Disabled,
        Some(_) => {
            return Err(cx.invalid(
                &format!("{key}.groupPolicy"),
                "must be allowlist | open | disabled",
            ))
        }
    };
    let group_allow_from = pick!(group_allow_from)
        .map(|v| allow_list(cx, kind, &format!("{key}.groupAllowFrom"), &v))
        .transpose()?;
    let mut groups = BTreeMap::new();
    if let Some(g) = pick!(groups) {
        group_rules(cx, kind, &format!("{key}.groups"), &g, "", &mut groups)?;
    }
    if let Some(g) = pick!(channels) {
        group_rules(cx, kind, &format!("{key}.channels"), &g, "", &mut groups)?;
    }
    if let Some(g) = pick!(guilds) {
        group_rules(
            cx,
            kind,
            &format!("{key}.guilds"),
            &g,
            "guild:",
            &mut groups,
        )?;
    }
    let reply_to_mode = match pick!(reply_to_mode).as_deref().map(str::trim) {
        None | Some("off") => ReplyToMode::Off,
        Some("first") => ReplyToMode::First,
        Some("all") => ReplyToMode::All,
        Some(_) => {
            return Err(cx.invalid(&format!("{key}.replyToMode"), "must be off | first | all"))
        }
    };
    let chunk_limit = match pick!(text_chunk_limit) {
        Some(0) => return Err(cx.invalid(&format!("{key}.textChunkLimit"), "must be at least 1")),
        Some(n) => n.min(kind.max_chunk()),
        None => kind.max_chunk(),
    };
    let retry = super::channel_retry::parse(kind, pick!(retry).as_ref(), &format!("{key}.retry"))
        .map_err(|(k, m)| cx.invalid(&k, m))?;
    Ok(ChannelAccount {
        kind,
        id: id.to_string(),
        name: pick!(name),
        enabled: pick!(enabled).unwrap_or(true),
        configured,
        unsupported,
        token,
        signing_secret,
        secret: secret_v,
        phone,
        read_receipts: pick!(send_read_receipts).unwrap_or(true),
        callback_url,
        allow_private_network: pick!(allow_private_network).unwrap_or(false),
        api_root,
        gateway_url,
        dm_policy,
        allow_from,
        group_policy,
        group_allow_from,
        groups,
        reply_to_mode,
        chunk_limit,
        default_to: pick!(default_to).filter(|s| !s.trim().is_empty()),
        ingress,
        media_max_bytes: media_max_bytes(
            cx,
            key,
            o.media_max_mb.as_ref().or(base.media_max_mb.as_ref()),
        )?,
        retry,
    })
}

/// `mediaMaxMb` in bytes (a positive number of MB, fractions allowed).
fn media_max_bytes(cx: &Ctx<'_>, key: &str, v: Option<&Value>) -> Result<u64, ConfigError> {
    let Some(v) = v else {
        return Ok(DEFAULT_MEDIA_MAX_BYTES);
    };
    match v.as_f64() {
        Some(mb) if mb > 0.0 && mb <= 2048.0 => Ok((mb * 1024.0 * 1024.0) as u64),
        _ => Err(cx.invalid(
            &format!("{key}.mediaMaxMb"),
            "must be a positive number of MB (at most 2048)",
        )),
    }
}

/// Slack `mode` / `appToken` and Telegram `webhookUrl` / `webhookSecret` / `webhookPath`.
fn ingress(
    cx: &Ctx<'_>,
    kind: ChannelKind,
    key: &str,
    base: &RawChannelAccount,
    o: &RawChannelAccount,
) -> Result<Ingress, ConfigError> {
    let text = |v: Option<&Value>, k: &str| -> Result<Option<String>, ConfigError> {
        match v {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
            Some(_) => Err(cx.invalid(&format!("{key}.{k}"), "must be a string")),
        }
    };
    match kind {
        ChannelKind::Slack => {
            let mode = o.mode.clone().or_else(|| base.mode.clone());
            match mode.as_deref().map(str::trim) {
                None | Some("http") => Ok(Ingress::Default),
                Some("socket") => {
                    let token = secret(&o.app_token.clone().or_else(|| base.app_token.clone()));
                    match token {
                        Some(t) if t.expose().starts_with("xapp-") => {
                            Ok(Ingress::SlackSocket { app_token: t })
                        }
                        Some(_) => Err(cx.invalid(
                            &format!("{key}.appToken"),
                            "Socket Mode needs the app-level token (xapp-…)",
                        )),
                        None => Err(cx.invalid(
                            &format!("{key}.appToken"),
                            "mode \"socket\" needs appToken (xapp-…)",
                        )),
                    }
                }
                Some(_) => Err(cx.invalid(&format!("{key}.mode"), "must be http or socket")),
            }
        }
        ChannelKind::Telegram => {
            let url = text(
                o.webhook_url.as_ref().or(base.webhook_url.as_ref()),
                "webhookUrl",
            )?;
            let Some(url) = url else {
                return Ok(Ingress::Default);
            };
            let url = http_url(cx, &format!("{key}.webhookUrl"), &url, false)?;
            let secret_v = text(
                o.webhook_secret.as_ref().or(base.webhook_secret.as_ref()),
                "webhookSecret",
            )?
            .ok_or_else(|| {
                cx.invalid(
                    &format!("{key}.webhookSecret"),
                    "webhookUrl needs webhookSecret (Telegram's secret_token: 1-256 of A-Z a-z 0-9 _ -)",
                )
            })?;
            let valid = (1..=256).contains(&secret_v.len())
                && secret_v
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !valid {
                return Err(cx.invalid(
                    &format!("{key}.webhookSecret"),
                    "must be 1-256 characters of A-Z a-z 0-9 _ - (Telegram's secret_token)",
                ));
            }
            let path = text(
                o.webhook_path.as_ref().or(base.webhook_path.as_ref()),
                "webhookPath",
            )?
            .unwrap_or_else(|| DEFAULT_TELEGRAM_WEBHOOK_PATH.to_string());
            if !path.starts_with('/') || path.contains(['?', '#', ' ']) || path == "/" {
                return Err(cx.invalid(
                    &format!("{key}.webhookPath"),
                    "must be an absolute path like /telegram-webhook",
                ));
            }
            Ok(Ingress::TelegramWebhook {
                url,
                secret: Secret::new(secret_v),
                path: path.trim_end_matches('/').to_string(),
            })
        }
        _ => Ok(Ingress::Default),
    }
}

#[cfg(test)]
#[path = "channels_tests.rs"]
mod tests;
