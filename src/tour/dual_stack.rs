//! Tour stop for Assignment 3, Part 3: one echo server, an IPv4 and an IPv6 client.

use super::{check, Context, Stop};
use crate::dual_stack::{client, server};
use crate::error::Result;

/// The stop, in reading order.
pub fn stops() -> Vec<Stop> {
    let title = "IPv4 and IPv6 clients of one echo server on [::] (Assignment 3, Part 3)";
    vec![Stop { name: "dual-stack", title, by_hand: &[], run }]
}

fn run(ctx: &Context) -> Result<()> {
    let listeners = server::bind("::", 0)?;
    let addr = crate::net::local_addr_of(listeners.main.local_addr())?;
    let port = addr.port();
    let mut args: server::Args = ctx.args(&format!("dual-stack-server --port {port}"))?;
    args.options.log = ctx.server_log();
    for line in format!("listening on {addr}\n{}", listeners.note).lines() {
        args.options.log.line(format_args!("{line}"));
    }
    // The server runs until the tour ends, like a server in its own terminal.
    std::thread::spawn(move || server::serve(listeners, args.options));

    let mut targets = vec![("4", "127.0.0.1")];
    if addr.is_ipv6() && std::net::TcpListener::bind("[::1]:0").is_ok() {
        targets.push(("6", "::1"));
    } else {
        crate::outln!("    (this machine has no IPv6 loopback: the IPv6 client is skipped)");
    }
    let lines = "hello\nna\u{ef}ve caf\u{e9} \u{2713}\n";
    let piped = lines.replace('\n', "\\n");
    for (family, host) in targets {
        let line = format!("printf '{piped}' | dual-stack-client --family {family} {host} {port}");
        let echoed = client::run_from(ctx.args(&line)?, &mut lines.as_bytes())?;
        check(echoed == 2, format!("not 2 lines echoed over IPv{family}"))?;
    }
    Ok(())
}
