//! `Channels`: the registry of chat-channel connectors and the delivery interface.
//!
//! - Owns: one entry per configured account (`<channel>:<account>`) with its connector's
//!   handles and its live status; the per-session inbound queues (see `dispatch`); each
//!   session's last route (`last_route`, stored in the kv store); the DM pairing book
//!   (`pairing`, stored in the kv store).
//! - Started by: [`crate::startup::Gateway::build`], once; it starts one connector actor per
//!   configured, enabled account (`telegram`, `whatsapp`, `slack`, `discord`, `signal`,
//!   `imessage`, `webhook` modules). Each
//!   connector supervises its own connection (reconnect with backoff, at most
//!   `gateway.channelMaxRestartsPerHour` restarts an hour, a watchdog on long polls and
//!   sockets; see `supervise`). Inbound messages go through the durable inbox (`inbox`).
//! - Talks to: connectors ([`StopConnector`]; they report [`SetStatus`], [`Progress`] and
//!   [`Inbound`]), the router (`StartTurn` for inbound messages), the store's leases when
//!   several nodes share it (see `leases`), the [`outbox::Outbox`] it starts (every outbound
//!   message — replies, [`Deliver`], [`DeliverToLast`] — is queued there, and the outbox sends
//!   [`SendText`] to the connectors). Anyone may send it [`Deliver`] (the WS `send` method,
//!   `clawgate message send`, hooks, cron announce).

mod debounce;
mod deliver;
mod delivery_ids;
pub mod discord;
mod dispatch;
pub mod imessage;
mod inbox;
mod last_route;
pub mod leases;
pub mod outbox;
mod pairing;
mod reconfigure;
mod replay;
mod rich;
pub mod signal;
pub mod slack;
pub mod slack_socket;
mod stop;
pub mod supervise;
pub mod telegram;
pub mod webhook;
pub mod whatsapp;
mod ws_writer;

use crate::actors::router::Router;
use crate::channels::InboundMessage;
use crate::config::{ChannelAccount, ChannelKind, Config};
use crate::storage::Store;
use actix::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

pub use crate::channels::{Deliver, DeliveryError, DeliveryReceipt};
pub(crate) use deliver::text_parts;
pub use deliver::BindDeliveryEvents;
pub use last_route::DeliverToLast;
pub use pairing::{ListPairing, PairingError, ResolvePairing};
pub use reconfigure::Reconfigure;
pub use replay::InboxStats;

/// One message-sized send; every connector handles it and answers the platform message id.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<String, DeliveryError>")]
pub struct SendText {
    /// Resolved target (chat / channel id).
    pub to: String,
    /// Text, already within the platform's limit.
    pub text: String,
    /// Thread / topic.
    pub thread_id: Option<String>,
    /// Message to quote.
    pub reply_to: Option<String>,
    /// No notification.
    pub silent: bool,
    /// One attachment (the text is its caption).
    pub media: Option<crate::channels::media::Attachment>,
    /// Telegram `reply_markup` (inline keyboard), already checked.
    pub markup: Option<serde_json::Value>,
    /// Card in the platform's shape (Slack `blocks`, Discord `embeds`), already checked.
    pub card: Option<serde_json::Value>,
    /// Send a GIF/video as an animation.
    pub gif_playback: bool,
    /// The outbox row's key, stable across retries (Discord sends it as `nonce`).
    pub idempotency_key: Option<String>,
}

/// Stop a connector for good (gateway shutdown).
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct StopConnector;

/// Connection state of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnState {
    /// No credentials.
    NotConfigured,
    /// `enabled: false`.
    Disabled,
    /// Starting or reconnecting.
    Connecting,
    /// Ready to receive and send.
    Connected,
    /// Failed (see `error`); a retry may be scheduled.
    Error,
    /// Runs on another node (several nodes share the store; see `leases`).
    Standby,
}

