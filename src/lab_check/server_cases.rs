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
use super::process::{free_port, listening_addr, tcp_listening, Proc, Ran, TempDir};
use super::{scratch, Checked, Ctx, Place};
use crate::clock::secs_text;
use crate::error::Result;
use std::cell::{Cell, RefCell};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

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
    // Our client of each exercise is `<exercise>-client`.
    let client = format!("{exercise}-client");
    ctx.reference(&client)?;
    let udp = matches!(exercise.as_str(), "udp-upper" | "ping" | "perf");
    let cases = case_names(&exercise);
    let files = TempDir::new()?;
    let mut place = Place { port: free_port()?, ..Place::default() };
    if exercise == "image" {
        place.file = Some(files.write("served.jpg", &test_image())?);
    }
    if exercise == "file" {
        files.write("plain.txt", PLAIN)?;
        files.write("spaces.txt", SPACES)?;
        place.dir = Some(files.path.clone());
    }
    let t = ctx.args.timeout;
    let mut server = match ctx.start_student(&place, &[], None) {
        Ok(proc) => proc,
        Err(why) => {
            ctx.case("listens", t, |_| Err(why));
            return Ok(());
        }
    };
    let mut port = place.port;
    ctx.case("listens", t, |_| {
        port = wait_ready(&mut server, place.port, udp, t)?;
        Ok(())
    });
    if !ctx.outcomes.last().map(|o| o.passed()).unwrap_or(false) {
        for name in cases {
            ctx.case(name, Duration::ZERO, |_| Err("not run: the server never listened".into()));
        }
        return Ok(());
    }
    let s =
        Server { proc: RefCell::new(server), port: Cell::new(port), place, udp, exercise, client };
    for name in cases {
        s.case(ctx, name, t);
    }
    Ok(())
}

