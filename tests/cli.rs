//! Every binary follows the command-line conventions of the crate front page:
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
        let wide = out.out().lines().find(|l| l.chars().count() > 100).map(str::to_string);
        assert_eq!(wide, None, "{name}: a --help line is wider than 100 columns");
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
    for args in
        [&["--port", "70000"][..], &["--count", "0"], &["--timeout", "-1"], &["--count", "x"]]
    {
        Client::new(client).args(args).run().expect_code(2).expect_err("error: ");
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
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(err.is_empty(), "stderr: {err}");
    assert_eq!(status.code(), Some(0), "stderr: {err}");
}

/// The value names `--help` gives to numbers; any flag or positional shown
/// with one of these is fed the hostile values below.
const NUMERIC: &[&str] = &[
    "N", "PORT", "DURATION", "SECS", "MS", "PCT", "KBIT", "BYTES", "SIZE", "COUNT", "INTERVAL",
    "SEED", "FAMILY", "WINDOW",
];

/// Values no numeric argument may take: each must be a usage error (exit 2).
const ALWAYS_REFUSED: &[&str] = &["-1", "1e300", "NaN", "inf", "", "-0.5", "x"];
/// Values some arguments take (a 0 port, a 1.5 s interval, the largest seed):
/// where they are accepted the program may run on, but it must never panic.
const MAYBE_ACCEPTED: &[&str] = &["0", "1.5", "18446744073709551615", "4000000000"];

