//! Files and images attached to a `/v1/responses` turn (spec §4.3): limits, errors, and
//! resolution of [`MediaSource`]s into image payloads and file-context blocks.
//!
//! Inline data is decoded and size-checked here; URL sources go through the SSRF-guarded
//! [`super::fetch::fetch`]. Every error is a client error (HTTP 400).

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::Deserialize;

use super::decode::{
    decode_base64, is_generic_mime, mime_from_extension, normalize_mime, sniff_mime,
};
use super::fetch::{fetch, FetchPolicy};
use super::file_block::{extract_text, render_file_block, DEFAULT_FILENAME};
use super::schema::MediaSource;

pub use super::decode::{parse_data_url, DataUrl};

const MIB: u64 = 1024 * 1024;

/// Everything that can go wrong with an attachment. All variants are the client's fault and map
/// to HTTP 400 (see [`MediaError::http_status`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    /// Only `http`/`https` URLs may be fetched.
    #[error("url scheme not allowed: {0}")]
    SchemeNotAllowed(String),
    /// The URL could not be parsed or has no host.
    #[error("invalid url: {0}")]
    InvalidUrl(String),
    /// The host name itself is refused (`localhost`, metadata services).
    #[error("host name not allowed: {0}")]
    BlockedHostname(String),
    /// The host resolved to (or is) a private, loopback or otherwise internal address.
    #[error("private or loopback address not allowed")]
    PrivateAddress,
    /// The host is not in the configured `urlAllowlist`.
    #[error("host not in allowlist: {0}")]
    HostNotAllowed(String),
    /// URL sources are disabled for this kind (`allowUrl: false`).
    #[error("url sources are not allowed for {0}")]
    UrlSourceDisabled(&'static str),
    /// More URL-sourced parts than `maxUrlParts`.
    #[error("too many URL parts (max {0})")]
    TooManyUrlParts(usize),
    /// Decoded or downloaded size over the limit.
    #[error("file too large (limit {limit} bytes)")]
    TooLarge {
        /// The byte limit that was exceeded.
        limit: u64,
    },
    /// MIME type not in the allow-list.
    #[error("unsupported MIME type: {0}")]
    UnsupportedMime(String),
    /// A `data:` URL that is malformed or not base64.
    #[error("invalid data URL: {0}")]
    InvalidDataUrl(String),
    /// Base64 payload that does not decode.
    #[error("invalid base64 data")]
    InvalidBase64,
    /// The whole fetch (all hops, body included) took longer than `timeoutMs`.
    #[error("fetch timed out")]
    Timeout,
    /// More than `maxRedirects` redirects.
    #[error("too many redirects")]
    TooManyRedirects,
    /// DNS resolution failed.
    #[error("could not resolve host: {0}")]
    Resolve(String),
    /// Connection or protocol failure while fetching.
    #[error("fetch failed: {0}")]
    FetchFailed(String),
    /// The remote answered with a non-success status.
    #[error("fetch failed with HTTP status {0}")]
    HttpStatus(u16),
    /// The PDF could not be parsed.
    #[error("could not read PDF: {0}")]
    Pdf(String),
}

impl MediaError {
    /// HTTP status for this error: always 400 — every variant is caused by the request
    /// (including unreachable or misbehaving URLs the client chose).
    pub fn http_status(&self) -> u16 {
        400
    }
}

/// `gateway.http.endpoints.responses.files.pdf`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct PdfLimits {
    /// Pages whose text is extracted (default 4).
    pub max_pages: u32,
    /// Rasterization budget; accepted for config compatibility, unused (no rasterizer).
    pub max_pixels: u64,
    /// Below this many extracted characters the PDF is treated as image-only (default 200).
    pub min_text_chars: usize,
}

impl Default for PdfLimits {
    fn default() -> Self {
        Self {
            max_pages: 4,
            max_pixels: 4_000_000,
            min_text_chars: 200,
        }
    }
}

/// `gateway.http.endpoints.responses.files`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct FileLimits {
    /// Whether `input_file` URL sources are fetched (default true).
    pub allow_url: bool,
    /// Accepted file MIME types.
    pub allowed_mimes: Vec<String>,
    /// Max decoded/downloaded bytes per file (default 5 MiB).
    pub max_bytes: u64,
    /// Max characters of extracted text per file (default 200 000).
    pub max_chars: usize,
    /// Max redirects per fetch (default 3).
    pub max_redirects: u32,
    /// Whole-fetch timeout in ms (default 10 000).
    pub timeout_ms: u64,
    /// Allowed URL hosts (exact or `*.suffix`); empty = unrestricted.
    pub url_allowlist: Vec<String>,
    /// PDF handling.
    pub pdf: PdfLimits,
}

impl Default for FileLimits {
    fn default() -> Self {
        Self {
            allow_url: true,
            allowed_mimes: [
                "text/plain",
                "text/markdown",
                "text/html",
                "text/csv",
                "application/json",
                "application/pdf",
            ]
            .map(String::from)
            .to_vec(),
            max_bytes: 5 * MIB,
            max_chars: 200_000,
            max_redirects: 3,
            timeout_ms: 10_000,
            url_allowlist: Vec::new(),
            pdf: PdfLimits::default(),
        }
    }
}

