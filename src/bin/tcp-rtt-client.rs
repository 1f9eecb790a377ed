//! `tcp-rtt-client`: the TCP uppercase client, timing the handshake and the request/reply.
//! See `socket_labs::rtt` for the lesson.

use socket_labs::cli::{self, Command};
use socket_labs::error::Result;
use socket_labs::rtt::tcp_client;
use socket_labs::uppercase;
use std::process::ExitCode;

fn command() -> Command {
    Command::new(
        "tcp-rtt-client",
        "time connect and request/reply with tcp-upper-server",
    )
    .positional_opt("SENTENCE", "the sentence to send; asked for when missing")
    .flag("host", "HOST", "localhost", "server name or address")
    .flag("port", "PORT", "12000", "server TCP port")
    .flag(
        "count",
        "N",
        "1",
        "how many connections (more than 1 adds min/avg/max)",
    )
    .flag("timeout", "SECS", "5", "how long to wait for each reply")
    .example("tcp-rtt-client --count 5 hello")
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
    tcp_client::run(m.value("host"), port, &sentence, count, timeout)
}

fn main() -> ExitCode {
    cli::main(run)
}
