//! End-to-end tests of `link-emulator`, through the real binary.
//!
//! The servers behind the emulator are small echo (or recording) threads of
//! this test process, on free loopback ports; the clients are sockets of the
//! test too, so every figure can be checked against what the seed predicts:
//! the test asks the same public [`Decider`] the emulator uses which datagrams
//! it must lose and how long it must delay each one.

mod support;

use socket_labs::link_emulator::{Decider, Direction, Impairments};
use socket_labs::stats::Summary;
use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};
use support::{Client, Server};

const BIN: &str = env!("CARGO_BIN_EXE_link-emulator");

/// How long any single reply may take before the test calls it lost.
const LOST_AFTER: Duration = Duration::from_millis(80);

// ---------------------------------------------------------------- helpers

/// A UDP echo server thread on a free port.
fn udp_echo() -> SocketAddr {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = socket.local_addr().unwrap();
    thread::spawn(move || {
        let mut buf = vec![0u8; 65_535];
        while let Ok((n, peer)) = socket.recv_from(&mut buf) {
            let _ = socket.send_to(&buf[..n], peer);
        }
    });
    addr
}

/// A UDP server thread that answers nothing and reports each datagram with
/// its arrival time.
fn udp_sink() -> (SocketAddr, Receiver<(Vec<u8>, Instant)>) {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = socket.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = vec![0u8; 65_535];
        while let Ok((n, _)) = socket.recv_from(&mut buf) {
            if tx.send((buf[..n].to_vec(), Instant::now())).is_err() {
                return;
            }
        }
    });
    (addr, rx)
}

