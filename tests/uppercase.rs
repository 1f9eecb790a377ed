//! End-to-end tests of the uppercase servers and clients (Experiment 4).

mod support;

use std::io::{Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::time::{Duration, Instant};
use support::{Client, Server};

const UDP_SERVER: &str = env!("CARGO_BIN_EXE_udp-upper-server");
const UDP_CLIENT: &str = env!("CARGO_BIN_EXE_udp-upper-client");
const TCP_SERVER: &str = env!("CARGO_BIN_EXE_tcp-upper-server");
const TCP_CLIENT: &str = env!("CARGO_BIN_EXE_tcp-upper-client");

/// `bin --host 127.0.0.1 --port PORT`, ready for more arguments.
fn to(bin: &str, port: impl ToString) -> Client {
    Client::new(bin).args(&["--host", "127.0.0.1", "--port", &port.to_string()])
}

/// Runs `bin` against the server on `port`: it must exit 0 and print `want`.
fn expect_reply(bin: &str, port: impl ToString, args: &[&str], want: &str) {
    to(bin, port).args(args).run().expect_code(0).expect_out(want);
}

fn udp_server() -> Server {
    Server::start(UDP_SERVER, &["--host", "127.0.0.1", "--port", "0"])
}

fn tcp_server(extra: &[&str]) -> Server {
    let mut args = vec!["--host", "127.0.0.1", "--port", "0"];
    args.extend_from_slice(extra);
    Server::start(TCP_SERVER, &args)
}

/// 60,000 bytes of lower-case words.
fn long_sentence() -> String {
    let words = ["alpha", "bravo", "charlie", "delta", "echo"];
    let mut text = String::new();
    let mut i = 0;
    while text.len() < 60_000 {
        text.push_str(words[i % words.len()]);
        text.push(' ');
        i += 1;
    }
    text.truncate(60_000);
    text
}

#[test]
fn udp_client_gets_unicode_uppercase() {
    let server = udp_server();
    expect_reply(UDP_CLIENT, server.port(), &["hello wörld"], "HELLO WÖRLD\n");
}

#[test]
fn udp_client_prompts_when_the_sentence_is_missing() {
    let server = udp_server();
    to(UDP_CLIENT, server.port())
        .stdin("from stdin\n")
        .run()
        .expect_code(0)
        .expect_out("Input lowercase sentence: FROM STDIN\n");
}

#[test]
fn end_of_input_at_the_prompt_ends_cleanly() {
    for client in [UDP_CLIENT, TCP_CLIENT] {
        let out = Client::new(client).args(&["--port", "1"]).run();
        out.expect_code(0).expect_out("Input lowercase sentence: ");
        assert!(out.err().is_empty(), "{}", out.report());
    }
}

#[test]
fn sixty_thousand_bytes_come_back_whole_over_udp_and_tcp() {
    let sentence = long_sentence();
    let expected = format!("{}\n", sentence.to_uppercase());
    let udp = udp_server();
    let out = to(UDP_CLIENT, udp.port()).stdin(format!("{sentence}\n")).run();
    out.expect_code(0);
    assert!(out.out().ends_with(&expected), "{}", out.report());

    // On stdin, as for UDP: Windows caps a whole command line at 32,767 characters.
    let tcp = tcp_server(&[]);
    let out = to(TCP_CLIENT, tcp.port()).stdin(format!("{sentence}\n")).run();
    out.expect_code(0);
    assert!(
        out.out().ends_with(&format!("From server: {expected}")),
        "TCP reply differs: {}",
        out.report()
    );
}

#[test]
fn udp_server_survives_bad_datagrams() {
    let server = udp_server();
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = vec![0u8; 70_000];
    let big = vec![b'x'; 65_000];
    let cases: [(&[u8], Vec<u8>); 3] = [
        (b"bad \xff\xfe bytes", b"BAD \xff\xfe BYTES".to_vec()),
        (&big, vec![b'X'; 65_000]),
        (b"", Vec::new()),
    ];
    for (request, expected) in cases.iter() {
        socket.send_to(request, server.addr).unwrap();
        let (n, _) = socket.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], &expected[..], "reply to a {}-byte datagram", request.len());
    }
    assert!(server.wait_for_line("not valid UTF-8", Duration::from_secs(5)).is_some());
    expect_reply(UDP_CLIENT, server.port(), &["still here"], "STILL HERE");
}

#[test]
fn tcp_client_gets_unicode_uppercase_and_server_logs_it() {
    let server = tcp_server(&[]);
    expect_reply(TCP_CLIENT, server.port(), &["hello wörld"], "From server: HELLO WÖRLD\n");
    let line = server.wait_for_line("->", Duration::from_secs(5)).unwrap();
    assert!(line.contains("\"hello wörld\" -> \"HELLO WÖRLD\""), "{line}");
}

