//! End-to-end tests of `image-server` and `image-client`, through the real binaries.

mod support;

use std::io::Write;
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};
use support::{Client, Server, TempDir};

const SERVER: &str = env!("CARGO_BIN_EXE_image-server");
const CLIENT: &str = env!("CARGO_BIN_EXE_image-client");

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
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

fn path_str(path: &Path) -> String {
    path.to_str().expect("temp paths are UTF-8").to_string()
}

/// Serves `content` from a real image-server and fetches it with the real client.
fn round_trip(content: &[u8]) {
    let dir = TempDir::new();
    let source = dir.join("b.jpg");
    std::fs::write(&source, content).unwrap();
    std::fs::create_dir(dir.join("out")).unwrap();
    let out = dir.join("out/a.jpg");
    let server = Server::start(SERVER, &["--port", "0", "--file", &path_str(&source)]);
    Client::new(CLIENT)
        .args(&["--host", "127.0.0.1", "--port", &server.port()])
        .args(&["--out", &path_str(&out)])
        .run()
        .expect_code(0)
        .expect_out(&format!("received {} bytes from 127.0.0.1:", content.len()))
        .expect_out("MB/s")
        .expect_out(&format!("saved to {}", socket_labs::paths::shown(&out)));
    assert!(std::fs::read(&out).unwrap() == content, "the file differs");
    assert_eq!(entries(&dir.join("out")), vec!["a.jpg".to_string()]);
    let sent = server
        .wait_for_line("sent ", Duration::from_secs(5))
        .expect("the server logs the transfer");
    assert!(
        sent.starts_with(&format!("sent {} bytes to ", content.len())),
        "{sent}"
    );
}

#[test]
fn a_five_megabyte_image_arrives_identical() {
    round_trip(&pattern(5_000_000));
}

#[test]
fn an_empty_image_arrives_identical() {
    round_trip(&[]);
}

#[test]
fn a_server_that_stops_short_leaves_no_file() {
    // A stand-in server: announces 1,000,000 bytes, sends 1,000, hangs up.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream.write_all(&1_000_000u64.to_be_bytes()).unwrap();
        stream.write_all(&pattern(1_000)).unwrap();
    });
    let dir = TempDir::new();
    let out = dir.join("a.jpg");
    Client::new(CLIENT)
        .args(&["--host", "127.0.0.1", "--port", &port])
        .args(&["--out", &path_str(&out)])
        .run()
        .expect_code(1)
        .expect_one_error_line()
        .expect_err("short transfer from 127.0.0.1:")
        .expect_err("the server announced 1000000 bytes but the connection ended after 1000");
    assert!(entries(dir.path()).is_empty(), "{:?}", entries(dir.path()));
}

#[test]
fn a_silent_server_times_out_and_leaves_no_file() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let dir = TempDir::new();
    Client::new(CLIENT)
        .args(&["--host", "127.0.0.1", "--port", &port, "--timeout", "0.2"])
        .args(&["--out", &path_str(&dir.join("a.jpg"))])
        .run()
        .expect_code(1)
        .expect_one_error_line()
        .expect_err("timed out after 0 of the 8 header bytes");
    assert!(entries(dir.path()).is_empty());
    drop(listener);
}

#[test]
fn once_serves_one_client_then_exits_and_otherwise_serves_on() {
    let dir = TempDir::new();
    let source = dir.join("b.jpg");
    std::fs::write(&source, pattern(1000)).unwrap();
    let fetch = |server: &Server, name: &str| {
        Client::new(CLIENT)
            .args(&["--host", "127.0.0.1", "--port", &server.port()])
            .args(&["--out", &path_str(&dir.join(name))])
            .run()
            .expect_code(0);
    };

    let mut once = Server::start(
        SERVER,
        &["--port", "0", "--once", "--file", &path_str(&source)],
    );
    fetch(&once, "one.jpg");
    assert!(once
        .wait_for_line(
            "served one client (--once); exiting",
            Duration::from_secs(5)
        )
        .is_some());
    let deadline = Instant::now() + Duration::from_secs(5);
    while once.is_running() {
        assert!(
            Instant::now() < deadline,
            "{} is still running",
            once.command()
        );
        std::thread::sleep(Duration::from_millis(5));
    }

    let server = Server::start(SERVER, &["--port", "0", "--file", &path_str(&source)]);
    fetch(&server, "two.jpg");
    fetch(&server, "three.jpg");
}

#[cfg(unix)]
#[test]
fn show_without_a_viewer_is_a_warning_not_a_failure() {
    let dir = TempDir::new();
    let source = dir.join("b.jpg");
    std::fs::write(&source, pattern(100)).unwrap();
    let server = Server::start(SERVER, &["--port", "0", "--file", &path_str(&source)]);
    let out = dir.join("a.jpg");
    // An empty folder as PATH: no xdg-open (or open) can be found.
    let empty = dir.join("empty-path");
    std::fs::create_dir(&empty).unwrap();
    let result = std::process::Command::new(CLIENT)
        .args(["--host", "127.0.0.1", "--port", &server.port(), "--show"])
        .args(["--out", &path_str(&out)])
        .env("PATH", &empty)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.starts_with("warning: cannot open an image viewer: ")
            && stderr.contains("not found"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&out).unwrap(), pattern(100));
}

#[test]
fn no_server_means_connection_refused() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let dir = TempDir::new();
    Client::new(CLIENT)
        .args(&["--host", "127.0.0.1", "--port", &port])
        .args(&["--out", &path_str(&dir.join("a.jpg"))])
        .run()
        .expect_code(1)
        .expect_one_error_line()
        .expect_err("connection refused")
        .expect_err("is image-server running");
    assert!(entries(dir.path()).is_empty());
}

#[test]
fn a_bad_file_or_target_is_refused_before_any_network_traffic() {
    let dir = TempDir::new();
    let run = Client::new(SERVER)
        .args(&["--port", "0", "--file", &path_str(&dir.join("missing.jpg"))])
        .run();
    run.expect_code(1)
        .expect_one_error_line()
        .expect_err("missing.jpg: not found");
    assert!(!run.out().contains("listening on"), "{}", run.report());

    Client::new(SERVER)
        .args(&["--port", "0", "--file", &path_str(dir.path())])
        .run()
        .expect_code(1)
        .expect_err("not a regular file");

    // Port 1 would be refused, but the missing folder is reported first.
    Client::new(CLIENT)
        .args(&[
            "--port",
            "1",
            "--out",
            &path_str(&dir.join("no/such/a.jpg")),
        ])
        .run()
        .expect_code(1)
        .expect_one_error_line()
        .expect_err("does not exist");
}

#[test]
fn bad_arguments_exit_2() {
    let cases: Vec<(&str, Vec<&str>)> = vec![
        (SERVER, vec!["--port", "abc"]),
        (SERVER, vec!["--nope"]),
        (SERVER, vec!["--once=yes"]),
        (SERVER, vec!["extra"]),
        (CLIENT, vec!["--port", "99999"]),
        (CLIENT, vec!["--timeout", "-1"]),
        (CLIENT, vec!["--out"]),
    ];
    for (bin, args) in cases {
        Client::new(bin)
            .args(&args)
            .run()
            .expect_code(2)
            .expect_err("error: ")
            .expect_err("usage: ");
    }
}