/// `gateway.http.endpoints.responses.images`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ImageLimits {
    /// Whether `input_image` URL sources are fetched (default true).
    pub allow_url: bool,
    /// Accepted image MIME types.
    pub allowed_mimes: Vec<String>,
    /// Max bytes per image (default 10 MiB).
    pub max_bytes: u64,
    /// Max redirects per fetch (default 3).
    pub max_redirects: u32,
    /// Whole-fetch timeout in ms (default 10 000).
    pub timeout_ms: u64,
    /// Allowed URL hosts (exact or `*.suffix`); empty = unrestricted.
    pub url_allowlist: Vec<String>,
}

impl Default for ImageLimits {
    fn default() -> Self {
        Self {
            allow_url: true,
            allowed_mimes: super::schema::IMAGE_SOURCE_MIMES.map(String::from).to_vec(),
            max_bytes: 10 * MIB,
            max_redirects: 3,
            timeout_ms: 10_000,
            url_allowlist: Vec::new(),
        }
    }
}

/// The media part of `gateway.http.endpoints.responses` (other keys of that object, such as
/// `enabled` or `maxBodyBytes`, belong to the endpoint config and are ignored here).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MediaConfig {
    /// Max URL-sourced `input_file` + `input_image` parts per request (default 8).
    pub max_url_parts: usize,
    /// File limits.
    pub files: FileLimits,
    /// Image limits.
    pub images: ImageLimits,
}

impl Default for MediaConfig {
    fn default() -> Self {
        Self {
            max_url_parts: 8,
            files: FileLimits::default(),
            images: ImageLimits::default(),
        }
    }
}

impl FetchPolicy {
    /// Fetch policy for `input_file` URLs.
    pub fn for_files(limits: &FileLimits) -> Self {
        Self {
            max_bytes: limits.max_bytes,
            max_redirects: limits.max_redirects,
            timeout: Duration::from_millis(limits.timeout_ms),
            allowed_mimes: limits.allowed_mimes.clone(),
            url_allowlist: limits.url_allowlist.clone(),
            allow_loopback_for_tests: false,
        }
    }

    /// Fetch policy for `input_image` URLs.
    pub fn for_images(limits: &ImageLimits) -> Self {
        Self {
            max_bytes: limits.max_bytes,
            max_redirects: limits.max_redirects,
            timeout: Duration::from_millis(limits.timeout_ms),
            allowed_mimes: limits.allowed_mimes.clone(),
            url_allowlist: limits.url_allowlist.clone(),
            allow_loopback_for_tests: false,
        }
    }
}

/// An image reference collected from the request (URL or inline base64).
pub type ImageRef = MediaSource;

/// A file reference collected from the request.
#[derive(Debug, Clone, PartialEq)]
pub struct FileRef {
    /// Where the bytes come from.
    pub source: MediaSource,
    /// Client-supplied name, if any.
    pub filename: Option<String>,
}

/// An image ready for a provider: base64 payload plus MIME type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedImage {
    /// Allowed image MIME type.
    pub mime: String,
    /// Standard base64 of the image bytes.
    pub data_base64: String,
}

/// A file reduced to prompt text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedFile {
    /// Display name (unescaped; escaped when rendered).
    pub filename: String,
    /// Allowed file MIME type.
    pub mime: String,
    /// Extracted text (or the PDF marker), capped at `maxChars`.
    pub text: String,
}

/// Result of [`resolve_media`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolvedMedia {
    /// Images in request order.
    pub images: Vec<ResolvedImage>,
    /// Files in request order.
    pub files: Vec<ResolvedFile>,
}

impl ResolvedMedia {
    /// The `<file>` blocks joined by a blank line, for the extra system prompt; `None` if no files.
    pub fn file_context(&self) -> Option<String> {
        if self.files.is_empty() {
            return None;
        }
        let blocks: Vec<String> = self
            .files
            .iter()
            .map(|f| render_file_block(&f.filename, &f.text))
            .collect();
        Some(blocks.join("\n\n"))
    }
}

/// Test-only relaxation applied to every fetch made by [`resolve_media`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResolveOptions {
    /// Permit loopback targets (tests serving fixtures on 127.0.0.1). Never set in production.
    pub allow_loopback_for_tests: bool,
}

/// Counts URL sources and enforces `maxUrlParts` and the per-kind `allowUrl` switches, before
/// any network I/O.
pub fn check_url_parts(
    images: &[ImageRef],
    files: &[FileRef],
    cfg: &MediaConfig,
) -> Result<(), MediaError> {
    let is_url = |s: &MediaSource| matches!(s, MediaSource::Url { .. });
    let image_urls = images.iter().filter(|s| is_url(s)).count();
    let file_urls = files.iter().filter(|f| is_url(&f.source)).count();
    if image_urls + file_urls > cfg.max_url_parts {
        return Err(MediaError::TooManyUrlParts(cfg.max_url_parts));
    }
    if image_urls > 0 && !cfg.images.allow_url {
        return Err(MediaError::UrlSourceDisabled("images"));
    }
    if file_urls > 0 && !cfg.files.allow_url {
        return Err(MediaError::UrlSourceDisabled("files"));
    }
    Ok(())
}

