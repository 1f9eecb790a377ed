//! `udp-rtt-client`: the UDP uppercase client, with send/receive times and the RTT.
//! See `socket_labs::rtt` for the lesson.

use socket_labs::cli::{self, Command};
use socket_labs::error::Result;
use socket_labs::rtt::udp_client;
use socket_labs::{net, uppercase};
use std::process::ExitCode;

fn command() -> Command {
    Command::new(
        "udp-rtt-client",
        "time request/reply exchanges with udp-upper-server",
    )
    .positional_opt("SENTENCE", "the sentence to send; asked for when missing")
    .flag("host", "HOST", "localhost", "server name or address")
    .flag("port", "PORT", "25000", "server UDP port")
    .flag(
        "count",
        "N",
        "1",
        "how many exchanges (more than 1 adds min/avg/max)",
    )
    .flag("timeout", "SECS", "1", "how long to wait for each reply")
    .example("udp-rtt-client --port 25000 --count 5 hello")
}

fn run() -> Result<()> {
    let m = command().parse_env()?;
    let port = m.parse("port")?;
    let timeout = m.timeout("timeout")?;
    let count: u32 = m.parse_min("count", 1)?;
    let sentence = match uppercase::ask_sentence(m.get("SENTENCE"))? {
        Some(sentence) => sentence,
        None => return Ok(()),
    };
    let (socket, server) = net::udp_client_socket(m.value("host"), port)?;
    udp_client::run(&socket, server, &sentence, count, timeout).map(|_| ())
}

fn main() -> ExitCode {
    cli::main(run)
}