impl ConnState {
    /// The wire name (`connected`, `not_configured`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ConnState::NotConfigured => "not_configured",
            ConnState::Disabled => "disabled",
            ConnState::Connecting => "connecting",
            ConnState::Connected => "connected",
            ConnState::Error => "error",
            ConnState::Standby => "standby",
        }
    }
}

/// A connector reports its state (`user` = bot username / id once known).
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct SetStatus {
    /// Registry key `<channel>:<account>`.
    pub key: String,
    /// New state.
    pub state: ConnState,
    /// Bot identity (`@name`), when known.
    pub user: Option<String>,
    /// Bot user id (mention detection), when known.
    pub user_id: Option<String>,
    /// Last error (already free of secrets).
    pub error: Option<String>,
    /// Restarts in the last hour.
    pub restarts: u32,
}

/// A connector's long poll or socket made progress (an answer, a frame) at `at` (ms).
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct Progress {
    /// Registry key `<channel>:<account>`.
    pub key: String,
    /// When (ms).
    pub at: i64,
}

/// An inbound chat message from a connector or an HTTP ingress handler. The answer comes once
/// the message is durably in the inbox (or was dropped as refused or a redelivery); `Err`
/// means it could not be stored, and the platform must not be acknowledged.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<(), String>")]
pub struct Inbound {
    /// The message.
    pub msg: InboundMessage,
}

/// Status of every account, in display order.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "Vec<AccountStatus>")]
pub struct ListAccounts;

/// Switch an account on or off at run time (`channel` as for [`Deliver`]: a kind, a
/// `kind:account` key or an account id); the choice is stored and survives restarts.
#[derive(Message)]
#[rtype(result = "Result<AccountStatus, DeliveryError>")]
pub struct SetEnabled {
    /// The account.
    pub channel: String,
    /// On or off.
    pub enabled: bool,
}

/// The kv key holding run-time enable/disable choices (`{"<kind>:<account>": bool}`).
pub const ENABLED_OVERRIDES_KEY: &str = "channels.enabled";

/// Stop every connector (gateway shutdown).
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct StopAll;

/// One account's live status.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountStatus {
    /// Channel id.
    pub channel: &'static str,
    /// Channel label.
    pub label: &'static str,
    /// Account id.
    pub account_id: String,
    /// Display name.
    pub name: Option<String>,
    /// Whether this is the channel's default account.
    pub is_default: bool,
    /// `enabled`.
    pub enabled: bool,
    /// Credentials present.
    pub configured: bool,
    /// Connection state.
    pub state: ConnState,
    /// Bot identity.
    pub user: Option<String>,
    /// Last error.
    pub error: Option<String>,
    /// Restarts in the last hour.
    pub restarts: u32,
    /// Last inbound message (ms).
    pub last_inbound_at: Option<i64>,
    /// Last outbound message (ms).
    pub last_outbound_at: Option<i64>,
    /// The node running the account (only when several nodes share the store).
    pub node: Option<String>,
    /// Outbox counters: pending and failed messages, last send error.
    pub delivery: outbox::DeliveryStats,
    /// Inbox counters: messages given up after too many attempts (see `replay`).
    pub inbox: InboxStats,
    /// Last progress of the account's long poll or socket (ms; polling and socket connectors).
    pub last_progress_at: Option<i64>,
    /// The most recent error, kept after the connection recovered.
    pub last_error: Option<String>,
}

/// One account in the registry.
struct Entry {
    cfg: Arc<ChannelAccount>,
    sender: Option<Recipient<SendText>>,
    stop: Option<Recipient<StopConnector>>,
    /// Read receipts (WhatsApp).
    mark_read: Option<Recipient<whatsapp::MarkRead>>,
    state: ConnState,
    user: Option<String>,
    user_id: Option<String>,
    error: Option<String>,
    restarts: u32,
    last_inbound_at: Option<i64>,
    last_outbound_at: Option<i64>,
    last_progress_at: Option<i64>,
    last_error: Option<String>,
    /// Recent inbound message ids (platform retries are dropped).
    seen: VecDeque<String>,
    /// The account's lease (shared store only).
    lease: leases::LeaseState,
    /// Outbox counters (pushed by the outbox).
    delivery: outbox::DeliveryStats,
    /// Inbox counters (read from the store by `replay`).
    inbox: InboxStats,
}

