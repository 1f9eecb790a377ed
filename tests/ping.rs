//! End-to-end tests of `ping-server` and `ping-client`, through the real binaries.
//!
//! Loss, lateness and duplication are made by small echo threads inside the
//! test (on port 0), whose behaviour depends only on the order of the
//! datagrams they see, never on timing luck.

mod support;

use std::collections::HashSet;
use std::net::UdpSocket;
use std::time::Duration;
use support::{Client, Server, TempDir};

const SERVER: &str = env!("CARGO_BIN_EXE_ping-server");
const CLIENT: &str = env!("CARGO_BIN_EXE_ping-client");

fn client(port: u16, args: &[&str]) -> support::Outcome {
    let port = port.to_string();
    let mut all = vec!["--host", "127.0.0.1", "--port", &port];
    all.extend_from_slice(args);
    Client::new(CLIENT).args(&all).run()
}

/// The last three lines must be the iputils-style statistics; returns
/// (sent, received, loss, rtt numbers if present).
fn statistics(out: &str) -> (usize, usize, String, Option<[f64; 4]>) {
    let lines: Vec<&str> = out.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("--- ") && l.ends_with(" ping statistics ---"))
        .unwrap_or_else(|| panic!("no statistics header in:\n{out}"));
    let tail = &lines[at + 1..];
    assert!(tail.len() == 1 || tail.len() == 2, "the run must end with the statistics:\n{out}");
    let words: Vec<&str> = tail[0].split(' ').collect();
    assert_eq!(words.len(), 9, "{}", tail[0]);
    assert_eq!(
        (words[1], words[3], words[5], words[6], words[8]),
        ("sent,", "received,", "loss,", "time", "ms"),
        "{}",
        tail[0]
    );
    let sent = words[0].parse().unwrap();
    let received = words[2].parse().unwrap();
    let loss = words[4].trim_end_matches('%').to_string();
    words[7].parse::<u64>().unwrap();
    let rtt = tail.get(1).map(|line| {
        let rest = line
            .strip_prefix("rtt min/avg/max/mdev = ")
            .and_then(|r| r.strip_suffix(" ms"))
            .unwrap_or_else(|| panic!("bad rtt line {line:?}"));
        let v: Vec<f64> = rest.split('/').map(|x| x.parse().unwrap()).collect();
        assert_eq!(v.len(), 4, "{line}");
        [v[0], v[1], v[2], v[3]]
    });
    (sent, received, loss, rtt)
}

