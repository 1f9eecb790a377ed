//! Tour stop for assignment 000, Part 3: one echo server, an IPv4 and an IPv6 client.

use super::{check, Context, Stop};
use crate::dual_stack::client::{family_name, EchoClient};
use crate::dual_stack::server::{self, Stack};
use crate::error::Result;
use crate::net::Family;
use crate::outln;
use crate::server::TcpOptions;
use std::net::TcpListener;
use std::time::Duration;

/// The stop, in reading order.
pub fn stops() -> Vec<Stop> {
    vec![Stop {
        name: "dual-stack",
        title: "IPv4 and IPv6 clients of one echo server on [::] (000, Part 3)",
        by_hand: &[
            "cargo run --bin dual-stack-server -- --port 4567",
            "cargo run --bin dual-stack-client -- --family 4 127.0.0.1 4567",
            "cargo run --bin dual-stack-client -- --family 6 ::1 4567",
        ],
        run,
    }]
}

fn run(ctx: &Context) -> Result<()> {
    let listeners = server::bind("::", 0)?;
    let port = listeners.first_addr()?.port();
    let log = ctx.server_log();
    log.line(format_args!("listening on {}", listeners.first_addr()?));
    for note in listeners.notes() {
        log.line(format_args!("{note}"));
    }
    let has_ipv6 =
        !matches!(listeners.stack, Stack::Ipv4Only(_)) && TcpListener::bind("[::1]:0").is_ok();
    let options = TcpOptions {
        read_timeout: Duration::from_secs(5),
        limit: None,
        log,
        ..TcpOptions::default()
    };
    // The server runs until the tour ends, like a server in its own terminal.
    std::thread::spawn(move || server::serve(listeners, options));

    let mut targets = vec![("127.0.0.1", Family::V4)];
    if has_ipv6 {
        targets.push(("::1", Family::V6));
    } else {
        outln!("    (this machine has no IPv6 loopback: the IPv6 client is skipped)");
    }
    let long_line = "0123456789".repeat(10_000);
    let lines: [&[u8]; 3] = [
        b"hello\n",
        "na\u{ef}ve caf\u{e9} \u{2713}\n".as_bytes(),
        long_line.as_bytes(),
    ];
    for (host, family) in targets {
        let mut client = EchoClient::connect(host, port, family, Duration::from_secs(5))?;
        let peer = client.peer();
        outln!(
            "    [client] connected to {peer} ({}) from {}",
            family_name(&peer),
            client.local()?
        );
        for line in lines {
            let echo = client.echo(line)?;
            check(
                echo == line,
                format!("the echo of {} bytes from {peer} differs", line.len()),
            )?;
            if line.len() > 100 {
                outln!(
                    "    [client] sent a line of {} bytes; all {} came back",
                    line.len(),
                    echo.len()
                );
            } else {
                let shown = crate::output::printable(line.strip_suffix(b"\n").unwrap_or(line));
                outln!("    [client] sent {shown:?}; the echo matches");
            }
        }
        client.close();
    }
    Ok(())
}