#[test]
fn silent_tcp_client_blocks_nobody_and_is_dropped_after_the_timeout() {
    let server = tcp_server(&["--idle-timeout", "0.5"]);
    let silent = TcpStream::connect(server.addr).unwrap();
    // Another client is served while the silent one holds its connection.
    let started = Instant::now();
    expect_reply(TCP_CLIENT, server.port(), &["next please"], "NEXT PLEASE");
    assert!(started.elapsed() < Duration::from_millis(450), "{:?}", started.elapsed());
    let line = server
        .wait_for_line("dropped a silent client", Duration::from_secs(5))
        .expect("the server should log the dropped client");
    assert!(line.contains("(0 bytes received)"), "{line}");
    // The server closed its side: our read sees end of stream.
    let mut silent = silent;
    silent.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut rest = Vec::new();
    let _ = silent.read_to_end(&mut rest);
    assert!(rest.is_empty());
}

#[test]
fn half_a_character_then_disconnect_does_not_hurt_the_server() {
    let server = tcp_server(&[]);
    {
        let mut stream = TcpStream::connect(server.addr).unwrap();
        stream.write_all(b"ab\xc3").unwrap(); // the first byte of a two-byte character
    } // dropped: the connection closes without a shutdown
    assert!(server.wait_for_line("not valid UTF-8", Duration::from_secs(5)).is_some());
    // And raw non-UTF-8 over a proper exchange comes back with ASCII uppercased.
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream.write_all(b"x\xffy").unwrap();
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).unwrap();
    assert_eq!(reply, b"X\xffY");
}

#[test]
fn oversized_tcp_request_is_refused_and_logged() {
    let server = tcp_server(&[]);
    let mut stream = TcpStream::connect(server.addr).unwrap();
    // Write from a thread: the server stops reading at 64 KiB. The stream
    // stays open (returned) so the server's echo does not meet a reset first.
    let writer = std::thread::spawn(move || {
        let _ = stream.write_all(&vec![b'a'; 100_000]);
        stream
    });
    let line = server.wait_for_line("request refused", Duration::from_secs(5)).unwrap();
    assert!(line.contains("more than 65536 bytes"), "{line}");
    writer.join().unwrap();
}

#[test]
fn no_server_tcp_is_refused_quickly_udp_times_out() {
    // A port with nothing behind it: bind, read the port, close.
    let port = support::closed_port().to_string();
    let out = to(TCP_CLIENT, &port).args(&["hi"]).run();
    out.expect_code(1)
        .expect_one_error_line()
        .expect_err("connection refused")
        .expect_err("is tcp-upper-server running");
    assert!(out.elapsed < Duration::from_secs(1), "{}", out.report());

    let out = to(UDP_CLIENT, &port).args(&["--timeout", "0.3", "hi"]).run();
    out.expect_code(1)
        .expect_one_error_line()
        .expect_err("nothing within 0.3 s")
        .expect_err("is the server running?");
    assert!(out.elapsed >= Duration::from_millis(300), "{}", out.report());
    assert!(out.elapsed < Duration::from_millis(1300), "{}", out.report());
}

/// A name the C library rejects before sending any DNS query (a label longer
/// than 63 bytes), so the test sends nothing off the machine.
const UNRESOLVABLE: &str = socket_labs::no_server::UNRESOLVABLE;

#[test]
fn unresolvable_host_is_one_clear_line() {
    for client in [UDP_CLIENT, TCP_CLIENT] {
        Client::new(client)
            .args(&["--host", UNRESOLVABLE, "hi"])
            .run()
            .expect_code(1)
            .expect_one_error_line()
            .expect_err(&format!("cannot resolve '{UNRESOLVABLE}'"));
    }
}

#[test]
fn port_in_use_is_one_clear_line_for_both_servers() {
    let taken_udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = taken_udp.local_addr().unwrap().port().to_string();
    to(UDP_SERVER, &port)
        .run()
        .expect_code(1)
        .expect_one_error_line()
        .expect_err(&format!("port {port} is already in use"));

    let taken_tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken_tcp.local_addr().unwrap().port().to_string();
    to(TCP_SERVER, &port)
        .run()
        .expect_code(1)
        .expect_one_error_line()
        .expect_err("pick another with --port");
}

#[test]
fn piped_non_utf8_is_sent_as_it_is() {
    let server = udp_server();
    to(UDP_CLIENT, server.port()).stdin(b"abc\xff\n").run().expect_code(0).expect_out("ABC\\xff\n");
    let tcp = tcp_server(&[]);
    to(TCP_CLIENT, tcp.port())
        .stdin(b"abc\xff\n")
        .run()
        .expect_code(0)
        .expect_out("From server: ABC\\xff\n");
}

