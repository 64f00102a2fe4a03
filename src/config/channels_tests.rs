//! Tests of the channel configuration.

use super::*;
use std::path::Path;

fn load(text: &str) -> Result<super::super::Config, ConfigError> {
    let raw = super::super::parse_raw(text, Path::new("t.json5"))?;
    super::super::build::build(
        raw,
        text,
        Some("t.json5".into()),
        PathBuf::from("/tmp/cg"),
        &Default::default(),
    )
}

#[test]
fn accounts_inherit_the_top_level_keys() {
    let cfg = load(
        "{ channels: { telegram: { dmPolicy: 'allowlist', allowFrom: [42, '@Ada'], replyToMode: 'first',
           accounts: { Work: { botToken: 'a' }, home: { botToken: 'b', dmPolicy: 'disabled' } },
           defaultAccount: 'home' } } }",
    )
    .unwrap();
    let ch = &cfg.channels;
    let work = ch.account(ChannelKind::Telegram, "work").unwrap();
    assert_eq!(work.allow_from, vec!["42", "@ada"]);
    assert_eq!(work.reply_to_mode, ReplyToMode::First);
    assert_eq!(work.dm_policy, DmPolicy::Allowlist);
    assert_eq!(
        ch.account(ChannelKind::Telegram, "home").unwrap().dm_policy,
        DmPolicy::Disabled
    );
    assert_eq!(ch.default_accounts[&ChannelKind::Telegram], "home");
    assert_eq!(work.chunk_limit, 4096);
}

#[test]
fn a_channel_without_credentials_is_kept_unconfigured() {
    let cfg = load("{ channels: { discord: { enabled: true } } }").unwrap();
    let d = cfg
        .channels
        .account(ChannelKind::Discord, "default")
        .unwrap();
    assert!(!d.configured);
}

#[test]
fn open_dms_need_a_wildcard_as_in_openclaw() {
    let e = load("{ channels: { telegram: { botToken: 'x', dmPolicy: 'open' } } }")
        .unwrap_err()
        .to_string();
    assert!(e.contains("channels.telegram.allowFrom"), "{e}");
    assert!(load(
        "{ channels: { telegram: { botToken: 'x', dmPolicy: 'open', allowFrom: ['*'] } } }"
    )
    .is_ok());
}

#[test]
fn bad_values_are_named() {
    for (text, key) in [
        (
            "{ channels: { telegram: { dmPolicy: 'sometimes' } } }",
            "channels.telegram.dmPolicy",
        ),
        (
            "{ channels: { slack: { apiRoot: 'ftp://x' } } }",
            "channels.slack.apiRoot",
        ),
        (
            "{ channels: { telegram: { botTokn: 'x' } } }",
            "channels.telegram.botTokn",
        ),
        (
            "{ messages: { queue: { mode: 'sometimes' } } }",
            "messages.queue.mode",
        ),
        ("{ session: { dmScope: 'per-planet' } }", "session.dmScope"),
        (
            "{ channels: { webhook: { secret: 's' } } }",
            "channels.webhook.callbackUrl",
        ),
    ] {
        let e = load(text).unwrap_err().to_string();
        assert!(e.contains(key), "{text}: {e}");
    }
}

#[test]
fn slack_socket_mode_needs_an_app_token() {
    let cfg = load(
        "{ channels: { slack: { mode: 'socket', botToken: 'xoxb-1', appToken: 'xapp-1-A' } } }",
    )
    .unwrap();
    let s = cfg.channels.account(ChannelKind::Slack, "default").unwrap();
    assert!(s.configured && s.unsupported.is_none());
    assert!(
        matches!(&s.ingress, Ingress::SlackSocket { app_token } if app_token.expose() == "xapp-1-A")
    );
    let e =
        load("{ channels: { slack: { mode: 'socket', botToken: 'xoxb-1', appToken: 'xoxb-2' } } }")
            .unwrap_err()
            .to_string();
    assert!(e.contains("channels.slack.appToken"), "{e}");
}

#[test]
fn telegram_webhook_mode_reads_openclaw_keys() {
    let cfg = load(
        "{ channels: { telegram: { botToken: 't', webhookUrl: 'https://bot.example.com/tg/',
           webhookSecret: 'abc_DEF-1', mediaMaxMb: 2 } } }",
    )
    .unwrap();
    let t = cfg
        .channels
        .account(ChannelKind::Telegram, "default")
        .unwrap();
    let Ingress::TelegramWebhook { url, secret, path } = &t.ingress else {
        panic!("webhook mode expected: {:?}", t.ingress)
    };
    assert_eq!(url, "https://bot.example.com/tg");
    assert_eq!(secret.expose(), "abc_DEF-1");
    assert_eq!(path, "/telegram-webhook");
    assert_eq!(t.media_max_bytes, 2 * 1024 * 1024);
    for (text, key) in [
        ("{ channels: { telegram: { botToken: 't', webhookUrl: 'https://h/x' } } }", "webhookSecret"),
        ("{ channels: { telegram: { botToken: 't', webhookUrl: 'https://h/x', webhookSecret: 'a b' } } }", "webhookSecret"),
        ("{ channels: { telegram: { botToken: 't', webhookUrl: 'https://h/x', webhookSecret: 's', webhookPath: 'x' } } }", "webhookPath"),
        ("{ channels: { telegram: { botToken: 't', mediaMaxMb: 0 } } }", "mediaMaxMb"),
    ] {
        let e = load(text).unwrap_err().to_string();
        assert!(e.contains(key), "{text}: {e}");
    }
}