#[test]
fn ten_quick_messages_all_come_back() {
    let server = Server::start(SERVER, &["--port", "0"]);
    let run = client(server.addr.port(), &["10", "0.01", "8"]);
    run.expect_code(0);
    let out = run.out();
    let (sent, received, loss, rtt) = statistics(&out);
    assert_eq!((sent, received, loss.as_str()), (10, 10, "0"), "{}", run.report());
    let [min, avg, max, mdev] = rtt.expect("rtt line");
    assert!(min > 0.0 && min <= avg && avg <= max && mdev >= 0.0, "{out}");

    // Every message: one "sent" line, then one "received" line with the same
    // payload; payloads are 8 characters of A-Z0-9, all different.
    let mut payloads = HashSet::new();
    for n in 1..=10 {
        let sent = format!("message {n} sent: ");
        let line = out.lines().find(|l| l.starts_with(&sent)).unwrap();
        let payload = &line[sent.len()..];
        assert_eq!(payload.len(), 8, "{line}");
        assert!(payload.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
        assert!(payloads.insert(payload.to_string()), "repeated {payload}");
        let received = format!("message {n} received: {payload} rtt=");
        let sent_at = out.find(&sent).unwrap();
        let received_at = out.find(&received).unwrap_or_else(|| panic!("no {received:?}\n{out}"));
        assert!(sent_at < received_at, "{out}");
    }
    // The server logged each of them once, with the client's address.
    let mut logged = HashSet::new();
    for _ in 0..10 {
        let line = server
            .wait_for_line("message: ", Duration::from_secs(5))
            .expect("a server line per message");
        let payload = line["message: ".len()..].split(" from 127.0.0.1:").next();
        logged.insert(payload.unwrap_or_default().trim_matches('"').to_string());
    }
    assert_eq!(logged, payloads);
}

#[test]
fn plot_writes_a_well_formed_svg() {
    let server = Server::start(SERVER, &["--port", "0"]);
    let dir = TempDir::new();
    let path = dir.join("rtt.svg");
    let run = client(server.addr.port(), &["4", "0.01", "3", "--plot", path.to_str().unwrap()]);
    run.expect_code(0).expect_out("RTT chart written to");
    let svg = std::fs::read_to_string(&path).unwrap();
    support::xml::well_formed(&svg).unwrap();
    assert!(svg.contains("<polyline"), "{svg}");
    assert_eq!(svg.matches("<circle").count(), 4);

    // A folder that does not exist is refused before the run.
    let run = client(server.addr.port(), &["4", "0.01", "3", "--plot", "/no/such/folder/rtt.svg"]);
    run.expect_code(1).expect_one_error_line().expect_err("does the folder /no/such/folder exist?");
    assert!(!run.out().contains("message 1 sent"), "{}", run.report());
}

#[test]
fn no_server_means_full_loss_exit_1_after_count_intervals_and_a_timeout() {
    let port = support::closed_port();
    let run = client(port, &["3", "0.1", "3", "--timeout", "0.3"]);
    run.expect_code(1)
        .expect_one_error_line()
        .expect_err("is ping-server running")
        .expect_out("note: ");
    let (sent, received, loss, rtt) = statistics(&run.out());
    assert_eq!((sent, received, loss.as_str()), (3, 0, "100"));
    assert!(rtt.is_none(), "no rtt line when nothing came back");
    for n in 1..=3 {
        run.expect_out(&format!("message {n} lost"));
    }
    // The last message leaves at 2 x 0.1 s and is given up 0.3 s later; it
    // cannot end sooner, and must not hang.
    assert!(run.elapsed >= Duration::from_millis(500), "{:?}", run.elapsed);
    assert!(run.elapsed < Duration::from_secs(5), "{:?}", run.elapsed);
}

#[test]
fn a_path_that_drops_every_other_datagram_loses_half() {
    let addr = support::peers::udp(
        |n, payload, _| {
            if n % 2 == 0 {
                vec![payload.to_vec()]
            } else {
                vec![]
            }
        },
    );
    // The timeout is generous: on a loaded machine an echo thread may wait
    // its turn for a few hundred milliseconds, and a late echo is not a loss.
    let run = client(addr.port(), &["10", "0.01", "4", "--timeout", "1"]);
    run.expect_code(0);
    let (sent, received, loss, rtt) = statistics(&run.out());
    assert_eq!((sent, received, loss.as_str()), (10, 5, "50"), "{}", run.report());
    assert!(rtt.is_some());
    for n in [2, 4, 6, 8, 10] {
        run.expect_out(&format!("message {n} lost"));
    }
    run.expect_out("message 1 received: ");
}

#[test]
fn late_replies_are_not_counted_as_on_time() {
    // Each message is answered only when the next one arrives, so its echo
    // leaves at least one INTERVAL (0.6 s) after it, past the 0.4 s timeout.
    // The fourth and last message is answered at once.
    let addr = support::peers::udp(|n, payload, held| {
        let mut replies = std::mem::take(held);
        if n < 3 {
            held.push(payload.to_vec());
        } else {
            replies.push(payload.to_vec());
        }
        replies
    });
    let run = client(addr.port(), &["4", "0.6", "3", "--timeout", "0.4"]);
    run.expect_code(0);
    let out = run.out();
    let (sent, received, loss, _) = statistics(&out);
    assert_eq!((sent, received, loss.as_str()), (4, 1, "75"), "{}", run.report());
    for n in 1..=3 {
        run.expect_out(&format!("message {n} lost"));
        run.expect_out(&format!("message {n} late: "));
    }
    run.expect_out("message 4 received: ");
    run.expect_out("late replies: 3 ");
}

#[test]
fn a_slow_real_server_gives_only_late_replies() {
    let server = Server::start(SERVER, &["--port", "0", "--delay", "0.4"]);
    let run = client(server.addr.port(), &["2", "0.05", "3", "--timeout", "0.2"]);
    run.expect_code(1).expect_err("no reply").expect_err("nothing within 0.2 s");
    let (sent, received, loss, rtt) = statistics(&run.out());
    assert_eq!((sent, received, loss.as_str()), (2, 0, "100"));
    assert!(rtt.is_none());
    assert!(!run.out().contains(" received: "), "{}", run.report());
}

#[test]
fn duplicates_are_counted_once() {
    let addr = support::peers::udp(|_, payload, _| vec![payload.to_vec(), payload.to_vec()]);
    let run = client(addr.port(), &["5", "0.01", "3"]);
    run.expect_code(0);
    let (sent, received, loss, _) = statistics(&run.out());
    assert_eq!((sent, received, loss.as_str()), (5, 5, "0"), "{}", run.report());
    // The copies of messages 1-4 arrive before the next message's echo; the
    // run may end before the last copy arrives.
    let out = run.out();
    let line = out
        .lines()
        .find(|l| l.starts_with("duplicate replies: "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        line == "duplicate replies: 4 (ignored)" || line == "duplicate replies: 5 (ignored)",
        "{line}"
    );
}

#[test]
fn replies_that_match_no_message_are_ignored() {
    let addr = support::peers::udp(|_, payload, _| {
        let mut changed = payload.to_vec();
        changed[0] = b'!';
        vec![changed, payload.to_vec()]
    });
    let run = client(addr.port(), &["3", "0.01", "3"]);
    run.expect_code(0)
        .expect_out("3 sent, 3 received, 0% loss")
        .expect_out("ignored a reply that matches no message");
}

/// Both echo servers, ping's and perf's, send back invalid UTF-8, a
/// 65,000-byte datagram and an empty one unchanged, and go on serving:
/// ping-server logs each (escaped, cut), perf-server stays silent.
#[test]
fn bad_datagrams_never_kill_the_servers() {
    let (perf_server, perf_client) =
        (env!("CARGO_BIN_EXE_perf-server"), env!("CARGO_BIN_EXE_perf-client"));
    let mut ping = Server::start(SERVER, &["--port", "0"]);
    let mut perf = Server::start(perf_server, &["--port", "0"]);
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = vec![0u8; 70_000];
    let (big, big_binary) = (vec![b'z'; 65_000], vec![0xAB; 65_000]);
    let payloads = [&b"\xff\xfe\xc3("[..], b"\xff\xfe\x00", &big[..], &big_binary[..], b""];
    for (server, payload) in [&ping, &perf].into_iter().flat_map(|s| payloads.map(|p| (s, p))) {
        socket.send_to(payload, server.addr).unwrap();
        let (n, from) = socket.recv_from(&mut buf).unwrap();
        assert_eq!(from, server.addr);
        assert_eq!(&buf[..n], payload, "echo must be unchanged");
    }
    assert!(ping
        .wait_for_line("message: \"\\xff\\xfe\\xc3(\" from", Duration::from_secs(5))
        .is_some());
    assert!(ping.wait_for_line("... (65000 bytes) from", Duration::from_secs(5)).is_some());
    assert!(ping.wait_for_line("message: \"\" from", Duration::from_secs(5)).is_some());
    client(ping.addr.port(), &["3", "0.01"])
        .expect_code(0)
        .expect_out("3 sent, 3 received, 0% loss");
    let (dir, port) = (TempDir::new(), perf.addr.port().to_string());
    let out_dir = dir.path().to_str().unwrap();
    let perf_args =
        ["--host", "127.0.0.1", "--port", &port, "--out-dir", out_dir, "1", "8", "--csv"];
    Client::new(perf_client).args(&perf_args).run().expect_code(0);
    assert!(ping.is_running() && perf.is_running());
    assert!(perf.lines_so_far().is_empty(), "perf-server is silent");
}

#[test]
fn bad_arguments_exit_2_with_a_usage_line() {
    for args in [
        vec!["0"],
        vec!["abc"],
        vec!["3", "-1"],
        vec!["3", "0.1", "0"],
        vec!["3", "0.1", "65508"],
        vec!["40", "0.1", "1"],
        vec!["--timeout", "0"],
        vec!["--port", "70000"],
        vec!["--bogus"],
        vec!["1", "2", "3", "4"],
    ] {
        let run = Client::new(CLIENT).args(&args).run();
        run.expect_code(2);
        let err = run.err();
        assert!(err.starts_with("error: "), "{}", run.report());
        assert!(err.contains("usage: ping-client"), "{}", run.report());
        assert!(!err.contains("panicked"), "{}", run.report());
    }
    let run = Client::new(CLIENT).args(&["40", "0.1", "1"]).run();
    run.expect_err("use SIZE 2 or more");
    for args in [vec!["--port", "x"], vec!["--delay", "-1"], vec!["extra"]] {
        Client::new(SERVER).args(&args).run().expect_code(2).expect_err("usage: ping-server");
    }
}

#[test]
fn help_lists_every_flag_with_its_default() {
    let run = Client::new(CLIENT).args(&["--help"]).run();
    run.expect_code(0)
        .expect_out("[default: 6]")
        .expect_out("[default: 1]")
        .expect_out("[default: 3]")
        .expect_out("-W, --timeout TIME")
        .expect_out("-c, --count N")
        .expect_out("-i, --interval TIME")
        .expect_out("--plot FILE.svg")
        .expect_out("example:");
    Client::new(SERVER)
        .args(&["--help"])
        .run()
        .expect_code(0)
        .expect_out("--delay TIME")
        .expect_out("bare number: seconds")
        .expect_out("[default: 5065]");
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let taken = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    Client::new(SERVER)
        .args(&["--port", &port])
        .run()
        .expect_code(1)
        .expect_one_error_line()
        .expect_err("already in use");
}

/// An echo that comes from any address other than the server's is not an
/// echo: here a second socket answers message 2 in the server's place, and
/// the server stays silent for it, so message 2 must count as lost.
#[test]
fn echoes_from_another_address_are_ignored() {
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    let impostor = UdpSocket::bind("127.0.0.1:0").unwrap();
    let impostor_addr = impostor.local_addr().unwrap();
    server.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let port = server.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 70_000];
        let mut n = 0;
        while let Ok((len, from)) = server.recv_from(&mut buf) {
            if n == 1 {
                let _ = impostor.send_to(&buf[..len], from);
            } else {
                let _ = server.send_to(&buf[..len], from);
            }
            n += 1;
        }
    });
    let run = client(port, &["3", "0.01", "3", "--timeout", "1"]);
    run.expect_code(0)
        .expect_out(&format!("ignored a datagram from {impostor_addr}: not the server"))
        .expect_out("message 2 lost");
    let (sent, received, _, _) = statistics(&run.out());
    assert_eq!((sent, received), (3, 2), "{}", run.report());
}

