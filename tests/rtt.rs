//! End-to-end tests of the RTT clients (Experiment 4, Tasks 1 and 3);
//! `rtt-compare` and `no-server` are in `tests/questions.rs`.

mod support;

use std::time::Duration;
use support::{Client, Server};

const UDP_SERVER: &str = env!("CARGO_BIN_EXE_udp-upper-server");
const TCP_SERVER: &str = env!("CARGO_BIN_EXE_tcp-upper-server");
const UDP_RTT: &str = env!("CARGO_BIN_EXE_udp-rtt-client");
const TCP_RTT: &str = env!("CARGO_BIN_EXE_tcp-rtt-client");

/// A server on a free loopback port.
fn local(bin: &str) -> Server {
    Server::start(bin, &["--host", "127.0.0.1", "--port", "0"])
}

/// `bin --host 127.0.0.1 --port PORT`, ready for more arguments.
fn to(bin: &str, port: impl ToString) -> Client {
    Client::new(bin).args(&["--host", "127.0.0.1", "--port", &port.to_string()])
}

/// Checks `YYYY-MM-DD HH:MM:SS.ffffff UTC` at the end of `line`, after `prefix`.
fn assert_timestamp(line: &str, prefix: &str) {
    assert!(line.starts_with(prefix), "{line:?} should start with {prefix:?}");
    let stamp = line[prefix.len()..].trim_start();
    let bytes = stamp.as_bytes();
    assert_eq!(stamp.len(), 30, "{stamp:?}");
    for (i, b) in bytes.iter().enumerate() {
        let ok = match i {
            4 | 7 => *b == b'-',
            10 => *b == b' ',
            13 | 16 => *b == b':',
            19 => *b == b'.',
            26 => *b == b' ',
            27..=29 => true,
            _ => b.is_ascii_digit(),
        };
        assert!(ok, "bad character {:?} at {i} in {stamp:?}", *b as char);
    }
    assert!(stamp.ends_with(" UTC"), "{stamp:?}");
}

fn number_after(text: &str, marker: &str) -> f64 {
    let at =
        text.find(marker).unwrap_or_else(|| panic!("{marker:?} not in {text:?}")) + marker.len();
    let rest = &text[at..];
    let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
    rest[..end].parse().unwrap_or_else(|e| panic!("number after {marker:?} in {text:?}: {e}"))
}

#[test]
fn udp_rtt_client_prints_times_and_rtt() {
    let server = local(UDP_SERVER);
    let out = to(UDP_RTT, server.port()).args(&["hello"]).run();
    out.expect_code(0).expect_out("From server: HELLO\n");
    let text = out.out();
    let lines: Vec<&str> = text.lines().collect();
    assert_timestamp(lines[0], "request sent at");
    assert_timestamp(lines[1], "reply received at");
    let rtt = number_after(&text, "RTT: ");
    assert!(rtt > 0.0 && rtt < 1000.0, "{text}");
    assert!(text.contains(" ms\n"), "{text}");
}

#[test]
fn udp_rtt_client_count_adds_min_avg_max() {
    let server = local(UDP_SERVER);
    let out = to(UDP_RTT, server.port()).args(&["--count", "4", "hi"]).run();
    out.expect_code(0)
        .expect_out("4 requests, 4 replies, 0 late, 0 duplicate")
        .expect_out("From server: 4 HI\n")
        .expect_out("rtt min/avg/max = ");
    assert_eq!(out.out().matches("RTT: ").count(), 4);
}

#[test]
fn udp_rtt_client_reports_losses_and_fails_when_all_are_lost() {
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port().to_string();
    let out = to(UDP_RTT, &port).args(&["--count", "2", "--timeout", "0.1", "hi"]).run();
    out.expect_code(1)
        .expect_out("2 requests, 0 replies")
        .expect_out("is the server running?")
        .expect_one_error_line()
        .expect_err("all 2 requests went unanswered");
    assert_eq!(out.out().matches("lost: ").count(), 2, "{}", out.report());
}

#[test]
fn tcp_rtt_client_splits_connect_from_request_reply() {
    let server = local(TCP_SERVER);
    let out = to(TCP_RTT, server.port()).args(&["--count", "3", "hello"]).run();
    out.expect_code(0).expect_out("From server: HELLO\n");
    let text = out.out();
    let first: Vec<&str> = text.lines().skip(1).take(2).collect();
    assert_timestamp(first[0], "connection request sent at");
    assert_timestamp(first[1], "reply received at");
    let connect = number_after(&text, "connect (handshake) ");
    let rr = number_after(&text, "request/reply ");
    let total = number_after(&text, "= total ");
    assert!((connect + rr - total).abs() < 0.0015, "{connect} + {rr} != {total}");
    for label in
        ["connect       min/avg/max", "request/reply min/avg/max", "total         min/avg/max"]
    {
        out.expect_out(label);
    }
}

#[test]
fn tcp_rtt_client_with_no_server_fails_fast() {
    let port = support::closed_port().to_string();
    let out = to(TCP_RTT, &port).args(&["hi"]).run();
    out.expect_code(1).expect_one_error_line().expect_err("connection refused");
    assert!(out.elapsed < Duration::from_secs(1));
}

fn udp_rtt(addr: std::net::SocketAddr, extra: &[&str]) -> support::Outcome {
    to(UDP_RTT, addr.port()).args(extra).run()
}

/// A server that holds request 1 and answers it only when request 2 comes:
/// the late reply must be reported as late, never credited to request 2.
#[test]
fn udp_rtt_client_reports_a_late_reply_as_late() {
    let addr = support::peers::udp(|n, payload, held| {
        held.push(payload.to_vec());
        match n {
            0 => Vec::new(),
            1 => vec![held[0].clone(), payload.to_vec()],
            _ => vec![payload.to_vec()],
        }
    });
    let out = udp_rtt(addr, &["-c", "3", "--timeout", "300ms", "hi"]);
    out.expect_code(0)
        .expect_out("request 1: lost: ")
        .expect_out("late reply to request 1, ")
        .expect_out("From server: 2 hi\n")
        .expect_out("3 requests, 2 replies, 1 late, 0 duplicate");
    assert!(!out.out().contains("From server: 1 hi"), "{}", out.report());
}

/// A duplicating path: every request is answered twice. The second copy is
/// a duplicate, not the next request's reply.
#[test]
fn udp_rtt_client_reports_duplicates() {
    let addr = support::peers::udp(|_, payload, _| vec![payload.to_vec(), payload.to_vec()]);
    let out = udp_rtt(addr, &["--count", "3", "hi"]);
    out.expect_code(0)
        .expect_out("duplicate reply to request 1 (ignored)")
        .expect_out("duplicate reply to request 2 (ignored)")
        .expect_out("3 requests, 3 replies, 0 late, ");
    for n in 1..=3 {
        out.expect_out(&format!("From server: {n} hi\n"));
    }
}

/// Datagrams from the server that carry no request number are named, and the
/// final hint says what came instead of asking whether the server runs.
#[test]
fn udp_rtt_client_names_malformed_replies() {
    let addr = support::peers::udp(|_, _, _| vec![b"garbage".to_vec()]);
    let out = udp_rtt(addr, &["-c", "2", "--timeout", "200ms", "hi"]);
    out.expect_code(1)
        .expect_out("reply matching no recent request (ignored): \"garbage\"")
        .expect_out("1 other datagram(s) came")
        .expect_err("all 2 requests went unanswered");
    assert!(!out.out().contains("is the server running"), "{}", out.report());
}
