//! `udp-rtt-client`: the UDP uppercase client, with send/receive times and the RTT.
//! See `socket_labs::rtt` for the lesson.

use socket_labs::cli::{self, Command};
use socket_labs::error::Result;
use socket_labs::rtt::udp_client;
use socket_labs::{net, prompt};
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
    let timeout = m.seconds("timeout")?;
    let count: u32 = m.parse("count")?;
    if count == 0 {
        return Err(m.bad("--count must be at least 1".into()));
    }
    let sentence = match prompt::arg_or_ask_bytes(m.get("SENTENCE"), "Input lowercase sentence: ")?
    {
        Some(sentence) => sentence,
        None => return Ok(()),
    };
    let (socket, server) = net::udp_client_socket(m.value("host"), port)?;
    udp_client::run(&socket, server, &sentence, count, timeout).map(|_| ())
}

fn main() -> ExitCode {
    cli::main(run)
}