#[test]
fn ping_style_flags_work_and_win_over_positionals() {
    let server = Server::start(SERVER, &["--port", "0"]);
    let port = server.addr.port();
    let run = client(port, &["-c", "3", "-i", "10ms", "-s", "5", "-W", "2s"]);
    run.expect_code(0).expect_out("3 messages of 5 bytes, every 0.01 s, timeout 2 s");
    assert_eq!(statistics(&run.out()).1, 3, "{}", run.report());
    // A flag wins over the positional it stands for.
    let run = client(port, &["5", "0.01", "--count", "2", "--interval=20ms"]);
    run.expect_code(0).expect_out("2 messages of 3 bytes, every 0.02 s");
    assert_eq!(statistics(&run.out()).0, 2, "{}", run.report());
}

#[test]
fn plot_refuses_a_name_that_is_not_svg() {
    for name in ["rtt.png", "rtt", "rtt.svg.txt"] {
        let run = Client::new(CLIENT).args(&["3", "0", "3", "--plot", name]).run();
        run.expect_code(2).expect_err("--plot writes SVG");
        assert!(run.out().is_empty(), "{}", run.report());
    }
}

/// Every numeric flag and positional of ping and perf, client and server,
/// fed the values that once panicked or aborted (`perf-client
/// 18446744073709551615` exited 101, `perf-client 3000000000` aborted on a
/// 240 GB allocation): always exit 2, a clear error, no panic. tests/cli.rs
/// covers the numeric arguments of every binary; these cases add the TIME
/// flags and refuse the values that it lets other programs accept.
#[test]
fn extreme_numbers_are_usage_errors_never_panics() {
    let (perf_client, perf_server) =
        (env!("CARGO_BIN_EXE_perf-client"), env!("CARGO_BIN_EXE_perf-server"));
    let bad = ["0", "-1", "1.5", "1e30", "NaN", "inf", "18446744073709551615", ""];
    for value in bad.into_iter().chain(["3000000000", "4000000000"]) {
        // Each case: binary, arguments, and the listed values it rightly accepts.
        for (bin, args, fine) in [
            (CLIENT, vec![value], &[][..]),
            (CLIENT, vec!["3", value, "3"], &["0", "1.5"]),
            (CLIENT, vec!["3", "0", value], &[]),
            (CLIENT, vec!["-c", value], &[]),
            (CLIENT, vec!["-i", value], &["0", "1.5"]),
            (CLIENT, vec!["-s", value], &[]),
            (CLIENT, vec!["--timeout", value], &["1.5"]),
            (CLIENT, vec!["--port", value], &[]),
            (SERVER, vec!["--delay", value], &["0", "1.5"]),
            (SERVER, vec!["--port", value], &["0"]),
            (perf_client, vec![value], &[]),
            (perf_client, vec!["1", value], &[]),
            (perf_client, vec!["--window", value], &[]),
            (perf_client, vec!["--timeout", value], &["1.5"]),
            (perf_client, vec!["--port", value], &[]),
            (perf_server, vec!["--port", value], &["0"]),
        ] {
            if fine.contains(&value) {
                continue;
            }
            let run = Client::new(bin).args(&args).limit(Duration::from_secs(10)).run();
            run.expect_code(2).expect_err("error: ");
            assert!(!run.err().contains("panicked"), "{}", run.report());
        }
    }
}

