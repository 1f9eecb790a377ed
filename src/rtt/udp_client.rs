//! `udp-rtt-client`: the UDP uppercase client, timed (Experiment 4, Task 1).
//!
//! Both clocks are read right before `send_to` and right after `recv_from`
//! returns the reply, so the RTT covers the request's trip, the server's work
//! and the reply's trip. The buffer and the read timeout are set up before
//! the first clock reading ([`Waiter::new`] in [`run`]), so neither is in the figure.
//!
//! With `--count N` the client stays on the lab's wire (the server only
//! uppercases) and makes each request distinct: request 7 is `7 hello`, so
//! its reply is `7 HELLO`. A reply is credited only to the request whose
//! number it carries: a late reply is reported late, a second copy as a
//! duplicate, and memory stays bounded ([`WINDOW`] requests are remembered).
//!
//! # The original
//!
//! The Task 1 client of Experiment 4 (`UDPClient.py` with two clock readings):
//!
//! | original | here | what changed, and why |
//! |---|---|---|
//! | `socket(AF_INET, SOCK_DGRAM)` | [`crate::net::udp_client_socket`] | the server's family |
//! | `input(...)` | [`crate::uppercase::ask_sentence`] | or the command line |
//! | `time.time()`, `sendto` | [`Stamp::now`], [`Waiter::send`] in [`run`] | the monotonic clock times, the wall clock only says when |
//! | `recvfrom(2048)`, `time.time()` | [`Waiter::recv_reply`], [`Stamp::now`] in [`run`] (and in the numbered loop) | `--timeout`; only the server's datagrams; with `--count`, only the matching reply |
//! | `print` RTT and `strftime` times | [`print_sample`] | microseconds, UTC |
//! | `close()` | the socket is dropped | |

use crate::clock::{ms, Stamp};
use crate::error::{Error, Result};
use crate::output::{preview, printable};
use crate::stats::Running;
use crate::uppercase::udp_client::Waiter;
use crate::uppercase::{ask_sentence, ClientArgs};
use std::time::Instant;

/// How many recent requests `--count` remembers, to tell a late or
/// duplicate reply from a stray one.
pub const WINDOW: usize = 64;

/// The Task 1 client: ask, then one timed exchange (stamp, `send_to`, wait
/// for the server's datagram, stamp), or `--count` numbered ones.
///
/// # Errors
///
/// Resolution or socket errors; no reply (one exchange), or no reply at all (several).
pub fn run(args: Args) -> Result<()> {
    let sentence = ask_sentence(args.sentence.as_deref())?;
    let (socket, server) = crate::net::udp_client_socket(&args.server.host, args.server.port)?;
    let mut waiter = Waiter::new(socket, server, args.timeout)?;
    if args.count > 1 {
        return run_numbered(&mut waiter, &sentence, args.count);
    }
    let sent = Stamp::now();
    waiter.send(&sentence)?;
    let len = waiter.recv_reply(|_| Ok(()))?.ok_or_else(|| waiter.no_reply())?;
    let received = Stamp::now();
    print_sample(&sent, &received, &waiter.buf[..len]);
    Ok(())
}

/// A request still remembered: its number, when it left, whether answered.
#[derive(Clone, Copy)]
struct Sent {
    seq: u32,
    at: Instant,
    answered: bool,
}

/// `--count`: request N is "N sentence"; each reply is matched by its number.
fn run_numbered(waiter: &mut Waiter, sentence: &[u8], count: u32) -> Result<()> {
    let server = waiter.server;
    // Request N is remembered in slot N % WINDOW until request N + WINDOW takes it.
    let mut recent = [None::<Sent>; WINDOW];
    let (mut rtts, mut late, mut duplicates) = (Running::default(), 0u32, 0u32);
    for seq in 1..=count {
        crate::outln!("request {seq} of {count}");
        let request = [format!("{seq} ").as_bytes(), sentence].concat();
        let sent = Stamp::now();
        waiter.send(&request)?;
        recent[seq as usize % WINDOW] = Some(Sent { seq, at: sent.mono, answered: false });
        let got = waiter.recv_reply(|reply| {
            let entry = number_of(reply)
                .and_then(|n| recent[n as usize % WINDOW].as_mut().filter(|s| s.seq == n));
            match entry {
                Some(entry) if entry.seq == seq && !entry.answered => {
                    entry.answered = true;
                    Ok(())
                }
                Some(entry) if entry.answered => {
                    duplicates += 1;
                    crate::outln!("duplicate reply to request {} (ignored)", entry.seq);
                    Err("a duplicate")
                }
                Some(entry) => {
                    late += 1;
                    entry.answered = true;
                    let after = ms(entry.at.elapsed());
                    crate::outln!(
                        "late reply to request {}, {after:.3} ms after it was sent (counted lost)",
                        entry.seq
                    );
                    Err("a late reply")
                }
                None => {
                    let what = preview(reply, 60);
                    crate::outln!("reply matching no recent request (ignored): {what}");
                    Err("unmatched")
                }
            }
        })?;
        let received = Stamp::now();
        match got {
            Some(len) => {
                print_sample(&sent, &received, &waiter.buf[..len]);
                rtts.add(ms(received.since(&sent)));
            }
            None => crate::outln!("request {seq}: lost: {}", waiter.no_reply()),
        }
    }
    let replies = rtts.count;
    crate::outln!("--- {server}: {count} requests, {replies} replies, {late} late, {duplicates} duplicate ---");
    if replies == 0 {
        let why = format!("all {count} requests went unanswered");
        return Err(Error::failed(format!("no reply from {server}"), why));
    }
    crate::outln!("rtt {}", super::min_avg_max(&rtts));
    Ok(())
}

/// The request number at the start of a reply (`"7 HELLO"` is 7).
fn number_of(reply: &[u8]) -> Option<u32> {
    let end = reply.iter().position(|&b| b == b' ')?;
    std::str::from_utf8(&reply[..end]).ok()?.parse().ok()
}

/// The four lines of one exchange: when it was sent, when the reply came, the reply, the RTT.
pub fn print_sample(sent: &Stamp, received: &Stamp, reply: &[u8]) {
    crate::outln!("request sent at   {}", sent.utc());
    crate::outln!("reply received at {}", received.utc());
    crate::outln!("From server: {}", printable(reply));
    crate::outln!("RTT: {:.3} ms", ms(received.since(sent)));
}

/// The command line of `udp-rtt-client`.
pub type Args = ClientArgs<true, true>;
