//! The cases for a student's server: our clients, and raw sockets doing what no
//! polite client does, against it.
//!
//! | exercise | cases (after `listens`) |
//! |---|---|
//! | udp-upper (udp-rtt) | basic, long-input, non-utf8 |
//! | tcp-upper (tcp-rtt) | basic, long-input, non-utf8, two-clients, early-disconnect |
//! | ping, perf | basic, non-utf8-long |
//! | dual-stack | basic, long-line, non-utf8, two-clients, early-disconnect |
//! | image | image-over-100kB, early-disconnect |
//! | file | basic, runs-of-spaces, not-found, two-clients, early-disconnect |
//!
//! The server is started once and serves every case; if a case crashes it, the
//! case says so and the next case starts it again, so one crash fails one case.

use super::client_cases::{long_sentence, reported_loss, same_file, test_image, PLAIN, SPACES};
use super::process::{free_tcp_port, free_udp_port, tcp_listening, Proc, Ran, TempDir};
use super::{scratch, Checked, Ctx, Place};
use crate::error::{Error, Result};
use std::cell::{Cell, RefCell};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

/// The reference clients each exercise's server cases run.
fn clients(exercise: &str) -> &'static [&'static str] {
    match exercise {
        "udp-upper" => &["udp-upper-client"],
        "tcp-upper" => &["tcp-upper-client"],
        "ping" => &["ping-client"],
        "perf" => &["perf-client"],
        "dual-stack" => &["dual-stack-client"],
        "image" => &["image-client"],
        _ => &["file-client"],
    }
}

/// The cases after `listens`, per exercise: a server that never listens fails
/// them all as "not run", so every grade sheet has the same columns.
fn case_names(exercise: &str) -> &'static [&'static str] {
    match exercise {
        "udp-upper" => &["basic", "long-input", "non-utf8"],
        "tcp-upper" => &["basic", "long-input", "non-utf8", "two-clients", "early-disconnect"],
        "ping" | "perf" => &["basic", "non-utf8-long"],
        "dual-stack" => &["basic", "long-line", "non-utf8", "two-clients", "early-disconnect"],
        "image" => &["image-over-100kB", "early-disconnect"],
        _ => &["basic", "runs-of-spaces", "not-found", "two-clients", "early-disconnect"],
    }
}

fn not_run(ctx: &mut Ctx, exercise: &str) {
    for name in case_names(exercise) {
        ctx.case(name, Duration::ZERO, |_| Err("not run: the server never listened".to_string()));
    }
}

/// Runs the server cases of `ctx`'s exercise.
///
/// # Errors
///
/// When a reference program is missing or a temporary folder cannot be made.
pub fn run(ctx: &mut Ctx) -> Result<()> {
    // The RTT clients talk to the uppercase servers: same server, same cases.
    let exercise = match ctx.args.exercise.as_str() {
        "udp-rtt" => "udp-upper",
        "tcp-rtt" => "tcp-upper",
        other => other,
    }
    .to_string();
    for name in clients(&exercise) {
        ctx.reference(name)?;
    }
    let udp = matches!(exercise.as_str(), "udp-upper" | "ping" | "perf");
    let files = TempDir::new()?;
    let mut place =
        Place { port: if udp { free_udp_port()? } else { free_tcp_port()? }, ..Place::default() };
    if exercise == "image" {
        place.file = Some(files.write("served.jpg", &test_image())?);
    }
    if exercise == "file" {
        files.write("plain.txt", PLAIN)?;
        files.write("spaces.txt", SPACES)?;
        place.dir = Some(files.path.clone());
    }
    let t = ctx.args.timeout;
    let started =
        ctx.start_student(&place, &[], None).map_err(|why| Error::failed("lab-check", why));
    let server = match started {
        Ok(proc) => RefCell::new(proc),
        Err(err) => {
            let why = err.to_string();
            ctx.case("listens", t, |_| Err(why.trim_start_matches("lab-check: ").to_string()));
            return Ok(());
        }
    };
    let mut port = place.port;
    ctx.case("listens", t, |_| {
        let ready = wait_ready(&mut server.borrow_mut(), place.port, udp, t)?;
        port = ready;
        Ok(())
    });
    if !ctx.outcomes.last().map(|o| o.passed()).unwrap_or(false) {
        not_run(ctx, &exercise);
        return Ok(());
    }
    let s = Server { proc: server, port: Cell::new(port), place, udp };
    match exercise.as_str() {
        "udp-upper" => udp_upper(ctx, &s),
        "tcp-upper" => tcp_upper(ctx, &s),
        "ping" | "perf" => echo_udp(ctx, &s, &exercise),
        "dual-stack" => dual_stack(ctx, &s),
        "image" => image(ctx, &s),
        _ => file(ctx, &s),
    }
    Ok(())
}

