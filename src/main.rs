//! The `clawgate` binary: parse the command line and hand over to the library.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = clawgate::cli::Cli::parse();
    clawgate::commands::run(cli)
}
