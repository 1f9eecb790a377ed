//! `dual-stack-client`: the original `client.py` of Assignment 3, Part 3, call
//! for call (see the call map in the [module docs](super)).

use super::{ask_port, ask_until};
use crate::cli::{self, Command, Matches};
use crate::error::{describe, is_timeout, Error, Result};
use crate::net::{self, Family};
use crate::outln;
use crate::output::{printable, write_str};
use crate::prompt::read_line_bytes;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::Shutdown;
use std::time::Duration;

/// The original, reading its answers and lines from stdin.
///
/// # Errors
///
/// As [`run_from`].
pub fn run(args: Args) -> Result<()> {
    run_from(args, &mut std::io::stdin().lock()).map(drop)
}

/// The original, in its order: ask family, host and port; resolve for that
/// family and connect; then for each line `send` it and print the echo; close.
/// Answers and lines come from `input`; returns how many lines were echoed.
/// The end of input while asking ends the program quietly (see [`ask_until`]).
///
/// # Errors
///
/// No address of the family, no server, a server that closes or falls silent
/// before a whole echo came back.
pub fn run_from(args: Args, input: &mut impl BufRead) -> Result<u64> {
    // input() for each value the command line did not give; the end of input ends quietly.
    if args.family.is_none() {
        outln!("Choose the IP version:\n1 -> IPv4\n2 -> IPv6");
    }
    let family = ask_until(args.family, input, "Enter 1 or 2 [1]: ", "1", parse_family)?;
    let text = |answer: &str| Some(answer.to_string());
    let host = ask_until(args.host, input, "Hostname [localhost]: ", "localhost", text)?;
    let port = ask_port(args.port, input, 1)?;
    // getaddrinfo(host, port, family) + socket(family) + connect(), each address in turn.
    let stream = net::connect_tcp(&host, port, family, "dual-stack-server")?;
    // Hardening: timeouts, so a silent server cannot hang us.
    crate::server::set_timeouts(&stream, args.timeout)?;
    let (peer, local) = (stream.peer_addr(), stream.local_addr());
    let (peer, local) = (net::local_addr_of(peer)?, net::local_addr_of(local)?);
    let version = if peer.is_ipv4() { "IPv4" } else { "IPv6" };
    outln!("connected to {peer} ({version}) from {local}");
    outln!("Type a line and press Enter to send it; 'end' or end of input (Ctrl-D) closes.");
    let (mut echoes, mut lines, mut bytes) = (BufReader::new(&stream), 0u64, 0u64);
    loop {
        // input("give the data to send: "); `end` stops, as does the end of input.
        write_str("Data to send: ");
        let read = read_line_bytes(input);
        let mut line = match read.map_err(|e| Error::io("cannot read from standard input", &e))? {
            Some(line) if line == b"end" => break,
            Some(line) => line,
            None => {
                outln!();
                break;
            }
        };
        line.push(b'\n');
        // send(), on a second thread while this one reads: a line larger than
        // both socket buffers would otherwise deadlock the two sides.
        // recv(1024) becomes: the echo up to its newline (`\n` or `\r\n`),
        // however many reads it takes, and never more than the line plus a `\r`.
        let mut echo = Vec::new();
        let (sent, got) = std::thread::scope(|scope| {
            let writer = scope.spawn(|| (&stream).write_all(&line));
            let mut echoes = (&mut echoes).take(line.len() as u64 + 1);
            let got = echoes.read_until(b'\n', &mut echo);
            if got.is_err() {
                let _ = stream.shutdown(Shutdown::Both); // frees a writer stuck on a full buffer
            }
            (writer.join(), got)
        });
        let want = line.len();
        let why = match &got {
            Ok(_) if echo.ends_with(b"\n") => None,
            Ok(n) if *n > want => Some("it is longer than the line sent".to_string()),
            Ok(n) => Some(format!("the server closed the connection after {n} of {want} bytes")),
            Err(e) if is_timeout(e) => Some(format!("none within {:?}", args.timeout)),
            Err(e) => Some(describe(e)),
        };
        if let Some(why) = why {
            let err = Error::failed(format!("no echo from {peer}"), why);
            return Err(if matches!(got, Ok(0)) { err.hint(IDLE) } else { err });
        }
        if let Ok(Err(e)) = sent {
            return Err(Error::io(format!("cannot send to {peer}"), &e));
        }
        let shown = echo.strip_suffix(b"\n").unwrap_or(&echo);
        let shown = shown.strip_suffix(b"\r").unwrap_or(shown);
        outln!("echo: {}", printable(shown));
        lines += 1;
        bytes += line.len() as u64;
    }
    // close(): shutdown(Write) first, so the server sees the end of the stream.
    let _ = stream.shutdown(Shutdown::Write);
    let s = if lines == 1 { "" } else { "s" };
    outln!("connection closed: {lines} line{s}, {bytes} bytes sent and echoed back");
    Ok(lines)
}

