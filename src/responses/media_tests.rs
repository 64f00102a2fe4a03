//! Tests for attachment resolution and media config.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::*;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

fn b64(data: &[u8], mime: Option<&str>) -> MediaSource {
    MediaSource::Base64 {
        media_type: mime.map(str::to_owned),
        data: STANDARD.encode(data),
        filename: None,
    }
}

fn url(u: &str) -> MediaSource {
    MediaSource::Url { url: u.to_owned() }
}

#[test]
fn defaults_match_openclaw() {
    let c = MediaConfig::default();
    assert_eq!(c.max_url_parts, 8);
    assert!(c.files.allow_url && c.images.allow_url);
    assert_eq!(c.files.max_bytes, 5 * 1024 * 1024);
    assert_eq!(c.files.max_chars, 200_000);
    assert_eq!((c.files.max_redirects, c.files.timeout_ms), (3, 10_000));
    assert_eq!(
        (c.files.pdf.max_pages, c.files.pdf.min_text_chars),
        (4, 200)
    );
    assert_eq!(c.files.allowed_mimes.len(), 6);
    assert_eq!(c.images.max_bytes, 10 * 1024 * 1024);
    assert_eq!(c.images.allowed_mimes[5], "image/heif");
}

#[test]
fn config_deserializes_from_camel_case_keys() {
    let c: MediaConfig = serde_json::from_value(serde_json::json!({
        "enabled": true, "maxBodyBytes": 1,
        "maxUrlParts": 2,
        "files": {"allowUrl": false, "maxChars": 10, "urlAllowlist": ["*.example.com"], "pdf": {"maxPages": 1}},
        "images": {"maxBytes": 100, "allowedMimes": ["image/png"]}
    }))
    .unwrap();
    assert_eq!(c.max_url_parts, 2);
    assert!(!c.files.allow_url);
    assert_eq!(c.files.max_chars, 10);
    assert_eq!(c.files.max_bytes, 5 * 1024 * 1024);
    assert_eq!(c.files.pdf.max_pages, 1);
    assert_eq!(c.files.pdf.min_text_chars, 200);
    assert_eq!(c.images.allowed_mimes, vec!["image/png".to_owned()]);
    let bad = serde_json::from_value::<MediaConfig>(serde_json::json!({"files": {"maxByte": 1}}));
    assert!(bad.is_err());
}

#[test]
fn url_part_limits_are_checked_first() {
    let mut cfg = MediaConfig {
        max_url_parts: 0,
        ..MediaConfig::default()
    };
    let files = [FileRef {
        source: url("https://x.test/a.txt"),
        filename: None,
    }];
    assert_eq!(
        check_url_parts(&[], &files, &cfg).unwrap_err().to_string(),
        "too many URL parts (max 0)"
    );
    cfg.max_url_parts = 1;
    let images = [url("https://x.test/a.png")];
    assert_eq!(
        check_url_parts(&images, &files, &cfg),
        Err(MediaError::TooManyUrlParts(1))
    );
    cfg.max_url_parts = 8;
    cfg.images.allow_url = false;
    assert_eq!(
        check_url_parts(&images, &[], &cfg),
        Err(MediaError::UrlSourceDisabled("images"))
    );
    assert!(check_url_parts(&[b64(PNG, None)], &files, &cfg).is_ok());
}

#[actix_web::test]
async fn inline_images_are_checked_and_sniffed() {
    let cfg = ImageLimits::default();
    let opts = ResolveOptions::default();
    let img = resolve_image(&b64(PNG, Some("image/png")), &cfg, opts)
        .await
        .unwrap();
    assert_eq!(img.mime, "image/png");
    assert_eq!(img.data_base64, STANDARD.encode(PNG));
    let sniffed = resolve_image(&b64(PNG, None), &cfg, opts).await.unwrap();
    assert_eq!(sniffed.mime, "image/png");
    let e = resolve_image(&b64(b"%PDF-1.4", Some("application/pdf")), &cfg, opts)
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "unsupported MIME type: application/pdf");
    let small = ImageLimits {
        max_bytes: 4,
        ..ImageLimits::default()
    };
    let e = resolve_image(&b64(PNG, Some("image/png")), &small, opts)
        .await
        .unwrap_err();
    assert_eq!(e, MediaError::TooLarge { limit: 4 });
}

