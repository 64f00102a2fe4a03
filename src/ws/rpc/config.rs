//! Writing the configuration over the WebSocket: `config.set` / `config.apply` (replace the
//! whole file with `raw`) and `config.patch` (a JSON merge patch). The new file is validated
//! as a whole before it replaces the old one, then applied live ([`crate::reload`]); an
//! optional `baseHash` (the `hash` of `config.get`) guards against overwriting a change made
//! since. The answers name what changed, never values.

use super::{bad_param, Call};
use crate::reload::{ReloadError, Reloaded};
use crate::ws::frames::ErrorShape;
use serde_json::{json, Value};

fn answer(call: Call, result: Result<Reloaded, ReloadError>) {
    match result {
        Ok(r) => {
            let path = call
                .app
                .config()
                .path
                .as_ref()
                .map(|p| p.display().to_string());
            call.reply.ok(json!({
                "ok": true, "path": path, "hash": r.hash, "applied": r.applied,
                "changedPaths": r.changed_paths, "restartRequired": r.restart_required,
            }))
        }
        Err(ReloadError::Conflict) => call.reply.err(
            ErrorShape::invalid_request(ReloadError::Conflict.to_string())
                .with_details(json!({"code": "CONFIG_CONFLICT"})),
        ),
        Err(e @ (ReloadError::Invalid(_) | ReloadError::NoFile)) => {
            call.reply.err(ErrorShape::invalid_request(e.to_string()))
        }
        Err(e @ ReloadError::Io(_)) => call.reply.err(ErrorShape::unavailable(e.to_string())),
    }
}

/// `config.set {raw, baseHash?}` (and `config.apply`, which clawgate applies without a
/// restart): replaces the config file with `raw` (JSON5, kept as written).
pub async fn set(call: Call) {
    let Some(raw) = call.params.get("raw").and_then(Value::as_str) else {
        return call.reply.err(bad_param("raw (string) required"));
    };
    let raw = raw.to_string();
    let base = call.str_param("baseHash").map(str::to_string);
    let r = call.app.app.replace_config(&raw, base.as_deref()).await;
    answer(call, r)
}

/// `config.patch {patch | raw, baseHash?}`: merges a JSON merge patch (an object, or `raw`
/// JSON5 text holding one) into the config file.
pub async fn patch(call: Call) {
    let patch = match (call.params.get("patch"), call.params.get("raw")) {
        (Some(p @ Value::Object(_)), _) => p.clone(),
        (None, Some(Value::String(raw))) => match json5::from_str::<Value>(raw) {
            Ok(p @ Value::Object(_)) => p,
            Ok(_) => return call.reply.err(bad_param("raw must be a JSON5 object")),
            Err(e) => {
                return call
                    .reply
                    .err(bad_param(format!("raw does not parse: {e}")))
            }
        },
        _ => {
            return call
                .reply
                .err(bad_param("patch (object) or raw (string) required"))
        }
    };
    let base = call.str_param("baseHash").map(str::to_string);
    let r = call.app.app.patch_config(&patch, base.as_deref()).await;
    answer(call, r)
}