/// The original TCP client connected first and asked for the sentence after,
/// so a slow typist held a connection to the one-client-at-a-time server.
/// Here the sentence comes first: a client whose input ends at the prompt
/// never connects at all, and one that gets a sentence connects once.
#[test]
fn tcp_client_reads_the_sentence_before_it_connects() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();

    // End of input at the prompt: the client exits, and nothing ever knocked.
    to(TCP_CLIENT, &port).run().expect_code(0).expect_out("Input lowercase sentence: ");
    listener.set_nonblocking(true).unwrap();
    let err = listener.accept().expect_err("no connection was made");
    assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);

    // With a sentence, the same listener does see the connection: the check
    // above can tell the difference. Play the server by hand.
    listener.set_nonblocking(false).unwrap();
    let client = std::thread::spawn(move || to(TCP_CLIENT, &port).stdin("typed slowly\n").run());
    let (mut stream, _) = listener.accept().unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut request = Vec::new();
    stream.read_to_end(&mut request).unwrap();
    assert_eq!(request, b"typed slowly");
    stream.write_all(b"TYPED SLOWLY").unwrap();
    drop(stream);
    client.join().unwrap().expect_code(0).expect_out("From server: TYPED SLOWLY");
}

/// The lab's own TCP client: connect, send, one `recv(1024)`, close. It never
/// shuts down its sending half, so a server that waits for the end of the
/// stream would stall it; ours answers each piece as it comes.
#[test]
fn the_original_tcp_client_gets_its_reply_in_under_a_second() {
    let server = tcp_server(&[]);
    let started = Instant::now();
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    stream.write_all("hello wörld".as_bytes()).unwrap();
    let mut buf = [0u8; 1024];
    let n = stream.read(&mut buf).unwrap();
    drop(stream);
    assert_eq!(&buf[..n], "HELLO WÖRLD".as_bytes());
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
}

/// `nc` typed into line by line: each line comes back before the next is
/// typed, on one connection that stays open.
#[test]
fn an_interactive_peer_gets_each_line_back_at_once() {
    let server = tcp_server(&[]);
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    for (line, want) in [("hello\n", "HELLO\n"), ("grüße\n", "GRÜSSE\n")] {
        stream.write_all(line.as_bytes()).unwrap();
        let mut got = Vec::new();
        while got.len() < want.len() {
            let mut buf = [0u8; 64];
            let n = stream.read(&mut buf).unwrap();
            assert!(n > 0, "closed early after {got:?}");
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, want.as_bytes());
    }
    // Then end of input, as `nc -N` or socat send it: the server closes too.
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "{rest:?}");
}

/// A character split across two writes (and so, here, two reads) comes back whole.
#[test]
fn a_character_split_between_reads_stays_whole() {
    let server = tcp_server(&[]);
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    stream.write_all(b"w\xc3").unwrap();
    // Wait for the "W" so the second half surely arrives in another read.
    let mut first = [0u8; 8];
    assert_eq!(stream.read(&mut first).unwrap(), 1);
    assert_eq!(&first[..1], b"W");
    stream.write_all(b"\xb6rld").unwrap();
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).unwrap();
    assert_eq!(rest, "ÖRLD".as_bytes());
}

#[test]
fn extra_words_are_one_sentence() {
    let server = tcp_server(&[]);
    let port = server.port();
    expect_reply(TCP_CLIENT, &port, &["hello", "big", "world"], "From server: HELLO BIG WORLD\n");
}

/// A server written the way the original was, but one that does not close
/// after answering: the client shows what came once its timeout passes.
#[test]
fn tcp_client_prints_a_reply_from_a_server_that_stays_open() {
    let (hold, held) = std::sync::mpsc::channel::<()>();
    let held = std::sync::Mutex::new(held);
    let addr = support::peers::tcp(move |mut stream| {
        let mut buf = [0u8; 1024];
        let n = stream.read(&mut buf).unwrap_or(0);
        let _ = stream.write_all(&buf[..n].to_ascii_uppercase());
        // Stay open until the test ends (or 20 s).
        let _ = held.lock().unwrap().recv_timeout(Duration::from_secs(20));
    });
    let out = to(TCP_CLIENT, addr.port()).args(&["--timeout", "300ms", "stay open"]).run();
    drop(hold);
    out.expect_code(0)
        .expect_out("From server: STAY OPEN\n")
        .expect_err("kept the connection open");
}

