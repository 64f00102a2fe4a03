//! `floor-forwarder`: the benchmark's floor (see `clawgate_bench::floor`) as a process.
//!
//! ```text
//! floor-forwarder --port <p> --upstream <base url> [--model <name>] [--workers <n>]
//! ```
//! Prints `floor-forwarder listening on http://127.0.0.1:PORT` once bound.

use std::net::TcpListener;

const USAGE: &str =
    "usage: floor-forwarder --port <p> --upstream <base url> [--model <name>] [--workers <n>]";

fn main() {
    let mut port = 0u16;
    let mut upstream = None;
    let mut model = "mock-model".to_string();
    let mut workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let value = it.next();
        let ok = match (arg.as_str(), value) {
            ("--port", Some(v)) => v.parse().map(|p| port = p).is_ok(),
            ("--upstream", Some(v)) => {
                upstream = Some(v);
                true
            }
            ("--model", Some(v)) => {
                model = v;
                true
            }
            ("--workers", Some(v)) => v.parse().map(|w| workers = w).is_ok(),
            _ => false,
        };
        if !ok {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    }
    let Some(upstream) = upstream else {
        eprintln!("{USAGE}");
        std::process::exit(2);
    };
    let listener = match TcpListener::bind(("127.0.0.1", port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("floor-forwarder: bind: {e}");
            std::process::exit(1);
        }
    };
    match listener.local_addr() {
        Ok(addr) => println!("floor-forwarder listening on http://{addr}"),
        Err(e) => {
            eprintln!("floor-forwarder: {e}");
            std::process::exit(1);
        }
    }
    if let Err(e) = clawgate_bench::floor::serve(listener, &upstream, &model, workers) {
        eprintln!("floor-forwarder: {e}");
        std::process::exit(1);
    }
}
