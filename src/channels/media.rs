//! Rich outbound content: attachments, Telegram inline buttons and cards (Slack blocks /
//! Discord embeds) — what `clawgate message send --media/--buttons/--card/--gif-playback`
//! and the WS `send` method ask for, the size limits, and the resolution of URL media.
//!
//! Local files are read by the CLI and arrive as bytes; URLs are fetched by the gateway through
//! the SSRF guard ([`crate::responses::fetch`]): `http`/`https` only, no private or loopback
//! addresses, at most [`MAX_ATTACHMENT_BYTES`] (images [`MAX_IMAGE_BYTES`]), media types only.

use crate::responses::decode::{decode_base64, mime_from_extension, normalize_mime, sniff_mime};
use crate::responses::fetch::{fetch, FetchPolicy};
use bytes::Bytes;
use serde_json::Value;
use std::time::Duration;

const MIB: u64 = 1024 * 1024;
/// Largest attachment the gateway sends (OpenClaw's attachment limit).
pub const MAX_ATTACHMENT_BYTES: u64 = 20 * MIB;
/// Largest image the gateway sends.
pub const MAX_IMAGE_BYTES: u64 = 6 * MIB;
/// Most attachments in one message.
pub const MAX_ATTACHMENTS: usize = 10;
/// Deadline for fetching one URL attachment.
const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// Media types a URL attachment may have.
const ALLOWED_MIMES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "video/mp4",
    "video/webm",
    "video/quicktime",
    "audio/mpeg",
    "audio/ogg",
    "audio/wav",
    "audio/mp4",
    "application/pdf",
    "application/zip",
    "application/json",
    "application/octet-stream",
    "text/plain",
    "text/csv",
    "text/markdown",
];

/// Where an attachment comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaSource {
    /// Bytes sent along (a local file read by the CLI).
    Inline(Attachment),
    /// A URL the gateway fetches through the SSRF guard.
    Url(String),
}

/// One attachment ready to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// File name shown by the platform.
    pub filename: String,
    /// MIME type.
    pub mime: String,
    /// The content.
    pub data: Bytes,
}

/// How a platform should present an attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    /// A still image.
    Photo,
    /// A GIF or a video played as a looping animation (`gifPlayback`).
    Animation,
    /// A video.
    Video,
    /// Anything else.
    Document,
}

impl Attachment {
    /// The presentation of this attachment (`gif_playback` turns GIFs and videos into
    /// animations).
    pub fn kind(&self, gif_playback: bool) -> MediaKind {
        let m = self.mime.as_str();
        if m == "image/gif" || (gif_playback && m.starts_with("video/")) {
            return MediaKind::Animation;
        }
        if matches!(m, "image/png" | "image/jpeg" | "image/webp") {
            MediaKind::Photo
        } else if m.starts_with("video/") {
            MediaKind::Video
        } else {
            MediaKind::Document
        }
    }
}

/// Rich parts of an outbound message (all empty = plain text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RichContent {
    /// Attachments, sent in order.
    pub media: Vec<MediaSource>,
    /// Telegram inline keyboard: rows of `{text, callback_data | url}`.
    pub buttons: Option<Value>,
    /// A card: Slack `blocks`, Discord `embeds` (an object or an array of them).
    pub card: Option<Value>,
    /// Send GIFs/videos as animations.
    pub gif_playback: bool,
}

impl RichContent {
    /// Nothing but text.
    pub fn is_empty(&self) -> bool {
        self.media.is_empty() && self.buttons.is_none() && self.card.is_none()
    }
}

/// The MIME type of a file from its bytes, then its name; `application/octet-stream` otherwise.
pub fn guess_mime(filename: &str, data: &[u8]) -> String {
    if let Some(m) = sniff_mime(data) {
        return m.to_string();
    }
    if let Some(m) = mime_from_extension(filename) {
        return m.to_string();
    }
    let ext = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "mp4" | "m4v" => "video/mp4",
        "webm" => "video/webm",
        "mov" => "video/quicktime",
        "mp3" => "audio/mpeg",
        "ogg" | "oga" | "opus" => "audio/ogg",
        "wav" => "audio/wav",
        "m4a" => "audio/mp4",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
    .to_string()
}

