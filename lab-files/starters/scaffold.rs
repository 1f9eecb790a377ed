//! The scaffolding the starters share: their command lines, and the sentence a
//! client sends. It is not the lesson (the socket calls are, as `todo!()`s in each
//! starter), so it is written once, here, and nothing in it needs filling in.

// Each starter uses only some of these.
#![allow(dead_code)]

use socket_labs::cli::{Command, Matches};
use socket_labs::error::Result;
use socket_labs::prompt;

/// A client's command line: `cmd` with `--host` (127.0.0.1) and `--port`, parsed,
/// and the server's address.
pub fn client(cmd: Command, port: &'static str) -> Result<(Matches, String)> {
    let m = cmd
        .flag("host", "HOST", "127.0.0.1", "server address")
        .flag("port", "PORT", port, "server port")
        .parse_env()?;
    let addr = address(&m)?;
    Ok((m, addr))
}

/// A server's command line: `cmd` with `--host` and `--port`, parsed, and the
/// address to listen on.
pub fn server(cmd: Command, host: &'static str, port: &'static str) -> Result<(Matches, String)> {
    let m = cmd
        .flag("host", "HOST", host, "address to listen on")
        .flag("port", "PORT", port, "port (0 = any free port)")
        .parse_env()?;
    let addr = address(&m)?;
    Ok((m, addr))
}

/// `HOST:PORT` from `--host` and `--port`; an IPv6 host goes in brackets (`[::]:4567`).
fn address(m: &Matches) -> Result<String> {
    let (host, port) = (m.value("host"), m.number("port", 1, u16::MAX)?);
    Ok(if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") })
}

/// The uppercase and RTT clients' command line: the server's address, and the
/// sentence, given as SENTENCE or else asked for (as the original did with `input()`).
pub fn sentence_client(cmd: Command, port: &'static str) -> Result<(String, String)> {
    let cmd = cmd.positional_opt("SENTENCE", "the sentence to send; asked for when missing");
    let (m, server) = client(cmd, port)?;
    let sentence = prompt::arg_or_ask(m.get("SENTENCE"), "Input lowercase sentence: ", "")?;
    Ok((server, sentence.unwrap_or_default()))
}
