//! Starter: write `perf-client` yourself (Assignment 3, Part 2 Q2).
//!
//! For DURATION seconds, send SIZE-byte datagrams stop-and-wait (send one, wait
//! for its echo, send the next) and print one row per second: throughput in kB/s,
//! average delay (half the RTT), sent, received, lost. A lost datagram costs one
//! timeout, never the run. (The graphs of the full version are left out here.)
//! Fill in each `todo!()` in order; the answer is `socket_labs::perf::client`.
//!
//! Check it:
//! `cargo run --bin lab-check -- perf client -- cargo run -q --example perf_client -- --port {port}`
// Remove this line once every todo!() is filled in: until then the code after one is unreachable.
#![allow(unused, clippy::diverging_sub_expression)]

use socket_labs::cli::{self, Command};
use socket_labs::error::{Error, Result};
use socket_labs::outln;
use std::net::UdpSocket;
use std::process::ExitCode;
use std::time::{Duration, Instant};

mod scaffold;

fn run() -> Result<()> {
    let cmd = Command::new("perf_client", "starter: iperf-like UDP throughput")
        .positional("DURATION", "5", "seconds to run")
        .positional("SIZE", "2", "payload bytes per datagram");
    let (m, server) = scaffold::client(cmd, "5048")?;
    let duration: u64 = m.number("DURATION", 1, 3600)?;
    let size: usize = m.number("SIZE", 1, 65_507)?;

    let socket: UdpSocket =
        todo!("bind to any local port; set a 1 s read timeout — see socket_labs::perf::client");
    let payload = vec![b'x'; size];
    let mut echo = vec![0u8; 65_535];
    outln!("second  throughput_kB/s  avg_delay_ms  sent  received  lost");
    for second in 1..=duration {
        let (mut sent, mut received, mut bytes, mut rtt_sum) = (0u64, 0u64, 0usize, 0.0);
        let end = Instant::now() + Duration::from_secs(1);
        while Instant::now() < end {
            let sent_at = Instant::now();
            todo!("send one datagram: socket.send_to(&payload, &server) — see socket_labs::perf::client");
            sent += 1;
            let got: Option<usize> = todo!("wait for its echo: socket.recv_from(&mut echo); a timeout is a loss (None) — see socket_labs::perf::client");
            if let Some(n) = got {
                received += 1;
                bytes += n;
                rtt_sum += sent_at.elapsed().as_secs_f64() * 1000.0;
            }
        }
        let delay = if received > 0 { rtt_sum / received as f64 / 2.0 } else { 0.0 };
        outln!(
            "{second:>6}  {:>15.3}  {delay:>12.4}  {sent:>4}  {received:>8}  {:>4}",
            bytes as f64 / 1000.0,
            sent - received
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    cli::main(run)
}
