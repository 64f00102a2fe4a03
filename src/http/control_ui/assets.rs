//! The embedded files of `web/` and their precomputed forms: each asset's gzip body (when
//! smaller), strong `ETag`, and the bundle version (a hash over every file) that names the
//! asset directory, so an asset URL never changes meaning and can be cached as immutable.
//! Built once, at the first request, and kept for the life of the process.

use flate2::write::GzEncoder;
use flate2::Compression;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

macro_rules! web_files {
    ($($name:literal),+ $(,)?) => {
        /// Every file of `web/` except `index.html`, by name.
        pub const FILES: &[(&str, &[u8])] = &[
            $( ($name, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/", $name))) ),+
        ];
    };
}

web_files!(
    "style.css",
    "main.js",
    "gateway.js",
    "dom.js",
    "markdown.js",
    "login.js",
    "chat.js",
    "chat_render.js",
    "sessions.js",
    "channels.js",
    "cron.js",
    "status.js",
    "logs.js",
    "config.js",
);

const INDEX: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/index.html"));
/// The placeholder in `index.html` replaced by the bundle version.
const VERSION_MARK: &str = "__ASSET_VERSION__";
/// The placeholder in `index.html` replaced by the base path (the page derives the API root
/// from it, also behind a proxy that adds a prefix).
const BASE_MARK: &str = "__BASE_PATH__";

/// One servable file.
#[derive(Debug, PartialEq, Eq)]
pub struct Asset {
    /// File name under `web/`.
    pub name: &'static str,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// The identity body.
    pub body: Vec<u8>,
    /// The gzip body, when it is smaller.
    pub gzip: Option<Vec<u8>>,
    /// Strong `ETag` (quoted).
    pub etag: String,
}

/// The page and its assets.
#[derive(Debug)]
pub struct Bundle {
    /// Hash over every asset: the `assets/<version>/` directory.
    pub version: String,
    /// `index.html` with the version filled in, per base path (built at first use of each).
    index: Mutex<HashMap<String, Arc<Asset>>>,
    /// The other files.
    pub assets: Vec<Asset>,
}

impl Bundle {
    /// `index.html` for the base path `base` (`""` for the root).
    pub fn index(&self, base: &str) -> Arc<Asset> {
        let mut map = self.index.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(base.to_string())
            .or_insert_with(|| {
                let html = INDEX
                    .replace(VERSION_MARK, &self.version)
                    .replace(BASE_MARK, base);
                Arc::new(asset("index.html", html.into_bytes()))
            })
            .clone()
    }

    /// The asset called `name`.
    pub fn asset(&self, name: &str) -> Option<&Asset> {
        self.assets.iter().find(|a| a.name == name)
    }
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("html") => "text/html; charset=utf-8",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

fn hex12(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn gzip(body: &[u8]) -> Option<Vec<u8>> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    enc.write_all(body).ok()?;
    let out = enc.finish().ok()?;
    (out.len() < body.len()).then_some(out)
}

fn asset(name: &'static str, body: Vec<u8>) -> Asset {
    Asset {
        name,
        content_type: content_type(name),
        etag: format!("\"{}\"", hex12(&body)),
        gzip: gzip(&body),
        body,
    }
}

fn build() -> Bundle {
    let mut all = Sha256::new();
    for (name, body) in FILES {
        all.update(name.as_bytes());
        all.update(body);
    }
    let version: String = all
        .finalize()
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect();
    let assets = FILES.iter().map(|(n, b)| asset(n, b.to_vec())).collect();
    Bundle {
        version,
        index: Mutex::new(HashMap::new()),
        assets,
    }
}

/// The bundle, built at first use.
pub fn bundle() -> &'static Bundle {
    static BUNDLE: OnceLock<Bundle> = OnceLock::new();
    BUNDLE.get_or_init(build)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_web_is_embedded() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/web");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            assert!(
                name == "index.html" || FILES.iter().any(|(n, _)| *n == name),
                "web/{name} is not listed in control_ui/assets.rs"
            );
        }
        let b = bundle();
        let index = String::from_utf8_lossy(&b.index("/ui").body).into_owned();
        assert!(!index.contains(VERSION_MARK) && !index.contains(BASE_MARK));
        assert!(index.contains(r#"content="/ui""#));
        assert!(b.asset("main.js").unwrap().gzip.is_some());
    }
}