impl Entry {
    /// A fresh entry for account `a`, with its stored run-time enable/disable choice applied.
    fn new(a: &Arc<ChannelAccount>, overrides: &BTreeMap<String, bool>) -> Entry {
        let a = match overrides.get(&a.key()) {
            Some(on) if *on != a.enabled => Arc::new(ChannelAccount {
                enabled: *on,
                ..(**a).clone()
            }),
            _ => a.clone(),
        };
        let state = if !a.configured {
            ConnState::NotConfigured
        } else if !a.enabled {
            ConnState::Disabled
        } else if a.unsupported.is_some() {
            ConnState::Error
        } else {
            ConnState::Connecting
        };
        Entry {
            error: a.unsupported.clone(),
            cfg: a,
            sender: None,
            stop: None,
            mark_read: None,
            state,
            user: None,
            user_id: None,
            restarts: 0,
            last_inbound_at: None,
            last_outbound_at: None,
            last_progress_at: None,
            last_error: None,
            seen: VecDeque::new(),
            lease: leases::LeaseState::default(),
            delivery: outbox::DeliveryStats::default(),
            inbox: InboxStats::default(),
        }
    }
}

/// Recent inbound ids remembered per account.
const SEEN_IDS: usize = 256;

/// The channel registry actor.
pub struct Channels {
    router: Addr<Router>,
    config: Arc<Config>,
    store: Store,
    entries: BTreeMap<String, Entry>,
    /// Run-time enable/disable choices (persisted under [`ENABLED_OVERRIDES_KEY`]).
    overrides: BTreeMap<String, bool>,
    /// Per-session inbound queues (see `dispatch`).
    queues: HashMap<String, dispatch::SessionQueue>,
    /// The chat each session last heard from (see `last_route`).
    last_routes: HashMap<String, dispatch::ReplyTarget>,
    /// DM pairing requests and approved senders (see `pairing`), loaded when the registry
    /// starts.
    pairing: crate::channels::pairing::PairingBook,
    /// This node's id (lease holder name).
    node_id: String,
    /// Lease lifetime when connectors run under leases (a shared store), else `None`.
    lease_ttl: Option<std::time::Duration>,
    /// A lease round is in flight.
    lease_round_busy: bool,
    /// The durable outbox (started with the registry).
    outbox: Option<Addr<outbox::Outbox>>,
    /// Delivery counters of accounts the config no longer has (rows may still wait).
    orphan_delivery: BTreeMap<String, outbox::DeliveryStats>,
    /// Replies being delivered (a stop waits for them; see `inbox`).
    delivering: inbox::Delivering,
    /// Inbound messages held for the debounce window, by sender and chat (see `debounce`).
    debounce: debounce::Debouncer,
}

impl Channels {
    /// Run-time enable/disable choices stored by [`SetEnabled`] (read before the registry
    /// starts).
    pub async fn load_overrides(store: &Store) -> BTreeMap<String, bool> {
        match store.kv_get(ENABLED_OVERRIDES_KEY).await {
            Ok(Some(v)) => serde_json::from_str(&v).unwrap_or_default(),
            Ok(None) => BTreeMap::new(),
            Err(e) => {
                tracing::error!(error = %e, "could not read the channel enable/disable choices");
                BTreeMap::new()
            }
        }
    }