/// Reads the family from `4`/`6` (as on the command line) or `1`/`2` (as the
/// original's menu numbered them).
///
/// ```
/// use socket_labs::dual_stack::client::parse_family;
/// use socket_labs::net::Family;
/// assert_eq!(parse_family("4"), Some(Family::V4));
/// assert_eq!(parse_family(" 2 "), Some(Family::V6));
/// assert_eq!(parse_family("IPv6"), Some(Family::V6));
/// assert_eq!(parse_family("5"), None);
/// ```
pub fn parse_family(text: &str) -> Option<Family> {
    match text.trim().to_ascii_lowercase().as_str() {
        "4" | "1" | "ipv4" => Some(Family::V4),
        "6" | "2" | "ipv6" => Some(Family::V6),
        _ => None,
    }
}

/// The command line of `dual-stack-client`; a `None` is asked for.
#[derive(Debug, Clone)]
pub struct Args {
    /// IPv4 or IPv6.
    pub family: Option<Family>,
    /// Server name or address.
    pub host: Option<String>,
    /// Server port.
    pub port: Option<u16>,
    /// The longest wait for an echo.
    pub timeout: Duration,
}

impl cli::Args for Args {
    fn command() -> Command {
        let about = "TCP echo client that connects over the IP version you choose";
        Command::new("dual-stack-client", about)
            .option("family", "4|6", "IP version to use; asked if missing (Enter = 4)")
            .positional_opt("HOST", "server name or address; asked if missing (Enter = localhost)")
            .positional_opt("PORT", "server TCP port; asked if missing (Enter = 4567)")
            .option("host", "HOST", "the same as the HOST argument")
            .option("port", "PORT", "the same as the PORT argument")
            .flag("timeout", "DURATION", "5s", "longest wait for each echo (bare number: seconds)")
            .example("dual-stack-client --family 6 ::1 4567")
    }

    fn from_matches(m: &Matches) -> Result<Args> {
        // A value may come as a positional or as a flag, not both: the name of the one given.
        let one_of = |positional: &'static str, flag: &'static str| {
            if m.get(positional).is_some() && m.get(flag).is_some() {
                return Err(m.bad(format!("{positional} was given twice (as --{flag})")));
            }
            Ok([positional, flag].into_iter().find(|name| m.get(name).is_some()))
        };
        let family = m.get("family").map(|text| {
            let bad = || m.bad(format!("invalid IP version '{text}': expected 4 or 6"));
            parse_family(text).ok_or_else(bad)
        });
        Ok(Args {
            family: family.transpose()?,
            host: one_of("HOST", "host")?.map(|name| m.value(name).to_string()),
            port: one_of("PORT", "port")?.map(|name| m.number(name, 1, u16::MAX)).transpose()?,
            timeout: m.timeout("timeout")?,
        })
    }
}

/// The hint when a server closes before echoing anything.
const IDLE: &str = "a server drops a client that is silent for longer than its --idle-timeout";
