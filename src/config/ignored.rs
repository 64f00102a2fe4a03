//! OpenClaw keys clawgate accepts (so an `openclaw.json` loads as it is) but does not
//! interpret: which of them a config sets, so the gateway can name them in one warning at
//! start-up instead of silently doing nothing with them.

use super::raw::RawConfig;

/// The accepted-but-ignored keys `raw` sets, as dotted paths.
pub fn ignored_keys(raw: &RawConfig) -> Vec<&'static str> {
    let g = &raw.gateway;
    [
        ("meta", raw.meta.is_some()),
        ("wizard", raw.wizard.is_some()),
        ("logging", raw.logging.is_some()),
        ("update", raw.update.is_some()),
        ("ui", raw.ui.is_some()),
        ("auth", raw.auth.is_some()),
        ("approvals", raw.approvals.is_some()),
        ("discovery", raw.discovery.is_some()),
        ("canvasHost", raw.canvas_host.is_some()),
        ("talk", raw.talk.is_some()),
        ("plugins", raw.plugins.is_some()),
        ("secrets", raw.secrets.is_some()),
        ("diagnostics", raw.diagnostics.is_some()),
        ("audio", raw.audio.is_some()),
        ("broadcast", raw.broadcast.is_some()),
        ("identity", raw.identity.is_some()),
        ("routing", raw.routing.is_some()),
        ("telemetry", raw.telemetry.is_some()),
        (
            "models.catalogRefresh",
            raw.models.catalog_refresh.is_some(),
        ),
        ("gateway.reload", g.reload.is_some()),
        ("gateway.tailscale", g.tailscale.is_some()),
        ("gateway.webchat", g.webchat.is_some()),
        ("gateway.push", g.push.is_some()),
        ("gateway.nodes", g.nodes.is_some()),
    ]
    .into_iter()
    .filter_map(|(k, set)| set.then_some(k))
    .collect()
}
