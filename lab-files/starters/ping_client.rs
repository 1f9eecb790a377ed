//! Starter: write `ping-client` yourself (Assignment 3, Part 2 Q1).
//!
//! Send COUNT messages of SIZE random characters, INTERVAL seconds apart; match
//! each echo to its message; a message with no echo within the timeout is lost.
//! End with the sent/received/loss line. A single thread that waits for each echo
//! before sending the next is fine to start with (the original used two threads).
//! Fill in each `todo!()` in order; the answer is `socket_labs::ping::client`.
//!
//! Check it:
//! `cargo run --bin lab-check -- ping client -- cargo run -q --example ping_client -- --port {port}`
// Remove this line once every todo!() is filled in: until then the code after one is unreachable.
#![allow(unused, clippy::diverging_sub_expression)]

use socket_labs::cli::{self, Command};
use socket_labs::error::{Error, Result};
use socket_labs::outln;
use std::net::UdpSocket;
use std::process::ExitCode;
use std::time::{Duration, Instant};

mod scaffold;

/// SIZE characters from A-Z and 0-9, different for every message number.
fn payload(number: u32, size: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut x = number.wrapping_mul(2_654_435_761) ^ 0x5bd1_e995;
    (0..size)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            CHARS[(x >> 16) as usize % CHARS.len()] as char
        })
        .collect()
}

fn run() -> Result<()> {
    let cmd = Command::new("ping_client", "starter: UDP ping with RTT and loss")
        .positional("COUNT", "6", "how many messages")
        .positional("INTERVAL", "1.0", "seconds between messages")
        .positional("SIZE", "3", "payload length");
    let (m, server) = scaffold::client(cmd, "5065")?;
    let count: u32 = m.number("COUNT", 1, 1_000_000)?;
    let interval = m.seconds("INTERVAL")?;
    let size: usize = m.number("SIZE", 1, 65_507)?;

    let socket: UdpSocket = todo!("bind to any local port; set a 1 s read timeout so a lost echo cannot hang the run — see socket_labs::ping::client");
    let mut received = 0;
    let mut buf = vec![0u8; 65_535];
    for number in 1..=count {
        let message = payload(number, size);
        let sent_at = Instant::now();
        todo!("send the message: socket.send_to(message.as_bytes(), &server) — see socket_labs::ping::client");
        outln!("message {number} sent: {message}");
        let echo: Option<usize> = todo!("wait for the echo: socket.recv_from(&mut buf); a timeout is a loss (None); skip echoes of older messages — see socket_labs::ping::client");
        match echo {
            Some(n) => {
                received += 1;
                let rtt = sent_at.elapsed().as_secs_f64() * 1000.0;
                outln!(
                    "message {number} received: {} rtt={rtt:.3} ms",
                    String::from_utf8_lossy(&buf[..n])
                );
            }
            None => outln!("message {number} lost"),
        }
        std::thread::sleep(interval);
    }
    let loss = 100.0 * f64::from(count - received) / f64::from(count);
    outln!("{count} sent, {received} received, {loss}% loss");
    if received == 0 {
        return Err(Error::Exit(1));
    }
    Ok(())
}

fn main() -> ExitCode {
    cli::main(run)
}
