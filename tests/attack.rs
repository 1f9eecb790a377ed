//! Long attacks on the TCP servers, for a person to run (they take minutes,
//! so they are `#[ignore]`d in the normal suite):
//!
//! ```text
//! cargo test --release --test attack -- --ignored --nocapture --test-threads 1
//! ```
//!
//! Each attack starts one server and checks that a legitimate client is still
//! served while the attack goes on and right after it stops:
//!
//! * **thread limit and idle flood**: the server runs with a limit of 100
//!   processes and threads for its user (`prlimit --nproc`, as user `nobody`
//!   when run as root, since root ignores that limit) and 1024 files; 500
//!   connections are opened and left idle. `thread::spawn` panics when the OS
//!   refuses a thread, so a server that uses it dies here. A server that
//!   survives serves again once `--idle-timeout` (5 s here) drops the flood.
//! * **slow trickle**: 1300 connections each send one byte every 2 s, and
//!   reconnect when dropped, so none ever trips an idle timeout.
//!
//! `ATTACK_BIN_DIR=/path/to/target/release` runs the attacks on other builds
//! of the binaries (an older commit, say) to compare.
//! The file-server's own attacks (a symlink swapped under it, a FIFO) are in
//! `tests/file_transfer.rs` and `tests/attack-file-server.sh`.

mod support;

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use support::Server;

/// The binary to attack: from `ATTACK_BIN_DIR` when set, else this build's.
fn binary(name: &str, built: &str) -> String {
    match std::env::var_os("ATTACK_BIN_DIR") {
        Some(dir) => PathBuf::from(dir).join(name).display().to_string(),
        None => built.to_string(),
    }
}

fn lab_file(path: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path).display().to_string()
}

/// One server under attack: how to start it and what a legitimate client does.
struct Target {
    name: &'static str,
    bin: String,
    args: Vec<String>,
    legit: fn(SocketAddr) -> std::io::Result<()>,
}

fn targets() -> Vec<Target> {
    let dir = lab_file("lab-files/server_folder");
    let image = lab_file("lab-files/ServerFolder/b.jpg");
    vec![
        Target {
            name: "tcp-upper-server",
            bin: binary("tcp-upper-server", env!("CARGO_BIN_EXE_tcp-upper-server")),
            args: vec![],
            legit: upper_client,
        },
        Target {
            name: "dual-stack-server",
            bin: binary("dual-stack-server", env!("CARGO_BIN_EXE_dual-stack-server")),
            args: vec![],
            legit: echo_client,
        },
        Target {
            name: "file-server",
            bin: binary("file-server", env!("CARGO_BIN_EXE_file-server")),
            args: vec!["--dir".into(), dir],
            legit: file_client,
        },
        Target {
            name: "image-server",
            bin: binary("image-server", env!("CARGO_BIN_EXE_image-server")),
            args: vec!["--file".into(), image],
            legit: image_client,
        },
    ]
}

fn connect(addr: SocketAddr) -> std::io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1))?;
    stream.set_read_timeout(Some(Duration::from_secs(1)))?;
    Ok(stream)
}

fn wrong(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::Other, what.to_string())
}

fn upper_client(addr: SocketAddr) -> std::io::Result<()> {
    let mut stream = connect(addr)?;
    stream.write_all(b"hello")?;
    stream.shutdown(Shutdown::Write)?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply)?;
    if reply == b"HELLO" {
        Ok(())
    } else {
        Err(wrong("no HELLO"))
    }
}

fn echo_client(addr: SocketAddr) -> std::io::Result<()> {
    let mut stream = connect(addr)?;
    stream.write_all(b"hello\n")?;
    let mut reply = [0u8; 6];
    stream.read_exact(&mut reply)?;
    if &reply == b"hello\n" {
        Ok(())
    } else {
        Err(wrong("no echo"))
    }
}

fn file_client(addr: SocketAddr) -> std::io::Result<()> {
    let mut stream = connect(addr)?;
    let name = b"file_1.txt";
    let mut frame = vec![b'N'];
    frame.extend_from_slice(&(name.len() as u32).to_be_bytes());
    frame.extend_from_slice(name);
    stream.write_all(&frame)?;
    let mut tag = [0u8; 1];
    stream.read_exact(&mut tag)?;
    if tag[0] == b'D' {
        Ok(())
    } else {
        Err(wrong("no word"))
    }
}

fn image_client(addr: SocketAddr) -> std::io::Result<()> {
    let mut stream = connect(addr)?;
    let mut image = Vec::new();
    stream.read_to_end(&mut image)?;
    let size = std::fs::metadata(lab_file("lab-files/ServerFolder/b.jpg"))?.len();
    // A framed server sends 8 more bytes; either way the whole image came.
    if image.len() as u64 >= size {
        Ok(())
    } else {
        Err(wrong("short image"))
    }
}

/// Starts the server with the OS limits of a crowded lab machine.
fn start_limited(target: &Target, extra: &[&str]) -> Server {
    let mut args: Vec<String> = Vec::new();
    let running_as_root = std::env::var("USER").map_or(false, |u| u == "root")
        || std::fs::read_to_string("/proc/self/status")
            .map_or(false, |s| s.lines().any(|l| l.starts_with("Uid:\t0\t")));
    if running_as_root {
        // Root ignores RLIMIT_NPROC: become nobody first.
        args.extend(
            ["--reuid=65534", "--regid=65534", "--clear-groups", "prlimit"].map(String::from),
        );
    }
    args.extend(["--nproc=100", "--nofile=1024", "--"].map(String::from));
    args.push(target.bin.clone());
    args.extend(["--host", "127.0.0.1", "--port", "0"].map(String::from));
    args.extend(target.args.iter().cloned());
    args.extend(extra.iter().map(|s| s.to_string()));
    let wrapper = if running_as_root { "setpriv" } else { "prlimit" };
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Server::start(wrapper, &args)
}