/// A TCP echo server thread: each connection echoes until end of stream, then closes.
fn tcp_echo() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = match stream {
                Ok(s) => s,
                Err(_) => continue,
            };
            thread::spawn(move || {
                let _ = stream.set_nodelay(true);
                let mut buf = [0u8; 16 * 1024];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 || stream.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

/// An address where nothing listens (bound, read, closed).
fn dead_udp_port() -> SocketAddr {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

fn dead_tcp_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// Starts the emulator on a free port in front of `to`.
fn emulator(to: SocketAddr, extra: &[&str]) -> Server {
    let to = to.to_string();
    let mut args = vec!["--listen", "127.0.0.1:0", "--to", &to];
    args.extend_from_slice(extra);
    Server::start(BIN, &args)
}

fn client_socket() -> UdpSocket {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(LOST_AFTER)).unwrap();
    socket
}

/// One stop-and-wait exchange; the RTT in ms, or `None` when no reply came.
fn exchange(socket: &UdpSocket, to: SocketAddr, payload: &[u8]) -> Option<f64> {
    let mut buf = vec![0u8; 65_535];
    let sent = Instant::now();
    socket.send_to(payload, to).unwrap();
    loop {
        match socket.recv_from(&mut buf) {
            Ok((n, _)) if &buf[..n] == payload => {
                return Some(sent.elapsed().as_secs_f64() * 1000.0)
            }
            Ok(_) => continue, // a late reply to an earlier message
            Err(_) => return None,
        }
    }
}

fn rtts(socket: &UdpSocket, to: SocketAddr, count: usize) -> Vec<f64> {
    (0..count)
        .map(|i| {
            exchange(socket, to, format!("rtt-{i}").as_bytes())
                .unwrap_or_else(|| panic!("message {i}: no reply"))
        })
        .collect()
}

/// Sends messages `m0`..`m{count-1}` in batches of `batch`, collecting the
/// echoes of each batch until the line has been quiet for [`LOST_AFTER`].
/// Returns how many replies came for each message number.
fn send_in_batches(socket: &UdpSocket, to: SocketAddr, count: usize, batch: usize) -> Vec<usize> {
    let mut replies = vec![0usize; count];
    let mut buf = [0u8; 64];
    for start in (0..count).step_by(batch) {
        for i in start..(start + batch).min(count) {
            socket.send_to(format!("m{i}").as_bytes(), to).unwrap();
        }
        while let Ok((n, _)) = socket.recv_from(&mut buf) {
            let text = std::str::from_utf8(&buf[..n]).unwrap();
            let i: usize = text[1..].parse().unwrap();
            replies[i] += 1;
        }
    }
    replies
}

/// The message numbers an echo through the emulator must lose, as the seed
/// decides: lost on the way out (the k-th datagram of client 1) or on the way
/// back (the j-th reply, counting only the datagrams that reached the server).
fn predicted_losses(seed: u64, link: Impairments, count: usize) -> BTreeSet<usize> {
    let mut out = Decider::for_stream(seed, 1, Direction::ToServer, link);
    let mut back = Decider::for_stream(seed, 1, Direction::ToClient, link);
    (0..count)
        .filter(|_| out.next().lost || back.next().lost)
        .collect()
}

/// Reads the emulator's summary (printed at the end of `--duration`):
/// for each direction, counter name -> value.
fn summary(server: &Server) -> HashMap<String, HashMap<String, u64>> {
    server
        .wait_for_line("--- link-emulator summary", Duration::from_secs(15))
        .unwrap_or_else(|| panic!("no summary from {}\n{}", server.command(), server.stderr()));
    let mut ways = HashMap::new();
    for _ in 0..2 {
        let line = server
            .wait_for_line("->", Duration::from_secs(5))
            .expect("a summary line per direction");
        let (name, rest) = line.split_once(": ").unwrap();
        let mut counts = HashMap::new();
        for part in rest.split([',', ';', '(']) {
            let mut words = part.split_whitespace();
            if let (Some(n), Some(what)) = (words.next(), words.next()) {
                if let Ok(n) = n.parse::<u64>() {
                    counts.insert(what.to_string(), n);
                }
            }
        }
        ways.insert(name.to_string(), counts);
    }
    ways
}

fn count(ways: &HashMap<String, HashMap<String, u64>>, way: &str, what: &str) -> u64 {
    *ways[way].get(what).unwrap_or(&0)
}

// ---------------------------------------------------------------- the command line

#[test]
fn help_lists_every_flag_with_an_example() {
    let run = Client::new(BIN).args(&["--help"]).run();
    run.expect_code(0);
    for flag in [
        "--listen",
        "--to",
        "--udp",
        "--tcp",
        "--delay",
        "--jitter",
        "--loss",
        "--duplicate",
        "--reorder",
        "--rate",
        "--seed",
        "--duration",
        "example:",
    ] {
        run.expect_out(flag);
    }
}

#[test]
fn bad_arguments_exit_2_with_an_error_line() {
    let to = "127.0.0.1:9";
    let cases: Vec<Vec<&str>> = vec![
        vec![],
        vec!["--listen", "127.0.0.1:0"],
        vec!["--to", to],
        vec!["--listen", "127.0.0.1", "--to", to],
        vec!["--listen", "127.0.0.1:0", "--to", "nowhere"],
        vec!["--listen", "127.0.0.1:0", "--to", to, "--udp", "--tcp"],
        vec!["--listen", "127.0.0.1:0", "--to", to, "--loss", "101"],
        vec!["--listen", "127.0.0.1:0", "--to", to, "--loss", "lots"],
        vec!["--listen", "127.0.0.1:0", "--to", to, "--delay", "-5"],
        vec!["--listen", "127.0.0.1:0", "--to", to, "--rate", "0"],
        vec!["--listen", "127.0.0.1:0", "--to", to, "--idle", "0"],
        vec![
            "--listen",
            "127.0.0.1:0",
            "--to",
            to,
            "--tcp",
            "--loss",
            "5",
        ],
        vec![
            "--listen",
            "127.0.0.1:0",
            "--to",
            to,
            "--tcp",
            "--reorder",
            "5",
        ],
        vec!["--listen", "127.0.0.1:0", "--to", to, "--bogus"],
        vec!["--listen", "127.0.0.1:0", "--to", "127.0.0.1:0"],
    ];
    for args in cases {
        let run = Client::new(BIN).args(&args).run();
        run.expect_code(2);
        assert!(run.err().starts_with("error: "), "{}", run.report());
        assert!(!run.err().contains("panicked"), "{}", run.report());
        assert!(run.out().is_empty(), "{}", run.report());
    }
}

#[test]
fn run_time_failures_are_one_line_and_exit_1() {
    let taken = UdpSocket::bind("127.0.0.1:0").unwrap();
    let listen = taken.local_addr().unwrap().to_string();
    Client::new(BIN)
        .args(&["--listen", &listen, "--to", "127.0.0.1:9"])
        .run()
        .expect_code(1)
        .expect_one_error_line()
        .expect_err("already in use");
    Client::new(BIN)
        .args(&["--listen", "127.0.0.1:0", "--to", "no-such-host.invalid:9"])
        .run()
        .expect_code(1)
        .expect_one_error_line()
        .expect_err("cannot resolve");
}

#[test]
fn the_banner_says_what_the_link_does_and_the_run_ends_with_a_summary() {
    let server = emulator(
        udp_echo(),
        &[
            "--delay",
            "3",
            "--jitter",
            "1",
            "--loss",
            "2.5",
            "--seed",
            "77",
            "--duration",
            "0.3",
        ],
    );
    let banner = server
        .wait_for_line("relaying udp", Duration::from_secs(5))
        .unwrap();
    assert!(
        banner.contains("delay 3 ms ± 1 ms, loss 2.5%") && banner.contains("seed 77"),
        "{banner}"
    );
    let ways = summary(&server);
    assert_eq!(count(&ways, "client->server", "received"), 0);
}

// ---------------------------------------------------------------- UDP: the impairments

#[test]
fn a_perfect_link_delivers_every_datagram_unchanged_and_in_order() {
    let (sink, arrivals) = udp_sink();
    let server = emulator(sink, &[]);
    let client = client_socket();
    for i in 0..300 {
        client
            .send_to(format!("d{i}").as_bytes(), server.addr)
            .unwrap();
        if i % 50 == 49 {
            // Let the emulator drain a batch: no kernel buffer may overflow.
            for j in i - 49..=i {
                let (data, _) = arrivals.recv_timeout(Duration::from_secs(5)).unwrap();
                assert_eq!(data, format!("d{j}").as_bytes());
            }
        }
    }
}

#[test]
fn any_datagram_size_up_to_65507_bytes_crosses_unchanged() {
    let echo = udp_echo();
    for extra in [&[][..], &["--delay", "1", "--duplicate", "0"][..]] {
        let server = emulator(echo, extra);
        let client = client_socket();
        client
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        for size in [0usize, 1, 1472, 8192, 65_507] {
            let payload: Vec<u8> = (0..size).map(|i| (i * 7 + size) as u8).collect();
            client.send_to(&payload, server.addr).unwrap();
            let mut buf = vec![0u8; 65_535];
            let (n, from) = client.recv_from(&mut buf).unwrap();
            assert_eq!(from, server.addr);
            assert_eq!(n, size, "{extra:?}");
            assert_eq!(&buf[..n], &payload[..], "{extra:?} size {size}");
        }
    }
}

#[test]
fn delay_adds_twice_the_delay_to_the_rtt() {
    let echo = udp_echo();
    let client = client_socket();
    client
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let direct = Summary::of(&rtts(&client, echo, 20)).unwrap();
    let server = emulator(echo, &["--delay", "10"]);
    let through = rtts(&client, server.addr, 20);
    // Never early: each RTT holds two full delays.
    assert!(through.iter().all(|&rtt| rtt >= 20.0), "{through:?}");
    // And nothing more: the fastest exchange shows the link alone (a busy
    // machine can slow some exchanges down, not speed one up).
    let through = Summary::of(&through).unwrap();
    let extra = through.min - direct.min;
    assert!(
        (20.0..22.0).contains(&extra),
        "fastest RTT {:.3} ms direct, {:.3} ms through a 10 ms link: {extra:.3} ms more",
        direct.min,
        through.min
    );
}

#[test]
fn a_delayed_burst_arrives_as_a_burst_not_one_delay_after_another() {
    let (sink, arrivals) = udp_sink();
    let server = emulator(sink, &["--delay", "30"]);
    let client = client_socket();
    let first_sent = Instant::now();
    for i in 0..20u8 {
        client.send_to(&[i], server.addr).unwrap();
    }
    let last_sent = Instant::now();
    let times: Vec<Instant> = (0..20u8)
        .map(|i| {
            let (data, at) = arrivals.recv_timeout(Duration::from_secs(5)).unwrap();
            assert_eq!(data, [i]);
            at
        })
        .collect();
    // Each is due 30 ms after its own arrival: none early, and the twentieth
    // is not held up by the nineteen before it (a loop that slept 30 ms per
    // datagram would deliver the last one 600 ms after the first was sent).
    assert!(times[0] - first_sent >= Duration::from_millis(30));
    let last = times[19] - last_sent;
    assert!(
        last >= Duration::from_millis(30) && last < Duration::from_millis(120),
        "the last datagram came {last:?} after it was sent"
    );
}

#[test]
fn jitter_spreads_the_rtt_exactly_as_the_seed_says() {
    if support::wine::skip_under_wine(
        "needs sub-millisecond sleeps; under Wine 8 each scheduled delay overshot by 1-8 ms",
    ) {
        return;
    }
    let echo = udp_echo();
    let link = Impairments {
        delay: Duration::from_millis(8),
        jitter: Duration::from_millis(5),
        ..Impairments::none()
    };
    let server = emulator(echo, &["--delay", "8", "--jitter", "5", "--seed", "3"]);
    let client = client_socket();
    client
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let measured = rtts(&client, server.addr, 40);
    let mut out = Decider::for_stream(3, 1, Direction::ToServer, link);
    let mut back = Decider::for_stream(3, 1, Direction::ToClient, link);
    let predicted: Vec<f64> = (0..40)
        .map(|_| (out.next().delay + back.next().delay).as_secs_f64() * 1000.0)
        .collect();
    // Stop-and-wait: each message crosses an empty link, so its RTT is its two
    // delays plus loopback time; never less. A busy machine can only add.
    let errors: Vec<f64> = measured
        .iter()
        .zip(&predicted)
        .map(|(m, p)| m - p)
        .collect();
    assert!(errors.iter().all(|&e| e >= 0.0), "{errors:?}");
    // A run off the seed's schedule would land within 1 ms about one time in ten.
    let close = errors.iter().filter(|&&e| e < 1.0).count();
    assert!(
        close >= 20,
        "only {close} of 40 RTTs within 1 ms of the seed's: {errors:?}"
    );
    let (m, p) = (
        Summary::of(&measured).unwrap(),
        Summary::of(&predicted).unwrap(),
    );
    // Uniform ±5 ms each way: mdev about 5 × sqrt(2/3) = 4.1 ms; a plain delay has ~0.
    assert!(p.mdev > 2.5, "{p:?}");
    assert!(m.mdev > p.mdev - 0.3, "mdev {:.3} vs {:.3}", m.mdev, p.mdev);
}

#[test]
fn loss_30_loses_about_half_the_echoes_and_the_same_ones_every_run() {
    let echo = udp_echo();
    let link = Impairments {
        loss: 30.0,
        ..Impairments::none()
    };
    let predicted = predicted_losses(1, link, 1000);
    // Two runs side by side, each through its own emulator with the same seed.
    let runs: Vec<BTreeSet<usize>> = (0..2)
        .map(|_| {
            thread::spawn(move || {
                let server = emulator(echo, &["--loss", "30", "--seed", "1"]);
                let client = client_socket();
                client
                    .set_read_timeout(Some(Duration::from_millis(50)))
                    .unwrap();
                let replies = send_in_batches(&client, server.addr, 1000, 100);
                assert!(replies.iter().all(|&r| r <= 1));
                (0..1000).filter(|&i| replies[i] == 0).collect()
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap())
        .collect();
    for lost in &runs {
        // 99% band of Binomial(1000, 0.51): 510 ± 2.576 × 15.8.
        assert!((470..=551).contains(&lost.len()), "{} lost", lost.len());
    }
    assert_eq!(runs[0], runs[1], "same seed, different losses");
    assert_eq!(runs[0], predicted, "not the losses the seed predicts");
}

#[test]
fn verbose_says_which_datagrams_were_lost() {
    let echo = udp_echo();
    let server = emulator(echo, &["--loss", "50", "--seed", "4", "--verbose"]);
    let client = client_socket();
    for i in 0..10 {
        client
            .send_to(format!("m{i}").as_bytes(), server.addr)
            .unwrap();
    }
    let mut decider = Decider::for_stream(
        4,
        1,
        Direction::ToServer,
        Impairments {
            loss: 50.0,
            ..Impairments::none()
        },
    );
    for k in 1..=10 {
        let line = server
            .wait_for_line(
                &format!("flow 1 client->server #{k} "),
                Duration::from_secs(5),
            )
            .unwrap();
        let lost = decider.next().lost;
        assert_eq!(line.ends_with(": lost"), lost, "{line}");
    }
}

#[test]
fn duplicates_arrive_twice_each_way_and_are_counted() {
    let echo = udp_echo();
    let server = emulator(echo, &["--duplicate", "100", "--duration", "0.6"]);
    let client = client_socket();
    let replies = send_in_batches(&client, server.addr, 10, 10);
    // Two copies reach the server, each echo is doubled again on the way back.
    assert_eq!(replies, vec![4; 10]);
    let ways = summary(&server);
    assert_eq!(count(&ways, "client->server", "received"), 10);
    assert_eq!(count(&ways, "client->server", "forwarded"), 20);
    assert_eq!(count(&ways, "client->server", "duplicated"), 10);
    assert_eq!(count(&ways, "server->client", "received"), 20);
    assert_eq!(count(&ways, "server->client", "forwarded"), 40);
    assert_eq!(count(&ways, "server->client", "dropped"), 0);
}

#[test]
fn reorder_delivers_a_held_datagram_right_after_the_next_one() {
    let (sink, arrivals) = udp_sink();
    let server = emulator(sink, &["--reorder", "100", "--duration", "0.6"]);
    let client = client_socket();
    for i in 1..=10 {
        client
            .send_to(format!("{i}").as_bytes(), server.addr)
            .unwrap();
    }
    let order: Vec<String> = (0..10)
        .map(|_| {
            let (data, _) = arrivals.recv_timeout(Duration::from_secs(5)).unwrap();
            String::from_utf8(data).unwrap()
        })
        .collect();
    // Every datagram wants to be held, but only one can be held at a time: the
    // next one overtakes it and frees the slot. So neighbours swap.
    assert_eq!(order, ["2", "1", "4", "3", "6", "5", "8", "7", "10", "9"]);
    let ways = summary(&server);
    assert_eq!(count(&ways, "client->server", "reordered"), 5);
    assert_eq!(count(&ways, "client->server", "forwarded"), 10);
}

#[test]
fn a_rate_limit_spaces_datagrams_by_their_serialization_time() {
    let (sink, arrivals) = udp_sink();
    // 2000 kbit/s: a 1000-byte datagram takes 8000 / 2,000,000 s = 4 ms on the wire.
    let server = emulator(sink, &["--rate", "2000"]);
    let client = client_socket();
    let sent = Instant::now();
    for i in 0..26 {
        let mut payload = vec![b'x'; 1000];
        payload[0] = i;
        client.send_to(&payload, server.addr).unwrap();
    }
    let times: Vec<Instant> = (0..26)
        .map(|i| {
            let (data, at) = arrivals.recv_timeout(Duration::from_secs(5)).unwrap();
            assert_eq!(data[0], i);
            at
        })
        .collect();
    // The wire carries one datagram per 4 ms from the burst's arrival on: the
    // last is out 26 × 4 ms after the first was sent, never sooner. (A busy
    // machine may add to that, but the schedule does not drift.)
    let last = times[25] - sent;
    assert!(
        last >= Duration::from_millis(104) && last < Duration::from_millis(250),
        "26 datagrams of 4 ms took {last:?}"
    );
    assert!(times.windows(2).all(|w| w[1] >= w[0]));
    let rate_kbit = 26.0 * 1000.0 * 8.0 / last.as_secs_f64() / 1000.0;
    assert!(rate_kbit <= 2000.0, "{rate_kbit:.0} kbit/s");
}

#[test]
fn a_rate_limited_link_drops_what_would_wait_more_than_a_second() {
    let (sink, _arrivals) = udp_sink();
    // 80 kbit/s: 100 ms per 1000-byte datagram. Of a burst of 30, the 11 that
    // start within 1 s of arriving are queued; the other 19 are dropped.
    let server = emulator(sink, &["--rate", "80", "--duration", "0.5"]);
    let client = client_socket();
    for _ in 0..30 {
        client.send_to(&[0u8; 1000], server.addr).unwrap();
    }
    let ways = summary(&server);
    assert_eq!(count(&ways, "client->server", "received"), 30);
    assert_eq!(count(&ways, "client->server", "dropped"), 19);
    assert_eq!(count(&ways, "client->server", "by"), 19); // "(19 by a full queue)"
}

// ---------------------------------------------------------------- UDP: many clients, bad situations

#[test]
fn fifty_concurrent_clients_each_get_only_their_own_echoes() {
    let echo = udp_echo();
    let server = emulator(echo, &["--delay", "2", "--jitter", "1"]);
    let to = server.addr;
    let workers: Vec<_> = (0..50)
        .map(|c| {
            thread::spawn(move || {
                let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
                socket
                    .set_read_timeout(Some(Duration::from_secs(3)))
                    .unwrap();
                let mut buf = [0u8; 64];
                for m in 0..20 {
                    let payload = format!("client {c} message {m}");
                    socket.send_to(payload.as_bytes(), to).unwrap();
                    let (n, from) = socket
                        .recv_from(&mut buf)
                        .unwrap_or_else(|e| panic!("client {c} message {m}: {e}"));
                    assert_eq!(from, to);
                    assert_eq!(std::str::from_utf8(&buf[..n]).unwrap(), payload);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    assert!(server
        .wait_for_line(": flow 50, relayed to", Duration::from_secs(5))
        .is_some());
}

#[test]
fn vanishing_clients_are_forgotten_and_others_carry_on() {
    let echo = udp_echo();
    let server = emulator(echo, &["--delay", "20", "--idle", "0.2"]);
    {
        // Sends and is gone before the echoes come back 40 ms later.
        let gone = UdpSocket::bind("127.0.0.1:0").unwrap();
        for i in 0..3 {
            gone.send_to(format!("bye {i}").as_bytes(), server.addr)
                .unwrap();
        }
    }
    let line = server
        .wait_for_line("flow 1 closed", Duration::from_secs(10))
        .unwrap_or_else(|| panic!("flow never closed\n{}", server.stderr()));
    assert!(line.contains("3 datagrams to the server, 3 back"), "{line}");
    let client = client_socket();
    client
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    assert!(exchange(&client, server.addr, b"still there?").is_some());
}

#[test]
fn with_the_udp_server_down_datagrams_are_counted_as_refused() {
    let mut server = emulator(dead_udp_port(), &["--duration", "1"]);
    let client = client_socket();
    for i in 0..5 {
        assert!(exchange(&client, server.addr, format!("anyone {i}?").as_bytes()).is_none());
    }
    assert!(server.is_running());
    let ways = summary(&server);
    assert_eq!(count(&ways, "client->server", "received"), 5);
    let forwarded = count(&ways, "client->server", "forwarded");
    let dropped = count(&ways, "client->server", "dropped");
    assert_eq!(forwarded + dropped, 5);
    if cfg!(target_os = "linux") {
        // Each forwarded datagram drew an ICMP port unreachable.
        assert!(count(&ways, "client->server", "refused") >= 1, "{ways:?}");
    }
    assert_eq!(count(&ways, "server->client", "received"), 0);
}

// ---------------------------------------------------------------- TCP mode

#[test]
fn tcp_mode_delivers_every_byte_and_delays_each_round_trip() {
    let echo = tcp_echo();
    let server = emulator(
        echo,
        &["--tcp", "--delay", "5", "--jitter", "1", "--seed", "9"],
    );

    // The handshake is with the emulator itself: it does not pay the delay.
    let started = Instant::now();
    let mut stream = TcpStream::connect(server.addr).unwrap();
    let connect_time = started.elapsed();
    assert!(connect_time < Duration::from_millis(5), "{connect_time:?}");
    stream.set_nodelay(true).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();

    // Request/reply, one byte each: every exchange pays 2 × (5 ± 1) ms, never less.
    let mut times = Vec::new();
    for i in 0..10u8 {
        let t = Instant::now();
        stream.write_all(&[i]).unwrap();
        let mut byte = [0u8; 1];
        stream.read_exact(&mut byte).unwrap();
        assert_eq!(byte[0], i);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    assert!(times.iter().all(|&t| t >= 8.0), "{times:?}");
    // And not more than that: the fastest exchange shows the link alone.
    let fastest = Summary::of(&times).unwrap().min;
    assert!(fastest < 12.5, "{times:?}");

    // Bulk: a megabyte of non-text bytes, then a half-close, comes back whole.
    let data: Vec<u8> = (0..1_000_000u32).map(|i| (i * 31 % 251) as u8).collect();
    let mut writer = stream.try_clone().unwrap();
    let outgoing = data.clone();
    let sender = thread::spawn(move || {
        writer.write_all(&outgoing).unwrap();
        writer.shutdown(Shutdown::Write).unwrap();
    });
    let mut back = Vec::new();
    stream.read_to_end(&mut back).unwrap();
    sender.join().unwrap();
    assert_eq!(back.len(), data.len());
    assert!(back == data, "the bytes came back changed");
}

#[test]
fn tcp_mode_respects_the_rate() {
    let echo = tcp_echo();
    // 8000 kbit/s = 1 MB/s: 100 kB take 100 ms each way (overlapping).
    let server = emulator(echo, &["--tcp", "--rate", "8000"]);
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let started = Instant::now();
    let mut writer = stream.try_clone().unwrap();
    let sender = thread::spawn(move || {
        writer.write_all(&vec![7u8; 100_000]).unwrap();
        writer.shutdown(Shutdown::Write).unwrap();
    });
    let mut back = Vec::new();
    stream.read_to_end(&mut back).unwrap();
    sender.join().unwrap();
    assert_eq!(back.len(), 100_000);
    assert!(
        started.elapsed() >= Duration::from_millis(100),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn with_the_tcp_server_down_clients_are_closed_and_the_emulator_carries_on() {
    let mut server = emulator(dead_tcp_port(), &["--tcp", "--delay", "5"]);
    for _ in 0..2 {
        // The handshake succeeds (it is with the emulator); then the emulator
        // finds no server and closes the connection.
        let mut stream = TcpStream::connect(server.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let _ = stream.write_all(b"hello?");
        let mut buf = [0u8; 16];
        match stream.read(&mut buf) {
            Ok(n) => assert_eq!(n, 0, "got bytes from nowhere"),
            Err(e) => assert!(
                matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
                ),
                "{e}"
            ),
        }
        let line = server
            .wait_for_line("cannot reach", Duration::from_secs(5))
            .unwrap();
        assert!(line.contains("connection refused"), "{line}");
    }
    assert!(server.is_running());
}

// ---------------------------------------------------------------- through ping and perf

const PING_SERVER: &str = env!("CARGO_BIN_EXE_ping-server");
const PING_CLIENT: &str = env!("CARGO_BIN_EXE_ping-client");
const PERF_SERVER: &str = env!("CARGO_BIN_EXE_perf-server");
const PERF_CLIENT: &str = env!("CARGO_BIN_EXE_perf-client");

/// What a ping-client run printed.
struct Ping {
    received: usize,
    /// The RTT of each message that came back, in ms.
    each: Vec<f64>,
    /// min, avg, max, mdev in ms.
    rtt: [f64; 4],
    /// Message numbers reported lost.
    lost: BTreeSet<usize>,
}

/// Runs `ping-client ARGS` against `addr` and reads its output.
fn ping(addr: SocketAddr, args: &[&str]) -> Ping {
    let port = addr.port().to_string();
    let mut all = vec!["--host", "127.0.0.1", "--port", &port];
    all.extend_from_slice(args);
    let run = Client::new(PING_CLIENT).args(&all).run();
    let out = run.out();
    let received = out
        .lines()
        .find_map(|l| l.split(" sent, ").nth(1)?.split(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no statistics\n{}", run.report()));
    let mut rtt = [f64::NAN; 4];
    if let Some(line) = out
        .lines()
        .find(|l| l.starts_with("rtt min/avg/max/mdev = "))
    {
        let figures = line
            .trim_start_matches("rtt min/avg/max/mdev = ")
            .trim_end_matches(" ms");
        for (slot, x) in rtt.iter_mut().zip(figures.split('/')) {
            *slot = x.parse().unwrap();
        }
    }
    let lost = out
        .lines()
        .filter(|l| l.starts_with("message ") && l.ends_with(" lost"))
        .map(|l| l.split(' ').nth(1).unwrap().parse().unwrap())
        .collect();
    let each = out
        .lines()
        .filter_map(|l| {
            l.split(" rtt=")
                .nth(1)?
                .trim_end_matches(" ms")
                .parse()
                .ok()
        })
        .collect();
    Ping {
        received,
        each,
        rtt,
        lost,
    }
}

fn ping_server() -> Server {
    Server::start(PING_SERVER, &["--host", "127.0.0.1", "--port", "0"])
}

#[test]
fn ping_through_a_20_ms_link_reports_40_ms_more() {
    let server = ping_server();
    let direct = ping(server.addr, &["50", "0.01"]);
    let link = emulator(server.addr, &["--delay", "20"]);
    let through = ping(link.addr, &["50", "0.02"]);
    assert_eq!(through.received, 50);
    assert_eq!(through.each.len(), 50);
    assert!(through.rtt[0] >= 40.0, "min {}", through.rtt[0]);
    // The median rather than ping's average: one message held up by a busy
    // machine moves the average of 50 by a millisecond, the median not at all.
    let median = |x: &[f64]| Summary::of(x).unwrap().median;
    let extra = median(&through.each) - median(&direct.each);
    // Windows wakes a timed wait late: 42.8 ms measured under Wine 8.
    let most = if cfg!(windows) { 44.0 } else { 42.0 };
    assert!(
        (40.0..most).contains(&extra),
        "median RTT {:.3} ms through the link, {:.3} ms direct (avg {:.3} / {:.3})",
        median(&through.each),
        median(&direct.each),
        through.rtt[1],
        direct.rtt[1]
    );
}

#[test]
fn ping_shows_jitter_in_mdev() {
    let server = ping_server();
    let link = emulator(
        server.addr,
        &["--delay", "10", "--jitter", "5", "--seed", "2"],
    );
    let jittery = ping(link.addr, &["50", "0.03"]);
    assert_eq!(jittery.received, 50);
    let spec = Impairments {
        delay: Duration::from_millis(10),
        jitter: Duration::from_millis(5),
        ..Impairments::none()
    };
    let mut out = Decider::for_stream(2, 1, Direction::ToServer, spec);
    let mut back = Decider::for_stream(2, 1, Direction::ToClient, spec);
    let predicted: Vec<f64> = (0..50)
        .map(|_| (out.next().delay + back.next().delay).as_secs_f64() * 1000.0)
        .collect();
    let predicted = Summary::of(&predicted).unwrap();
    // Each way ±5 ms uniform: an RTT mdev near 4.1 ms, where a plain delay gives ~0.
    assert!(jittery.rtt[0] >= predicted.min, "{:?}", jittery.rtt);
    assert!(
        jittery.rtt[3] > 2.5 && jittery.rtt[3] > predicted.mdev - 0.5,
        "mdev {:.3} ms, the seed says {:.3}",
        jittery.rtt[3],
        predicted.mdev
    );
}

/// One ping-client run of 1000 messages through `--loss 30 --seed 1`, with the
/// emulator's summary to check that only the emulator lost anything.
fn lossy_ping_run(server: SocketAddr) -> Option<BTreeSet<usize>> {
    let link = emulator(
        server,
        &["--loss", "30", "--seed", "1", "--duration", "2.5"],
    );
    let run = ping(link.addr, &["--timeout", "0.2", "1000", "0.001"]);
    let ways = summary(&link);
    let (out, back) = ("client->server", "server->client");
    // A datagram the kernel dropped (a full socket buffer on a busy machine)
    // is a loss the seed did not decide; such a run proves nothing either way.
    let clean = count(&ways, out, "received") == 1000
        && count(&ways, back, "received") == count(&ways, out, "forwarded")
        && run.received as u64 == count(&ways, back, "forwarded");
    if clean {
        assert_eq!(run.received + run.lost.len(), 1000);
        Some(run.lost)
    } else {
        eprintln!("run disturbed by drops outside the emulator: {ways:?}");
        None
    }
}

#[test]
fn ping_loss_30_loses_the_same_half_of_1000_messages_every_time() {
    let server = ping_server();
    let link = Impairments {
        loss: 30.0,
        ..Impairments::none()
    };
    // ping numbers messages from 1.
    let predicted: BTreeSet<usize> = predicted_losses(1, link, 1000)
        .into_iter()
        .map(|i| i + 1)
        .collect();
    // Two runs side by side, each through its own emulator with the same seed.
    let addr = server.addr;
    let pair: Vec<_> = (0..2)
        .map(|_| thread::spawn(move || lossy_ping_run(addr)))
        .collect();
    let mut runs: Vec<BTreeSet<usize>> =
        pair.into_iter().filter_map(|t| t.join().unwrap()).collect();
    for _ in 0..2 {
        if runs.len() < 2 {
            runs.extend(lossy_ping_run(addr));
        }
    }
    assert_eq!(runs.len(), 2, "no two clean runs in four");
    // 99% band of Binomial(1000, 0.51): 510 ± 2.576 × 15.8.
    assert!(
        (470..=551).contains(&runs[0].len()),
        "{} lost",
        runs[0].len()
    );
    assert_eq!(runs[0], runs[1], "same seed, different lost messages");
    assert_eq!(runs[0], predicted);
}

/// Runs `perf-client --csv ARGS` and returns the throughput (kB/s) of each
/// full second. The last row is left out: it also waits for the echoes of the
/// datagrams still in flight when sending stops, so it is not one clean second.
fn perf(addr: SocketAddr, args: &[&str]) -> Vec<f64> {
    let mut rows = perf_rows(addr, args);
    rows.pop();
    assert!(!rows.is_empty(), "no full second in {rows:?}");
    rows
}

/// Every row's throughput (kB/s), the last one included.
fn perf_rows(addr: SocketAddr, args: &[&str]) -> Vec<f64> {
    let port = addr.port().to_string();
    let dir = support::TempDir::new();
    let out_dir = dir.path().to_string_lossy().into_owned();
    let mut all = vec![
        "--csv",
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--out-dir",
        &out_dir,
    ];
    all.extend_from_slice(args);
    let run = Client::new(PERF_CLIENT).args(&all).run();
    run.expect_code(0);
    let out = run.out();
    let mut lines = out.lines();
    assert!(
        lines
            .next()
            .unwrap_or("")
            .starts_with("second,throughput_kBps"),
        "{}",
        run.report()
    );
    let rows: Vec<f64> = lines
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    assert!(!rows.is_empty(), "{}", run.report());
    rows
}

#[test]
fn perf_through_a_10_ms_link_moves_one_window_per_round_trip() {
    let server = Server::start(PERF_SERVER, &["--host", "127.0.0.1", "--port", "0"]);
    let link = emulator(server.addr, &["--delay", "10"]);
    // Both runs at once (two clients of the same link), to keep the test short.
    let to = link.addr;
    let windowed = thread::spawn(move || perf(to, &["2", "1000", "--window", "16"])[0]);
    // Stop-and-wait: one 1000-byte datagram per 20 ms round trip = 50 kB/s at most.
    let single = perf(link.addr, &["2", "1000"])[0];
    assert!((35.0..=50.0).contains(&single), "{single} kB/s");
    // Sixteen in flight: sixteen times as much.
    let window = windowed.join().unwrap();
    assert!(window <= 16.0 * 50.0, "{window} kB/s");
    let ratio = window / single;
    assert!(
        (13.0..=18.0).contains(&ratio),
        "{window} / {single} = {ratio}"
    );
}

#[test]
fn perf_through_a_1000_kbit_link_stays_under_the_rate() {
    if support::wine::skip_under_wine(
        "the rate limit is kept by timed waits; under Wine 8 on a busy machine rows read [87.0, 126.6] kB/s",
    ) {
        return;
    }
    let server = Server::start(PERF_SERVER, &["--host", "127.0.0.1", "--port", "0"]);
    let link = emulator(server.addr, &["--rate", "1000"]);
    // 1000 kbit/s = 125 kB/s of payload each way; a window of 16 fills it.
    // (One datagram more may fall into a second at its edges: 126 kB/s.)
    let rows = perf_rows(link.addr, &["2", "1000", "--window", "16"]);
    assert!((100.0..=126.0).contains(&rows[0]), "{rows:?} kB/s");
    // The last row also holds the echoes that were still queued when sending
    // stopped; it must divide them by its real length, not by one second.
    assert!(rows.iter().all(|r| *r <= 126.0), "{rows:?} kB/s");
}