/// Each numeric argument of a binary, from its `--help`: `("--count", true)`
/// for a flag, `("COUNT", false)` for a positional.
fn numeric_arguments(bin: &str) -> Vec<(String, bool)> {
    let help = Client::new(bin).args(&["--help"]).run().out();
    let mut found = Vec::new();
    let mut section = "";
    for line in help.lines() {
        if !line.starts_with(' ') {
            section = line.trim_end_matches(':');
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        match (section, words.as_slice()) {
            ("arguments", [name, ..]) if NUMERIC.contains(name) => {
                found.push((name.to_string(), false));
            }
            ("options", words) => {
                let at = words.iter().position(|w| w.starts_with("--"));
                if let Some(at) = at {
                    if words.get(at + 1).map_or(false, |v| NUMERIC.contains(v)) {
                        found.push((words[at].to_string(), true));
                    }
                }
            }
            _ => {}
        }
    }
    found
}

/// Every positional of a binary, in order, from its `--help`.
fn positionals(bin: &str) -> Vec<String> {
    let help = Client::new(bin).args(&["--help"]).run().out();
    let mut in_arguments = false;
    let mut names = Vec::new();
    for line in help.lines() {
        if !line.starts_with(' ') {
            in_arguments = line == "arguments:";
        } else if in_arguments {
            names.extend(line.split_whitespace().next().map(str::to_string));
        }
    }
    names
}

/// The command line that gives `value` to `arg`; positionals before it get
/// harmless values so the hostile one lands in the right place.
fn with_value(bin: &str, arg: &(String, bool), value: &str) -> Vec<String> {
    if arg.1 {
        return vec![arg.0.clone(), value.to_string()];
    }
    let mut args = Vec::new();
    for name in positionals(bin) {
        if name == arg.0 {
            args.push(value.to_string());
            break;
        }
        let harmless = if NUMERIC.contains(&name.as_str()) { "1" } else { "127.0.0.1" };
        args.push(harmless.to_string());
    }
    args
}

#[test]
fn every_number_on_every_command_line_is_range_checked() {
    if support::wine::skip_under_wine(
        "starts hundreds of programs at once, and Wine 8's CreateProcess then fails with os \
         error 1359; the parsing it checks is the same code on every platform",
    ) {
        return;
    }
    let mut cases = Vec::new();
    for (name, bin) in BINARIES {
        for arg in numeric_arguments(bin) {
            for value in ALWAYS_REFUSED.iter().chain(MAYBE_ACCEPTED) {
                cases.push((*name, *bin, arg.clone(), *value));
            }
        }
    }
    assert!(cases.len() > 300, "too few numeric arguments found: {}", cases.len());
    // Accepted values may start a server or a long run; run a few at a time
    // and stop each after a second.
    // Accepted values may write files (perf-client's graphs): keep them here.
    let scratch = support::TempDir::new();
    let cases = std::sync::Mutex::new(cases);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..6 {
            scope.spawn(|| loop {
                let case = cases.lock().unwrap().pop();
                let (name, bin, arg, value) = match case {
                    Some(case) => case,
                    None => return,
                };
                let args = with_value(bin, &arg, value);
                let seed_max = arg.0 == "--seed" && value == "18446744073709551615";
                let must_refuse = ALWAYS_REFUSED.contains(&value)
                    || (value == "18446744073709551615" && !seed_max);
                let outcome = Client::new(bin)
                    .dir(scratch.path())
                    .args(&args)
                    .stdin("")
                    // A refusal comes at once; a slow start (Wine, a busy machine) is
                    // not one, so only accepted values are stopped after a second.
                    .limit(std::time::Duration::from_secs(if must_refuse { 20 } else { 1 }))
                    .run_or_stop();
                let problem = match &outcome {
                    None if must_refuse => Some("accepted (still running after 20 s)".to_string()),
                    None => None,
                    Some(out) if out.err().contains("panicked") => Some(out.report()),
                    Some(out) if out.code().is_none() || out.code() == Some(101) => {
                        Some(out.report())
                    }
                    Some(out) if must_refuse && out.code() != Some(2) => Some(out.report()),
                    Some(_) => None,
                };
                if let Some(problem) = problem {
                    let what = format!("{name} {}: {problem}", args.join(" "));
                    failures.lock().unwrap().push(what);
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// Starts udp-upper-server with a stdout pipe the test controls, and returns
/// the child and its address (read from the `listening on` line).
fn server_with_raw_stdout() -> (std::process::Child, std::net::SocketAddr, std::process::ChildStdout)
{
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_udp-upper-server"))
        .args(["--host", "127.0.0.1", "--port", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    // Byte by byte, so nothing past the first line is consumed.
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while stdout.read(&mut byte).unwrap() == 1 && byte[0] != b'\n' {
        line.push(byte[0]);
    }
    let line = String::from_utf8(line).unwrap();
    let addr = line.rsplit(' ').next().unwrap().parse().unwrap();
    (child, addr, stdout)
}

/// Sends `n` long sentences and counts those answered. UDP may drop a
/// datagram on a busy machine, so each is tried up to three times: a server
/// that blocks on its log answers none after the first few hundred.
fn answered(server: std::net::SocketAddr, n: usize) -> usize {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(std::time::Duration::from_millis(500))).unwrap();
    let sentence = "a long sentence to make a long log line ".repeat(5);
    let mut buf = [0u8; 1024];
    (0..n)
        .filter(|_| {
            (0..3).any(|_| {
                socket.send_to(sentence.as_bytes(), server).unwrap();
                socket.recv_from(&mut buf).is_ok()
            })
        })
        .count()
}

/// A server's stdout is a pipe nobody reads: the pipe fills after a few
/// hundred log lines, and a server that wrote its log from the serving
/// thread would block there. Log lines are dropped instead; serving goes on.
#[test]
fn a_server_whose_log_nobody_reads_keeps_serving() {
    let (mut child, addr, stdout) = server_with_raw_stdout();
    let served = answered(addr, 2000);
    let _ = child.kill();
    let _ = child.wait();
    drop(stdout);
    assert_eq!(served, 2000);
}

/// `server | head -1`: the log's reader has gone. Writes to stdout fail; the
/// server counts the lost lines and keeps serving.
#[test]
fn a_server_whose_log_reader_left_keeps_serving() {
    let (mut child, addr, stdout) = server_with_raw_stdout();
    drop(stdout);
    let served = answered(addr, 50);
    let running = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(served, 50);
    assert!(running, "the server exited when its log reader left");
}