/// Waits until the student's server listens (TCP) or answers a probe (UDP).
/// A `... listening on ADDR` line on its stdout counts too, and gives the port.
fn wait_ready(server: &mut Proc, port: u16, udp: bool, limit: Duration) -> Checked<u16> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(addr) = super::process::listening_addr(&server.out()) {
            return Ok(addr.port());
        }
        let ready = if udp {
            udp_exchange(port, b"lab-check probe", Duration::from_millis(100)).is_some()
        } else {
            tcp_listening(port)
        };
        if ready {
            return Ok(port);
        }
        if server.exited().is_some() {
            return Err(format!("the server ended before it listened: {}", server.fault()));
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "nothing {} 127.0.0.1:{port} within {} — use the port lab-check gives ({{port}})",
                if udp { "answered on" } else { "listened on" },
                super::process::secs(limit)
            ));
        }
        if !udp {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The student's server, shared by the cases.
struct Server {
    proc: RefCell<Proc>,
    port: Cell<u16>,
    place: Place,
    udp: bool,
}

impl Server {
    /// Runs a case against the server. A server that died in an earlier case is
    /// started again first (on a new port), so each case grades its own behaviour:
    /// one crash fails the case that caused it, not every case after it.
    fn case(
        &self,
        ctx: &mut Ctx,
        name: &'static str,
        limit: Duration,
        body: impl FnOnce(&Ctx) -> Checked<()>,
    ) {
        ctx.case(name, limit, |ctx| {
            self.revive(ctx)?;
            body(ctx)
        });
    }

    fn revive(&self, ctx: &Ctx) -> Checked<()> {
        if self.proc.borrow_mut().exited().is_none() {
            return Ok(());
        }
        let mut place = self.place.clone();
        place.port =
            if self.udp { free_udp_port() } else { free_tcp_port() }.map_err(|e| e.to_string())?;
        let mut proc = ctx.start_student(&place, &[], None)?;
        let port = wait_ready(&mut proc, place.port, self.udp, ctx.args.timeout)
            .map_err(|why| format!("the server had exited and did not start again: {why}"))?;
        *self.proc.borrow_mut() = proc;
        self.port.set(port);
        Ok(())
    }

    fn port(&self) -> u16 {
        self.port.get()
    }

    /// Puts "the server has exited" first in a failing case's reason when it has
    /// (a crash explains the failure better than the refused connection it caused).
    fn explain(&self, verdict: Checked<()>) -> Checked<()> {
        let mut proc = self.proc.borrow_mut();
        if verdict.is_err() {
            // A crashing program may take a moment to be gone after its socket closed.
            let deadline = Instant::now() + Duration::from_millis(300);
            while proc.exited().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        match (verdict, proc.exited()) {
            (Ok(()), None) => Ok(()),
            (Ok(()), Some(_)) => Err(format!("the server has exited: {}", proc.fault())),
            (Err(why), Some(_)) => Err(format!("the server has exited ({}): {why}", proc.fault())),
            (Err(why), None) => Err(why),
        }
    }

    fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port()))
    }
}

/// One datagram to `port` and the reply, if one comes within `wait`.
fn udp_exchange(port: u16, payload: &[u8], wait: Duration) -> Option<Vec<u8>> {
    let socket = UdpSocket::bind("127.0.0.1:0").ok()?;
    socket.set_read_timeout(Some(wait)).ok()?;
    socket.send_to(payload, ("127.0.0.1", port)).ok()?;
    let mut buf = vec![0u8; 65_536];
    let (n, _) = socket.recv_from(&mut buf).ok()?;
    buf.truncate(n);
    Some(buf)
}

/// Connects, sends `payload`, closes the sending half, reads to the end.
fn tcp_request(addr: SocketAddr, payload: &[u8], wait: Duration) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect_timeout(&addr, wait)?;
    stream.set_read_timeout(Some(wait))?;
    stream.write_all(payload)?;
    stream.shutdown(Shutdown::Write)?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply)?;
    Ok(reply)
}

