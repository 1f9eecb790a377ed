//! End-to-end tests of `perf-server` and `perf-client`, through the real binaries.
//!
//! Runs are kept to one or two seconds. Loss is made by an echo thread inside
//! the test that drops datagrams by their order of arrival, so the checks
//! never depend on timing luck.

mod support;

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{Client, Server, TempDir};

const SERVER: &str = env!("CARGO_BIN_EXE_perf-server");
const CLIENT: &str = env!("CARGO_BIN_EXE_perf-client");
const CSV_HEADER: &str = "second,throughput_kBps,avg_delay_ms,sent,received,lost,jitter_ms";

fn client(port: u16, dir: &TempDir, args: &[&str]) -> support::Outcome {
    let port = port.to_string();
    let out_dir = dir.path().to_str().unwrap().to_string();
    let mut all = vec!["--host", "127.0.0.1", "--port", &port, "--out-dir", &out_dir];
    all.extend_from_slice(args);
    Client::new(CLIENT).args(&all).run()
}

/// One parsed row: second, throughput, delay (None when nothing came back),
/// sent, received, lost, jitter.
#[derive(Debug)]
struct Row {
    second: u64,
    throughput: f64,
    delay: Option<f64>,
    sent: u64,
    received: u64,
    lost: u64,
    jitter: f64,
}

fn parse_row(fields: &[&str]) -> Row {
    assert_eq!(fields.len(), 7, "{fields:?}");
    let delay = match fields[2] {
        "" | "-" => None,
        d => Some(d.parse().unwrap()),
    };
    Row {
        second: fields[0].parse().unwrap(),
        throughput: fields[1].parse().unwrap(),
        delay,
        sent: fields[3].parse().unwrap(),
        received: fields[4].parse().unwrap(),
        lost: fields[5].parse().unwrap(),
        jitter: fields[6].parse().unwrap(),
    }
}

/// The rows of the human-readable output (the lines under the header).
fn text_rows(out: &str) -> Vec<Row> {
    let lines: Vec<&str> = out.lines().collect();
    let header = lines
        .iter()
        .position(|l| l.starts_with("second  goodput_kB/s    Mbit/s"))
        .unwrap_or_else(|| panic!("no table header in:\n{out}"));
    lines[header + 1..]
        .iter()
        .take_while(|l| l.starts_with(' '))
        .map(|l| {
            let mut fields: Vec<&str> = l.split_whitespace().collect();
            let mbit: f64 = fields.remove(2).parse().unwrap();
            let row = parse_row(&fields);
            // Mbit/s is the same figure as kB/s, times 8 / 1000.
            assert!((mbit - row.throughput * 0.008).abs() < 0.002, "{l}");
            row
        })
        .collect()
}

/// The summary: four lines from `--- ADDR perf statistics: ...`, each under
/// 100 columns; returns the first and its "N sent, N received, N lost" figures.
fn summary(out: &str) -> (String, (u64, u64, u64)) {
    let lines: Vec<&str> = out.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("--- ") && l.contains(" perf statistics: "))
        .unwrap_or_else(|| panic!("no summary in:\n{out}"));
    assert_eq!(lines.len(), at + 4, "the summary ends the output:\n{out}");
    assert!(lines[at + 2].starts_with("goodput ") && lines[at + 2].contains(" Mbit/s"));
    assert!(lines[at + 3].starts_with("RTT/2 ") && lines[at + 3].contains("symmetric path"));
    // No line is wider than 100 columns (the graphs' paths are the user's own).
    assert!(lines.iter().filter(|l| !l.starts_with("graph")).all(|l| l.len() <= 100), "{out}");
    (lines[at].to_string(), summary_counts(lines[at + 1]))
}

/// The summary's "N sent, N received, N lost" figures.
fn summary_counts(line: &str) -> (u64, u64, u64) {
    let number_before = |word: &str| -> u64 {
        let at = line.find(word).unwrap_or_else(|| panic!("{word:?} in {line}"));
        line[..at].trim_end().rsplit(' ').next().unwrap().parse().unwrap()
    };
    (number_before(" sent,"), number_before(" received,"), number_before(" lost ("))
}