/// The size limit for a MIME type (images have a lower one).
pub fn limit_for(mime: &str) -> u64 {
    if mime.starts_with("image/") {
        MAX_IMAGE_BYTES
    } else {
        MAX_ATTACHMENT_BYTES
    }
}

/// Refuses an attachment over its limit, naming the file and the limit.
pub fn check_size(filename: &str, mime: &str, len: u64) -> Result<(), String> {
    let limit = limit_for(mime);
    if len > limit {
        let what = if mime.starts_with("image/") {
            "image"
        } else {
            "attachment"
        };
        return Err(format!(
            "{filename} is too large: {len} bytes, the {what} limit is {} MiB",
            limit / MIB
        ));
    }
    Ok(())
}

/// The file name at the end of a URL path (`file` when there is none).
fn url_filename(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let last = path.rsplit('/').next().unwrap_or_default();
    if last.is_empty() || path.ends_with("//") || !path.contains('/') {
        "file".to_string()
    } else {
        last.to_string()
    }
}

/// Turns a source into bytes: inline data is size-checked, URLs are fetched through the SSRF
/// guard (`allow_loopback` only in tests).
pub async fn resolve(src: &MediaSource, allow_loopback: bool) -> Result<Attachment, String> {
    match src {
        MediaSource::Inline(a) => {
            check_size(&a.filename, &a.mime, a.data.len() as u64)?;
            Ok(a.clone())
        }
        MediaSource::Url(url) => {
            let policy = FetchPolicy {
                max_bytes: MAX_ATTACHMENT_BYTES,
                max_redirects: 3,
                timeout: FETCH_TIMEOUT,
                allowed_mimes: ALLOWED_MIMES.iter().map(|m| m.to_string()).collect(),
                url_allowlist: Vec::new(),
                allow_loopback_for_tests: allow_loopback,
            };
            let got = fetch(url, &policy)
                .await
                .map_err(|e| format!("media {}: {e}", redact(url)))?;
            let filename = url_filename(&got.final_url);
            let mime = normalize_mime(&got.mime);
            check_size(&filename, &mime, got.bytes.len() as u64)?;
            Ok(Attachment {
                filename,
                mime,
                data: got.bytes,
            })
        }
    }
}

/// A JSON parameter that may also arrive as a JSON string (`--buttons '[…]'`).
fn json_param(params: &Value, key: &str) -> Result<Option<Value>, String> {
    match params.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => serde_json::from_str(s)
            .map(Some)
            .map_err(|e| format!("`{key}` is not valid JSON: {e}")),
        Some(v) => Ok(Some(v.clone())),
    }
}

/// The rich parts of WS `send` parameters: OpenClaw's `mediaUrl` / `mediaUrls` /
/// `gifPlayback`, and clawgate's `media: [{data (base64) | url, filename?, mimeType?}]`,
/// `buttons`, `card`. A local `path` is refused: files are read by the client.
pub fn rich_from_params(params: &Value) -> Result<RichContent, String> {
    let mut media = Vec::new();
    if let Some(u) = params.get("mediaUrl").and_then(Value::as_str) {
        media.push(MediaSource::Url(u.to_string()));
    }
    if let Some(list) = params.get("mediaUrls").filter(|v| !v.is_null()) {
        let list = list
            .as_array()
            .ok_or("`mediaUrls` must be an array of URLs")?;
        for u in list {
            let u = u.as_str().ok_or("`mediaUrls` must be an array of URLs")?;
            media.push(MediaSource::Url(u.to_string()));
        }
    }
    if let Some(list) = params.get("media").filter(|v| !v.is_null()) {
        let list = list
            .as_array()
            .ok_or("`media` must be an array of {data|url, filename?, mimeType?}")?;
        for (i, item) in list.iter().enumerate() {
            media.push(media_item(i, item)?);
        }
    }
    if media.len() > MAX_ATTACHMENTS {
        return Err(format!(
            "too many attachments: {} (at most {MAX_ATTACHMENTS})",
            media.len()
        ));
    }
    Ok(RichContent {
        media,
        buttons: json_param(params, "buttons")?,
        card: json_param(params, "card")?,
        gif_playback: params
            .get("gifPlayback")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    })
}

