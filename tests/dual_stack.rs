//! End-to-end tests of `dual-stack-server` and `dual-stack-client`, through the real binaries.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, ToSocketAddrs};
use std::time::Duration;
use support::{peers, Client, Server};

const SERVER: &str = env!("CARGO_BIN_EXE_dual-stack-server");
const CLIENT: &str = env!("CARGO_BIN_EXE_dual-stack-client");
const LIMIT: Duration = Duration::from_secs(5);

/// True when this machine has an IPv6 loopback (`::1`) to test with.
fn has_ipv6_loopback() -> bool {
    TcpListener::bind("[::1]:0").is_ok()
}

#[test]
fn ipv4_and_ipv6_clients_are_echoed_by_one_server_with_defaults() {
    let server = Server::start(SERVER, &["--port", "0"]);
    assert!(server.addr.ip().is_unspecified(), "{}", server.addr);
    // The default is [::]; only a machine without IPv6 falls back to 0.0.0.0.
    let machine_has_ipv6 = TcpListener::bind("[::]:0").is_ok();
    assert_eq!(server.addr.is_ipv6(), machine_has_ipv6, "{}", server.addr);
    let port = server.port();

    // Every value answered at the prompts, as a student would type them.
    let input = format!("1\n127.0.0.1\n{port}\nhello\nna\u{ef}ve \u{2713}\n\nend\nnot sent\n");
    let run = Client::new(CLIENT).stdin(input).run();
    run.expect_code(0)
        .expect_out("1 -> IPv4")
        .expect_out("2 -> IPv6")
        .expect_out("Enter 1 or 2 [1]: ")
        .expect_out("Hostname [localhost]: ")
        .expect_out("Port number [4567]: ")
        .expect_out(&format!("connected to 127.0.0.1:{port} (IPv4)"))
        .expect_out("echo: hello\n")
        .expect_out("echo: na\u{ef}ve \u{2713}\n")
        .expect_out("connection closed: 3 lines, 18 bytes sent and echoed back");
    assert!(!run.out().contains("not sent"), "{}", run.report());
    let seen =
        server.wait_for_line("connection from ", LIMIT).expect("the server logs the IPv4 client");
    let mapped = seen.contains("[::ffff:127.0.0.1]:") && seen.ends_with("(IPv4, mapped into IPv6)");
    // Where [::] is IPv6-only the server's own 0.0.0.0 listener takes the client.
    let plain = seen.contains(" 127.0.0.1:") && seen.ends_with("(IPv4)");
    assert!(mapped || plain, "unexpected log line: {seen}");

    if !has_ipv6_loopback() {
        eprintln!("no IPv6 loopback on this machine: IPv6 half skipped");
        return;
    }
    let input = format!("2\n::1\n{port}\nover IPv6\n");
    Client::new(CLIENT)
        .stdin(input)
        .run()
        .expect_code(0)
        .expect_out(&format!("connected to [::1]:{port} (IPv6)"))
        .expect_out("echo: over IPv6\n")
        .expect_out("connection closed: 1 line, 10 bytes");
    let seen = server
        .wait_for_line("connection from [::1]:", LIMIT)
        .expect("the server logs the IPv6 client");
    assert!(seen.ends_with("(IPv6)"), "{seen}");
}

#[test]
fn long_lines_multibyte_text_and_raw_bytes_come_back_whole() {
    let server = Server::start(SERVER, &["--port", "0"]);
    // 100,000 bytes of 1-, 2-, 3- and 4-byte characters: wherever TCP cuts the
    // echo into reads, some cut lands inside a character.
    let mut long = "a\u{e9}\u{20ac}\u{1f600}".repeat(10_000);
    long.truncate(99_990);
    while long.len() < 100_000 {
        long.push('z');
    }
    assert_eq!(long.len(), 100_000);
    let mut input = Vec::new();
    input.extend_from_slice(long.as_bytes());
    input.extend_from_slice(b"\n\xff\xfe not text \x01\n");
    let run = Client::new(CLIENT)
        .args(&["--family", "4", "127.0.0.1", &server.port()])
        .stdin(input)
        .run();
    run.expect_code(0)
        .expect_out(&format!("echo: {long}\n"))
        .expect_out("echo: \\xff\\xfe not text \\u{1}\n")
        .expect_out("connection closed: 2 lines, 100015 bytes sent and echoed back");
}

#[test]
fn an_echo_that_trickles_back_one_byte_at_a_time_is_reassembled() {
    // A stand-in server that answers each byte with its own write, Nagle off:
    // the client sees a read boundary inside every multi-byte character.
    let addr = peers::tcp(|mut stream| {
        stream.set_nodelay(true).unwrap();
        let mut buf = [0u8; 1024];
        while let Ok(n @ 1..) = stream.read(&mut buf) {
            for byte in &buf[..n] {
                if stream.write_all(std::slice::from_ref(byte)).is_err() {
                    return;
                }
            }
        }
    });
    let port = addr.port().to_string();
    let text = "\u{1f600}\u{20ac}\u{e9}".repeat(50);
    Client::new(CLIENT)
        .args(&["--family", "4", "127.0.0.1", &port])
        .stdin(format!("{text}\n"))
        .run()
        .expect_code(0)
        .expect_out(&format!("echo: {text}\n"));
}

