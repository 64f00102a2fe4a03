//! DM pairing inside the `Channels` actor: the challenge an unknown sender gets, and the
//! operator's list / approve / reject ([`ListPairing`], [`ResolvePairing`]). The book
//! (`crate::channels::pairing`) is loaded from the kv store before the registry handles its
//! first message and written back after every change, in order.

use super::{text_parts, Channels};
use crate::channels::pairing::{self, PairingBook, PairingRequest, PAIRING_KEY};
use crate::channels::InboundMessage;
use crate::config::ChannelKind;
use crate::storage::now_ms;
use actix::prelude::*;

/// Why a pairing operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PairingError {
    /// Not a channel clawgate has, or none is configured with pairing.
    #[error("{0}")]
    Channel(String),
    /// No pending request with that code (unknown, expired or already resolved).
    #[error("no pending pairing request with code {0}")]
    UnknownCode(String),
    /// The store refused the change.
    #[error("could not store the pairing change: {0}")]
    Store(String),
}

/// Pending pairing requests (`clawgate pairing list`, WS `pairing.list`).
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<Vec<PairingRequest>, PairingError>")]
pub struct ListPairing {
    /// A channel id, or every channel.
    pub channel: Option<String>,
    /// One account of it.
    pub account: Option<String>,
}

/// Approve or reject a pending request (`clawgate pairing approve|deny`, WS
/// `pairing.approve|reject`); the resolved request.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<PairingRequest, PairingError>")]
pub struct ResolvePairing {
    /// Channel id (`None`: the one configured channel, if there is exactly one).
    pub channel: Option<String>,
    /// The code the sender got.
    pub code: String,
    /// Only this account's request.
    pub account: Option<String>,
    /// Approve (else reject).
    pub approve: bool,
    /// Tell an approved sender (`--notify`).
    pub notify: bool,
}

fn kind_of(channel: &str) -> Result<ChannelKind, PairingError> {
    ChannelKind::parse(channel)
        .ok_or_else(|| PairingError::Channel(format!("unknown channel: {channel}")))
}

impl Channels {
    /// The one configured channel kind, for commands that leave the channel out.
    fn only_kind(&self) -> Result<ChannelKind, PairingError> {
        let mut kinds: Vec<ChannelKind> = self
            .entries
            .values()
            .filter(|e| e.cfg.configured)
            .map(|e| e.cfg.kind)
            .collect();
        kinds.dedup();
        match kinds.as_slice() {
            [one] => Ok(*one),
            _ => Err(PairingError::Channel(
                "channel is required when more or less than one channel is configured".into(),
            )),
        }
    }

    /// Loads the stored book; the mailbox waits, so no message is judged without it.
    pub(super) fn load_pairing(&mut self, ctx: &mut Context<Self>) {
        let read = self.store.kv_get(PAIRING_KEY);
        ctx.wait(read.into_actor(self).map(|r, act, _| match r {
            Ok(Some(v)) => match serde_json::from_str::<PairingBook>(&v) {
                Ok(b) => act.pairing = b,
                Err(e) => tracing::error!(error = %e, "the stored pairing book is unreadable"),
            },
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "could not read the pairing book"),
        }));
    }

    /// Writes the book; the mailbox waits, so writes land in order.
    fn store_pairing(&mut self, ctx: &mut Context<Self>) {
        let Ok(json) = serde_json::to_string(&self.pairing) else {
            return;
        };
        let write = self.store.kv_put(PAIRING_KEY, &json);
        ctx.wait(write.into_actor(self).map(|r, _, _| {
            if let Err(e) = r {
                tracing::error!(error = %e, "could not store the pairing book");
            }
        }));
    }

    /// An unknown sender wrote a direct message under `dmPolicy: "pairing"`: a new request
    /// and its code go back to the chat (nothing when one is already pending).
    pub(super) fn pairing_challenge(
        &mut self,
        key: &str,
        msg: &InboundMessage,
        ctx: &mut Context<Self>,
    ) {
        let Some(code) = self.pairing.request(msg, now_ms(), pairing::new_code) else {
            return;
        };
        self.store_pairing(ctx);
        tracing::info!(account = %key, sender = %msg.sender.id, "pairing code issued");
        let Some(e) = self.entries.get(key) else {
            return;
        };
        let text = pairing::challenge_text(msg.channel, &msg.sender.id, &code);
        let sent = text_parts(&e.cfg, &msg.chat_id, &text, None, None, false, false)
            .map(|parts| self.enqueue_outbound(key, &msg.chat_id, None, parts));
        let key = key.to_string();
        actix::spawn(async move {
            let sent = match sent {
                Ok(f) => f.await.map(|_| ()),
                Err(e) => Err(e),
            };
            if let Err(e) = sent {
                tracing::warn!(account = %key, error = %e, "pairing code not delivered");
            }
        });
    }
}

impl Handler<ListPairing> for Channels {
    type Result = Result<Vec<PairingRequest>, PairingError>;

    fn handle(&mut self, m: ListPairing, _: &mut Context<Self>) -> Self::Result {
        let kind = m.channel.as_deref().map(kind_of).transpose()?;
        Ok(self.pairing.pending(kind, m.account.as_deref(), now_ms()))
    }
}

impl Handler<ResolvePairing> for Channels {
    type Result = AtomicResponse<Self, Result<PairingRequest, PairingError>>;

    fn handle(&mut self, m: ResolvePairing, _: &mut Context<Self>) -> Self::Result {
        let kind = match m
            .channel
            .as_deref()
            .map_or_else(|| self.only_kind(), kind_of)
        {
            Ok(k) => k,
            Err(e) => return AtomicResponse::new(Box::pin(fut::ready(Err(e)))),
        };
        let Some(r) =
            self.pairing
                .resolve(kind, &m.code, m.account.as_deref(), m.approve, now_ms())
        else {
            let code = m.code.trim().to_ascii_uppercase();
            return AtomicResponse::new(Box::pin(fut::ready(Err(PairingError::UnknownCode(code)))));
        };
        tracing::info!(channel = %r.channel, account = %r.account_id, sender = %r.id,
            approved = m.approve, "pairing request resolved");
        let json = serde_json::to_string(&self.pairing).unwrap_or_default();
        let write = self.store.kv_put(PAIRING_KEY, &json);
        let account = format!("{}:{}", r.channel, r.account_id);
        // Built now, sent (through the outbox) after the write: the future is lazy.
        let notice = (m.notify && m.approve)
            .then(|| self.entries.get(&account))
            .flatten()
            .map(|e| {
                text_parts(
                    &e.cfg,
                    &r.id,
                    pairing::APPROVED_TEXT,
                    None,
                    None,
                    false,
                    false,
                )
                .map(|parts| self.enqueue_outbound(&account, &r.id, None, parts))
            });
        // The mailbox waits for the write, so changes are stored in order.
        let work = async move {
            write
                .await
                .map_err(|e| PairingError::Store(e.to_string()))?;
            if let Some(notice) = notice {
                let sent = match notice {
                    Ok(f) => f.await.map(|_| ()),
                    Err(e) => Err(e),
                };
                if let Err(e) = sent {
                    tracing::warn!(error = %e, "pairing approval notice not delivered");
                }
            }
            Ok(r)
        };
        AtomicResponse::new(Box::pin(work.into_actor(self)))
    }
}
