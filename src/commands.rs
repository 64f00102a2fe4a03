//! What each CLI command does.

use crate::cli::{Cli, Command, ConfigCmd, GatewayAction, GatewayOpts};
use crate::config::{self, Overrides};
use crate::startup::Gateway;
use std::io::Write;
use std::process::ExitCode;

/// Runs a parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Gateway(g) => {
            let g = *g;
            let opts = match g.action {
                Some(GatewayAction::Run(o)) => merge(g.opts, o),
                Some(GatewayAction::Call(c)) => return crate::client_ops::gateway_call(c),
                None => g.opts,
            };
            gateway(opts)
        }
        Command::Agent(a) => crate::client::run_agent(a),
        Command::Status(s) => crate::client::run_status(s),
        Command::Message(crate::cli::MessageCmd::Send(m)) => crate::client_message::run_send(m),
        Command::Cron(c) => crate::cron::command::run(c),
        Command::Keys(k) => crate::cli_keys::keys(k),
        Command::Usage(u) => crate::cli_keys::usage(u),
        Command::Auth(a) => crate::client_ops::auth(a),
        Command::Sessions(s) => crate::client_ops::sessions(s),
        Command::Health(h) => crate::client_ops::health(h),
        Command::Logs(l) => crate::client_ops::logs(l),
        Command::Doctor(d) => crate::cli_doctor::run(d),
        Command::Completions(c) => crate::client_ops::completions(c.shell),
        Command::Config(ConfigCmd::Get { path, paths, json }) => {
            crate::client_ops::config_get(&path, &paths, json)
        }
        Command::Config(ConfigCmd::Set { path, value, paths }) => {
            crate::client_ops::config_set(&path, Some(&value), &paths)
        }
        Command::Config(ConfigCmd::Unset { path, paths }) => {
            crate::client_ops::config_set(&path, None, &paths)
        }
        Command::Skills(c) => crate::cli_skills::run(c),
        Command::Memory(c) => crate::cli_memory::run(c),
        Command::Pairing(c) => crate::cli_pairing::run(c),
        Command::Security(c) => crate::cli_audit::run(c),
        Command::Storage(c) => crate::cli_storage::run(c),
        Command::Config(ConfigCmd::Validate { paths, json }) => {
            let ov = Overrides {
                state_dir: paths.state_dir.clone(),
                ..Default::default()
            };
            match config::load(paths.config.as_deref(), &ov) {
                Ok(cfg) => {
                    let where_ = cfg
                        .path
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|| "(no config file; defaults)".into());
                    if json {
                        println!("{}", serde_json::json!({"ok": true, "path": cfg.path}));
                    } else {
                        println!("config OK: {where_}");
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    if json {
                        println!(
                            "{}",
                            serde_json::json!({"ok": false, "error": e.to_string()})
                        );
                    } else {
                        eprintln!("config invalid: {e}");
                    }
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// Flags given after `run` win over flags given before it.
fn merge(a: GatewayOpts, b: GatewayOpts) -> GatewayOpts {
    GatewayOpts {
        paths: crate::cli::Paths {
            config: b.paths.config.or(a.paths.config),
            state_dir: b.paths.state_dir.or(a.paths.state_dir),
        },
        port: b.port.or(a.port),
        bind: b.bind.or(a.bind),
        auth: b.auth.or(a.auth),
        token: b.token.or(a.token),
        password: b.password.or(a.password),
        log_format: b.log_format,
    }
}

fn gateway(opts: GatewayOpts) -> ExitCode {
    crate::heap_trim::tune();
    crate::telemetry::init(opts.log_format);
    let ov = Overrides {
        port: opts.port,
        bind: opts.bind.clone(),
        auth: opts.auth.clone(),
        token: opts.token.clone(),
        password: opts.password.clone(),
        state_dir: opts.paths.state_dir.clone(),
    };
    let cfg = match config::load(opts.paths.config.as_deref(), &ov) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("clawgate: invalid configuration: {e}");
            return ExitCode::FAILURE;
        }
    };
    let system = actix_web::rt::System::new();
    let result = system.block_on(async move {
        let gw = Gateway::build_with(cfg, ov).await?;
        if let Some(t) = &gw.generated_token {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(
                out,
                "Generated a gateway token (saved to {}, mode 0600; shown only this once):\n  {}",
                t.path.display(),
                t.token
            );
            let _ = out.flush();
        }
        for a in gw.addrs() {
            tracing::info!("clawgate {} listening on http://{a}", crate::state::VERSION);
        }
        gw.run_until_stopped()
            .await
            .map_err(|e| crate::startup::StartupError::Io(e.to_string()))
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("clawgate: {e}");
            ExitCode::FAILURE
        }
    }
}
