//! Tour stops for Experiment 4: the uppercase servers and the RTT clients.
//! Each stop runs the servers' `serve` and the clients' `run`, the functions
//! the binaries call, and prints the command lines that do the same by hand.

use super::{Context, Stop};
use crate::error::Result;
use crate::rtt;
use crate::server::TcpOptions;
use crate::uppercase::{tcp_client, tcp_server, udp_client, udp_server, ClientArgs};
use std::net::SocketAddr;
use std::time::Duration;

/// The stops of Experiment 4, in reading order.
pub fn stops() -> Vec<Stop> {
    vec![
        Stop {
            name: "udp-upper",
            title: "UDP uppercase server and client (Experiment 4, 5.1-5.2)",
            by_hand: &[],
            run: |ctx| {
                udp_client::run(udp_client::Args(client(
                    ctx,
                    "udp-upper-client",
                    start_udp(ctx)?,
                    1,
                )))
            },
        },
        Stop {
            name: "tcp-upper",
            title: "TCP uppercase server and client (Experiment 4, Task 2)",
            by_hand: &[],
            run: |ctx| {
                tcp_client::run(tcp_client::Args(client(
                    ctx,
                    "tcp-upper-client",
                    start_tcp(ctx)?,
                    1,
                )))
            },
        },
        Stop {
            name: "udp-rtt",
            title: "UDP round-trip time (Experiment 4, Task 1)",
            by_hand: &[],
            run: |ctx| {
                rtt::udp_client::run(rtt::udp_client::Args(client(
                    ctx,
                    "udp-rtt-client",
                    start_udp(ctx)?,
                    3,
                )))
            },
        },
        Stop {
            name: "tcp-rtt",
            title: "TCP round-trip time, handshake apart (Experiment 4, Task 3)",
            by_hand: &[],
            run: |ctx| {
                rtt::tcp_client::run(rtt::tcp_client::Args(client(
                    ctx,
                    "tcp-rtt-client",
                    start_tcp(ctx)?,
                    3,
                )))
            },
        },
    ]
}

/// Starts `udp_server::serve` on a free loopback port, as `udp-upper-server --port 0` does.
fn start_udp(ctx: &Context) -> Result<SocketAddr> {
    ctx.by_hand("cargo run --bin udp-upper-server -- --host 127.0.0.1 --port 0");
    let socket = crate::net::bind_udp("127.0.0.1", 0)?;
    let addr = crate::net::local_addr_of(socket.local_addr())?;
    let log = ctx.server_log();
    log.line(format_args!("udp-upper-server listening on {addr}"));
    std::thread::spawn(move || udp_server::serve(socket, log));
    Ok(addr)
}

/// Starts `tcp_server::serve` on a free loopback port, as `tcp-upper-server --port 0` does.
fn start_tcp(ctx: &Context) -> Result<SocketAddr> {
    ctx.by_hand("cargo run --bin tcp-upper-server -- --host 127.0.0.1 --port 0");
    let listener = crate::net::bind_tcp("127.0.0.1", 0)?;
    let addr = crate::net::local_addr_of(listener.local_addr())?;
    let options = TcpOptions { log: ctx.server_log(), ..TcpOptions::default() };
    options.log.line(format_args!("tcp-upper-server listening on {addr}"));
    std::thread::spawn(move || tcp_server::serve(listener, options));
    Ok(addr)
}

/// A client's arguments for the server at `server`, and its by-hand line.
fn client(ctx: &Context, bin: &str, server: SocketAddr, count: u32) -> ClientArgs {
    let sentence = "hello wörld";
    let count_flag = if count > 1 { format!(" --count {count}") } else { String::new() };
    let port = server.port();
    ctx.by_hand(format!(
        "cargo run --bin {bin} -- --host 127.0.0.1 --port {port}{count_flag} {sentence}"
    ));
    let tcp = bin.starts_with("tcp");
    ClientArgs {
        host: "127.0.0.1".to_string(),
        port,
        // The binaries' defaults: 1 s for a UDP reply, 5 s for TCP.
        timeout: Duration::from_secs(if tcp { 5 } else { 1 }),
        count,
        sentence: Some(sentence.to_string()),
    }
}