/// A reference client must have ended well and printed `expected`.
fn printed(ran: &Ran, expected: &str, what: &str, hint: &str) -> Checked<()> {
    let out = ran.out();
    if !out.contains(expected) {
        let got = super::shown_prefix(&out, expected);
        return Err(if got > 0 {
            format!("{what} came back cut: {got} of {} bytes — {hint}", expected.len())
        } else {
            format!("our client did not get {what}: {}", ran.fault())
        });
    }
    if !ran.success() {
        return Err(format!("our client failed: {}", ran.fault()));
    }
    Ok(())
}

fn udp_upper(ctx: &mut Ctx, s: &Server) {
    let t = ctx.args.timeout;
    let ask = |ctx: &Ctx, sentence: &str| -> Checked<Ran> {
        let dir = scratch()?;
        ctx.run_reference("udp-upper-client", s.port(), &[sentence.to_string()], b"", &dir.path)
    };
    s.case(ctx, "basic", t, |ctx| {
        s.explain(
            ask(ctx, "hello world").and_then(|ran| printed(&ran, "HELLO WORLD", "HELLO WORLD", "")),
        )
    });
    s.case(ctx, "long-input", t, |ctx| {
        let sentence = long_sentence();
        s.explain(ask(ctx, &sentence).and_then(|ran| {
            printed(
                &ran,
                &sentence.to_uppercase(),
                "the uppercased 3,000-byte sentence",
                "read datagrams of up to 65,535 bytes (the original read 2048)",
            )
        }))
    });
    s.case(ctx, "non-utf8", t, |_| {
        let _ = udp_exchange(s.port(), b"caf\xe9 \xff\xfe bytes", t / 2);
        let verdict = match udp_exchange(s.port(), b"still there?", t / 2) {
            Some(reply) if reply == b"STILL THERE?" => Ok(()),
            Some(reply) => Err(format!(
                "after a datagram that is not UTF-8, 'still there?' got {}",
                crate::output::preview(&reply, 40)
            )),
            None => Err(
                "no reply after a datagram that is not UTF-8: did decoding it crash the server?"
                    .to_string(),
            ),
        };
        s.explain(verdict)
    });
}

fn tcp_upper(ctx: &mut Ctx, s: &Server) {
    let t = ctx.args.timeout;
    let ask = |ctx: &Ctx, sentence: &str| -> Checked<Ran> {
        let dir = scratch()?;
        ctx.run_reference("tcp-upper-client", s.port(), &[sentence.to_string()], b"", &dir.path)
    };
    let basic = |ctx: &Ctx, sentence: &str| -> Checked<()> {
        ask(ctx, sentence).and_then(|ran| printed(&ran, &sentence.to_uppercase(), "the reply", ""))
    };
    s.case(ctx, "basic", t, |ctx| s.explain(basic(ctx, "hello world")));
    s.case(ctx, "long-input", t, |ctx| {
        let sentence = long_sentence();
        s.explain(ask(ctx, &sentence).and_then(|ran| {
            printed(
                &ran,
                &sentence.to_uppercase(),
                "the uppercased 3,000-byte sentence",
                "keep reading until the client closes (the original read 1024 bytes once)",
            )
        }))
    });
    s.case(ctx, "non-utf8", t, |ctx| {
        let _ = tcp_request(s.addr(), b"caf\xe9 \xff\xfe bytes", t / 2);
        s.explain(basic(ctx, "still there").map_err(|why| {
            format!("after a request that is not UTF-8: {why} — did decoding it crash the server?")
        }))
    });
    s.case(ctx, "two-clients", t, |ctx| {
        // The first client is a slow typist: connected, nothing sent yet.
        let first = TcpStream::connect_timeout(&s.addr(), t);
        let verdict = basic(ctx, "second client").map_err(|why| {
            format!(
                "while a first client was connected: {why} — serve each connection on its own thread"
            )
        });
        drop(first);
        s.explain(verdict)
    });
    s.case(ctx, "early-disconnect", t, |ctx| {
        hang_up_early(s, b"half a sente");
        s.explain(
            basic(ctx, "after a hang-up")
                .map_err(|why| format!("after clients that hung up early: {why}")),
        )
    });
}