#[test]
fn asking_for_ipv6_on_a_name_without_one_is_one_clear_error() {
    let port = support::closed_port().to_string();
    Client::new(CLIENT)
        .args(&["--family", "6", "127.0.0.1", &port])
        .run()
        .expect_code(1)
        .expect_one_error_line()
        .expect_err("cannot resolve '127.0.0.1': it has no IPv6 address");

    let localhost_has_ipv6 = ("localhost", 1)
        .to_socket_addrs()
        .map(|mut addrs| addrs.any(|a| a.is_ipv6()))
        .unwrap_or(true);
    if localhost_has_ipv6 {
        eprintln!("localhost has an IPv6 address here: the localhost case is skipped");
        return;
    }
    Client::new(CLIENT)
        .stdin(format!("2\nlocalhost\n{port}\n"))
        .run()
        .expect_code(1)
        .expect_one_error_line()
        .expect_err("'localhost': it has no IPv6 address")
        .expect_err("use ::1");
}

#[test]
fn no_server_means_connection_refused() {
    let port = support::closed_port().to_string();
    Client::new(CLIENT)
        .args(&["--family", "4", "127.0.0.1", &port])
        .stdin("hello\n")
        .run()
        .expect_code(1)
        .expect_one_error_line()
        .expect_err("connection refused")
        .expect_err("is dual-stack-server running");
}

#[test]
fn end_of_input_at_a_prompt_ends_quietly() {
    let run = Client::new(CLIENT).run();
    run.expect_code(0).expect_out("Enter 1 or 2 [1]: ");
    assert!(run.err().is_empty(), "{}", run.report());
    let run = Client::new(SERVER).run();
    run.expect_code(0).expect_out("Port number [4567]: ");
    assert!(run.err().is_empty(), "{}", run.report());
}

#[test]
fn bad_arguments_exit_2_and_bad_answers_are_asked_again() {
    let timeout: &[&str] = &["--family", "4", "::1", "1", "--timeout"];
    support::expect_usage_errors(&[
        (CLIENT, &["--family"], &["5", "0", "1.5"]),
        (CLIENT, &["--family", "4", "::1"], &["0", "65536", "1.5"]),
        (CLIENT, timeout, &["0", "25h"]),
        (SERVER, &["--port"], &["65536", "1.5"]),
        (SERVER, &["--port", "0", "--idle-timeout"], &["0", "25h"]),
        (SERVER, &["--port", "0", "--max-time"], &["0", "25h"]),
        (SERVER, &["--port", "0", "--max-clients"], &["0", "100001", "1.5"]),
    ]);
    for (bin, args) in [(CLIENT, &["--bogus"][..]), (CLIENT, &["--host", "a", "b"])] {
        Client::new(bin).args(args).run().expect_code(2).expect_err("usage: ");
    }

    // A wrong answer at a prompt is asked again, not the end of the program.
    let echo = peers::tcp_echo().port();
    let input = format!("3\n1\n127.0.0.1\nport?\n70000\n{echo}\nhi\n");
    let run = Client::new(CLIENT).stdin(input).run();
    run.expect_code(0).expect_out("echo: hi\n");
    for answer in ["3", "port?", "70000"] {
        run.expect_out(&format!("\"{answer}\" is not an answer here; try again"));
    }
    let run = Client::new(SERVER).stdin("abc\n70000\n").run();
    run.expect_code(0).expect_out("\"70000\" is not an answer here; try again");
    assert!(!run.out().contains("listening"), "{}", run.report());
}

/// An echo server that ends each line with `\r\n`, as many line-based
/// servers do: the client still reads each echo whole and in step.
#[test]
fn a_server_that_answers_crlf_is_read_line_by_line() {
    let addr = peers::tcp(|stream| {
        let (mut lines, mut out) = (BufReader::new(stream.try_clone().unwrap()), stream);
        let mut line = Vec::new();
        while let Ok(1..) = lines.read_until(b'\n', &mut line) {
            let body = line.strip_suffix(b"\n").unwrap_or(&line);
            if out.write_all(&[body, b"\r\n"].concat()).is_err() {
                return;
            }
            line.clear();
        }
    });
    Client::new(CLIENT)
        .args(&["--family", "4", "127.0.0.1", &addr.port().to_string()])
        .stdin("one\ntwo\nthree\n")
        .run()
        .expect_code(0)
        .expect_out("echo: one\n")
        .expect_out("echo: two\n")
        .expect_out("echo: three\n")
        .expect_out("connection closed: 3 lines");
}

