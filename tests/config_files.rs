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
