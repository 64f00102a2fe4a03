//! The web chat and control page ([docs/web-ui.md](../../../docs/web-ui.md)): static assets
//! from `web/`, embedded in the binary, served at `gateway.controlUi.basePath` (default `/`)
//! while `gateway.controlUi.enabled` (default true). The page is a WebSocket RPC client like
//! any other; nothing here reads or changes gateway state.
//!
//! Registered after the route table ([`crate::http::configure`]), and only for `GET`/`HEAD` of
//! a path that names one of its files, so it never shadows an API route: `/v1/…`, `/health`
//! and every unknown path still get their own answers.

mod assets;
mod serve;

use crate::state::AppState;
use actix_web::guard::GuardContext;
use actix_web::http::Method;
use actix_web::web;

pub use assets::{bundle, Asset, Bundle};

/// Normalises `gateway.controlUi.basePath`: `None`, `""` and `"/"` are the root (`""`);
/// otherwise a path of plain segments, returned with one leading and no trailing slash.
pub fn normalize_base_path(raw: Option<&str>) -> Result<String, &'static str> {
    let raw = raw.unwrap_or("").trim();
    let trimmed = raw.trim_matches('/');
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    let ok = trimmed.split('/').all(|seg| {
        !seg.is_empty()
            && seg != "."
            && seg != ".."
            && seg
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.~".contains(c))
    });
    if !ok {
        return Err(
            "must be a URL path of plain segments (letters, digits, - _ . ~), e.g. \"/ui\"",
        );
    }
    Ok(format!("/{trimmed}"))
}

/// What a request path names under the base path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The page itself (`<base>/`).
    Index,
    /// `<base>` without its trailing slash: redirected so relative URLs resolve.
    AddSlash,
    /// A versioned asset (`<base>/assets/<version>/<name>`).
    Asset(&'static Asset),
}

/// Resolves `path` against the base path; `None` when it is not the UI's.
pub fn resolve(base: &str, path: &str) -> Option<Target> {
    let rest = path.strip_prefix(base)?;
    if rest.is_empty() {
        return (!base.is_empty()).then_some(Target::AddSlash);
    }
    let rest = rest.strip_prefix('/')?;
    if rest.is_empty() || rest == "index.html" {
        return Some(Target::Index);
    }
    let b = bundle();
    let name = rest
        .strip_prefix("assets/")?
        .strip_prefix(b.version.as_str())?
        .strip_prefix('/')?;
    b.asset(name).map(Target::Asset)
}

fn is_ui_request(ctx: &GuardContext<'_>) -> bool {
    let head = ctx.head();
    if head.method != Method::GET && head.method != Method::HEAD {
        return false;
    }
    let Some(state) = ctx.app_data::<web::Data<AppState>>() else {
        return false;
    };
    let cfg = state.config();
    cfg.control_ui_enabled && resolve(&cfg.control_ui_base_path, head.uri.path()).is_some()
}

/// Registers the UI's one catch-all resource (guarded: only the UI's own paths match).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/{ui_tail:.*}")
            .guard(actix_web::guard::fn_guard(is_ui_request))
            .route(web::route().to(serve::serve)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_paths_are_normalised_and_odd_ones_refused() {
        assert_eq!(normalize_base_path(None).unwrap(), "");
        assert_eq!(normalize_base_path(Some("/")).unwrap(), "");
        assert_eq!(normalize_base_path(Some("ui/")).unwrap(), "/ui");
        assert_eq!(normalize_base_path(Some("/a/b")).unwrap(), "/a/b");
        assert!(normalize_base_path(Some("/a/../b")).is_err());
        assert!(normalize_base_path(Some("/a?x")).is_err());
        assert!(normalize_base_path(Some("/a//b")).is_err());
    }

    #[test]
    fn only_the_ui_paths_resolve() {
        let v = bundle().version.clone();
        assert_eq!(resolve("", "/"), Some(Target::Index));
        assert_eq!(resolve("/ui", "/ui"), Some(Target::AddSlash));
        assert_eq!(resolve("/ui", "/ui/"), Some(Target::Index));
        assert!(matches!(
            resolve("", &format!("/assets/{v}/main.js")),
            Some(Target::Asset(_))
        ));
        assert_eq!(resolve("", "/assets/old/main.js"), None);
        assert_eq!(resolve("", "/v1/models"), None);
        assert_eq!(resolve("", "/health"), None);
        assert_eq!(resolve("/ui", "/"), None);
        assert_eq!(resolve("/ui", "/uix/"), None);
    }
}
