//! Tour stops for Experiment 4: the uppercase servers, the RTT clients, the
//! UDP-vs-TCP comparison and the no-server probe.

use super::{check, Context, Stop};
use crate::error::Result;
use crate::net;
use crate::outln;
use crate::output::printable;
use crate::rtt;
use crate::server::TcpOptions;
use crate::uppercase::{tcp_client, tcp_server, udp_client, udp_server};
use std::net::SocketAddr;
use std::time::Duration;

const SENTENCE: &str = "hello wörld";
const TIMEOUT: Duration = Duration::from_secs(2);

/// The stops of Experiment 4, in reading order.
pub fn stops() -> Vec<Stop> {
    vec![
        Stop {
            name: "udp-upper",
            title: "UDP uppercase server and client (Experiment 4, 5.1-5.2)",
            by_hand: &[
                "cargo run --bin udp-upper-server",
                "cargo run --bin udp-upper-client -- \"hello wörld\"",
            ],
            run: udp_upper,
        },
        Stop {
            name: "tcp-upper",
            title: "TCP uppercase server and client (Experiment 4, Task 2)",
            by_hand: &[
                "cargo run --bin tcp-upper-server",
                "cargo run --bin tcp-upper-client -- \"hello wörld\"",
            ],
            run: tcp_upper,
        },
        Stop {
            name: "udp-rtt",
            title: "UDP round-trip time (Experiment 4, Task 1)",
            by_hand: &[
                "cargo run --bin udp-upper-server",
                "cargo run --bin udp-rtt-client -- --count 3 hello",
            ],
            run: udp_rtt,
        },
        Stop {
            name: "tcp-rtt",
            title: "TCP round-trip time, handshake apart (Experiment 4, Task 3)",
            by_hand: &[
                "cargo run --bin tcp-upper-server",
                "cargo run --bin tcp-rtt-client -- --count 3 hello",
            ],
            run: tcp_rtt,
        },
    ]
}

fn start_udp(ctx: &Context) -> Result<SocketAddr> {
    let socket = net::bind_udp("127.0.0.1", 0)?;
    let addr = net::local_addr_of(socket.local_addr())?;
    let log = ctx.server_log();
    log.line(format_args!("udp-upper-server listening on {addr}"));
    std::thread::spawn(move || udp_server::serve(socket, log));
    Ok(addr)
}

fn start_tcp(ctx: &Context) -> Result<SocketAddr> {
    let listener = net::bind_tcp("127.0.0.1", 0)?;
    let addr = net::local_addr_of(listener.local_addr())?;
    let options = TcpOptions {
        log: ctx.server_log(),
        ..TcpOptions::default()
    };
    options
        .log
        .line(format_args!("tcp-upper-server listening on {addr}"));
    std::thread::spawn(move || tcp_server::serve(listener, options));
    Ok(addr)
}

fn udp_upper(ctx: &Context) -> Result<()> {
    let server = start_udp(ctx)?;
    let (socket, server) = net::udp_client_socket(&server.ip().to_string(), server.port())?;
    let reply = udp_client::request(&socket, server, SENTENCE.as_bytes(), TIMEOUT)?;
    outln!("    [client] {}", printable(&reply));
    check(
        reply == "HELLO WÖRLD".as_bytes(),
        "the reply was not HELLO WÖRLD",
    )
}

fn tcp_upper(ctx: &Context) -> Result<()> {
    let server = start_tcp(ctx)?;
    let stream = tcp_client::connect(&server.ip().to_string(), server.port(), TIMEOUT)?;
    let reply = tcp_client::exchange(stream, SENTENCE.as_bytes())?;
    outln!("    [client] From server: {}", printable(&reply));
    check(
        reply == "HELLO WÖRLD".as_bytes(),
        "the reply was not HELLO WÖRLD",
    )
}

fn udp_rtt(ctx: &Context) -> Result<()> {
    let server = start_udp(ctx)?;
    let (socket, server) = net::udp_client_socket(&server.ip().to_string(), server.port())?;
    let rtts = rtt::udp_client::run(&socket, server, b"hello", 3, TIMEOUT)?;
    check(rtts.len() == 3, "not every request got a reply")
}

fn tcp_rtt(ctx: &Context) -> Result<()> {
    let server = start_tcp(ctx)?;
    rtt::tcp_client::run(
        &server.ip().to_string(),
        server.port(),
        b"hello",
        3,
        TIMEOUT,
    )
}
