//! Decoding helpers for inline media: `data:` URLs, base64 with a size cap, MIME normalization
//! and magic-byte sniffing.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;

use super::media::MediaError;

/// A parsed `data:<mime>[;params];base64,<data>` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataUrl {
    /// Lower-cased MIME type without parameters (`text/plain` when omitted).
    pub mime: String,
    /// The base64 payload, still encoded.
    pub data: String,
}

/// Parses a base64 `data:` URL. Non-base64 data URLs are refused (as in OpenClaw).
pub fn parse_data_url(url: &str) -> Result<DataUrl, MediaError> {
    let rest = url
        .get(..5)
        .filter(|p| p.eq_ignore_ascii_case("data:"))
        .map(|_| &url[5..])
        .ok_or_else(|| MediaError::InvalidDataUrl("not a data: URL".into()))?;
    let (header, data) = rest
        .split_once(',')
        .ok_or_else(|| MediaError::InvalidDataUrl("missing ',' in data: URL".into()))?;
    let mime = header
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let is_base64 = header
        .rsplit(';')
        .next()
        .is_some_and(|p| p.trim().eq_ignore_ascii_case("base64"));
    if !is_base64 {
        return Err(MediaError::InvalidDataUrl(
            "data: URLs must be base64-encoded".into(),
        ));
    }
    let mime = if mime.is_empty() || mime == "base64" {
        "text/plain".to_owned()
    } else {
        mime
    };
    let data = data.trim();
    if data.is_empty() {
        return Err(MediaError::InvalidDataUrl("empty data: URL payload".into()));
    }
    Ok(DataUrl {
        mime,
        data: data.to_owned(),
    })
}

/// Decodes base64 (standard or URL-safe, padded or not, whitespace ignored), refusing payloads
/// whose decoded size exceeds `max_bytes` — estimated before decoding so a huge payload is never
/// materialized, and re-checked exactly after.
pub fn decode_base64(data: &str, max_bytes: u64) -> Result<Vec<u8>, MediaError> {
    let cleaned: String = data.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let estimated = (cleaned.len() as u64 / 4) * 3;
    if estimated > max_bytes.saturating_add(3) {
        return Err(MediaError::TooLarge { limit: max_bytes });
    }
    let bytes = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(&cleaned).ok())
        .ok_or(MediaError::InvalidBase64)?;
    if bytes.len() as u64 > max_bytes {
        return Err(MediaError::TooLarge { limit: max_bytes });
    }
    Ok(bytes)
}

/// Lower-cases a MIME type, drops parameters, and maps common aliases (`image/jpg`,
/// `image/pjpeg` → `image/jpeg`, `text/x-markdown` → `text/markdown`).
pub fn normalize_mime(mime: &str) -> String {
    let base = mime.split(';').next().unwrap_or_default().trim();
    let base = base.to_ascii_lowercase();
    match base.as_str() {
        "image/jpg" | "image/pjpeg" => "image/jpeg".to_owned(),
        "text/x-markdown" => "text/markdown".to_owned(),
        _ => base,
    }
}

/// `true` when a Content-Type says nothing useful (absent, `application/octet-stream`, `binary/*`).
pub fn is_generic_mime(mime: &str) -> bool {
    mime.is_empty()
        || mime == "application/octet-stream"
        || mime == "application/unknown"
        || mime.starts_with("binary/")
}

/// Identifies images and PDFs by their magic bytes.
pub fn sniff_mime(bytes: &[u8]) -> Option<&'static str> {
    let starts = |p: &[u8]| bytes.starts_with(p);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        match &bytes[8..12] {
            b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" => Some("image/heic"),
            b"mif1" | b"msf1" => Some("image/heif"),
            _ => None,
        }
    } else if starts(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

/// Guesses a file MIME type from a file name or URL path extension.
pub fn mime_from_extension(name: &str) -> Option<&'static str> {
    let name = name.split(['?', '#']).next().unwrap_or_default();
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "txt" | "text" | "log" => "text/plain",
        "md" | "markdown" => "text/markdown",
        "html" | "htm" => "text/html",
        "csv" => "text/csv",
        "json" => "application/json",
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "heic" => "image/heic",
        "heif" => "image/heif",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_url_with_params_is_parsed() {
        let d = parse_data_url("data:Text/Plain;charset=utf-8;base64,aGVsbG8=").unwrap();
        assert_eq!(d.mime, "text/plain");
        assert_eq!(d.data, "aGVsbG8=");
        let d = parse_data_url("data:;base64,aGk=").unwrap();
        assert_eq!(d.mime, "text/plain");
    }

    #[test]
    fn non_base64_data_url_is_refused() {
        let e = parse_data_url("data:text/plain,hello").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid data URL: data: URLs must be base64-encoded"
        );
        assert!(parse_data_url("http://x/").is_err());
        assert!(parse_data_url("data:image/png;base64").is_err());
    }

    #[test]
    fn base64_decoding_variants_and_limits() {
        assert_eq!(decode_base64("aGVsbG8=", 100).unwrap(), b"hello");
        assert_eq!(decode_base64("aGVs\nbG8", 100).unwrap(), b"hello");
        assert_eq!(decode_base64("-_8", 100).unwrap(), vec![0xfb, 0xff]);
        assert_eq!(decode_base64("aGVsbG8=", 5).unwrap(), b"hello");
        assert_eq!(
            decode_base64("aGVsbG8=", 4).unwrap_err().to_string(),
            "file too large (limit 4 bytes)"
        );
        assert_eq!(
            decode_base64("!!!!", 100).unwrap_err().to_string(),
            "invalid base64 data"
        );
    }

    #[test]
    fn sniffing_and_mime_helpers() {
        assert_eq!(sniff_mime(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff_mime(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff_mime(b"GIF89a.."), Some("image/gif"));
        assert_eq!(sniff_mime(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff_mime(b"\0\0\0\x18ftypheic...."), Some("image/heic"));
        assert_eq!(sniff_mime(b"%PDF-1.7"), Some("application/pdf"));
        assert_eq!(sniff_mime(b"hello"), None);
        assert_eq!(normalize_mime("IMAGE/JPG; q=1"), "image/jpeg");
        assert_eq!(normalize_mime("text/plain; charset=utf-8"), "text/plain");
        assert!(is_generic_mime("application/octet-stream"));
        assert_eq!(
            mime_from_extension("a/b/report.PDF?x=1"),
            Some("application/pdf")
        );
        assert_eq!(mime_from_extension("notes.md"), Some("text/markdown"));
        assert_eq!(mime_from_extension("noext"), None);
    }
}
