//! Delivery of a [`Deliver`] with attachments, buttons or a card, inside the `Channels`
//! actor's delivery path: what each channel supports is checked first (a clear
//! [`DeliveryError::Unsupported`] naming the channel otherwise), URL media are fetched through
//! the SSRF guard, then the outbox gets one [`SendText`] per platform message.
//!
//! | channel  | media | buttons | card |
//! |----------|-------|---------|------|
//! | telegram | `sendPhoto`/`sendAnimation`/`sendVideo`/`sendDocument` | inline keyboard | — |
//! | slack    | `files.getUploadURLExternal` + upload + `files.completeUploadExternal` | — | `blocks` |
//! | discord  | multipart `files[n]` | — | `embeds` |
//! | whatsapp | `POST /media` upload + `image`/`video`/`audio`/`document` by id | — | a message `template` |
//! | signal   | `base64_attachments` data URIs | — | — |
//! | imessage | BlueBubbles `message/attachment` (multipart) | — | — |
//! | webhook  | base64 in the callback JSON | — | — |
//!
//! The text rides as the caption of the first attachment when it fits the platform's caption
//! limit; otherwise it goes first as text messages and the attachments follow. The card rides on
//! the first message, the buttons on the last.

use super::{DeliveryError, SendText};
use crate::channels::chunk::chunk_text;
use crate::channels::media::{self, Attachment, RichContent, MAX_ATTACHMENTS};
use crate::channels::{discord, slack, telegram, whatsapp, Deliver};
use crate::config::{ChannelAccount, ChannelKind};
use serde_json::Value;

/// Platform-ready buttons and card.
#[derive(Debug, Default)]
struct Prepared {
    markup: Option<Value>,
    card: Option<Value>,
}

fn unsupported(what: &str, kind: ChannelKind, supported: &str) -> DeliveryError {
    DeliveryError::Unsupported(format!(
        "{what} are not supported by the {} channel ({what} work on: {supported})",
        kind.as_str()
    ))
}

/// Checks what `kind` supports and converts buttons and card to the platform's shape.
fn prepare(kind: ChannelKind, rich: &RichContent) -> Result<Prepared, DeliveryError> {
    if rich.media.len() > MAX_ATTACHMENTS {
        return Err(DeliveryError::Unsupported(format!(
            "too many attachments: {} (at most {MAX_ATTACHMENTS})",
            rich.media.len()
        )));
    }
    let mut p = Prepared::default();
    if let Some(b) = &rich.buttons {
        if kind != ChannelKind::Telegram {
            return Err(unsupported("buttons", kind, "telegram"));
        }
        p.markup = Some(telegram::reply_markup(b).map_err(DeliveryError::Unsupported)?);
    }
    if let Some(c) = &rich.card {
        p.card = Some(
            match kind {
                ChannelKind::Slack => slack::card_blocks(c),
                ChannelKind::Discord => discord::card_embeds(c),
                ChannelKind::WhatsApp => whatsapp::template(c),
                _ => return Err(unsupported("cards", kind, "slack, discord, whatsapp")),
            }
            .map_err(DeliveryError::Unsupported)?,
        );
    }
    Ok(p)
}

/// Longest caption sent with an attachment.
fn caption_limit(cfg: &ChannelAccount) -> usize {
    match cfg.kind {
        ChannelKind::Telegram => 1024,
        ChannelKind::WhatsApp => whatsapp::CAPTION_LIMIT,
        _ => cfg.chunk_limit,
    }
}

/// The platform messages of a rich [`Deliver`] to `to`, in order (media fetched and
/// checked); the outbox sends them.
pub(super) async fn plan(
    cfg: &ChannelAccount,
    to: &str,
    msg: &Deliver,
) -> Result<Vec<SendText>, DeliveryError> {
    let prepared = prepare(cfg.kind, &msg.rich)?;
    let mut files: Vec<Attachment> = Vec::with_capacity(msg.rich.media.len());
    for src in &msg.rich.media {
        files.push(
            media::resolve(src, false)
                .await
                .map_err(DeliveryError::Unsupported)?,
        );
    }
    let text = msg.text.trim();
    let as_caption = !files.is_empty() && text.chars().count() <= caption_limit(cfg);
    let mut plan: Vec<SendText> = Vec::new();
    let base = SendText {
        to: to.to_string(),
        text: String::new(),
        thread_id: msg.thread_id.clone(),
        reply_to: None,
        silent: msg.silent,
        media: None,
        markup: None,
        card: None,
        gif_playback: msg.rich.gif_playback,
        idempotency_key: None,
    };
    if !as_caption {
        for chunk in chunk_text(text, cfg.chunk_limit) {
            plan.push(SendText {
                text: chunk,
                ..base.clone()
            });
        }
    }
    for (i, f) in files.into_iter().enumerate() {
        plan.push(SendText {
            text: if as_caption && i == 0 {
                text.to_string()
            } else {
                String::new()
            },
            media: Some(f),
            ..base.clone()
        });
    }
    if plan.is_empty() {
        if prepared.card.is_none() {
            return Err(DeliveryError::Failed("empty message".into()));
        }
        plan.push(base.clone());
    }
    if let Some(first) = plan.first_mut() {
        first.reply_to = msg.reply_to.clone();
        first.card = prepared.card;
    }
    if let Some(last) = plan.last_mut() {
        last.markup = prepared.markup;
    }
    Ok(plan)
}