    /// A registry for the configured accounts (connectors start in `started`), with the stored
    /// run-time enable/disable choices applied.
    pub fn new(
        router: Addr<Router>,
        config: Arc<Config>,
        store: Store,
        overrides: BTreeMap<String, bool>,
    ) -> Self {
        let entries = config
            .channels
            .accounts
            .iter()
            .map(|a| (a.key(), Entry::new(a, &overrides)))
            .collect();
        Channels {
            router,
            config,
            store,
            entries,
            overrides,
            queues: HashMap::new(),
            last_routes: HashMap::new(),
            pairing: Default::default(),
            node_id: "local".into(),
            lease_ttl: None,
            lease_round_busy: false,
            outbox: None,
            orphan_delivery: BTreeMap::new(),
            delivering: inbox::Delivering::default(),
            debounce: Default::default(),
        }
    }

    /// Names this node; with `lease_ttl` (several nodes share the store) each connector
    /// account runs only while this node holds its lease (see `leases`).
    pub fn with_node(mut self, node_id: String, lease_ttl: Option<std::time::Duration>) -> Self {
        self.node_id = node_id;
        self.lease_ttl = lease_ttl;
        self
    }

    fn status_of(&self, e: &Entry) -> AccountStatus {
        let defaults = &self.config.channels.default_accounts;
        AccountStatus {
            channel: e.cfg.kind.as_str(),
            label: e.cfg.kind.label(),
            account_id: e.cfg.id.clone(),
            name: e.cfg.name.clone(),
            is_default: defaults.get(&e.cfg.kind) == Some(&e.cfg.id),
            enabled: e.cfg.enabled,
            configured: e.cfg.configured,
            state: e.state,
            user: e.user.clone(),
            error: e.error.clone(),
            restarts: e.restarts,
            last_inbound_at: e.last_inbound_at,
            last_outbound_at: e.last_outbound_at,
            node: self.node_of(e),
            delivery: e.delivery.clone(),
            inbox: e.inbox.clone(),
            last_progress_at: e.last_progress_at,
            last_error: e.last_error.clone().or_else(|| e.error.clone()),
        }
    }

    fn start_connector(&mut self, key: &str, me: Addr<Channels>) {
        let Some(e) = self.entries.get_mut(key) else {
            return;
        };
        if e.state != ConnState::Connecting {
            return;
        }
        if self.lease_ttl.is_some() && e.cfg.kind != ChannelKind::Webhook && !e.lease.held {
            // Started by the lease round once this node holds the account's lease.
            e.state = ConnState::Standby;
            return;
        }
        let max = self.config.channels.max_restarts_per_hour;
        let watch = supervise::WatchdogConfig {
            poll_timeout_secs: self.config.channels.poll_timeout_secs,
            stall: self.config.channels.stall_timeout,
        };
        let (sender, stop) = match e.cfg.kind {
            ChannelKind::Telegram => {
                let a =
                    telegram::TelegramConnector::new(e.cfg.clone(), me, self.store.clone(), max)
                        .with_watchdog(watch)
                        .start();
                (a.clone().recipient(), a.recipient())
            }
            ChannelKind::Webhook => {
                let a = webhook::WebhookConnector::new(e.cfg.clone(), me).start();
                (a.clone().recipient(), a.recipient())
            }
            ChannelKind::Slack => {
                let a = slack::SlackConnector::new(e.cfg.clone(), me, max)
                    .with_watchdog(watch)
                    .start();
                (a.clone().recipient(), a.recipient())
            }
            ChannelKind::Discord => {
                let a = discord::DiscordConnector::new(e.cfg.clone(), me, max)
                    .with_watchdog(watch)
                    .start();
                (a.clone().recipient(), a.recipient())
            }
            ChannelKind::WhatsApp => {
                let a = whatsapp::WhatsAppConnector::new(e.cfg.clone(), me, max).start();
                e.mark_read = Some(a.clone().recipient());
                (a.clone().recipient(), a.recipient())
            }
            ChannelKind::Signal => {
                let a = signal::SignalConnector::new(e.cfg.clone(), me, max)
                    .with_watchdog(watch)
                    .start();
                (a.clone().recipient(), a.recipient())
            }
            ChannelKind::IMessage => {
                let a = imessage::IMessageConnector::new(e.cfg.clone(), me, max).start();
                (a.clone().recipient(), a.recipient())
            }
        };
        e.sender = Some(sender);
        e.stop = Some(stop);
        self.sync_outbox(key);
    }
}

