//! `no-server`: what TCP and UDP clients see when no server is listening.
//! See `socket_labs::no_server` for the lesson.

use socket_labs::cli::{self, Command};
use socket_labs::error::Result;
use socket_labs::no_server;
use socket_labs::outln;
use std::process::ExitCode;

fn command() -> Command {
    Command::new(
        "no-server",
        "probe what clients see when nobody listens (TCP refused, UDP silent)",
    )
    .flag(
        "host",
        "HOST",
        "localhost",
        "host to probe (keep it local: the probes send traffic there)",
    )
    .option(
        "port",
        "PORT",
        "a port where nothing listens (default: a free one it finds)",
    )
    .option(
        "name",
        "NAME",
        "the name for the resolution probe (default: one that fails without any DNS query)",
    )
    .flag(
        "timeout",
        "SECS",
        "1",
        "how long the UDP probes wait for a reply",
    )
    .example("no-server --timeout 0.5")
}

fn run() -> Result<()> {
    let m = command().parse_env()?;
    let port: Option<u16> = m.parse_opt("port")?;
    let name = m.get("name").unwrap_or(no_server::UNRESOLVABLE);
    let probes = no_server::run_probes(m.value("host"), port, name, m.timeout("timeout")?)?;
    outln!(
        "no-server: what a client sees when nobody listens ({})",
        m.value("host")
    );
    outln!();
    for line in no_server::table(&probes) {
        outln!("{line}");
    }
    outln!();
    outln!("TCP learns at once that nobody is there: the host's kernel refuses the handshake.");
    outln!("UDP's send succeeds; only a timeout, or a connected socket that is told about the");
    outln!("ICMP port-unreachable, reveals the missing server.");
    Ok(())
}

fn main() -> ExitCode {
    cli::main(run)
}
