//! Starter: write `dual-stack-client` yourself (Assignment 3, Part 3).
//!
//! Connect over the IP version asked for (`--family 4|6`), then send each line
//! typed on stdin and print its echo; `end` or end of input closes.
//! Fill in each `todo!()` in order; the answer is `socket_labs::dual_stack::client`.
//!
//! Check it:
//! `cargo run --bin lab-check -- dual-stack client -- cargo run -q --example dual_stack_client -- {host} {port}`
// Remove this line once every todo!() is filled in: until then the code after one is unreachable.
#![allow(unused, clippy::diverging_sub_expression)]

use socket_labs::cli::{self, Command};
use socket_labs::error::{Error, Result};
use socket_labs::outln;
use std::io::{BufRead, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::process::ExitCode;

mod scaffold;

fn run() -> Result<()> {
    let m = Command::new("dual_stack_client", "starter: TCP line echo over IPv4 or IPv6")
        .positional("HOST", "localhost", "server name or address")
        .positional("PORT", "4567", "server TCP port")
        .flag("family", "4|6", "4", "IP version")
        .parse_env()?;
    let port: u16 = m.number("PORT", 1, u16::MAX)?;
    let want_v6 = m.value("family") == "6";
    let addrs: Vec<SocketAddr> = (m.value("HOST"), port)
        .to_socket_addrs()
        .map_err(|e| Error::io(format!("cannot resolve '{}'", m.value("HOST")), &e))?
        .collect();
    let addr = addrs.into_iter().find(|a| a.is_ipv6() == want_v6).ok_or_else(|| {
        Error::failed("cannot connect", "the host has no address of that IP version")
    })?;

    let mut stream: TcpStream =
        todo!("connect to addr: TcpStream::connect(addr) — see socket_labs::dual_stack::client");
    outln!("connected to {addr}");
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(|e| Error::io("cannot read stdin", &e))?;
        if line == "end" {
            break;
        }
        todo!("send the line: stream.write_all(line.as_bytes()) — see socket_labs::dual_stack::client");
        let mut echo = vec![0u8; line.len()];
        todo!("read until the whole echo is back (one read may hold only part): stream.read_exact(&mut echo) — see socket_labs::dual_stack::client");
        outln!("echo: {}", String::from_utf8_lossy(&echo));
    }
    Ok(())
}

fn main() -> ExitCode {
    cli::main(run)
}
