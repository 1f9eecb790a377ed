//! End-to-end tests of `image-server` and `image-client`, through the real
//! binaries, and against peers written the way the lab's originals were.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};
use support::{peers, Client, Outcome, Server, TempDir};

const SERVER: &str = env!("CARGO_BIN_EXE_image-server");
const CLIENT: &str = env!("CARGO_BIN_EXE_image-client");
const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/lab-files/ServerFolder/b.jpg");
const LIMIT: Duration = Duration::from_secs(10);

/// `len` bytes that are not all alike (xorshift64), so a misplaced chunk shows.
fn pattern(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

fn entries(dir: &Path) -> Vec<String> {
    let list = std::fs::read_dir(dir).unwrap();
    list.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
}

fn text(path: &Path) -> String {
    path.to_str().expect("temp paths are UTF-8").to_string()
}

/// Runs image-client against `port`, saving into `out`, with `extra` arguments.
fn fetch(port: &str, out: &Path, extra: &[&str]) -> Outcome {
    let args = ["--host", "127.0.0.1", "--port", port, "--out", &text(out)];
    Client::new(CLIENT).args(&args).args(extra).run()
}

/// The client fails with exit 1 and one error line saying each of `needles`,
/// and leaves nothing in `dir` (it saves to `dir/a.jpg`).
fn refused(port: &str, dir: &Path, extra: &[&str], needles: &[&str]) {
    let run = fetch(port, &dir.join("a.jpg"), extra);
    run.expect_code(1).expect_one_error_line();
    for needle in needles {
        run.expect_err(needle);
    }
    assert!(entries(dir).is_empty(), "{:?}", entries(dir));
}

/// A server written as the lab's was: accept, `sendall` these bytes, close.
fn lab_server(bytes: Vec<u8>) -> String {
    let addr = peers::tcp(move |mut stream| {
        let _ = stream.write_all(&bytes);
    });
    addr.port().to_string()
}

/// Serves `content` from a real image-server and fetches it with the real client.
fn round_trip(content: &[u8], framed: &[&str]) {
    let dir = TempDir::new();
    let source = dir.join("b.jpg");
    std::fs::write(&source, content).unwrap();
    std::fs::create_dir(dir.join("out")).unwrap();
    let out = dir.join("out/a.jpg");
    let source = text(&source);
    let server_args = [&["--port", "0", "--file", &source], framed].concat();
    let server = Server::start(SERVER, &server_args);
    let run = fetch(&server.port(), &out, framed);
    run.expect_code(0)
        .expect_out(&format!("received {} bytes from 127.0.0.1:", content.len()))
        .expect_out("MB/s")
        .expect_out(&format!("saved to {}", socket_labs::paths::shown(&out)));
    assert!(run.err().is_empty(), "{}", run.report());
    assert!(std::fs::read(&out).unwrap() == content, "the file differs");
    assert_eq!(entries(&dir.join("out")), vec!["a.jpg".to_string()]);
    let sent = server.wait_for_line("sent ", LIMIT).expect("a log line");
    assert!(sent.starts_with(&format!("sent {} bytes to ", content.len())), "{sent}");
}

#[test]
fn a_five_megabyte_file_arrives_identical_raw_and_framed() {
    round_trip(&pattern(5_000_000), &[]);
    round_trip(&pattern(5_000_000), &["--framed"]);
}

#[test]
fn an_empty_file_arrives_identical_raw_and_framed() {
    round_trip(&[], &[]);
    round_trip(&[], &["--framed"]);
}

/// The lab's client, with its one `recv(100000)` turned into a loop to the end
/// of the stream (the one-line fix the handout teaches), gets the sample image
/// byte for byte. Its first `recv` alone is what the original saved.
#[test]
fn the_labs_client_with_a_recv_loop_gets_the_whole_image() {
    let sample = std::fs::read(SAMPLE).unwrap();
    let server = Server::start(SERVER, &["--port", "0", "--file", SAMPLE]);
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream.set_read_timeout(Some(LIMIT)).unwrap();
    let (mut data, mut buf) = (Vec::new(), vec![0u8; 100_000]);
    loop {
        let n = stream.read(&mut buf).unwrap(); // recv(100000)
        if n == 0 {
            break;
        }
        if data.is_empty() {
            assert!(n <= 100_000 && n < sample.len(), "one recv: {n} bytes");
        }
        data.extend_from_slice(&buf[..n]);
    }
    assert!(data == sample, "{} of {} bytes, or different", data.len(), sample.len());
}

#[test]
fn our_client_saves_the_whole_image_from_a_lab_style_server() {
    let sample = std::fs::read(SAMPLE).unwrap();
    let port = lab_server(sample.clone());
    let dir = TempDir::new();
    let out = dir.join("a.jpg");
    let run = fetch(&port, &out, &[]);
    run.expect_code(0).expect_out("received 182332 bytes");
    assert!(run.err().is_empty(), "no warning for a whole JPEG\n{}", run.report());
    assert!(std::fs::read(&out).unwrap() == sample);
}

/// A server that stops halfway: close-delimited, only the end marker gives it
/// away (the file is saved, with a warning); framed, the file is refused.
#[test]
fn a_cut_image_is_saved_with_a_warning_raw_and_refused_framed() {
    let sample = std::fs::read(SAMPLE).unwrap();
    let half = sample[..sample.len() / 2].to_vec();
    let dir = TempDir::new();
    let out = dir.join("a.jpg");
    fetch(&lab_server(half.clone()), &out, &[])
        .expect_code(0)
        .expect_err("warning: ")
        .expect_err("may be truncated: it starts like a JPEG but does not end with")
        .expect_err("FF D9");
    assert_eq!(std::fs::read(&out).unwrap(), half);

    std::fs::remove_file(&out).unwrap();
    let framed = [&(sample.len() as u64).to_be_bytes()[..], &half].concat();
    let short = "short transfer: 182332 bytes announced, 91166 came";
    refused(&lab_server(framed), dir.path(), &["--framed"], &[short]);
}

#[test]
fn a_framed_client_refuses_a_server_that_sends_no_length() {
    let port = lab_server(std::fs::read(SAMPLE).unwrap());
    let dir = TempDir::new();
    let announces = "it announces 18435766412179950150 bytes, more than --max-size";
    refused(&port, dir.path(), &["--framed"], &[announces, "drop --framed"]);
}

#[test]
fn a_file_over_max_size_is_refused_raw_and_framed() {
    let dir = TempDir::new();
    let source = dir.join("big.bin");
    std::fs::write(&source, pattern(5_000)).unwrap();
    std::fs::create_dir(dir.join("out")).unwrap();
    let out = dir.join("out/a.bin");
    let raw = Server::start(SERVER, &["--port", "0", "--file", &text(&source)]);
    fetch(&raw.port(), &out, &["--max-size", "1000"])
        .expect_code(1)
        .expect_one_error_line()
        .expect_err("the file is larger than --max-size 1000 bytes");
    let framed = Server::start(SERVER, &["--port", "0", "--framed", "--file", &text(&source)]);
    fetch(&framed.port(), &out, &["--framed", "--max-size", "1000"])
        .expect_code(1)
        .expect_err("it announces 5000 bytes, more than --max-size 1000");
    assert!(entries(&dir.join("out")).is_empty());
}

/// A server that trickles one byte every 50 ms never trips the idle timeout;
/// `--max-time` ends the transfer all the same, and leaves no file.
#[test]
fn a_trickling_server_is_given_up_at_max_time() {
    let addr = peers::tcp(|mut stream| {
        let _ = stream.write_all(b"\xff\xd8\xff\xe0");
        while stream.write_all(b".").is_ok() {
            std::thread::sleep(Duration::from_millis(50)); // the attack's pace, not a sync
        }
    });
    let dir = TempDir::new();
    let started = Instant::now();
    let limits = ["--timeout", "5", "--max-time", "0.5"];
    refused(&addr.port().to_string(), dir.path(), &limits, &["--max-time 500ms passed"]);
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

#[test]
fn a_silent_server_times_out_and_leaves_no_file() {
    let addr = peers::tcp(|mut stream| {
        let _ = stream.read(&mut [0u8; 1]); // says nothing until the client goes
    });
    let dir = TempDir::new();
    refused(
        &addr.port().to_string(),
        dir.path(),
        &["--timeout", "0.2"],
        &["timed out after 0 bytes"],
    );
}

#[test]
fn stale_part_files_of_dead_clients_are_removed_at_start() {
    let dir = TempDir::new();
    let stale = dir.join(".a.jpg.part-4000000000-0"); // no such process
    std::fs::write(&stale, b"left by a client killed mid-transfer").unwrap();
    let port = lab_server(b"new".to_vec());
    fetch(&port, &dir.join("a.jpg"), &[]).expect_code(0);
    if cfg!(target_os = "linux") {
        assert_eq!(entries(dir.path()), vec!["a.jpg".to_string()]);
    } else {
        // Only Linux lets std ask whether a PID is alive (/proc); elsewhere a
        // part file is taken as stale after a day (files::remove_stale_parts).
        assert!(entries(dir.path()).contains(&"a.jpg".to_string()));
    }
}

#[test]
fn once_serves_one_client_then_exits_and_otherwise_serves_on() {
    let dir = TempDir::new();
    let source = dir.join("b.jpg");
    std::fs::write(&source, pattern(1000)).unwrap();
    let mut once = Server::start(SERVER, &["--port", "0", "--once", "--file", &text(&source)]);
    fetch(&once.port(), &dir.join("one.jpg"), &[]).expect_code(0);
    let line = once.wait_for_line("served one client (--once); exiting", LIMIT);
    assert!(line.is_some(), "{}", once.stderr());
    let deadline = Instant::now() + LIMIT;
    while once.is_running() {
        assert!(Instant::now() < deadline, "{} is still running", once.command());
        std::thread::sleep(Duration::from_millis(5)); // polling for exit, with a deadline
    }
    let server = Server::start(SERVER, &["--port", "0", "--file", &text(&source)]);
    fetch(&server.port(), &dir.join("two.jpg"), &[]).expect_code(0);
    fetch(&server.port(), &dir.join("three.jpg"), &[]).expect_code(0);
}

/// Clients that connect and never read fill the cap; one more is refused with
/// a log line; the idle timeout frees the slots, and a real client is served.
#[test]
fn clients_beyond_the_cap_are_refused_and_idle_ones_dropped() {
    let dir = TempDir::new();
    let source = dir.join("big.bin");
    std::fs::write(&source, pattern(20_000_000)).unwrap(); // more than the socket buffers hold
    let args = ["--port", "0", "--max-clients", "2", "--idle-timeout", "0.3"];
    let server = Server::start(SERVER, &[&args[..], &["--file", &text(&source)]].concat());
    let idle: Vec<TcpStream> = (0..2).map(|_| TcpStream::connect(server.addr).unwrap()).collect();
    for _ in 0..2 {
        server.wait_for_line("connection from", LIMIT).expect("both served");
    }
    let extra = TcpStream::connect(server.addr).unwrap();
    let refused = server.wait_for_line("refused", LIMIT).expect("a refusal line");
    assert!(refused.contains("(--max-clients)"), "{refused}");
    for _ in 0..2 {
        let line = server.wait_for_line("failed", LIMIT).expect("an idle client dropped");
        assert!(line.contains("timed out"), "{line}");
    }
    drop((idle, extra));
    fetch(&server.port(), &dir.join("copy.bin"), &[]).expect_code(0);
}

#[cfg(unix)]
#[test]
fn show_without_a_viewer_is_a_warning_not_a_failure() {
    let dir = TempDir::new();
    let port = lab_server(pattern(100));
    let out = dir.join("a.jpg");
    let empty = dir.join("empty-path"); // as PATH: no xdg-open (or open) to find
    std::fs::create_dir(&empty).unwrap();
    let result = std::process::Command::new(CLIENT)
        .args(["--host", "127.0.0.1", "--port", &port, "--show", "--out", &text(&out)])
        .env("PATH", &empty)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(0), "{stderr}");
    assert!(stderr.starts_with("warning: cannot open an image viewer: "), "{stderr}");
    assert!(stderr.contains("not found"), "{stderr}");
    assert_eq!(std::fs::read(&out).unwrap(), pattern(100));
}

#[test]
fn no_server_means_connection_refused() {
    let dir = TempDir::new();
    let port = support::closed_port().to_string();
    refused(&port, dir.path(), &[], &["connection refused", "is image-server running"]);
}

#[test]
fn a_bad_file_or_target_is_refused_before_any_network_traffic() {
    let dir = TempDir::new();
    let run =
        Client::new(SERVER).args(&["--port", "0", "--file", &text(&dir.join("missing.jpg"))]).run();
    run.expect_code(1).expect_one_error_line().expect_err("missing.jpg: not found");
    assert!(!run.out().contains("listening on"), "{}", run.report());
    Client::new(SERVER)
        .args(&["--port", "0", "--file", &text(dir.path())])
        .run()
        .expect_code(1)
        .expect_err("not a regular file");
    // Port 1 would be refused, but the bad target is reported first.
    let closed = "1";
    fetch(closed, &dir.join("no/such/a.jpg"), &[])
        .expect_code(1)
        .expect_one_error_line()
        .expect_err("does the folder");
    fetch(closed, dir.path(), &[])
        .expect_code(1)
        .expect_one_error_line()
        .expect_err("it is a folder");
}

/// Every number on both command lines: out of range is a usage error, never
/// a panic. `--port 0` first, so a server given a value it should refuse takes
/// no fixed port; a client's `--port 1` has nothing listening.
#[test]
fn every_numeric_flag_is_range_checked() {
    support::expect_usage_errors(&[
        (SERVER, &["--port"], &["65536", "1.5"]),
        (SERVER, &["--port", "0", "--idle-timeout"], &["0", "25h"]),
        (SERVER, &["--port", "0", "--max-time"], &["0", "25h"]),
        (SERVER, &["--port", "0", "--max-clients"], &["0", "100001", "1.5"]),
        (CLIENT, &["--port"], &["0", "65536", "1.5"]),
        (CLIENT, &["--port", "1", "--timeout"], &["0", "25h"]),
        (CLIENT, &["--port", "1", "--max-time"], &["0", "25h"]),
        (CLIENT, &["--port", "1", "--max-size"], &["1099511627777", "1.5"]),
    ]);
    for (bin, args) in [(SERVER, &["--nope"][..]), (SERVER, &["--once=yes"]), (CLIENT, &["--out"])]
    {
        Client::new(bin).args(args).run().expect_code(2).expect_err("usage: ");
    }
}
