//! Every binary follows the command-line conventions of SPEC section 3:
//! `--help` prints usage with defaults and an example (exit 0); an unknown flag
//! prints `error: ...` and a usage line (exit 2).

mod support;

use support::Client;

const BINARIES: &[(&str, &str)] = &[
    ("tour", env!("CARGO_BIN_EXE_tour")),
    ("udp-upper-server", env!("CARGO_BIN_EXE_udp-upper-server")),
    ("udp-upper-client", env!("CARGO_BIN_EXE_udp-upper-client")),
    ("udp-rtt-client", env!("CARGO_BIN_EXE_udp-rtt-client")),
    ("tcp-upper-server", env!("CARGO_BIN_EXE_tcp-upper-server")),
    ("tcp-upper-client", env!("CARGO_BIN_EXE_tcp-upper-client")),
    ("tcp-rtt-client", env!("CARGO_BIN_EXE_tcp-rtt-client")),
    ("rtt-compare", env!("CARGO_BIN_EXE_rtt-compare")),
    ("no-server", env!("CARGO_BIN_EXE_no-server")),
    ("file-server", env!("CARGO_BIN_EXE_file-server")),
    ("dual-stack-server", env!("CARGO_BIN_EXE_dual-stack-server")),
    ("dual-stack-client", env!("CARGO_BIN_EXE_dual-stack-client")),
    ("image-server", env!("CARGO_BIN_EXE_image-server")),
    ("image-client", env!("CARGO_BIN_EXE_image-client")),
    ("ping-server", env!("CARGO_BIN_EXE_ping-server")),
    ("ping-client", env!("CARGO_BIN_EXE_ping-client")),
    ("perf-server", env!("CARGO_BIN_EXE_perf-server")),
    ("perf-client", env!("CARGO_BIN_EXE_perf-client")),
    ("link-emulator", env!("CARGO_BIN_EXE_link-emulator")),
    ("file-client", env!("CARGO_BIN_EXE_file-client")),
];

#[test]
fn help_shows_usage_defaults_and_an_example() {
    for (name, bin) in BINARIES {
        let out = Client::new(bin).args(&["--help"]).run();
        out.expect_code(0)
            .expect_out(&format!("usage: {name} [OPTIONS]"))
            .expect_out("[default: ")
            .expect_out("example:");
        assert!(out.err().is_empty(), "{}", out.report());
    }
}

#[test]
fn unknown_flag_exits_2_with_error_and_usage() {
    for (name, bin) in BINARIES {
        let out = Client::new(bin).args(&["--no-such-flag"]).run();
        out.expect_code(2)
            .expect_err("error: unknown flag '--no-such-flag'")
            .expect_err(&format!("usage: {name}"));
        assert!(out.out().is_empty(), "{}", out.report());
    }
}

#[test]
fn bad_values_exit_2() {
    let client = env!("CARGO_BIN_EXE_udp-rtt-client");
    for args in [
        &["--port", "70000"][..],
        &["--count", "0"],
        &["--timeout", "-1"],
        &["--count", "x"],
    ] {
        Client::new(client)
            .args(args)
            .run()
            .expect_code(2)
            .expect_err("error: ");
    }
}

/// `client | head -1`: when the reader of stdout goes away, the next write
/// fails with `BrokenPipe` (Rust ignores SIGPIPE). A bare `println!` would
/// panic there, as the original Python scripts raised `BrokenPipeError`; the
/// binaries end quietly with status 0 instead.
#[test]
fn a_reader_that_stops_early_ends_the_program_quietly() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let server = support::Server::start(
        env!("CARGO_BIN_EXE_udp-upper-server"),
        &["--host", "127.0.0.1", "--port", "0"],
    );
    // About 1 MB of output: far more than a pipe holds, so the client is
    // certainly still writing when the reader is gone.
    let mut child = Command::new(env!("CARGO_BIN_EXE_udp-rtt-client"))
        .args(["--host", "127.0.0.1", "--port", &server.port()])
        .args(["--count", "5000", "hello"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    assert!(first.starts_with("request 1 of 5000"), "{first:?}");
    drop(reader);

    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("the client kept running after its reader left");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(err.is_empty(), "stderr: {err}");
    assert_eq!(status.code(), Some(0), "stderr: {err}");
}