/// More idle connections than --max-clients: the extra ones are refused with
/// a log line, and once the attacker lets go a client is served at once.
#[test]
fn connections_beyond_the_cap_are_refused_and_logged() {
    let server = tcp_server(&["--max-clients", "2"]);
    let holders: Vec<TcpStream> =
        (0..5).map(|_| TcpStream::connect(server.addr).unwrap()).collect();
    for _ in 0..3 {
        server
            .wait_for_line("refused, 2 clients already connected", Duration::from_secs(5))
            .expect("a refusal line per connection beyond the cap");
    }
    let released = Instant::now();
    drop(holders);
    // Try until served: a freed slot is given back when its thread ends.
    let reply = loop {
        let mut stream = TcpStream::connect(server.addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        // While the cap is still full the server closes at once, and these
        // may fail: that is a refusal, and the loop tries again.
        let _ = stream.write_all(b"served");
        let _ = stream.shutdown(std::net::Shutdown::Write);
        let mut reply = Vec::new();
        let _ = stream.read_to_end(&mut reply);
        if !reply.is_empty() || released.elapsed() > Duration::from_secs(5) {
            break reply;
        }
    };
    assert_eq!(reply, b"SERVED");
    assert!(released.elapsed() < Duration::from_secs(2), "{:?}", released.elapsed());
}

/// A client that sends a byte every 100 ms never trips the idle timeout; the
/// deadline (--max-time) cuts it off.
#[test]
fn a_trickling_client_is_cut_off_at_the_deadline() {
    let server = tcp_server(&["--idle-timeout", "30", "--max-time", "500ms"]);
    let mut stream = TcpStream::connect(server.addr).unwrap();
    // Its port names it in the server's log; read it while the connection is up.
    let port = format!(":{}", stream.local_addr().unwrap().port());
    let started = Instant::now();
    while stream.write_all(b"x").is_ok() && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(100)); // the attacker's pace
    }
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(500), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    // Linux ends the read first ("cut off at the deadline"); on Windows the
    // shutdown may fail the read or the echo's write instead. Either way the
    // connection's end is logged.
    let deadline = Instant::now() + Duration::from_secs(5);
    let line = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match server.wait_for_line(&port, left) {
            // "cut off at the deadline", or the read or write the shutdown failed.
            Some(l) if ["cut off", "failed", "cannot"].iter().any(|w| l.contains(w)) => break l,
            Some(_) => continue,
            None => panic!("the end of the trickling connection is not logged"),
        }
    };
    if line.contains("cut off") {
        assert!(line.contains("--max-time 0.5 s"), "{line}");
    }
}

#[test]
fn a_reply_from_another_address_is_named_not_taken() {
    let addr = support::peers::udp_reply_from_elsewhere();
    let out = to(UDP_CLIENT, addr.port()).args(&["--timeout", "300ms", "hi"]).run();
    out.expect_code(1).expect_one_error_line().expect_err("1 datagram(s) came from 127.0.0.1:");
    assert!(!out.err().contains("is the server running"), "{}", out.report());
}

/// "ΐ" is 2 bytes and its capital 6: 20,000 of them make a 120,000-byte
/// reply, which no datagram can carry. The client gets a short error instead
/// of silence, and the server logs it.
#[test]
fn an_uppercase_reply_too_big_for_a_datagram_gets_an_error_datagram() {
    let server = udp_server();
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    socket.send_to("ΐ".repeat(20_000).as_bytes(), server.addr).unwrap();
    let mut buf = vec![0u8; 65_535];
    let (n, _) = socket.recv_from(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(text.starts_with("error: the reply would be 120000 bytes"), "{text}");
    assert!(n < 200, "{n}");
    assert!(server.wait_for_line("does not fit one datagram", Duration::from_secs(5)).is_some());
}

/// Every numeric flag of the group refuses the values that make no sense,
/// with exit 2 and one error line, never a panic. A server gets `--port 0`
/// and a client `--port 1` first, so a value wrongly accepted takes or
/// reaches no fixed port.
#[test]
fn numeric_flags_refuse_nonsense() {
    let (udp_rtt, tcp_rtt) =
        (env!("CARGO_BIN_EXE_udp-rtt-client"), env!("CARGO_BIN_EXE_tcp-rtt-client"));
    support::expect_usage_errors(&[
        (UDP_SERVER, &["--port"], &["1.5", "70000"]),
        (TCP_SERVER, &["--port"], &["1.5", "65536"]),
        (TCP_SERVER, &["--port", "0", "--max-clients"], &["0", "1.5"]),
        (TCP_SERVER, &["--port", "0", "--idle-timeout"], &["0"]),
        (TCP_SERVER, &["--port", "0", "--max-time"], &["0", "25h"]),
        (UDP_CLIENT, &["hi", "--port"], &["0", "1.5"]),
        (TCP_CLIENT, &["hi", "--port", "1", "--timeout"], &["0", "0s"]),
        (udp_rtt, &["hi", "--port", "1", "--count"], &["0", "1.5"]),
        (tcp_rtt, &["hi", "--port", "1", "-c"], &["0", "1.5"]),
        (udp_rtt, &["hi", "--port", "1", "--timeout"], &["0"]),
    ]);
}
