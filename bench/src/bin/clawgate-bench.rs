//! `clawgate-bench`: measures a gateway binary against the in-process mock model, beside the
//! floor forwarder and, optionally, a peer gateway.
//!
//! ```text
//! clawgate-bench --gateway-bin <path> [--quick] [--out <dir>] [--ws-idle <n>] [--ws-fanout <n>]
//!                [--streams <n>] [--no-floor] [--gateway-config <json5 entries>]
//!                [--peer-url <url> [--peer-cmd <shell command>] [--peer-model <m>]
//!                 [--peer-key <k>] [--peer-name <name>]]
//! clawgate-bench --mock-only [--quick] [--out <dir>]
//! clawgate-bench --gateway-bin <path> [--burst] [--soak <minutes>] [--out <dir>]
//! clawgate-bench --gateway-bin <path> --probe <rate>:<seconds>:<sessions>
//! clawgate-bench --gateway-bin <path> --cluster [--quick] [--out <dir>]
//! ```
//! See `bench/README.md` for the figures and how each is measured.

use std::path::PathBuf;

use clawgate_bench::runner::gateway::set_run_config;
use clawgate_bench::runner::{peer::PeerSpec, probe::ProbeSpec, run, Options};

const USAGE: &str =
    "usage: clawgate-bench (--gateway-bin <path> | --mock-only) [--quick] [--out <dir>] \
[--ws-idle <n>] [--ws-fanout <n>] [--streams <n>] [--no-floor] [--gateway-config <json5 entries>] \
[--peer-url <url> [--peer-cmd <cmd>] [--peer-model <m>] [--peer-key <k>] [--peer-name <name>]] [--burst] [--soak <minutes>] [--probe <rate>:<seconds>:<sessions>] [--cluster]";

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        gateway_bin: None,
        quick: false,
        mock_only: false,
        out: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/results")),
        ws_idle: None,
        ws_fanout: None,
        floor: true,
        peer: None,
        streams: None,
        soak: None,
        burst: false,
        probe: None,
        cluster: false,
    };
    let mut peer = PeerSpec {
        name: "peer".into(),
        cmd: None,
        url: String::new(),
        model: "mock-model".into(),
        key: "bench".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--burst" => options.burst = true,
            "--cluster" => options.cluster = true,
            "--soak" => {
                let minutes: u64 = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|m| *m > 0)
                    .ok_or_else(|| format!("--soak needs a number of minutes\n{USAGE}"))?;
                options.soak = Some(minutes);
            }
            "--probe" => {
                let spec = it
                    .next()
                    .and_then(|v| ProbeSpec::parse(&v))
                    .ok_or_else(|| {
                        format!(
                            "--probe needs <rate>:<seconds>:<sessions>, e.g. 500:10:64\n{USAGE}"
                        )
                    })?;
                options.probe = Some(spec);
            }
            "--mock-only" => options.mock_only = true,
            "--no-floor" => options.floor = false,
            "--gateway-bin" | "--out" | "--peer-url" | "--peer-cmd" | "--peer-model"
            | "--peer-key" | "--peer-name" | "--gateway-config" => {
                let value = it
                    .next()
                    .ok_or_else(|| format!("{arg} needs a value\n{USAGE}"))?;
                match arg.as_str() {
                    "--out" => options.out = PathBuf::from(value),
                    "--gateway-bin" => options.gateway_bin = Some(PathBuf::from(value)),
                    "--gateway-config" => set_run_config(&value),
                    "--peer-url" => peer.url = value,
                    "--peer-cmd" => peer.cmd = Some(value),
                    "--peer-model" => peer.model = value,
                    "--peer-key" => peer.key = value,
                    _ => peer.name = value,
                }
            }
            "--ws-idle" | "--ws-fanout" | "--streams" => {
                let n: usize = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| format!("{arg} needs a number\n{USAGE}"))?;
                match arg.as_str() {
                    "--ws-idle" => options.ws_idle = Some(n),
                    "--ws-fanout" => options.ws_fanout = Some(n),
                    _ => options.streams = Some(n),
                }
            }
            "-h" | "--help" => return Err(USAGE.to_string()),
            _ => return Err(format!("unknown argument {arg}\n{USAGE}")),
        }
    }
    if options.gateway_bin.is_none() && !options.mock_only {
        return Err(format!("--gateway-bin or --mock-only is required\n{USAGE}"));
    }
    if !peer.url.is_empty() {
        options.peer = Some(peer);
    } else if peer.cmd.is_some() {
        return Err(format!("--peer-cmd needs --peer-url\n{USAGE}"));
    }
    Ok(options)
}

fn main() {
    let options = match parse_args() {
        Ok(o) => o,
        Err(msg) => {
            eprintln!("{msg}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(&options) {
        eprintln!("clawgate-bench: {e}");
        std::process::exit(1);
    }
}