fn check_graphs(dir: &TempDir) {
    for name in ["throughput_graph.svg", "average_delay_graph.svg"] {
        let text =
            std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        support::xml::well_formed(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(text.contains("<svg") && text.contains("viewBox"), "{name}");
    }
}

/// An echo thread on a free port that drops the datagrams for which
/// `drop(n)` is true (n counts arrivals from 0). Ends after 20 s of silence.
fn lossy_echo(drop: fn(u64) -> bool) -> SocketAddr {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let addr = socket.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 70_000];
        let mut n = 0;
        while let Ok((len, from)) = socket.recv_from(&mut buf) {
            if !drop(n) {
                let _ = socket.send_to(&buf[..len], from);
            }
            n += 1;
        }
    });
    addr
}

/// Throughput must be the echoed payload bytes / 1000 per second of the row.
/// Full seconds match exactly; the last row also waited for the final echoes
/// (at most one short timeout in these tests), so it is divided by a span a
/// little over one second: never more than the bytes, and not much less.
fn assert_throughput(row: &Row, size: f64, last: bool) {
    let per_second = row.received as f64 * size / 1000.0;
    if last {
        assert!(
            row.throughput <= per_second + 0.001 && row.throughput >= per_second / 1.1,
            "{row:?}"
        );
    } else {
        assert!((row.throughput - per_second).abs() < 0.001, "{row:?}");
    }
}

#[test]
fn two_seconds_give_two_rows_a_summary_and_two_graphs() {
    let server = Server::start(SERVER, &["--port", "0"]);
    let dir = TempDir::new();
    let run = client(server.addr.port(), &dir, &["2", "2"]);
    run.expect_code(0);
    let out = run.out();
    let rows = text_rows(&out);
    assert_eq!(rows.len(), 2, "{}", run.report());
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.second, i as u64 + 1);
        assert!(row.received > 0 && row.lost == 0, "{row:?}");
        assert_throughput(row, 2.0, i + 1 == rows.len());
        assert!(row.delay.unwrap() > 0.0 && row.jitter >= 0.0, "{row:?}");
    }
    let (first, (sent, received, lost)) = summary(&out);
    assert!(first.contains(" perf statistics: 2 s, 2-byte payloads, window 1"), "{out}");
    assert_eq!(sent, rows.iter().map(|r| r.sent).sum::<u64>());
    assert_eq!(received, rows.iter().map(|r| r.received).sum::<u64>());
    assert_eq!((sent, lost), (received, 0));
    run.expect_out("graphs: ");
    check_graphs(&dir);
}

#[test]
fn csv_output_has_the_header_and_parseable_rows_only() {
    let server = Server::start(SERVER, &["--port", "0"]);
    let dir = TempDir::new();
    let run = client(server.addr.port(), &dir, &["1", "1024", "--window", "4", "--csv"]);
    run.expect_code(0);
    let out = run.out();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], CSV_HEADER);
    assert_eq!(lines.len(), 2, "one row for one second:\n{out}");
    let row = parse_row(&lines[1].split(',').collect::<Vec<_>>());
    assert_eq!(row.second, 1);
    assert_throughput(&row, 1024.0, true);
    // Everything else went to stderr.
    let err = run.err();
    summary(&err);
    assert!(err.contains("graphs: "), "{}", run.report());
    check_graphs(&dir);
}