/// A client that trickles a byte every 50 ms never trips the idle timeout;
/// `--max-time` cuts it, and the next client is served.
#[test]
fn a_trickling_client_is_cut_at_max_time() {
    let args = ["--port", "0", "--idle-timeout", "5", "--max-time", "0.5"];
    let server = Server::start(SERVER, &args);
    let target = format!("127.0.0.1:{}", server.port());
    let mut slow = std::net::TcpStream::connect(&target).unwrap();
    let port = slow.local_addr().unwrap().port();
    slow.set_read_timeout(Some(LIMIT)).unwrap();
    let started = std::time::Instant::now();
    let mut byte = [0u8; 1];
    while slow.write_all(b"x").is_ok() && matches!(slow.read(&mut byte), Ok(1)) {
        assert!(started.elapsed() < LIMIT, "still echoing after {LIMIT:?}");
        std::thread::sleep(Duration::from_millis(50)); // the attack's pace, not a sync
    }
    // The deadline, not the idle timeout (5 s), ended it; it cannot come early.
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(500), "cut after {took:?}");
    // The watchdog's shutdown ends the read (end of stream) or, if an echo was
    // on its way, the write ("write failed"): either way the end is logged.
    let (deadline, mut last) = (std::time::Instant::now() + LIMIT, None);
    let ended = loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match server.wait_for_line(&format!(":{port}"), left) {
            Some(l) if l.contains("end of stream") || l.contains("failed") => break true,
            Some(l) => last = Some(l),
            None => break false,
        }
    };
    assert!(ended, "no line about the end of the trickling connection; last: {last:?}");
    Client::new(CLIENT)
        .args(&["--family", "4", "127.0.0.1", &server.port()])
        .stdin("after\n")
        .run()
        .expect_code(0)
        .expect_out("echo: after\n");
}

#[test]
fn a_port_in_use_is_reported() {
    let server = Server::start(SERVER, &["--port", "0"]);
    Client::new(SERVER)
        .args(&["--port", &server.port()])
        .run()
        .expect_code(1)
        .expect_one_error_line()
        .expect_err("already in use");
}

#[test]
fn a_silent_client_is_dropped_and_others_are_still_served() {
    let server = Server::start(SERVER, &["--port", "0", "--idle-timeout", "0.2"]);
    let target = format!("127.0.0.1:{}", server.port());
    let mut silent = std::net::TcpStream::connect(&target).unwrap();
    silent.set_read_timeout(Some(LIMIT)).unwrap();
    // Say nothing: the server hangs up after its 0.2 s --timeout, so this
    // read sees end of stream (or a reset) long before LIMIT.
    let mut byte = [0u8; 1];
    match silent.read(&mut byte) {
        Ok(0) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        other => panic!("expected the server to hang up, got {other:?}"),
    }
    let line =
        server.wait_for_line("dropped the connection", LIMIT).expect("the server logs the drop");
    assert!(line.contains("silent for --idle-timeout"), "{line}");
    Client::new(CLIENT)
        .args(&["--family", "4", "127.0.0.1", &server.port()])
        .stdin("still here\n")
        .run()
        .expect_code(0)
        .expect_out("echo: still here\n");
}

/// The original server took one client at a time: while one was connected,
/// the next one's connect succeeded (the kernel completes the handshake) but
/// its lines were never echoed until the first left. Here a client that is
/// connected and idle does not hold up another one.
#[test]
fn a_second_client_is_served_while_the_first_stays_connected() {
    let server = Server::start(SERVER, &["--port", "0"]);
    let target = format!("127.0.0.1:{}", server.port());
    let mut first = std::net::TcpStream::connect(&target).unwrap();
    first.set_read_timeout(Some(LIMIT)).unwrap();
    first.write_all(b"first\n").unwrap();
    let mut echo = [0u8; 6];
    first.read_exact(&mut echo).unwrap();
    assert_eq!(&echo, b"first\n");
    // The first client stays connected, saying nothing more.
    let run = Client::new(CLIENT)
        .args(&["--family", "4", "127.0.0.1", &server.port(), "--timeout", "2"])
        .stdin("second\n")
        .run();
    run.expect_code(0).expect_out("echo: second\n");
    // And the first is still served afterwards.
    first.write_all(b"again\n").unwrap();
    first.read_exact(&mut echo).unwrap();
    assert_eq!(&echo, b"again\n");
}

/// The original client opened a first connection only to try the address,
/// closed it, and connected again: the server saw two clients for one. This
/// one connects once.
#[test]
fn one_client_run_is_one_connection() {
    let server = Server::start(SERVER, &["--port", "0"]);
    Client::new(CLIENT)
        .args(&["--family", "4", "127.0.0.1", &server.port()])
        .stdin("only once\n")
        .run()
        .expect_code(0)
        .expect_out("echo: only once\n");
    // Read the log up to the end of the connection, counting connections.
    let mut log = Vec::new();
    loop {
        let line =
            server.wait_for_line("", LIMIT).expect("the server logs the end of the connection");
        let done = line.contains("end of stream");
        log.push(line);
        if done {
            break;
        }
    }
    let connections = log.iter().filter(|l| l.starts_with("connection from ")).count();
    assert_eq!(connections, 1, "{log:?}");
}
