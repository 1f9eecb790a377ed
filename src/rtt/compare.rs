//! `rtt-compare`: UDP against TCP, measured, not guessed (Experiment 4, Task 4).
//!
//! The task asks which protocol has the higher RTT, and why. This program
//! answers with figures: it runs the same small request many times over each
//! protocol, alternating them so that whatever else the machine is doing hits
//! both alike, and prints min, median and 95th percentile per step:
//!
//! ```text
//!                              min   median      p95   (microseconds)
//! UDP request/reply           ...      ...       ...
//! TCP connect (handshake)     ...      ...       ...
//! TCP request/reply           ...      ...       ...
//! TCP total                   ...      ...       ...
//! ```
//!
//! The explanation it prints after the table is built from those figures
//! ([`explain`]). The point it makes: a fresh TCP connection pays one extra
//! round trip, the handshake, before any data moves, and the close adds a
//! little more. Congestion control plays no part: a single small message
//! fits in TCP's initial congestion window (ten segments on Linux), so it is
//! never held back.
//!
//! Without `--host`, both uppercase servers are started in-process on free
//! loopback ports; with `--host`, it measures servers you started yourself.

use super::{tcp_client, udp_client};
use crate::clock::us;
use crate::error::{Error, Result};
use crate::stats::Summary;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

/// What is measured, and against which servers.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Where the UDP uppercase server listens.
    pub udp_server: SocketAddr,
    /// Host of the TCP uppercase server.
    pub tcp_host: String,
    /// Port of the TCP uppercase server.
    pub tcp_port: u16,
    /// Exchanges per protocol (after one warm-up exchange each, not counted).
    pub count: u32,
    /// The sentence sent every time.
    pub sentence: Vec<u8>,
    /// Reply timeout for each exchange.
    pub timeout: Duration,
}

/// The four rows of the table, in microseconds.
#[derive(Debug, Clone, Copy)]
pub struct Comparison {
    /// UDP request and reply.
    pub udp: Summary,
    /// TCP `connect` alone.
    pub tcp_connect: Summary,
    /// TCP request and reply on the fresh connection.
    pub tcp_request_reply: Summary,
    /// TCP from connection request to the end of the reply.
    pub tcp_total: Summary,
    /// UDP requests that got no reply within the timeout.
    pub udp_lost: u32,
}

/// Runs the measurements, alternating one UDP and one TCP exchange.
///
/// The first exchange of each kind is a warm-up and is not counted: it pays
/// for things that happen once (the first ARP or neighbour lookup on a real
/// network, page faults in a fresh process).
///
/// # Errors
///
/// A TCP exchange that fails, a UDP socket error, or every UDP request lost.
pub fn measure(plan: &Plan) -> Result<Comparison> {
    let local = if plan.udp_server.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let socket = UdpSocket::bind(local).map_err(|e| Error::io("cannot open a UDP socket", &e))?;
    let mut udp = Vec::new();
    let mut connect = Vec::new();
    let mut request_reply = Vec::new();
    let mut total = Vec::new();
    let mut udp_lost = 0;
    for round in 0..=plan.count {
        let counted = round > 0;
        match udp_client::measure(&socket, plan.udp_server, &plan.sentence, plan.timeout) {
            Ok(sample) if counted => udp.push(us(sample.rtt())),
            Ok(_) => {}
            Err(Error::Failed { .. }) if counted => udp_lost += 1,
            Err(Error::Failed { .. }) => {}
            Err(other) => return Err(other),
        }
        let sample =
            tcp_client::measure(&plan.tcp_host, plan.tcp_port, &plan.sentence, plan.timeout)?;
        if counted {
            connect.push(us(sample.connect_time()));
            request_reply.push(us(sample.request_reply_time()));
            total.push(us(sample.total()));
        }
    }
    let summarise = |values: &[f64], what: &str| {
        Summary::of(values).ok_or_else(|| {
            Error::failed(format!("no {what} sample"), "every exchange failed")
                .hint("is the UDP uppercase server running?")
        })
    };
    Ok(Comparison {
        udp: summarise(&udp, "UDP")?,
        tcp_connect: summarise(&connect, "TCP connect")?,
        tcp_request_reply: summarise(&request_reply, "TCP")?,
        tcp_total: summarise(&total, "TCP")?,
        udp_lost,
    })
}

/// Starts both uppercase servers in-process on free loopback ports, silently,
/// and returns their addresses (UDP, TCP). They run until the process exits.
///
/// # Errors
///
/// A socket that cannot be bound (practically never on loopback port 0).
pub fn start_local_servers() -> Result<(SocketAddr, SocketAddr)> {
    use crate::output::Log;
    use crate::uppercase::{tcp_server, udp_server};
    let udp = crate::net::bind_udp("127.0.0.1", 0)?;
    let tcp = crate::net::bind_tcp("127.0.0.1", 0)?;
    let udp_addr = crate::net::local_addr_of(udp.local_addr())?;
    let tcp_addr = crate::net::local_addr_of(tcp.local_addr())?;
    std::thread::spawn(move || udp_server::serve(udp, Log::quiet()));
    let options = crate::server::TcpOptions {
        log: Log::quiet(),
        ..Default::default()
    };
    std::thread::spawn(move || tcp_server::serve(tcp, options));
    Ok((udp_addr, tcp_addr))
}