#[test]
fn throughput_counts_only_bytes_that_came_back() {
    // Every other datagram is dropped; each loss costs one 50 ms timeout.
    let addr = lossy_echo(|n| n % 2 == 1);
    let dir = TempDir::new();
    let run = client(addr.port(), &dir, &["1", "100", "--timeout", "0.05", "--csv"]);
    run.expect_code(0);
    let out = run.out();
    let row = parse_row(&out.lines().nth(1).unwrap().split(',').collect::<Vec<_>>());
    assert!(row.received > 0 && row.lost > 0, "{row:?}");
    assert_eq!(row.sent, row.received + row.lost, "{row:?}");
    // Received alternate with lost, so the counts differ by at most one.
    assert!(row.received.abs_diff(row.lost) <= 1, "{row:?}");
    assert_throughput(&row, 100.0, true);
    // A loss costs one timeout: about 20 per second, never a stall.
    assert!(row.lost <= 21, "{row:?}");
}

#[test]
fn a_server_that_dies_mid_run_costs_one_timeout_per_datagram_in_flight() {
    // An echo that answers 100 datagrams and then closes its socket, as a
    // killed server would: from then on the port is closed.
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = socket.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 70_000];
        for _ in 0..100 {
            match socket.recv_from(&mut buf) {
                Ok((len, from)) => {
                    let _ = socket.send_to(&buf[..len], from);
                }
                Err(_) => return,
            }
        }
    });
    let dir = TempDir::new();
    let started = Instant::now();
    let run = client(addr.port(), &dir, &["2", "16", "--window", "4", "--timeout", "0.2"]);
    let elapsed = started.elapsed();
    run.expect_code(0);
    let out = run.out();
    let rows = text_rows(&out);
    assert_eq!(rows.len(), 2, "{out}");
    let (_, (sent, received, lost)) = summary(&out);
    assert!(sent > 100, "two seconds are enough for 100 round trips:\n{out}");
    assert_eq!((received, lost), (100, sent - 100), "{out}");
    // Each loss holds its window slot for one 0.2 s timeout: at most 4 datagrams
    // per timeout, over 2 s of sending plus the last timeout.
    assert!(lost <= 4 * 11, "{out}");
    assert!(elapsed >= Duration::from_secs(2));
    assert!(elapsed < Duration::from_secs(6), "{elapsed:?}");
    check_graphs(&dir);
}

#[test]
fn a_killed_server_process_still_gives_the_summary_and_graphs() {
    let mut server = Server::start(SERVER, &["--port", "0"]);
    let dir = TempDir::new();
    let port = server.port();
    let started = Instant::now();
    let mut child = Command::new(CLIENT)
        .args(["2", "2", "--host", "127.0.0.1", "--port", &port, "--timeout", "0.2"])
        .arg("--out-dir")
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut out = Vec::new();
    // Kill the server once the client has printed its first row.
    for line in lines.by_ref() {
        let line = line.unwrap();
        let first_row = line.starts_with("     1 ");
        out.push(line);
        if first_row {
            server.kill();
            break;
        }
    }
    out.extend(lines.map(|l| l.unwrap()));
    let status = child.wait().unwrap();
    let elapsed = started.elapsed();
    let out = out.join("\n");

    // Echoes came back in the first second, so the run succeeds.
    assert_eq!(status.code(), Some(0), "{out}");
    let rows = text_rows(&out);
    assert_eq!(rows.len(), 2, "{out}");
    assert!(rows[0].received > 0);
    let (_, (sent, received, lost)) = summary(&out);
    assert_eq!(sent, received + lost, "{out}");
    // Two seconds plus at most one timeout, with room for a busy machine.
    assert!(elapsed < Duration::from_secs(6), "{elapsed:?}");
    check_graphs(&dir);
}

#[test]
fn no_server_is_exit_1_with_a_hint_and_still_a_summary() {
    let port = UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = TempDir::new();
    let run = client(port, &dir, &["1", "2", "--timeout", "0.1"]);
    // The socket is connected, so Linux reports the ICMP port unreachable.
    let icmp = if cfg!(target_os = "linux") { "ICMP port unreachable" } else { "no echo from" };
    run.expect_code(1).expect_one_error_line().expect_err(icmp).expect_out("note: ");
    let rows = text_rows(&run.out());
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].received, rows[0].delay), (0, None));
    assert_eq!(rows[0].lost, rows[0].sent);
    summary(&run.out());
    check_graphs(&dir);
}

