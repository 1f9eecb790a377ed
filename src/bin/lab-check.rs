//! `lab-check`: grades a student's client or server against the reference programs.
//! See `socket_labs::lab_check`.

use socket_labs::cli;
use socket_labs::error::{Error, Result};
use socket_labs::lab_check::{self, Args};
use std::process::ExitCode;

fn run() -> Result<()> {
    let mut args = Vec::new();
    for arg in std::env::args_os().skip(1) {
        let arg = arg
            .into_string()
            .map_err(|raw| Error::usage(format!("argument {raw:?} is not valid UTF-8")))?;
        args.push(arg);
    }
    match Args::parse(args)? {
        Some(args) => lab_check::run(args),
        None => {
            socket_labs::output::write_str(&lab_check::help());
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    cli::main(run)
}
