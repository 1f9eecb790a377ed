//! End-to-end tests of the two questions of Experiment 4: `rtt-compare`
//! (Task 4) and `no-server` (Task 5).

mod support;

use std::time::Duration;
use support::{Client, Server};

const UDP_SERVER: &str = env!("CARGO_BIN_EXE_udp-upper-server");
const TCP_SERVER: &str = env!("CARGO_BIN_EXE_tcp-upper-server");
const COMPARE: &str = env!("CARGO_BIN_EXE_rtt-compare");
const NO_SERVER: &str = env!("CARGO_BIN_EXE_no-server");

const ROWS: [&str; 5] = [
    "UDP request/reply",
    "TCP connect (handshake)",
    "TCP request/reply, fresh connection",
    "TCP request/reply, kept-open connection",
    "TCP total, fresh (connect + request)",
];

/// The median column of a table row.
fn median(out: &str, row: &str) -> f64 {
    let line = out
        .lines()
        .find(|l| l.starts_with(row))
        .unwrap_or_else(|| panic!("no row {row:?} in\n{out}"));
    let figures: Vec<f64> = line[row.len()..]
        .split_whitespace()
        .map(|w| w.parse().unwrap_or_else(|_| panic!("bad figure in {line:?}")))
        .collect();
    assert_eq!(figures.len(), 3, "{line}");
    assert!(figures[0] <= figures[1] && figures[1] <= figures[2], "{line}");
    figures[1]
}

#[test]
fn rtt_compare_prints_figures_and_asks_why_first() {
    let run = Client::new(COMPARE).args(&["--count", "20"]).limit(Duration::from_secs(20)).run();
    run.expect_code(0);
    let out = run.out();
    for row in ROWS {
        assert!(median(&out, row) > 0.0, "{out}");
    }
    run.expect_out("Where it ran (").expect_out("Answer first; then run again with --explain.");
    assert!(!out.contains("handshake (connect) was"), "{out}");
    assert!(out.lines().all(|l| l.chars().count() <= 100), "{out}");
}

#[test]
fn rtt_compare_explains_from_its_own_figures() {
    let run = Client::new(COMPARE)
        .args(&["--count", "10", "--explain"])
        .limit(Duration::from_secs(20))
        .run();
    run.expect_code(0);
    let out = run.out();
    let kept = median(&out, ROWS[3]);
    // The explanation is wrapped at 96 columns: compare it with its lines joined.
    let flat = out.split_whitespace().collect::<Vec<_>>().join(" ");
    // The explanation quotes the kept-open median it printed in the table.
    let quoted = format!("the same request took {kept:.1} us");
    assert!(flat.contains(&quoted), "{out}");
    assert!(flat.contains("per-connection work"), "{out}");
    assert!(out.lines().all(|l| l.chars().count() <= 100), "{out}");
}

#[test]
fn rtt_compare_measures_servers_started_apart() {
    let udp = Server::start(UDP_SERVER, &["--host", "127.0.0.1", "--port", "0"]);
    let tcp = Server::start(TCP_SERVER, &["--host", "127.0.0.1", "--port", "0"]);
    let args = ["--host", "127.0.0.1", "--udp-port", &udp.port(), "--tcp-port", &tcp.port()];
    let run = Client::new(COMPARE).args(&args).args(&["-c", "5"]).run();
    run.expect_code(0).expect_out("5 rounds with the servers at");
}

#[test]
fn rtt_compare_with_no_tcp_server_is_one_error_line() {
    let udp = Server::start(UDP_SERVER, &["--host", "127.0.0.1", "--port", "0"]);
    let dead = support::closed_port().to_string();
    let args = ["--host", "127.0.0.1", "--udp-port", &udp.port(), "--tcp-port", &dead];
    Client::new(COMPARE)
        .args(&args)
        .run()
        .expect_code(1)
        .expect_one_error_line()
        .expect_err("is tcp-upper-server running");
}

#[test]
fn no_server_table_fits_and_keeps_its_explanation_back() {
    let run = Client::new(NO_SERVER).args(&["--timeout", "200ms"]).run();
    run.expect_code(0);
    let text = run.out();
    let row = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} row in\n{text}"))
            .to_string()
    };
    assert!(row("resolve name").contains("failed"), "{text}");
    assert!(row("TCP connect").contains("refused"), "{text}");
    assert!(row("UDP send").contains("succeeded"), "{text}");
    if cfg!(windows) {
        // Real Windows: WSAECONNRESET; Wine 8 passes no ICMP to UDP sockets.
        let seen = row("UDP receive");
        assert!(seen.contains("reset") || seen.contains("timed out"), "{text}");
    } else {
        assert!(row("UDP receive").contains("timed out"), "{text}");
    }
    if cfg!(target_os = "linux") {
        assert!(row("connected UDP").contains("refused"), "{text}");
        assert!(row("TCP connect").contains("111 ECONNREFUSED"), "{text}");
    }
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
    assert!(!text.contains("ICMP port-unreachable"), "{text}");
    let explained = Client::new(NO_SERVER).args(&["--timeout", "200ms", "--explain"]).run();
    explained.expect_code(0).expect_out("WSAECONNRESET (10054)");
    assert!(explained.out().lines().all(|l| l.chars().count() <= 100));
}

#[test]
fn bad_values_are_usage_errors() {
    for args in [
        &[COMPARE, "--count", "0"][..],
        &[COMPARE, "--timeout", "0"],
        &[COMPARE, "--udp-port", "70000"],
        &[NO_SERVER, "--timeout", "NaN"],
        &[NO_SERVER, "--port", "0"],
        &[NO_SERVER, "--port", "18446744073709551615"],
    ] {
        Client::new(args[0])
            .args(&args[1..])
            .run()
            .expect_code(2)
            .expect_err("error: ")
            .expect_err("(see --help)");
    }
}