#[test]
fn the_largest_payload_works() {
    let server = Server::start(SERVER, &["--port", "0"]);
    let dir = TempDir::new();
    let run = client(server.addr.port(), &dir, &["1", "65507", "--csv"]);
    run.expect_code(0);
    let row = parse_row(&run.out().lines().nth(1).unwrap().split(',').collect::<Vec<_>>());
    assert!(row.received > 0, "{}", run.report());
    assert_throughput(&row, 65_507.0, true);
}

#[test]
fn bad_arguments_exit_2_with_a_clear_error() {
    let dir = TempDir::new();
    for (args, says) in [
        (vec!["0"], "for DURATION: expected a whole number from 1 to 3600"),
        (vec!["1.5"], "for DURATION"),
        (vec!["1", "0"], "for SIZE: expected a whole number from 1 to 65507"),
        (vec!["1", "65508"], "for SIZE"),
        (vec!["1", "2", "--window", "0"], "--window"),
        (vec!["1", "1", "--window", "300"], "too large for SIZE 1"),
        (vec!["1", "2", "--timeout", "0"], "--timeout"),
        (vec!["--bogus"], "unknown flag"),
        (vec!["--csv=yes"], "takes no value"),
    ] {
        let run = client(9, &dir, &args);
        run.expect_code(2).expect_err(says);
        let err = run.err();
        assert!(err.starts_with("error: "), "{}", run.report());
        assert!(err.contains("usage: perf-client"), "{}", run.report());
        assert!(run.out().is_empty(), "{}", run.report());
    }
    Client::new(SERVER)
        .args(&["--port", "-1"])
        .run()
        .expect_code(2)
        .expect_err("usage: perf-server");
}

#[test]
fn help_lists_every_flag_with_its_default() {
    Client::new(CLIENT)
        .args(&["--help"])
        .run()
        .expect_code(0)
        .expect_out("[default: 5]")
        .expect_out("[default: 2]")
        .expect_out("--window N")
        .expect_out("--timeout TIME")
        .expect_out("bare: seconds")
        .expect_out("--out-dir DIR")
        .expect_out("--csv")
        .expect_out("example:");
}

#[test]
fn summary_jitter_covers_the_whole_run() {
    // Every 50th echo is held back 30 ms: the RTTs jump now and then. The
    // per-second estimate decays between jumps; the run's mean |D| does not.
    let addr = support::peers::udp(|n, payload, held| {
        if n % 50 == 0 {
            std::thread::sleep(Duration::from_millis(30));
        }
        let _ = held;
        vec![payload.to_vec()]
    });
    let dir = TempDir::new();
    let run = client(addr.port(), &dir, &["1", "8"]);
    run.expect_code(0);
    let out = run.out();
    let last = out.lines().last().unwrap();
    let jitter: f64 = last
        .rsplit("jitter ")
        .next()
        .and_then(|j| j.strip_suffix(" ms"))
        .and_then(|j| j.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    // Over N round trips, the run holds at least 2 jumps of 30 ms per 50 RTTs
    // in |D|: a mean of at least 2 x 30 / 50 = 1.2 ms, whatever the load.
    assert!(jitter >= 1.0, "{out}");
}

#[test]
fn duplicates_and_foreign_datagrams_do_not_count() {
    // Each echo comes twice, followed by a datagram of the wrong size.
    let addr = support::peers::udp(|_, p, _| vec![p.to_vec(), p.to_vec(), b"?".to_vec()]);
    let dir = TempDir::new();
    let run = client(addr.port(), &dir, &["1", "3", "--window", "4"]);
    run.expect_code(0)
        .expect_out("late or duplicate echoes ignored: ")
        .expect_out("datagrams that were no echo of ours ignored: ");
    let rows = text_rows(&run.out());
    assert_eq!(rows[0].sent, rows[0].received + rows[0].lost, "{}", run.report());
    assert_throughput(&rows[0], 3.0, true);
}
