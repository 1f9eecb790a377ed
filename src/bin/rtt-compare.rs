//! `rtt-compare`: UDP and TCP round trips side by side, with an explanation drawn
//! from the figures. See `socket_labs::rtt::compare` for the lesson.

use socket_labs::cli::{self, Command};
use socket_labs::error::Result;
use socket_labs::net::{self, Family};
use socket_labs::outln;
use socket_labs::rtt::compare::{self, Plan};
use std::process::ExitCode;

fn command() -> Command {
    Command::new(
        "rtt-compare",
        "measure UDP vs TCP round trips and explain the difference",
    )
    .option(
        "host",
        "HOST",
        "measure servers already running there (default: start both in-process on loopback)",
    )
    .flag(
        "udp-port",
        "PORT",
        "25000",
        "udp-upper-server's port, with --host",
    )
    .flag(
        "tcp-port",
        "PORT",
        "12000",
        "tcp-upper-server's port, with --host",
    )
    .flag("count", "N", "50", "exchanges per protocol")
    .flag("timeout", "SECS", "1", "reply timeout per exchange")
    .example("rtt-compare --count 200")
}

fn run() -> Result<()> {
    let m = command().parse_env()?;
    let count: u32 = m.parse_min("count", 1)?;
    let (udp_server, tcp_host, tcp_port, whose) = match m.get("host") {
        Some(host) => {
            let udp = net::resolve(host, m.parse("udp-port")?, Family::Any)?[0];
            (
                udp,
                host.to_string(),
                m.parse("tcp-port")?,
                "the servers at".to_string(),
            )
        }
        None => {
            let (udp, tcp) = compare::start_local_servers()?;
            (
                udp,
                tcp.ip().to_string(),
                tcp.port(),
                "in-process servers on".to_string(),
            )
        }
    };
    let plan = Plan {
        udp_server,
        tcp_host,
        tcp_port,
        count,
        sentence: b"how long does a round trip take?".to_vec(),
        timeout: m.timeout("timeout")?,
    };
    outln!(
        "rtt-compare: {count} exchanges per protocol with {whose} {} (UDP) and {}:{} (TCP)",
        plan.udp_server,
        plan.tcp_host,
        plan.tcp_port
    );
    outln!("Each TCP exchange opens a fresh connection, as tcp-upper-client does.");
    outln!();
    let comparison = compare::measure(&plan)?;
    for line in compare::table(&comparison) {
        outln!("{line}");
    }
    outln!();
    for paragraph in compare::explain(&comparison) {
        outln!("{paragraph}");
    }
    Ok(())
}

fn main() -> ExitCode {
    cli::main(run)
}