/// The table, one line per row, figures in microseconds.
pub fn table(c: &Comparison) -> Vec<String> {
    let mut lines = vec![format!(
        "{:<26} {:>9} {:>9} {:>9}   (microseconds)",
        "", "min", "median", "p95"
    )];
    let rows = [
        ("UDP request/reply", &c.udp),
        ("TCP connect (handshake)", &c.tcp_connect),
        ("TCP request/reply", &c.tcp_request_reply),
        ("TCP total", &c.tcp_total),
    ];
    for (label, s) in rows {
        lines.push(format!(
            "{label:<26} {:>9.1} {:>9.1} {:>9.1}",
            s.min, s.median, s.p95
        ));
    }
    if c.udp_lost > 0 {
        lines.push(format!(
            "({} UDP requests got no reply and are not in the table)",
            c.udp_lost
        ));
    }
    lines
}

/// The explanation, drawn from the medians of this run.
///
/// Every sentence that states a comparison is chosen by the figures: if on
/// some machine TCP's total came out no slower than UDP, the text says so
/// rather than repeating the textbook.
pub fn explain(c: &Comparison) -> Vec<String> {
    let udp = c.udp.median;
    let connect = c.tcp_connect.median;
    let rr = c.tcp_request_reply.median;
    let total = c.tcp_total.median;
    let mut text = Vec::new();

    if total > udp * 1.2 {
        text.push(format!(
            "TCP has the higher RTT: a whole TCP exchange took {total:.1} us (median), \
             {:.1} times UDP's {udp:.1} us.",
            total / udp
        ));
    } else {
        text.push(format!(
            "On this run TCP's whole exchange ({total:.1} us) was not clearly slower than \
             UDP's ({udp:.1} us); on loopback the gap can drown in scheduling noise. \
             Try a larger --count, or a real network."
        ));
    }
    text.push(format!(
        "Where the extra time goes: the connect alone took {connect:.1} us ({:.0}% of TCP's \
         total). That is the three-way handshake, SYN out and SYN-ACK back, one round trip \
         that UDP never makes because it has no connection to set up.",
        100.0 * connect / total.max(f64::MIN_POSITIVE)
    ));
    let compared = if rr > udp * 1.2 {
        format!("{:.1} times UDP's", rr / udp)
    } else if rr < udp / 1.2 {
        "less than UDP's".to_string()
    } else {
        "close to UDP's".to_string()
    };
    text.push(format!(
        "The request/reply on the fresh connection took {rr:.1} us, {compared}: the data \
         itself makes one round trip, as with UDP, and the reply is complete only when the \
         server's FIN arrives, a little more work in both kernels."
    ));
    if rr > udp * 3.0 {
        text.push(
            "Much of that gap is the server's own work, not the network's: tcp-upper-server \
             accepts each connection and starts a thread for it, and on a busy machine that \
             thread may wait for a CPU, while udp-upper-server answers from a thread that is \
             already running. Run again on an idle machine and this row shrinks."
                .to_string(),
        );
    }
    text.push(
        "Congestion control plays no part here: one small message fits in TCP's initial \
         congestion window (ten segments), so it is sent at once. Congestion control shapes \
         long transfers on busy paths, not a single request on loopback."
            .to_string(),
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(median: f64) -> Summary {
        Summary::of(&[median]).unwrap()
    }

    fn comparison(udp: f64, connect: f64, rr: f64) -> Comparison {
        Comparison {
            udp: summary(udp),
            tcp_connect: summary(connect),
            tcp_request_reply: summary(rr),
            tcp_total: summary(connect + rr),
            udp_lost: 0,
        }
    }

    #[test]
    fn explanation_follows_the_figures() {
        let slower = explain(&comparison(20.0, 25.0, 30.0)).join(" ");
        assert!(slower.contains("TCP has the higher RTT"), "{slower}");
        assert!(slower.contains("2.8 times UDP's 20.0 us"), "{slower}");
        assert!(slower.contains("45%"), "{slower}");
        assert!(slower.contains("1.5 times UDP's"), "{slower}");

        assert!(!slower.contains("starts a thread"), "{slower}");
        let busy = explain(&comparison(20.0, 25.0, 600.0)).join(" ");
        assert!(busy.contains("starts a thread for it"), "{busy}");

        let close = explain(&comparison(50.0, 5.0, 50.0)).join(" ");
        assert!(close.contains("was not clearly slower"), "{close}");
        assert!(close.contains("close to UDP's"), "{close}");
    }

    #[test]
    fn table_has_four_rows_and_mentions_losses() {
        let mut c = comparison(20.0, 25.0, 30.0);
        assert_eq!(table(&c).len(), 5);
        c.udp_lost = 2;
        assert!(table(&c)
            .last()
            .unwrap()
            .contains("2 UDP requests got no reply"));
    }
}
