//! `tcp-upper-client`: sends a sentence over a fresh TCP connection and prints the reply.
//! See `socket_labs::uppercase` for the lesson.

use socket_labs::cli::{self, Command};
use socket_labs::error::Result;
use socket_labs::outln;
use socket_labs::output::printable;
use socket_labs::uppercase;
use socket_labs::uppercase::tcp_client;
use std::process::ExitCode;

fn command() -> Command {
    Command::new(
        "tcp-upper-client",
        "send a sentence to tcp-upper-server and print the reply",
    )
    .positional_opt("SENTENCE", "the sentence to send; asked for when missing")
    .flag("host", "HOST", "localhost", "server name or address")
    .flag("port", "PORT", "12000", "server TCP port")
    .flag("timeout", "SECS", "5", "how long to wait for the reply")
    .example("tcp-upper-client \"hello wörld\"")
}

fn run() -> Result<()> {
    let m = command().parse_env()?;
    let port = m.parse("port")?;
    let timeout = m.timeout("timeout")?;
    // Ask first, connect after: a slow typist must not hold a server connection open.
    let sentence = match uppercase::ask_sentence(m.get("SENTENCE"))? {
        Some(sentence) => sentence,
        None => return Ok(()),
    };
    let stream = tcp_client::connect(m.value("host"), port, timeout)?;
    let reply = tcp_client::exchange(stream, &sentence)?;
    outln!("From server: {}", printable(&reply));
    Ok(())
}

fn main() -> ExitCode {
    cli::main(run)
}