fn media_item(i: usize, item: &Value) -> Result<MediaSource, String> {
    let text = |k: &str| item.get(k).and_then(Value::as_str).map(str::trim);
    if let Some(u) = text("url") {
        return Ok(MediaSource::Url(u.to_string()));
    }
    if item.get("path").is_some() {
        return Err(format!(
            "media[{i}]: local paths are read by the client and sent as `data` (base64)"
        ));
    }
    let data = text("data").ok_or_else(|| format!("media[{i}] needs `data` or `url`"))?;
    let filename = text("filename")
        .filter(|f| !f.is_empty())
        .unwrap_or("file")
        .to_string();
    let bytes = decode_base64(data, MAX_ATTACHMENT_BYTES)
        .map_err(|e| format!("media[{i}] ({filename}): {e}"))?;
    let mime = text("mimeType")
        .or_else(|| text("mime"))
        .map(normalize_mime)
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| guess_mime(&filename, &bytes));
    check_size(&filename, &mime, bytes.len() as u64)?;
    Ok(MediaSource::Inline(Attachment {
        filename,
        mime,
        data: Bytes::from(bytes),
    }))
}

/// A URL without its query (which may carry signatures) for error texts.
fn redact(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn att(mime: &str) -> Attachment {
        Attachment {
            filename: "f".into(),
            mime: mime.into(),
            data: Bytes::new(),
        }
    }

    #[test]
    fn kinds_follow_the_mime_type_and_gif_playback() {
        assert_eq!(att("image/png").kind(false), MediaKind::Photo);
        assert_eq!(att("image/gif").kind(false), MediaKind::Animation);
        assert_eq!(att("video/mp4").kind(false), MediaKind::Video);
        assert_eq!(att("video/mp4").kind(true), MediaKind::Animation);
        assert_eq!(att("application/pdf").kind(true), MediaKind::Document);
    }

    #[test]
    fn images_have_a_lower_limit_than_other_files() {
        assert!(check_size("a.png", "image/png", MAX_IMAGE_BYTES).is_ok());
        let e = check_size("a.png", "image/png", MAX_IMAGE_BYTES + 1).unwrap_err();
        assert!(e.contains("a.png") && e.contains("6 MiB"), "{e}");
        assert!(check_size("a.zip", "application/zip", MAX_IMAGE_BYTES + 1).is_ok());
        assert!(check_size("a.zip", "application/zip", MAX_ATTACHMENT_BYTES + 1).is_err());
    }

    #[test]
    fn mime_types_come_from_bytes_then_names() {
        assert_eq!(guess_mime("x.bin", b"\x89PNG\r\n\x1a\nrest"), "image/png");
        assert_eq!(guess_mime("clip.MP4", b"...."), "video/mp4");
        assert_eq!(guess_mime("noext", b"...."), "application/octet-stream");
        assert_eq!(url_filename("https://h/a/b.png?sig=1"), "b.png");
        assert_eq!(url_filename("https://h/"), "file");
    }

    #[test]
    fn send_params_carry_urls_inline_files_buttons_and_cards() {
        let r = rich_from_params(&serde_json::json!({
            "mediaUrl": "https://a/x.png", "mediaUrls": ["https://a/y.pdf"],
            "media": [{"data": "iVBORw0KGgo=", "filename": "s.png"}],
            "buttons": "[{\"text\": \"ok\", \"callback_data\": \"ok\"}]",
            "card": {"title": "t"}, "gifPlayback": true}))
        .unwrap();
        assert_eq!(r.media.len(), 3);
        let MediaSource::Inline(a) = &r.media[2] else {
            panic!("inline expected")
        };
        assert_eq!(a.mime, "image/png");
        assert_eq!(r.buttons.unwrap()[0]["text"], "ok");
        assert!(r.gif_playback && r.card.is_some());
        let e = rich_from_params(&serde_json::json!({"media": [{"path": "/etc/passwd"}]}));
        assert!(e.unwrap_err().contains("local paths"));
        assert!(rich_from_params(&serde_json::json!({"card": "{nope"})).is_err());
    }

    #[actix_web::test]
    async fn loopback_urls_are_refused_by_the_guard() {
        let e = resolve(&MediaSource::Url("http://127.0.0.1:9/a.png".into()), false)
            .await
            .unwrap_err();
        assert!(e.contains("private or loopback"), "{e}");
    }
}