#[test]
fn secrets_do_not_show_in_debug_output() {
    let cfg = load("{ channels: { telegram: { botToken: 'very-secret-token' } } }").unwrap();
    assert!(!format!("{:?}", cfg.channels).contains("very-secret-token"));
}

#[test]
fn whatsapp_signal_and_imessage_read_their_own_keys() {
    let cfg = load(
        "{ channels: {
           whatsapp: { accessToken: 'tok', phoneNumberId: 'PN1', appSecret: 'as', verifyToken: 'vt',
                       apiBaseUrl: 'http://127.0.0.1:9/', apiVersion: 'v20.0', authDir: '~/.wa' },
           signal: { account: '+15550001111', cliPath: 'signal-cli' },
           bluebubbles: { serverUrl: 'http://mac.lan:1234', password: 'pw', webhookPath: '/bb' } } }",
    )
    .unwrap();
    let ch = &cfg.channels;
    let wa = ch.account(ChannelKind::WhatsApp, "default").unwrap();
    assert!(wa.configured);
    assert_eq!(wa.api_root, "http://127.0.0.1:9/v20.0");
    assert_eq!(wa.phone.as_deref(), Some("PN1"));
    assert_eq!(wa.signing_secret.as_ref().map(|s| s.expose()), Some("as"));
    assert_eq!(wa.secret.as_ref().map(|s| s.expose()), Some("vt"));
    assert_eq!(wa.chunk_limit, 4096);
    let sig = ch.account(ChannelKind::Signal, "default").unwrap();
    assert!(sig.configured);
    assert_eq!(sig.api_root, "http://127.0.0.1:8080");
    let im = ch.account(ChannelKind::IMessage, "default").unwrap();
    assert!(im.configured);
    assert_eq!(im.api_root, "http://mac.lan:1234");
    assert_eq!(
        ChannelKind::parse("bluebubbles"),
        Some(ChannelKind::IMessage)
    );
    let bare = load("{ channels: { whatsapp: { accessToken: 'tok' } } }").unwrap();
    assert!(
        !bare
            .channels
            .account(ChannelKind::WhatsApp, "default")
            .unwrap()
            .configured,
        "phoneNumberId is needed"
    );
}

#[test]
fn imessage_is_configured_once() {
    let e = load("{ channels: { imessage: { serverUrl: 'http://a' }, bluebubbles: { serverUrl: 'http://b' } } }")
        .unwrap_err()
        .to_string();
    assert!(e.contains("channels.bluebubbles"), "{e}");
    let e = load("{ channels: { whatsapp: { apiVersion: 'v1/x' } } }")
        .unwrap_err()
        .to_string();
    assert!(e.contains("channels.whatsapp.apiVersion"), "{e}");
}

#[test]
fn queue_modes_and_per_channel_overrides() {
    let cfg = load(
        "{ messages: { queue: { mode: 'steer', byChannel: { telegram: 'interrupt', slack: 'steer-backlog' } } } }",
    )
    .unwrap();
    assert_eq!(cfg.channels.queue_mode, QueueMode::Steer);
    assert_eq!(
        cfg.channels.queue_mode_for(ChannelKind::Telegram),
        QueueMode::Interrupt
    );
    assert_eq!(
        cfg.channels.queue_mode_for(ChannelKind::Slack),
        QueueMode::SteerBacklog
    );
    assert_eq!(
        cfg.channels.queue_mode_for(ChannelKind::Discord),
        QueueMode::Steer
    );
    for (text, key) in [
        (
            "{ messages: { queue: { byChannel: { fax: 'steer' } } } }",
            "messages.queue.byChannel.fax",
        ),
        (
            "{ messages: { queue: { byChannel: { telegram: 'later' } } } }",
            "messages.queue.byChannel.telegram",
        ),
        (
            "{ bindings: [{ agentId: 'ghost', match: { channel: 'telegram' } }] }",
            "bindings[0].agentId",
        ),
    ] {
        let e = load(text).unwrap_err().to_string();
        assert!(e.contains(key), "{text}: {e}");
    }
}

#[test]
fn debounce_windows_and_retention() {
    let d = load("{}").unwrap();
    assert!(d.channels.debounce_for(ChannelKind::Telegram).is_zero());
    assert_eq!(d.channels.retention_days, 7);
    let cfg = load(
        "{ messages: { queue: { debounceMs: 1000, debounceMsByChannel: { telegram: 300, slack: 0 } } }, channels: { retentionDays: 30 } }",
    )
    .unwrap();
    let ms = |k| cfg.channels.debounce_for(k).as_millis();
    assert_eq!(ms(ChannelKind::Telegram), 300);
    assert_eq!(ms(ChannelKind::Slack), 0);
    assert_eq!(ms(ChannelKind::Discord), 1000);
    assert_eq!(cfg.channels.retention().as_secs(), 30 * 86_400);
    for (text, key) in [
        (
            "{ messages: { queue: { debounceMs: -1 } } }",
            "messages.queue.debounceMs",
        ),
        (
            "{ messages: { queue: { debounceMs: 60001 } } }",
            "messages.queue.debounceMs",
        ),
        (
            "{ messages: { queue: { debounceMsByChannel: { fax: 10 } } } }",
            "messages.queue.debounceMsByChannel.fax",
        ),
        (
            "{ channels: { retentionDays: 0 } }",
            "channels.retentionDays",
        ),
    ] {
        let e = load(text).unwrap_err().to_string();
        assert!(e.contains(key), "{text}: {e}");
    }
}