fn check_allowed(mime: &str, allowed: &[String]) -> Result<(), MediaError> {
    if allowed.iter().any(|a| normalize_mime(a) == mime) {
        Ok(())
    } else {
        Err(MediaError::UnsupportedMime(mime.to_owned()))
    }
}

/// Resolves one image to base64 + MIME, enforcing size and MIME limits.
pub async fn resolve_image(
    src: &ImageRef,
    cfg: &ImageLimits,
    opts: ResolveOptions,
) -> Result<ResolvedImage, MediaError> {
    let (bytes, declared) = match src {
        MediaSource::Base64 {
            media_type, data, ..
        } => (
            decode_base64(data, cfg.max_bytes)?,
            media_type
                .as_deref()
                .map(normalize_mime)
                .unwrap_or_default(),
        ),
        MediaSource::Url { url } => {
            let mut policy = FetchPolicy::for_images(cfg);
            policy.allow_loopback_for_tests = opts.allow_loopback_for_tests;
            let fetched = fetch(url, &policy).await?;
            return Ok(ResolvedImage {
                mime: fetched.mime,
                data_base64: STANDARD.encode(&fetched.bytes),
            });
        }
    };
    // Trust the bytes over a generic or missing declaration.
    let mime = match sniff_mime(&bytes) {
        Some(sniffed) if is_generic_mime(&declared) => sniffed.to_owned(),
        _ => declared,
    };
    check_allowed(&mime, &cfg.allowed_mimes)?;
    Ok(ResolvedImage {
        mime,
        data_base64: STANDARD.encode(&bytes),
    })
}

/// Resolves one file to prompt text, enforcing size, MIME and character limits.
pub async fn resolve_file(
    file: &FileRef,
    cfg: &FileLimits,
    opts: ResolveOptions,
) -> Result<ResolvedFile, MediaError> {
    let (bytes, mime, url_name) = match &file.source {
        MediaSource::Base64 {
            media_type, data, ..
        } => {
            let bytes = decode_base64(data, cfg.max_bytes)?;
            let declared = media_type
                .as_deref()
                .map(normalize_mime)
                .unwrap_or_default();
            let mime = if is_generic_mime(&declared) {
                guess_file_mime(&bytes, file.filename.as_deref())
            } else {
                declared
            };
            check_allowed(&mime, &cfg.allowed_mimes)?;
            (bytes, mime, None)
        }
        MediaSource::Url { url } => {
            let mut policy = FetchPolicy::for_files(cfg);
            policy.allow_loopback_for_tests = opts.allow_loopback_for_tests;
            let fetched = fetch(url, &policy).await?;
            let name = fetched
                .final_url
                .split(['?', '#'])
                .next()
                .and_then(|p| p.rsplit('/').next())
                .filter(|s| !s.is_empty())
                .map(str::to_owned);
            (fetched.bytes.to_vec(), fetched.mime, name)
        }
    };
    let limits = cfg.clone();
    let mime_for_task = mime.clone();
    let text = tokio::task::spawn_blocking(move || extract_text(&bytes, &mime_for_task, &limits))
        .await
        .map_err(|e| MediaError::Pdf(format!("extraction task failed: {e}")))??;
    let filename = file
        .filename
        .clone()
        .or(url_name)
        .unwrap_or_else(|| DEFAULT_FILENAME.to_owned());
    Ok(ResolvedFile {
        filename,
        mime,
        text,
    })
}

/// MIME of inline file bytes without a useful declaration: magic bytes, then the file name's
/// extension, then `text/plain` for valid UTF-8 (else `application/octet-stream`, refused).
pub fn guess_file_mime(bytes: &[u8], filename: Option<&str>) -> String {
    if let Some(m) = sniff_mime(bytes) {
        return m.to_owned();
    }
    if let Some(m) = filename.and_then(mime_from_extension) {
        return m.to_owned();
    }
    if std::str::from_utf8(bytes).is_ok() {
        "text/plain".to_owned()
    } else {
        "application/octet-stream".to_owned()
    }
}

/// Resolves all attachments of a turn, in order, failing on the first bad one.
pub async fn resolve_media(
    images: &[ImageRef],
    files: &[FileRef],
    cfg: &MediaConfig,
    opts: ResolveOptions,
) -> Result<ResolvedMedia, MediaError> {
    check_url_parts(images, files, cfg)?;
    let mut out = ResolvedMedia::default();
    for image in images {
        out.images
            .push(resolve_image(image, &cfg.images, opts).await?);
    }
    for file in files {
        out.files.push(resolve_file(file, &cfg.files, opts).await?);
    }
    Ok(out)
}

#[cfg(test)]
#[path = "media_tests.rs"]
mod tests;
