//! Inbound media: files attached to an accepted chat message, downloaded through the
//! platform's own API (`telegram`: `getFile` + the file URL; `whatsapp`: the Graph media
//! object + its URL; `slack`: `url_private_download` with the bot token; `discord`: the
//! attachment's CDN URL; `signal`: signal-cli REST `GET /v1/attachments/{id}`; `imessage`:
//! BlueBubbles `GET /api/v1/attachment/{guid}/download?password=…`), within the account's
//! `mediaMaxMb` (default 10 MiB).
//!
//! - Images of a type vision models take (`image/jpeg|png|webp|gif`, sniffed from the bytes)
//!   become the turn's image inputs (the same `ImageData` as `chat.send` attachments), so the
//!   provider sends them as `image_url` data URLs.
//! - Voice notes, audio, video and documents are stored under
//!   `<state>/media/inbound/<channel>/<uuid>.<ext>` (mode 0600) with a `<uuid>.json` of their
//!   metadata, and the turn's text names them (`[voice note: <path>, audio/ogg, 3 s]`).
//! - A file over the limit, or one that cannot be downloaded, is not fetched; the text says so
//!   (`[image not downloaded: …]`), and the message is still answered.
//!
//! Downloads happen only after the access policy accepted the message, so strangers cannot
//! make the gateway fetch or store anything.

mod fetch;
mod store;

use crate::config::ChannelAccount;
use crate::providers::types::ImageData;
use base64::Engine as _;
use std::path::Path;

pub use fetch::download;

/// Image types handed to the model.
pub const IMAGE_MIMES: &[&str] = &["image/jpeg", "image/png", "image/webp", "image/gif"];

/// What a file is, as the platform presents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum MediaRefKind {
    /// A photo / image.
    Image,
    /// A voice note (push-to-talk recording).
    Voice,
    /// Another audio file.
    Audio,
    /// A video.
    Video,
    /// A document / any other file.
    Document,
}

impl MediaRefKind {
    /// How the turn's text names it.
    pub fn label(self) -> &'static str {
        match self {
            MediaRefKind::Image => "image",
            MediaRefKind::Voice => "voice note",
            MediaRefKind::Audio => "audio",
            MediaRefKind::Video => "video",
            MediaRefKind::Document => "document",
        }
    }
}

/// The kind of a file from its declared MIME type (`voice`: the platform marks it a voice
/// note).
pub fn kind_of(mime: &str, voice: bool) -> MediaRefKind {
    match mime {
        m if m.starts_with("image/") => MediaRefKind::Image,
        m if m.starts_with("audio/") && voice => MediaRefKind::Voice,
        m if m.starts_with("audio/") => MediaRefKind::Audio,
        m if m.starts_with("video/") => MediaRefKind::Video,
        _ => MediaRefKind::Document,
    }
}

/// One attached file, as the platform refers to it (not yet downloaded).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MediaRef {
    /// What it is.
    pub kind: MediaRefKind,
    /// The platform's reference: Telegram `file_id`, WhatsApp media id, Slack
    /// `url_private_download`, Discord attachment URL, signal-cli attachment id, BlueBubbles
    /// attachment guid.
    pub file: String,
    /// Declared MIME type.
    pub mime: Option<String>,
    /// Declared file name.
    pub filename: Option<String>,
    /// Declared size in bytes.
    pub size: Option<u64>,
    /// Duration in seconds (voice, audio, video).
    pub seconds: Option<u64>,
}

impl MediaRef {
    /// A reference of `kind` to `file`, nothing else known.
    pub fn new(kind: MediaRefKind, file: impl Into<String>) -> MediaRef {
        MediaRef {
            kind,
            file: file.into(),
            mime: None,
            filename: None,
            size: None,
            seconds: None,
        }
    }
}

/// What the turn gets from a message's media.
#[derive(Debug, Default)]
pub struct Fetched {
    /// Image inputs.
    pub images: Vec<ImageData>,
    /// Lines appended to the message text (stored files, refusals).
    pub notes: Vec<String>,
}

fn mib(n: u64) -> String {
    format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0))
}

/// Downloads every file of a message (in order) and sorts it into images and notes.
pub async fn fetch_all(cfg: &ChannelAccount, media: &[MediaRef], state_dir: &Path) -> Fetched {
    let mut out = Fetched::default();
    let client = awc::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .finish();
    let limit = cfg.media_max_bytes;
    for m in media {
        let label = m.kind.label();
        if let Some(size) = m.size.filter(|s| *s > limit) {
            out.notes.push(format!(
                "[{label} not downloaded: {} is over the {} limit]",
                mib(size),
                mib(limit)
            ));
            continue;
        }
        let bytes = match download(&client, cfg, m, limit).await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(account = %cfg.key(), error = %e, "inbound media download failed");
                out.notes.push(format!("[{label} not downloaded: {e}]"));
                continue;
            }
        };
        let name = m.filename.clone().unwrap_or_default();
        let sniffed = crate::channels::media::guess_mime(&name, &bytes);
        let mime = match (sniffed.as_str(), &m.mime) {
            ("application/octet-stream", Some(declared)) => declared.to_ascii_lowercase(),
            _ => sniffed,
        };
        if m.kind == MediaRefKind::Image && IMAGE_MIMES.contains(&mime.as_str()) {
            out.images.push(ImageData {
                mime,
                base64: base64::engine::general_purpose::STANDARD.encode(&bytes),
            });
            continue;
        }
        match store::save(state_dir, cfg, m, &mime, &bytes) {
            Ok(path) => {
                let mut note = format!("[{label}: {}, {mime}", path.display());
                if let Some(s) = m.seconds {
                    note.push_str(&format!(", {s} s"));
                }
                if let Some(n) = m.filename.as_deref().filter(|n| !n.is_empty()) {
                    note.push_str(&format!(", \"{n}\""));
                }
                note.push(']');
                out.notes.push(note);
            }
            Err(e) => {
                tracing::error!(account = %cfg.key(), error = %e, "cannot store inbound media");
                out.notes.push(format!("[{label} not stored]"));
            }
        }
    }
    out
}

/// The text a turn gets: the message and the media notes, one per line.
pub fn with_notes(text: &str, notes: &[String]) -> String {
    if notes.is_empty() {
        return text.to_string();
    }
    let mut out = text.to_string();
    for n in notes {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(n);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_follow_the_text_line_by_line() {
        assert_eq!(with_notes("hi", &[]), "hi");
        assert_eq!(
            with_notes(
                "<media:voice>",
                &["[voice note: /x, audio/ogg, 3 s]".into()]
            ),
            "<media:voice>\n[voice note: /x, audio/ogg, 3 s]"
        );
        assert_eq!(mib(10 * 1024 * 1024), "10.0 MiB");
    }
}
