//! Inbound debounce (`messages.queue.debounceMs`, per channel `debounceMsByChannel`), inside
//! the `Channels` actor.
//!
//! With a window of `n` ms, an accepted and stored message is held for `n` ms; another
//! message of the same sender in the same chat (and thread) arriving within the window joins
//! it and restarts the window. When the window passes, the held messages become one message
//! (texts joined by newlines in the order the messages were admitted, every file kept, the latest message's id for
//! replies) and one turn, as OpenClaw coalesces rapid messages. The wait is bounded: a batch
//! is released at most [`MAX_WINDOWS`] windows after its first message, or as soon as it
//! holds `messages.queue.cap` messages. A window of 0 (the default) routes every message at
//! once.
//!
//! Durability is unchanged: each message is in the inbox before it is held, and every row of
//! a coalesced turn is marked done only when that turn is answered (a restart while messages
//! are held replays them).

use super::dispatch::InboxRef;
use super::Channels;
use crate::channels::InboundMessage;
use actix::prelude::*;
use std::collections::HashMap;
use std::time::Instant;

/// A batch is released at most this many windows after its first message.
pub const MAX_WINDOWS: u32 = 10;

/// The held batches and the arrival counter.
#[derive(Default)]
pub(super) struct Debouncer {
    /// Batches by sender and chat.
    held: HashMap<String, Held>,
    /// Arrivals so far: messages are numbered when admitted, since their inbox writes may
    /// complete out of order.
    arrivals: u64,
}

impl Debouncer {
    /// The number of the next admitted message.
    pub(super) fn next_arrival(&mut self) -> u64 {
        self.arrivals += 1;
        self.arrivals
    }
}

/// Messages of one sender and chat held for the window, with their arrival numbers.
struct Held {
    msgs: Vec<(u64, InboundMessage, InboxRef)>,
    first_at: Instant,
    /// The pending release.
    timer: Option<SpawnHandle>,
}

/// The batch a message belongs to: account, chat, thread and sender.
fn bucket(msg: &InboundMessage, r: &InboxRef) -> String {
    format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{}",
        r.key,
        msg.chat_id,
        msg.thread_id.as_deref().unwrap_or_default(),
        msg.sender.id
    )
}

impl Channels {
    /// Routes an accepted, stored message: at once without a debounce window, else held
    /// with the sender's other messages of that chat until the window passes.
    pub(super) fn route_inbound(
        &mut self,
        msg: InboundMessage,
        r: InboxRef,
        arrival: u64,
        ctx: &mut Context<Self>,
    ) {
        let window = self.config.channels.debounce_for(msg.channel);
        if window.is_zero() {
            return self.dispatch(msg, vec![r], ctx);
        }
        let key = bucket(&msg, &r);
        let now = Instant::now();
        let cap = self.config.channels.queue_cap.max(1);
        let h = self
            .debounce
            .held
            .entry(key.clone())
            .or_insert_with(|| Held {
                msgs: Vec::new(),
                first_at: now,
                timer: None,
            });
        if let Some(t) = h.timer.take() {
            ctx.cancel_future(t);
        }
        h.msgs.push((arrival, msg, r));
        let (first_at, len) = (h.first_at, h.msgs.len());
        if len >= cap {
            return self.release(&key, ctx);
        }
        let last_call = first_at + window * MAX_WINDOWS;
        let wait = window.min(last_call.saturating_duration_since(now));
        let k = key.clone();
        let timer = ctx.run_later(wait, move |act, ctx| {
            if let Some(h) = act.debounce.held.get_mut(&k) {
                h.timer = None;
            }
            act.release(&k, ctx)
        });
        if let Some(h) = self.debounce.held.get_mut(&key) {
            h.timer = Some(timer);
        }
    }

    /// Releases a held batch as one message and one turn.
    fn release(&mut self, key: &str, ctx: &mut Context<Self>) {
        let Some(mut h) = self.debounce.held.remove(key) else {
            return;
        };
        if let Some(t) = h.timer {
            ctx.cancel_future(t);
        }
        if h.msgs.len() > 1 {
            tracing::debug!(
                messages = h.msgs.len(),
                "debounced inbound messages coalesced"
            );
        }
        h.msgs.sort_by_key(|(n, _, _)| *n);
        let (msg, refs) = coalesce(h.msgs.into_iter().map(|(_, m, r)| (m, r)).collect());
        self.dispatch(msg, refs, ctx);
    }
}

/// One message from several of one sender: texts joined by newlines in order, every file,
/// the latest message's ids; mentioned when any was.
fn coalesce(msgs: Vec<(InboundMessage, InboxRef)>) -> (InboundMessage, Vec<InboxRef>) {
    let mut texts = Vec::new();
    let mut media = Vec::new();
    let mut mentioned = false;
    let mut refs = Vec::new();
    let mut last = None;
    for (m, r) in msgs {
        if !m.text.trim().is_empty() {
            texts.push(m.text.clone());
        }
        media.extend(m.media.iter().cloned());
        mentioned |= m.mentioned;
        refs.push(r);
        last = Some(m);
    }
    let mut out = last.expect("a held batch is never empty");
    out.text = texts.join("\n");
    out.media = media;
    out.mentioned = mentioned;
    (out, refs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::Sender;
    use crate::config::ChannelKind;

    fn msg(id: &str, text: &str) -> (InboundMessage, InboxRef) {
        let m = InboundMessage {
            channel: ChannelKind::Telegram,
            account: "default".into(),
            chat_id: "42".into(),
            sender: Sender {
                id: "42".into(),
                username: None,
                name: None,
            },
            text: text.into(),
            thread_id: None,
            is_group: false,
            message_id: Some(id.into()),
            mentioned: id == "2",
            guild_id: None,
            media: Vec::new(),
        };
        let r = InboxRef {
            key: "telegram:default".into(),
            id: format!("42:{id}"),
        };
        (m, r)
    }

    #[test]
    fn coalesced_messages_keep_order_and_every_row() {
        let (m, refs) = coalesce(vec![msg("1", "one"), msg("2", " "), msg("3", "three")]);
        assert_eq!(m.text, "one\nthree");
        assert_eq!(
            m.message_id.as_deref(),
            Some("3"),
            "replies quote the latest"
        );
        assert!(m.mentioned);
        let ids: Vec<&str> = refs.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["42:1", "42:2", "42:3"]);
    }
}
