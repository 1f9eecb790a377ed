//! `cargo run`: runs every exercise on free loopback ports; see `socket_labs::tour`.

use socket_labs::cli::{self, Command};
use socket_labs::error::{Error, Result};
use std::path::PathBuf;
use std::process::ExitCode;

fn command() -> Command {
    Command::new(
        "tour",
        "run every exercise in-process on free loopback ports, with a PASS/FAIL summary",
    )
    .option("only", "NAME", "run only the stops whose name contains NAME")
    .flag("out-dir", "DIR", "target/tour", "where graphs and received files go")
    .example("cargo run -- --only ping")
}

fn run() -> Result<()> {
    let m = command().parse_env()?;
    let passed = socket_labs::tour::run(PathBuf::from(m.value("out-dir")), m.get("only"))?;
    if passed {
        Ok(())
    } else {
        Err(Error::Exit(1))
    }
}

fn main() -> ExitCode {
    cli::main(run)
}