/// Tries the legitimate client until it is served or `limit` passes; returns
/// how long it took.
fn served_within(target: &Target, addr: SocketAddr, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if (target.legit)(addr).is_ok() {
            return Some(started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20)); // a retrying client's pause
    }
    None
}

fn longest_log_line(server: &Server) -> usize {
    server.lines_so_far().iter().map(String::len).max().unwrap_or(0)
}

#[test]
#[ignore]
fn thread_limit_and_500_idle_connections() {
    // Idle connections hold the threads the OS allows until --idle-timeout
    // drops them; a short one shows the server serving again during the flood.
    let idle_timeout = Duration::from_secs(5);
    let mut failures = Vec::new();
    for target in targets() {
        let flags = ["--idle-timeout", "5s"];
        let use_flags = std::env::var_os("ATTACK_BIN_DIR").is_none();
        let mut server = start_limited(&target, if use_flags { &flags[..] } else { &[] });
        let addr = server.addr;
        let mut idle = Vec::new();
        for _ in 0..500 {
            if let Ok(stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) {
                idle.push(stream);
            }
        }
        std::thread::sleep(Duration::from_secs(2)); // let the server meet every one
        let alive_during = server.is_running();
        let during = served_within(&target, addr, idle_timeout + Duration::from_secs(3));
        drop(idle);
        let after = served_within(&target, addr, Duration::from_secs(5));
        println!(
            "{:<18} alive with 500 idle: {alive_during}; legit client during: {during:?}; \
             after the attacker stopped: {after:?}; longest log line {} bytes",
            target.name,
            longest_log_line(&server)
        );
        if !(alive_during && server.is_running()) {
            let why = first_line(&server.stderr()).to_string();
            failures.push(format!("{} died: {why}", target.name));
        }
        // The flood is still connected here, so a slot frees only when the
        // idle timeout drops its connections (2 s have already passed).
        if !during.map_or(false, |t| t <= idle_timeout) {
            failures.push(format!("{}: not served within --idle-timeout", target.name));
        }
        if !after.map_or(false, |t| t < Duration::from_secs(1)) {
            failures.push(format!("{}: not served within 1 s after the flood", target.name));
        }
        server.kill();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn first_line(text: &str) -> &str {
    let interesting = |l: &&str| l.contains("panicked") || l.contains("error");
    text.lines().find(interesting).unwrap_or("")
}

#[test]
#[ignore]
fn thirteen_hundred_slow_trickle_connections() {
    let max_time = Duration::from_secs(5);
    let mut failures = Vec::new();
    for target in targets() {
        let flags = ["--idle-timeout", "5s", "--max-time", "5s"];
        let use_flags = std::env::var_os("ATTACK_BIN_DIR").is_none();
        let server = start_limited(&target, if use_flags { &flags[..] } else { &[] });
        let addr = server.addr;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let attacker = {
            let stop = std::sync::Arc::clone(&stop);
            std::thread::spawn(move || trickle(addr, 1300, &stop))
        };
        std::thread::sleep(Duration::from_secs(3)); // the attack is under way
        let during = served_within(&target, addr, Duration::from_secs(30));
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let reconnects = attacker.join().unwrap_or(0);
        let after = served_within(&target, addr, Duration::from_secs(10));
        println!(
            "{:<18} legit client during the trickle: {during:?}; after: {after:?}; \
             attacker reconnected {reconnects} times; longest log line {} bytes",
            target.name,
            longest_log_line(&server)
        );
        // A slot frees within --max-time; the legitimate client then races the
        // attacker's reconnects for it, and while the accept queue is full its
        // SYN may be dropped and retried by its kernel 1 s and then 2 s later.
        if !during.map_or(false, |t| t <= max_time + Duration::from_secs(3)) {
            let what = "not served within --max-time during the trickle";
            failures.push(format!("{}: {what}", target.name));
        }
        if !after.map_or(false, |t| t < Duration::from_secs(1)) {
            failures.push(format!("{}: not served within 1 s after it", target.name));
        }
        if longest_log_line(&server) > 1024 {
            failures.push(format!("{}: a log line over 1 KiB", target.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Keeps `n` connections open, each sending one byte every 2 s and
/// reconnecting when dropped, until `stop`; returns the reconnect count.
fn trickle(addr: SocketAddr, n: usize, stop: &std::sync::atomic::AtomicBool) -> usize {
    let open = || {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_millis(200)).ok()?;
        stream.set_nonblocking(true).ok()?;
        Some(stream)
    };
    let mut streams: Vec<Option<TcpStream>> = (0..n).map(|_| open()).collect();
    let mut reconnects = 0;
    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
        for slot in streams.iter_mut() {
            let alive = match slot {
                Some(stream) => {
                    let mut sink = [0u8; 4096];
                    let closed = matches!(stream.read(&mut sink), Ok(0));
                    !closed && stream.write(b"x").map_or(false, |n| n == 1)
                }
                None => false,
            };
            if !alive {
                *slot = open();
                reconnects += 1;
            }
        }
        for _ in 0..20 {
            if stop.load(std::sync::atomic::Ordering::SeqCst) {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    reconnects
}