impl Actor for Channels {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.load_pairing(ctx);
        let outbox = outbox::Outbox::new(self.store.clone(), ctx.address());
        self.outbox = Some(outbox.deferring(self.leased_keys()).start());
        let keys: Vec<String> = self.entries.keys().cloned().collect();
        for k in keys {
            self.start_connector(&k, ctx.address());
        }
        self.start_lease_rounds(ctx);
        self.start_inbox(ctx);
    }
}

impl Handler<SetStatus> for Channels {
    type Result = ();

    fn handle(&mut self, msg: SetStatus, _: &mut Context<Self>) {
        let lease_gone = self
            .entries
            .get(&msg.key)
            .is_some_and(|e| self.leased(e) && !e.lease.held);
        if lease_gone {
            // A connector stopped with its lease may still report: not this node's account.
            return;
        }
        if let Some(e) = self.entries.get_mut(&msg.key) {
            e.state = msg.state;
            if msg.user.is_some() {
                e.user = msg.user;
            }
            if msg.user_id.is_some() {
                e.user_id = msg.user_id;
            }
            if msg.error.is_some() {
                e.last_error = msg.error.clone();
            }
            e.error = msg.error;
            e.restarts = msg.restarts;
        }
    }
}

impl Handler<Progress> for Channels {
    type Result = ();

    fn handle(&mut self, msg: Progress, _: &mut Context<Self>) {
        if let Some(e) = self.entries.get_mut(&msg.key) {
            e.last_progress_at = Some(msg.at);
        }
    }
}

impl Handler<ListAccounts> for Channels {
    type Result = MessageResult<ListAccounts>;

    fn handle(&mut self, _: ListAccounts, _: &mut Context<Self>) -> Self::Result {
        let mut out: Vec<AccountStatus> =
            self.entries.values().map(|e| self.status_of(e)).collect();
        out.sort_by_key(|s| {
            (
                ChannelKind::parse(s.channel),
                !s.is_default,
                s.account_id.clone(),
            )
        });
        MessageResult(out)
    }
}

impl Handler<SetEnabled> for Channels {
    type Result = AtomicResponse<Self, Result<AccountStatus, DeliveryError>>;

    fn handle(&mut self, msg: SetEnabled, ctx: &mut Context<Self>) -> Self::Result {
        let key = match self.resolve(&msg.channel) {
            Ok(k) => k,
            Err(e) => return AtomicResponse::new(Box::pin(fut::ready(Err(e)))),
        };
        let me = ctx.address();
        let e = self.entries.get_mut(&key).expect("resolved keys exist");
        if e.cfg.enabled != msg.enabled {
            e.cfg = Arc::new(ChannelAccount {
                enabled: msg.enabled,
                ..(*e.cfg).clone()
            });
            if msg.enabled {
                if e.cfg.configured && e.cfg.unsupported.is_none() {
                    e.state = ConnState::Connecting;
                    e.error = None;
                    self.start_connector(&key, me);
                    self.lease_round(ctx);
                }
            } else {
                if let Some(s) = e.stop.take() {
                    s.do_send(StopConnector);
                }
                e.sender = None;
                e.state = ConnState::Disabled;
                self.release_lease(&key);
            }
            tracing::info!(account = %key, enabled = msg.enabled, "channel account switched");
            self.sync_outbox(&key);
        }
        self.overrides.insert(key.clone(), msg.enabled);
        let stored = serde_json::to_string(&self.overrides).unwrap_or_default();
        let write = self.store.kv_put(ENABLED_OVERRIDES_KEY, &stored);
        AtomicResponse::new(Box::pin(write.into_actor(self).map(move |w, act, _| {
            w.map_err(|e| DeliveryError::Failed(format!("could not store the choice: {e}")))?;
            Ok(act.status_of(&act.entries[&key]))
        })))
    }
}
