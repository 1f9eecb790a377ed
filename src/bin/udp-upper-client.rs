//! `udp-upper-client`: sends a sentence in one datagram and prints the reply.
//! See `socket_labs::uppercase` for the lesson.

use socket_labs::cli::{self, Command};
use socket_labs::error::Result;
use socket_labs::output::printable;
use socket_labs::uppercase;
use socket_labs::uppercase::udp_client;
use socket_labs::{net, outln};
use std::process::ExitCode;

fn command() -> Command {
    Command::new(
        "udp-upper-client",
        "send a sentence to udp-upper-server and print the reply",
    )
    .positional_opt("SENTENCE", "the sentence to send; asked for when missing")
    .flag("host", "HOST", "localhost", "server name or address")
    .flag("port", "PORT", "25000", "server UDP port")
    .flag("timeout", "SECS", "1", "how long to wait for the reply")
    .example("udp-upper-client --port 25000 \"hello wörld\"")
}

fn run() -> Result<()> {
    let m = command().parse_env()?;
    let port = m.parse("port")?;
    let timeout = m.timeout("timeout")?;
    let sentence = match uppercase::ask_sentence(m.get("SENTENCE"))? {
        Some(sentence) => sentence,
        None => return Ok(()), // end of input: nothing to send
    };
    let (socket, server) = net::udp_client_socket(m.value("host"), port)?;
    let reply = udp_client::request(&socket, server, &sentence, timeout)?;
    outln!("{}", printable(&reply));
    Ok(())
}

fn main() -> ExitCode {
    cli::main(run)
}
