//! `mock-upstream`: the scripted mock model as a standalone server.
//!
//! ```text
//! mock-upstream --port 0 [--chunks N] [--chunk-delay-ms M] [--latency-ms L] [--workers W] [--auto-tools] [--model-like]
//!
//! `--auto-tools`: when a request offers tools and does not end with a tool result, answer with
//! a call to the first tool (a deterministic stand-in for a model that uses tools).
//! `--model-like`: decide every reply from the request as a compliant model would (call offered
//! tools, use tool results, answer JSON for `response_format`, honour `max_tokens`); used by the
//! client-library tests.
//! ```
//! Prints `mock-upstream listening on http://127.0.0.1:PORT` and serves the default reply
//! (N chunks of text, M ms apart, L ms before the first byte) until killed. Requests are not
//! recorded, so memory stays flat under load.

use std::io::Write;
use std::time::Duration;

use clawgate_bench::mock::{MockOptions, MockUpstream, Reply};

const USAGE: &str = "usage: mock-upstream [--port P] [--chunks N] [--chunk-delay-ms M] [--latency-ms L] [--workers W] [--auto-tools] [--model-like]";

/// Parsed command line.
struct Args {
    port: u16,
    chunks: Option<usize>,
    chunk_delay_ms: u64,
    latency_ms: u64,
    workers: usize,
    auto_tools: bool,
    model_like: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        port: 0,
        chunks: None,
        chunk_delay_ms: 0,
        latency_ms: 0,
        workers: 2,
        auto_tools: false,
        model_like: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            return Err(USAGE.to_string());
        }
        if flag == "--auto-tools" {
            args.auto_tools = true;
            continue;
        }
        if flag == "--model-like" {
            args.model_like = true;
            continue;
        }
        let value = it
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let bad = |_| format!("invalid value for {flag}: {value}\n{USAGE}");
        match flag.as_str() {
            "--port" => args.port = value.parse().map_err(bad)?,
            "--chunks" => args.chunks = Some(value.parse().map_err(bad)?),
            "--chunk-delay-ms" => args.chunk_delay_ms = value.parse().map_err(bad)?,
            "--latency-ms" => args.latency_ms = value.parse().map_err(bad)?,
            "--workers" => args.workers = value.parse().map_err(bad)?,
            _ => return Err(format!("unknown argument {flag}\n{USAGE}")),
        }
    }
    Ok(args)
}

/// The default reply the options describe.
fn reply(args: &Args) -> Reply {
    let reply = match args.chunks {
        None => Reply::default(),
        Some(n) => {
            let chunks: Vec<String> = (0..n)
                .map(|i| {
                    if i == 0 {
                        "tok0".to_string()
                    } else {
                        format!(" tok{i}")
                    }
                })
                .collect();
            let refs: Vec<&str> = chunks.iter().map(String::as_str).collect();
            Reply::chunks(&refs)
        }
    };
    reply
        .with_first_byte_delay(Duration::from_millis(args.latency_ms))
        .with_chunk_delay(Duration::from_millis(args.chunk_delay_ms))
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            std::process::exit(2);
        }
    };
    let options = MockOptions {
        port: args.port,
        workers: args.workers.max(1),
        record: false,
        default_reply: reply(&args),
        auto_tools: args.auto_tools,
        model_like: args.model_like,
        ..MockOptions::default()
    };
    let result = actix_rt::System::new().block_on(async move {
        let mock = MockUpstream::start_with(options).await?;
        println!("mock-upstream listening on http://{}", mock.addr());
        std::io::stdout().flush()?;
        std::future::pending::<()>().await;
        Ok::<(), std::io::Error>(())
    });
    if let Err(e) = result {
        eprintln!("mock-upstream: {e}");
        std::process::exit(1);
    }
}
