//! Tour stops for Experiment 4: the uppercase servers and the RTT clients.
//! Each stop runs the servers' `serve` and the clients' `run`, the functions
//! the binaries call, and parses the client's arguments from the command
//! line it prints, so that line is exactly what the stop runs.

use super::{Context, Stop};
use crate::cli::Args;
use crate::error::Result;
use crate::server::TcpOptions;
use crate::uppercase::{tcp_client, tcp_server, udp_client, udp_server};
use crate::{net, rtt};
use std::net::SocketAddr;

/// The stops of Experiment 4, in reading order.
pub fn stops() -> Vec<Stop> {
    vec![
        stop("udp-upper", "UDP uppercase server and client (Experiment 4, 5.1-5.2)", |ctx| {
            udp_client::run(client(ctx, "udp-upper-client", start_udp(ctx)?, "")?)
        }),
        stop("tcp-upper", "TCP uppercase server and client (Experiment 4, Task 2)", |ctx| {
            tcp_client::run(client(ctx, "tcp-upper-client", start_tcp(ctx)?, "")?)
        }),
        stop("udp-rtt", "UDP round-trip time (Experiment 4, Task 1)", |ctx| {
            rtt::udp_client::run(client(ctx, "udp-rtt-client", start_udp(ctx)?, "--count 3 ")?)
        }),
        stop("tcp-rtt", "TCP round-trip time, handshake apart (Experiment 4, Task 3)", |ctx| {
            rtt::tcp_client::run(client(ctx, "tcp-rtt-client", start_tcp(ctx)?, "--count 3 ")?)
        }),
    ]
}

fn stop(name: &'static str, title: &'static str, run: fn(&Context) -> Result<()>) -> Stop {
    Stop { name, title, by_hand: &[], run }
}

/// Starts `udp_server::serve` on a free loopback port, as `udp-upper-server --port 0` does.
fn start_udp(ctx: &Context) -> Result<u16> {
    let socket = net::bind_udp("127.0.0.1", 0)?;
    let port = announce(ctx, "udp-upper-server", net::local_addr_of(socket.local_addr())?);
    let log = ctx.server_log();
    std::thread::spawn(move || udp_server::serve(socket, log));
    Ok(port)
}

/// Starts `tcp_server::serve` on a free loopback port, as `tcp-upper-server --port 0` does.
fn start_tcp(ctx: &Context) -> Result<u16> {
    let listener = net::bind_tcp("127.0.0.1", 0)?;
    let port = announce(ctx, "tcp-upper-server", net::local_addr_of(listener.local_addr())?);
    let options = TcpOptions { log: ctx.server_log(), ..TcpOptions::default() };
    std::thread::spawn(move || tcp_server::serve(listener, options));
    Ok(port)
}

/// The server's by-hand line and its `listening on` line; returns its port.
fn announce(ctx: &Context, binary: &str, addr: SocketAddr) -> u16 {
    ctx.by_hand(format!("cargo run --bin {binary} -- --host 127.0.0.1 --port {}", addr.port()));
    ctx.server_log().line(format_args!("{binary} listening on {addr}"));
    addr.port()
}

/// The client's arguments for the server on `port`, parsed from the by-hand
/// line it prints (`flags` go before the sentence).
fn client<A: Args>(ctx: &Context, binary: &str, port: u16, flags: &str) -> Result<A> {
    ctx.args(&format!("{binary} --host 127.0.0.1 --port {port} {flags}hello wörld"))
}
