//! Every config file shipped under `config/` must load.

#[test]
fn every_shipped_config_file_loads() {
    std::env::set_var("OPENCLAW_GATEWAY_TOKEN", "example-token");
    std::env::set_var("OPENAI_API_KEY", "sk-example");
    std::env::set_var("ANTHROPIC_API_KEY", "sk-ant-example");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json5") {
            let ov = clawgate::config::Overrides {
                state_dir: Some(std::env::temp_dir()),
                ..Default::default()
            };
            clawgate::config::load(Some(&path), &ov)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            n += 1;
        }
    }
    assert!(n >= 2);
}

/// A config a real OpenClaw 2026.9.6 gateway ran with loads as it is; the keys clawgate
/// accepts but ignores are named (the gateway warns about them once at start-up).
#[test]
fn an_openclaw_2026_9_6_config_loads_as_it_is() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/openclaw-config-2026.9.6.json5");
    let ov = clawgate::config::Overrides {
        state_dir: Some(std::env::temp_dir()),
        ..Default::default()
    };
    let cfg = clawgate::config::load(Some(&path), &ov).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cfg.port, 18789);
    assert_eq!(
        cfg.default_model
            .primary
            .as_ref()
            .map(|m| m.to_string())
            .as_deref(),
        Some("mock/mock-model")
    );
    assert_eq!(
        cfg.ignored_keys,
        [
            "update",
            "discovery",
            "telemetry",
            "models.catalogRefresh",
            "gateway.tailscale"
        ]
    );
}