/// `ping-client 20000000 0 13` once built every payload before its first
/// send: 2.8 GB. Now memory follows the window, not COUNT: with nothing
/// answering, the peak stays a few megabytes after tens of thousands of sends.
#[cfg(target_os = "linux")]
#[test]
fn memory_does_not_grow_with_count() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let port = support::closed_port().to_string();
    let mut child = Command::new(CLIENT)
        .args(["--host", "127.0.0.1", "--port", &port, "20000000", "0", "13"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let sent = lines.map_while(|l| l.ok()).filter(|l| l.contains(" sent: ")).take(20_000).count();
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(sent, 20_000);
    let peak_kb: u64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap();
    assert!(peak_kb < 64 * 1024, "peak {peak_kb} kB");
}

#[test]
fn the_hint_says_what_arrived_when_something_did() {
    // Every echo comes back from another socket than the one the client asked.
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    let impostor = UdpSocket::bind("127.0.0.1:0").unwrap();
    server.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let port = server.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 70_000];
        while let Ok((len, from)) = server.recv_from(&mut buf) {
            let _ = impostor.send_to(&buf[..len], from);
        }
    });
    let run = client(port, &["2", "0.01", "3", "--timeout", "0.2"]);
    run.expect_code(1)
        .expect_one_error_line()
        .expect_err("2 replies from another address")
        .expect_out("replies from another address: 2 (ignored)");
    assert!(!run.err().contains("running"), "{}", run.report());

    // Replies that are no echo of any message.
    let addr = support::peers::udp(|_, _, _| vec![b"garbage".to_vec()]);
    let run = client(addr.port(), &["2", "0.01", "3", "--timeout", "0.2"]);
    run.expect_code(1)
        .expect_err("replies that match no message")
        .expect_out("ignored a reply that matches no message: \"garbage\"");
    assert!(!run.err().contains("running"), "{}", run.report());
}