/// One client connects and leaves at once; another sends half a request and leaves.
fn hang_up_early(s: &Server, partial: &[u8]) {
    let wait = Duration::from_secs(2);
    let _ = TcpStream::connect_timeout(&s.addr(), wait);
    if let Ok(mut second) = TcpStream::connect_timeout(&s.addr(), wait) {
        let _ = second.write_all(partial);
    }
}

/// The bytes an echo case sends: 3,000 of them, many not UTF-8.
fn binary_payload() -> Vec<u8> {
    (0..3000u32).map(|i| (i * 7 + 0x80) as u8).collect()
}

fn echo_udp(ctx: &mut Ctx, s: &Server, exercise: &str) {
    let t = ctx.args.timeout;
    let client = if exercise == "ping" { "ping-client" } else { "perf-client" };
    s.case(ctx, "basic", t, |ctx| {
        let dir = scratch()?;
        let args: Vec<String> = if exercise == "ping" {
            vec!["4".into(), "0.02".into(), "8".into()]
        } else {
            vec!["1".into(), "32".into()]
        };
        let verdict = ctx
            .run_reference(client, s.port(), &args, b"", &dir.path)
            .and_then(|ran| {
                if exercise == "ping" && reported_loss(&ran.out()) != Some(0.0) {
                    return Err(format!(
                        "our ping-client lost echoes on loopback ({}) — send each datagram back at once",
                        ran.out().lines().find(|l| l.contains("loss")).unwrap_or("no statistics")
                    ));
                }
                if ran.success() {
                    Ok(())
                } else {
                    Err(format!("our {client} failed: {}", ran.fault()))
                }
            });
        s.explain(verdict)
    });
    s.case(ctx, "non-utf8-long", t, |_| {
        let payload = binary_payload();
        let verdict = match udp_exchange(s.port(), &payload, t / 2) {
            Some(echo) if echo == payload => Ok(()),
            Some(echo) if echo.len() < payload.len() => Err(format!(
                "a 3,000-byte datagram came back with {} bytes — read up to 65,535 (the original read 1024)",
                echo.len()
            )),
            Some(_) => Err("a 3,000-byte datagram came back changed: echo the bytes as they are".to_string()),
            None => Err("no echo of a 3,000-byte datagram that is not UTF-8".to_string()),
        };
        s.explain(verdict)
    });
}

fn dual_stack(ctx: &mut Ctx, s: &Server) {
    let t = ctx.args.timeout;
    let talk = |ctx: &Ctx, input: &str| -> Checked<Ran> {
        let dir = scratch()?;
        let args = vec!["--family".to_string(), "4".to_string()];
        ctx.run_reference("dual-stack-client", s.port(), &args, input.as_bytes(), &dir.path)
    };
    let basic = |ctx: &Ctx| -> Checked<()> {
        talk(ctx, "hello\nsecond line\nend\n").and_then(|ran| {
            printed(&ran, "second line", "the echo of 'second line'", "")?;
            printed(&ran, "hello", "the echo of 'hello'", "")
        })
    };
    s.case(ctx, "basic", t, |ctx| s.explain(basic(ctx)));
    s.case(ctx, "long-line", t, |ctx| {
        let line = long_sentence();
        s.explain(talk(ctx, &format!("{line}\nend\n")).and_then(|ran| {
            printed(
                &ran,
                &line,
                "the echo of a 3,000-byte line",
                "echo every chunk you read, until the client closes",
            )
        }))
    });
    s.case(ctx, "non-utf8", t, |_| {
        let payload = binary_payload();
        let echo = (|| -> std::io::Result<Vec<u8>> {
            let mut stream = TcpStream::connect_timeout(&s.addr(), t)?;
            stream.set_read_timeout(Some(t / 2))?;
            stream.write_all(&payload)?;
            let mut echo = vec![0u8; payload.len()];
            stream.read_exact(&mut echo)?;
            Ok(echo)
        })();
        s.explain(match echo {
            Ok(echo) if echo == payload => Ok(()),
            Ok(_) => Err("3,000 bytes that are not UTF-8 came back changed".to_string()),
            Err(e) => Err(format!(
                "no full echo of 3,000 bytes that are not UTF-8: {}",
                crate::error::describe(&e)
            )),
        })
    });
    s.case(ctx, "two-clients", t, |ctx| {
        let first = TcpStream::connect_timeout(&s.addr(), t);
        let verdict = basic(ctx).map_err(|why| {
            format!(
                "while a first client was connected: {why} — serve each connection on its own thread"
            )
        });
        drop(first);
        s.explain(verdict)
    });
    s.case(ctx, "early-disconnect", t, |ctx| {
        hang_up_early(s, b"half a line");
        s.explain(basic(ctx).map_err(|why| format!("after clients that hung up early: {why}")))
    });
}

