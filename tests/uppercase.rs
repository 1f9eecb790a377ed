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
    Client::new(UDP_CLIENT)
        .args(&[
            "--host",
            "127.0.0.1",
            "--port",
            &server.port(),
            "hello wörld",
        ])
        .run()
        .expect_code(0)
        .expect_out("HELLO WÖRLD\n");
}

#[test]
fn udp_client_prompts_when_the_sentence_is_missing() {
    let server = udp_server();
    Client::new(UDP_CLIENT)
        .args(&["--host", "127.0.0.1", "--port", &server.port()])
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
    let out = Client::new(UDP_CLIENT)
        .args(&["--host", "127.0.0.1", "--port", &udp.port()])
        .stdin(format!("{sentence}\n"))
        .run();
    out.expect_code(0);
    assert!(out.out().ends_with(&expected), "{}", out.report());

    // On stdin, as for UDP: Windows caps a whole command line at 32,767 characters.
    let tcp = tcp_server(&[]);
    let out = Client::new(TCP_CLIENT)
        .args(&["--host", "127.0.0.1", "--port", &tcp.port()])
        .stdin(format!("{sentence}\n"))
        .run();
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
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
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
        assert_eq!(
            &buf[..n],
            &expected[..],
            "reply to a {}-byte datagram",
            request.len()
        );
    }
    assert!(server
        .wait_for_line("not valid UTF-8", Duration::from_secs(5))
        .is_some());
    Client::new(UDP_CLIENT)
        .args(&[
            "--host",
            "127.0.0.1",
            "--port",
            &server.port(),
            "still here",
        ])
        .run()
        .expect_code(0)
        .expect_out("STILL HERE");
}

#[test]
fn tcp_client_gets_unicode_uppercase_and_server_logs_it() {
    let server = tcp_server(&[]);
    Client::new(TCP_CLIENT)
        .args(&[
            "--host",
            "127.0.0.1",
            "--port",
            &server.port(),
            "hello wörld",
        ])
        .run()
        .expect_code(0)
        .expect_out("From server: HELLO WÖRLD\n");
    let line = server.wait_for_line("->", Duration::from_secs(5)).unwrap();
    assert!(
        line.contains("\"hello wörld\" -> \"HELLO WÖRLD\""),
        "{line}"
    );
}

#[test]
fn silent_tcp_client_blocks_nobody_and_is_dropped_after_the_timeout() {
    let server = tcp_server(&["--read-timeout", "0.5"]);
    let silent = TcpStream::connect(server.addr).unwrap();
    // Another client is served while the silent one holds its connection.
    let started = Instant::now();
    Client::new(TCP_CLIENT)
        .args(&[
            "--host",
            "127.0.0.1",
            "--port",
            &server.port(),
            "next please",
        ])
        .run()
        .expect_code(0)
        .expect_out("NEXT PLEASE");
    assert!(
        started.elapsed() < Duration::from_millis(450),
        "{:?}",
        started.elapsed()
    );
    let line = server
        .wait_for_line("dropped a silent client", Duration::from_secs(5))
        .expect("the server should log the dropped client");
    assert!(line.contains("0 bytes received"), "{line}");
    // The server closed its side: our read sees end of stream.
    let mut silent = silent;
    silent
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
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
    assert!(server
        .wait_for_line("not valid UTF-8", Duration::from_secs(5))
        .is_some());
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
    // Write from a thread: the server stops reading at 64 KiB.
    let writer = std::thread::spawn(move || {
        let _ = stream.write_all(&vec![b'a'; 100_000]);
    });
    let line = server
        .wait_for_line("request refused", Duration::from_secs(5))
        .unwrap();
    assert!(line.contains("longer than 65536 bytes"), "{line}");
    writer.join().unwrap();
}

#[test]
fn no_server_tcp_is_refused_quickly_udp_times_out() {
    // A port with nothing behind it: bind, read the port, close.
    let port = support::closed_port().to_string();
    let out = Client::new(TCP_CLIENT)
        .args(&["--host", "127.0.0.1", "--port", &port, "hi"])
        .run();
    out.expect_code(1)
        .expect_one_error_line()
        .expect_err("connection refused")
        .expect_err("is tcp-upper-server running");
    assert!(out.elapsed < Duration::from_secs(1), "{}", out.report());

    let out = Client::new(UDP_CLIENT)
        .args(&[
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--timeout",
            "0.3",
            "hi",
        ])
        .run();
    out.expect_code(1)
        .expect_one_error_line()
        .expect_err("no reply within 0.3 s")
        .expect_err("UDP has no connection");
    assert!(
        out.elapsed >= Duration::from_millis(300),
        "{}",
        out.report()
    );
    assert!(
        out.elapsed < Duration::from_millis(1300),
        "{}",
        out.report()
    );
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
    Client::new(UDP_SERVER)
        .args(&["--host", "127.0.0.1", "--port", &port])
        .run()
        .expect_code(1)
        .expect_one_error_line()
        .expect_err(&format!("port {port} is already in use"));

    let taken_tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken_tcp.local_addr().unwrap().port().to_string();
    Client::new(TCP_SERVER)
        .args(&["--host", "127.0.0.1", "--port", &port])
        .run()
        .expect_code(1)
        .expect_one_error_line()
        .expect_err("pick another with --port");
}

#[test]
fn piped_non_utf8_is_sent_as_it_is() {
    let server = udp_server();
    Client::new(UDP_CLIENT)
        .args(&["--host", "127.0.0.1", "--port", &server.port()])
        .stdin(b"abc\xff\n")
        .run()
        .expect_code(0)
        .expect_out("ABC\\xff\n");
    let tcp = tcp_server(&[]);
    Client::new(TCP_CLIENT)
        .args(&["--host", "127.0.0.1", "--port", &tcp.port()])
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
    Client::new(TCP_CLIENT)
        .args(&["--host", "127.0.0.1", "--port", &port])
        .run()
        .expect_code(0)
        .expect_out("Input lowercase sentence: ");
    listener.set_nonblocking(true).unwrap();
    let err = listener.accept().expect_err("no connection was made");
    assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);

    // With a sentence, the same listener does see the connection: the check
    // above can tell the difference. Play the server by hand.
    listener.set_nonblocking(false).unwrap();
    let client = std::thread::spawn(move || {
        Client::new(TCP_CLIENT)
            .args(&["--host", "127.0.0.1", "--port", &port])
            .stdin("typed slowly\n")
            .run()
    });
    let (mut stream, _) = listener.accept().unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut request = Vec::new();
    stream.read_to_end(&mut request).unwrap();
    assert_eq!(request, b"typed slowly");
    stream.write_all(b"TYPED SLOWLY").unwrap();
    drop(stream);
    client
        .join()
        .unwrap()
        .expect_code(0)
        .expect_out("From server: TYPED SLOWLY");
}