#[actix_web::test]
async fn inline_files_become_file_blocks() {
    let cfg = MediaConfig::default();
    let files = [
        FileRef {
            source: b64(b"\n  hello  \n", Some("text/plain")),
            filename: Some("hello.txt".into()),
        },
        FileRef {
            source: b64(b"{\"a\":1}", None),
            filename: Some("data.json".into()),
        },
    ];
    let media = resolve_media(&[], &files, &cfg, ResolveOptions::default())
        .await
        .unwrap();
    assert_eq!(media.files[0].text, "\n  hello  \n");
    assert_eq!(media.files[1].mime, "application/json");
    let ctx = media.file_context().unwrap();
    assert!(ctx.starts_with("<file name=\"hello.txt\">\n<<<EXTERNAL_UNTRUSTED_CONTENT id=\""));
    assert!(ctx
        .contains("Source: External\n---\n\n  hello  \n\n<<<END_EXTERNAL_UNTRUSTED_CONTENT id=\""));
    assert!(ctx.contains("</file>\n\n<file name=\"data.json\">"));
    assert_eq!(ctx.matches("<file name=\"").count(), 2);
    assert_eq!(ResolvedMedia::default().file_context(), None);
}

#[actix_web::test]
async fn inline_file_limits_and_mimes() {
    let opts = ResolveOptions::default();
    let cfg = FileLimits {
        max_chars: 5,
        ..FileLimits::default()
    };
    let f = FileRef {
        source: b64(b"0123456789", Some("text/csv")),
        filename: None,
    };
    let r = resolve_file(&f, &cfg, opts).await.unwrap();
    assert_eq!((r.text.as_str(), r.filename.as_str()), ("01234", "file"));
    let bin = FileRef {
        source: b64(&[0, 159, 146, 150], None),
        filename: None,
    };
    assert_eq!(
        resolve_file(&bin, &cfg, opts)
            .await
            .unwrap_err()
            .to_string(),
        "unsupported MIME type: application/octet-stream"
    );
    let zip = FileRef {
        source: b64(b"PK", Some("application/zip")),
        filename: None,
    };
    assert_eq!(
        resolve_file(&zip, &cfg, opts).await.unwrap_err(),
        MediaError::UnsupportedMime("application/zip".into())
    );
    let small = FileLimits {
        max_bytes: 3,
        ..FileLimits::default()
    };
    let big = FileRef {
        source: b64(b"hello", Some("text/plain")),
        filename: None,
    };
    assert_eq!(
        resolve_file(&big, &small, opts)
            .await
            .unwrap_err()
            .to_string(),
        "file too large (limit 3 bytes)"
    );
    assert_eq!(guess_file_mime(b"x", Some("notes.md")), "text/markdown");
}

#[actix_web::test]
async fn url_sources_are_ssrf_guarded() {
    let cfg = MediaConfig::default();
    let opts = ResolveOptions::default();
    for (u, msg) in [
        (
            "http://127.0.0.1:6379/info",
            "private or loopback address not allowed",
        ),
        (
            "http://metadata.google.internal/computeMetadata/v1",
            "host name not allowed: metadata.google.internal",
        ),
        ("file:///etc/passwd", "url scheme not allowed: file"),
    ] {
        let files = [FileRef {
            source: url(u),
            filename: None,
        }];
        let e = resolve_media(&[], &files, &cfg, opts).await.unwrap_err();
        assert_eq!(e.to_string(), msg);
        assert_eq!(e.http_status(), 400);
    }
    let mut allow = cfg.clone();
    allow.images.url_allowlist = vec!["images.example.com".into()];
    let e = resolve_media(&[url("https://evil.test/a.png")], &[], &allow, opts)
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "host not in allowlist: evil.test");
}