fn image(ctx: &mut Ctx, s: &Server) {
    let t = ctx.args.timeout;
    // Our image-client, saving into a fresh folder; the saved bytes, or the reason.
    let fetch = |ctx: &Ctx| -> Checked<Vec<u8>> {
        let dir = scratch()?;
        let out = dir.path.join("received.jpg");
        let args = vec!["--out".to_string(), out.to_string_lossy().into_owned()];
        let ran = ctx.run_reference("image-client", s.port(), &args, b"", &dir.path)?;
        if !ran.success() {
            return Err(format!("our image-client failed: {}", ran.fault()));
        }
        std::fs::read(&out).map_err(|_| "our image-client saved no file".to_string())
    };
    s.case(ctx, "image-over-100kB", t, |ctx| {
        let verdict = fetch(ctx).and_then(|got| {
            if got == test_image() {
                Ok(())
            } else {
                Err(format!(
                    "the client got {} of 150000 bytes{} — send every byte, then close",
                    got.len(),
                    if got.len() == 150_000 { " (changed)" } else { "" }
                ))
            }
        });
        s.explain(verdict)
    });
    s.case(ctx, "early-disconnect", t, |ctx| {
        let wait = Duration::from_secs(2);
        let _ = TcpStream::connect_timeout(&s.addr(), wait);
        // The second reads a little and leaves with the rest unread: the OS resets
        // the connection, and the server's next write fails.
        if let Ok(mut second) = TcpStream::connect_timeout(&s.addr(), wait) {
            let _ = second.set_read_timeout(Some(wait));
            let _ = second.read(&mut [0u8; 10]);
        }
        // Only survival counts here: whether the image is whole is the case above.
        s.explain(
            fetch(ctx)
                .map(|_| ())
                .map_err(|why| format!("after clients that hung up early: {why}")),
        )
    });
}

fn file(ctx: &mut Ctx, s: &Server) {
    let t = ctx.args.timeout;
    let fetch = |ctx: &Ctx, name: &str| -> Checked<(Ran, std::path::PathBuf, TempDir)> {
        let dir = scratch()?;
        let args = vec![
            "--out-dir".to_string(),
            dir.path.to_string_lossy().into_owned(),
            name.to_string(),
        ];
        let ran = ctx.run_reference("file-client", s.port(), &args, b"", &dir.path)?;
        Ok((ran, dir.path.join(name), dir))
    };
    let same = |ctx: &Ctx, name: &str, expected: &[u8], hint: &str| -> Checked<()> {
        let (ran, saved, _dir) = fetch(ctx, name)?;
        if !ran.success() {
            return Err(format!("our file-client failed: {}", ran.fault()));
        }
        same_file(&saved, expected, hint)
    };
    s.case(ctx, "basic", t, |ctx| {
        s.explain(same(ctx, "plain.txt", PLAIN, "send each word as it is"))
    });
    s.case(ctx, "runs-of-spaces", t, |ctx| {
        s.explain(same(
            ctx,
            "spaces.txt",
            SPACES,
            "split on single spaces, keeping the empty words (Python's split(\" \"))",
        ))
    });
    s.case(ctx, "not-found", t, |ctx| {
        let verdict = fetch(ctx, "missing.txt").and_then(|(ran, saved, _dir)| {
            if saved.exists() || ran.success() {
                Err("asking for a missing file gave a file: answer 404".to_string())
            } else {
                Ok(())
            }
        });
        s.explain(verdict)
    });
    s.case(ctx, "two-clients", t, |ctx| {
        let first = TcpStream::connect_timeout(&s.addr(), t);
        let verdict = same(ctx, "plain.txt", PLAIN, "").map_err(|why| {
            format!(
                "while a first client was connected: {why} — serve each connection on its own thread"
            )
        });
        drop(first);
        s.explain(verdict)
    });
    s.case(ctx, "early-disconnect", t, |ctx| {
        hang_up_early(s, b"N\x00\x00");
        s.explain(
            same(ctx, "plain.txt", PLAIN, "")
                .map_err(|why| format!("after clients that hung up early: {why}")),
        )
    });
}