/// Waits until the student's server listens (TCP) or answers a probe (UDP).
/// A `... listening on ADDR` line on its stdout counts too, and gives the port.
fn wait_ready(server: &mut Proc, port: u16, udp: bool, limit: Duration) -> Checked<u16> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(addr) = listening_addr(&server.out()) {
            return Ok(addr.port());
        }
        let probe = || udp_exchange(port, b"lab-check probe", Duration::from_millis(100));
        if (udp && probe().is_some()) || (!udp && tcp_listening(port)) {
            return Ok(port);
        }
        if server.exited().is_some() {
            return Err(format!("the server ended before it listened: {}", server.fault()));
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "nothing {} 127.0.0.1:{port} within {} — use the port lab-check gives ({{port}})",
                if udp { "answered on" } else { "listened on" },
                secs_text(limit)
            ));
        }
        if !udp {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The student's server, shared by the cases, with its exercise and our client for it.
struct Server {
    proc: RefCell<Proc>,
    port: Cell<u16>,
    place: Place,
    udp: bool,
    exercise: String,
    client: String,
}

impl Server {
    /// Runs case `name` against the server. A server that died in an earlier case is
    /// started again first (on a new port), so each case grades its own behaviour:
    /// one crash fails the case that caused it, not every case after it.
    fn case(&self, ctx: &mut Ctx, name: &'static str, limit: Duration) {
        ctx.case(name, limit, |ctx| {
            self.revive(ctx)?;
            self.explain(check(ctx, self, name))
        });
    }

    fn revive(&self, ctx: &Ctx) -> Checked<()> {
        if self.proc.borrow_mut().exited().is_none() {
            return Ok(());
        }
        let mut place = self.place.clone();
        place.port = free_port().map_err(|e| e.to_string())?;
        let mut proc = ctx.start_student(&place, &[], None)?;
        let port = wait_ready(&mut proc, place.port, self.udp, ctx.args.timeout)
            .map_err(|why| format!("the server had exited and did not start again: {why}"))?;
        *self.proc.borrow_mut() = proc;
        self.port.set(port);
        Ok(())
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
        SocketAddr::from(([127, 0, 0, 1], self.port.get()))
    }

    /// Our client with `text`: the sentence as its argument (uppercase), or the
    /// lines on its stdin (dual-stack).
    fn ask(&self, ctx: &Ctx, text: &str) -> Checked<Ran> {
        let dir = scratch()?;
        if self.exercise == "dual-stack" {
            ctx.run_reference(
                &self.client,
                self.port.get(),
                &["--family", "4"],
                text.as_bytes(),
                &dir.path,
            )
        } else {
            ctx.run_reference(&self.client, self.port.get(), &[text], b"", &dir.path)
        }
    }

    /// A file fetched by our file-client: how it ran, where it saved, and its folder.
    fn fetch(&self, ctx: &Ctx, name: &str) -> Checked<(Ran, std::path::PathBuf, TempDir)> {
        let dir = scratch()?;
        let out_dir = dir.path.to_string_lossy().into_owned();
        let ran = ctx.run_reference(
            "file-client",
            self.port.get(),
            &["--out-dir", &out_dir, name],
            b"",
            &dir.path,
        )?;
        Ok((ran, dir.path.join(name), dir))
    }

    /// The file `name`, fetched whole by our file-client, must hold `expected`.
    fn same(&self, ctx: &Ctx, name: &str, expected: &[u8], hint: &str) -> Checked<()> {
        let (ran, saved, _dir) = self.fetch(ctx, name)?;
        if !ran.success() {
            return Err(format!("our file-client failed: {}", ran.fault()));
        }
        same_file(&saved, expected, hint)
    }

    /// Our image-client, saving into a fresh folder; the saved bytes, or the reason.
    fn image(&self, ctx: &Ctx) -> Checked<Vec<u8>> {
        let dir = scratch()?;
        let out = dir.path.join("received.jpg");
        let out_text = out.to_string_lossy().into_owned();
        let ran = ctx.run_reference(
            "image-client",
            self.port.get(),
            &["--out", &out_text],
            b"",
            &dir.path,
        )?;
        if !ran.success() {
            return Err(format!("our image-client failed: {}", ran.fault()));
        }
        std::fs::read(&out).map_err(|_| "our image-client saved no file".to_string())
    }

    /// The exchange every exercise's basic case makes (`sentence` for uppercase).
    fn basic(&self, ctx: &Ctx, sentence: &str) -> Checked<()> {
        match self.exercise.as_str() {
            "dual-stack" => {
                let ran = self.ask(ctx, "hello\nsecond line\nend\n")?;
                printed(&ran, "second line", "the echo of 'second line'", "")?;
                printed(&ran, "hello", "the echo of 'hello'", "")
            }
            "file" => self.same(ctx, "plain.txt", PLAIN, "send each word as it is"),
            // Only survival counts here: whether the image is whole is its own case.
            "image" => self.image(ctx).map(|_| ()),
            _ => printed(&self.ask(ctx, sentence)?, &sentence.to_uppercase(), "the reply", ""),
        }
    }
}

const UDP_HINT: &str = "read datagrams of up to 65,535 bytes (the original read 2048)";
const TCP_HINT: &str = "keep reading until the client closes (the original read 1024 bytes once)";

/// One case against the server: its name (and the exercise) say what it does.
fn check(ctx: &Ctx, s: &Server, case: &str) -> Checked<()> {
    let t = ctx.args.timeout;
    match (s.exercise.as_str(), case) {
        ("ping" | "perf", "basic") => {
            // Our client's short run must end well (ping: with no loss on loopback).
            let dir = scratch()?;
            let ping = s.exercise == "ping";
            let args: &[&str] = if ping { &["4", "0.02", "8"] } else { &["1", "32"] };
            let ran = ctx.run_reference(&s.client, s.port.get(), args, b"", &dir.path)?;
            if ping && reported_loss(&ran.out()) != Some(0.0) {
                return Err(format!(
                    "our ping-client lost echoes on loopback ({}) — send each datagram back at once",
                    ran.out().lines().find(|l| l.contains("loss")).unwrap_or("no statistics")
                ));
            }
            if !ran.success() {
                return Err(format!("our {} failed: {}", s.client, ran.fault()));
            }
            Ok(())
        }
        (_, "basic") => s.basic(ctx, "hello world"),
        (exercise, "long-input" | "long-line") => {
            let line = long_sentence();
            let upper = "the uppercased 3,000-byte sentence";
            let (input, expected, what, hint) = match exercise {
                "dual-stack" => (
                    format!("{line}\nend\n"),
                    line,
                    "the echo of a 3,000-byte line",
                    "echo every chunk you read, until the client closes",
                ),
                "udp-upper" => (line.clone(), line.to_uppercase(), upper, UDP_HINT),
                _ => (line.clone(), line.to_uppercase(), upper, TCP_HINT),
            };
            printed(&s.ask(ctx, &input)?, &expected, what, hint)
        }
        ("udp-upper", "non-utf8") => {
            let _ = udp_exchange(s.port.get(), b"caf\xe9 \xff\xfe bytes", t / 2);
            match udp_exchange(s.port.get(), b"still there?", t / 2) {
                Some(reply) if reply == b"STILL THERE?" => Ok(()),
                Some(reply) => Err(format!(
                    "after a datagram that is not UTF-8, 'still there?' got {}",
                    crate::output::preview(&reply, 40)
                )),
                None => Err(
                    "no reply after a datagram that is not UTF-8: did decoding it crash the server?"
                        .to_string(),
                ),
            }
        }
        ("tcp-upper", "non-utf8") => {
            // Send it, close the sending half, read the reply to the end (whatever it is).
            let _ = (|| -> std::io::Result<Vec<u8>> {
                let mut stream = TcpStream::connect_timeout(&s.addr(), t / 2)?;
                stream.set_read_timeout(Some(t / 2))?;
                stream.write_all(b"caf\xe9 \xff\xfe bytes")?;
                stream.shutdown(Shutdown::Write)?;
                let mut reply = Vec::new();
                stream.read_to_end(&mut reply)?;
                Ok(reply)
            })();
            s.basic(ctx, "still there").map_err(|why| {
                format!(
                    "after a request that is not UTF-8: {why} — did decoding it crash the server?"
                )
            })
        }
        (_, "non-utf8") => {
            let payload = binary_payload();
            let echo = (|| -> std::io::Result<Vec<u8>> {
                let mut stream = TcpStream::connect_timeout(&s.addr(), t)?;
                stream.set_read_timeout(Some(t / 2))?;
                stream.write_all(&payload)?;
                let mut echo = vec![0u8; payload.len()];
                stream.read_exact(&mut echo)?;
                Ok(echo)
            })();
            match echo {
                Ok(echo) if echo == payload => Ok(()),
                Ok(_) => Err("3,000 bytes that are not UTF-8 came back changed".to_string()),
                Err(e) => Err(format!(
                    "no full echo of 3,000 bytes that are not UTF-8: {}",
                    crate::error::describe(&e)
                )),
            }
        }
        (_, "non-utf8-long") => {
            let payload = binary_payload();
            match udp_exchange(s.port.get(), &payload, t / 2) {
                Some(echo) if echo == payload => Ok(()),
                Some(echo) if echo.len() < payload.len() => Err(format!(
                    "a 3,000-byte datagram came back with {} bytes — read up to 65,535 (the original read 1024)",
                    echo.len()
                )),
                Some(_) => Err("a 3,000-byte datagram came back changed: echo the bytes as they are".to_string()),
                None => Err("no echo of a 3,000-byte datagram that is not UTF-8".to_string()),
            }
        }
        (_, "two-clients") => {
            // The first client is a slow typist: connected, nothing sent yet.
            let first = TcpStream::connect_timeout(&s.addr(), t);
            let verdict = s.basic(ctx, "second client").map_err(|why| {
                format!(
                    "while a first client was connected: {why} — serve each connection on its own thread"
                )
            });
            drop(first);
            verdict
        }
        (exercise, "early-disconnect") => {
            // One client connects and leaves at once; another sends half a request and
            // leaves. For the image, the second reads a little and leaves with the rest
            // unread: the OS resets the connection, and the server's next write fails.
            let wait = Duration::from_secs(2);
            let _ = TcpStream::connect_timeout(&s.addr(), wait);
            if let Ok(mut second) = TcpStream::connect_timeout(&s.addr(), wait) {
                let _ = match exercise {
                    "image" => {
                        second.set_read_timeout(Some(wait)).and_then(|()| second.read(&mut [0; 10]))
                    }
                    "tcp-upper" => second.write_all(b"half a sente").map(|_| 0),
                    "file" => second.write_all(b"N\x00\x00").map(|_| 0),
                    _ => second.write_all(b"half a line").map(|_| 0),
                };
            }
            s.basic(ctx, "after a hang-up")
                .map_err(|why| format!("after clients that hung up early: {why}"))
        }
        (_, "image-over-100kB") => {
            let got = s.image(ctx)?;
            if got == test_image() {
                return Ok(());
            }
            Err(format!(
                "the client got {} of 150000 bytes{} — send every byte, then close",
                got.len(),
                if got.len() == 150_000 { " (changed)" } else { "" }
            ))
        }
        (_, "runs-of-spaces") => s.same(
            ctx,
            "spaces.txt",
            SPACES,
            "split on single spaces, keeping the empty words (Python's split(\" \"))",
        ),
        _ => {
            // not-found: our file-client asks for a file the folder does not have.
            let (ran, saved, _dir) = s.fetch(ctx, "missing.txt")?;
            if saved.exists() || ran.success() {
                return Err("asking for a missing file gave a file: answer 404".to_string());
            }
            Ok(())
        }
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

/// The bytes an echo case sends: 3,000 of them, many not UTF-8.
fn binary_payload() -> Vec<u8> {
    (0..3000u32).map(|i| (i * 7 + 0x80) as u8).collect()
}
