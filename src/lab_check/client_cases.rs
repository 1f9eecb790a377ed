//! The cases for a student's client: our server (or nobody) at the other end.
//!
//! | exercise | cases |
//! |---|---|
//! | udp-upper, tcp-upper, udp-rtt, tcp-rtt | basic, long-unicode, no-server |
//! | ping | basic, lost-datagram, no-server |
//! | perf | basic, lost-datagram, no-server |
//! | dual-stack | basic, long-line, no-server |
//! | image | image-over-100kB, no-server |
//! | file | basic, runs-of-spaces, not-found, no-server |
//!
//! The sentence, the file name or the lines to echo come on stdin, where the
//! originals read them with `input()`; ping and perf get their numbers as arguments.

use super::process::{free_port, Ran, TempDir};
use super::{scratch, shown_prefix, Checked, Ctx, Place};
use crate::error::Result;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Runs the client cases of `ctx`'s exercise.
///
/// # Errors
///
/// When a reference program is missing.
pub fn run(ctx: &mut Ctx) -> Result<()> {
    match ctx.args.exercise.as_str() {
        "udp-upper" | "udp-rtt" | "tcp-upper" | "tcp-rtt" => uppercase(ctx),
        "ping" => ping(ctx),
        "perf" => perf(ctx),
        "dual-stack" => dual_stack(ctx),
        "image" => image(ctx),
        _ => file(ctx),
    }
}

/// A sentence of 3,000-odd bytes, most of them outside ASCII: the originals read
/// the reply with one `recv(1024)` / `recvfrom(2048)` and cut it.
pub fn long_sentence() -> String {
    let mut text = String::new();
    let mut n = 0;
    while text.len() < 3000 {
        n += 1;
        text.push_str(&format!("ünïcödé wörds, number {n}; "));
    }
    text.trim_end().to_string()
}

/// The client must have ended by itself with exit status 0.
fn ended_well(ran: &Ran) -> Checked<()> {
    if ran.success() {
        Ok(())
    } else {
        Err(ran.fault())
    }
}

/// The output must hold `expected` whole; say how much of it came if not.
fn shows(ran: &Ran, expected: &str, what: &str, hint: &str) -> Checked<()> {
    let out = ran.out();
    if out.contains(expected) {
        return Ok(());
    }
    let got = shown_prefix(&out, expected);
    if got == 0 && !ran.success() {
        Err(ran.fault()) // a crash or a hang says more than the missing text
    } else if got == 0 {
        Err(format!("{what} is not in the output"))
    } else {
        Err(format!("{what} was cut: {got} of {} bytes printed — {hint}", expected.len()))
    }
}

/// Nobody listens: the client must end within the limit and say it failed.
fn must_give_up(ran: &Ran, udp: bool) -> Checked<()> {
    match ran.status {
        None if udp => Err(format!(
            "{} — put a timeout on the socket: UDP gives no error when nobody answers",
            ran.fault()
        )),
        None => Err(ran.fault()),
        Some(s) if s.success() => Err(
            "ended with exit status 0 although no server answered: report it as an error (exit 1)"
                .to_string(),
        ),
        Some(_) if ran.crashed() => {
            Err(format!("crashed instead of reporting the error: {}", ran.fault()))
        }
        Some(_) => Ok(()),
    }
}

/// The student's client run once against a fresh reference `server` (behind a link
/// that loses `loss` % of the datagrams, unless 0): what it did and what the server printed.
fn against(
    ctx: &Ctx,
    server: &str,
    loss: u32,
    extra: &[&str],
    stdin: &[u8],
    limit: Duration,
    ready: impl Fn(&str) -> bool,
) -> Checked<(Ran, String)> {
    let dir = scratch()?;
    let (proc, port) = ctx.reference_server(server, &[], &dir.path)?;
    // The link (when there is one) lives until the client has run.
    let link = if loss > 0 { Some(ctx.lossy_link(port, loss, 3)?) } else { None };
    let port = link.as_ref().map_or(port, |(_, link_port)| *link_port);
    // {dir} is where a perf client may write its graphs.
    let place = Place { port, file: None, dir: Some(dir.path.clone()) };
    let ran = ctx.run_student(&place, extra, stdin, limit)?;
    Ok((ran, proc.out_when(ready, Duration::from_secs(3))))
}

/// Nobody at the other end: the client must end within `limit` saying it failed
/// (or, where `ended_ok` says so, end cleanly), and must have tried.
///
/// TCP: a port where nothing listens, so the connect is refused. UDP: a socket
/// lab-check holds and never answers from. To an unconnected UDP client that is the
/// same silence as no server at all, and it lets lab-check see that the client did
/// send (a program that cannot even start must not pass by failing).
fn no_server(
    ctx: &Ctx,
    udp: bool,
    mut place: Place,
    extra: &[&str],
    stdin: &[u8],
    limit: Duration,
    ended_ok: fn(&Ran) -> bool,
) -> Checked<()> {
    let silent = if udp {
        Some(UdpSocket::bind("127.0.0.1:0").map_err(|e| format!("lab-check: {e}"))?)
    } else {
        None
    };
    place.port = match &silent {
        Some(socket) => socket.local_addr().map(|a| a.port()).unwrap_or(0),
        None => free_port().map_err(|e| e.to_string())?,
    };
    let ran = ctx.run_student(&place, extra, stdin, limit)?;
    if !ended_ok(&ran) {
        must_give_up(&ran, udp)?;
    }
    // The client must have tried: its datagram arrived (UDP), or its words name
    // the failed connection (TCP).
    if let Some(socket) = silent {
        let mut buf = [0u8; 16];
        if socket.set_nonblocking(true).is_ok() && socket.recv_from(&mut buf).is_ok() {
            return Ok(());
        }
        return Err(format!("the client never sent a datagram ({})", ran.fault()));
    }
    let said = format!("{}{}", ran.out(), String::from_utf8_lossy(&ran.stderr)).to_lowercase();
    if said.contains("refused") || said.contains("connect") {
        return Ok(());
    }
    Err(format!(
        "ended ({}) without saying the connection failed: report it, e.g. \
         'cannot connect to HOST:PORT: connection refused'",
        ran.fault()
    ))
}

fn uppercase(ctx: &mut Ctx) -> Result<()> {
    let (udp, rtt) = (ctx.args.exercise.starts_with("udp"), ctx.args.exercise.ends_with("rtt"));
    let server = if udp { "udp-upper-server" } else { "tcp-upper-server" };
    ctx.reference(server)?;
    let t = ctx.args.timeout;
    let exchange = |ctx: &Ctx, sentence: &str| {
        let start: String = sentence.chars().take(10).collect();
        let ready = move |seen: &str| seen.contains(&start);
        against(ctx, server, 0, &[], format!("{sentence}\n").as_bytes(), t, ready)
    };
    ctx.case("basic", t, |ctx| {
        let (ran, seen) = exchange(ctx, "hello world")?;
        shows(&ran, "HELLO WORLD", "the reply HELLO WORLD", "")?;
        ended_well(&ran)?;
        // Some line must speak of an RTT (or round trip) and have a number in it.
        let rtt_line = |line: &str| {
            let lower = line.to_lowercase();
            (lower.contains("rtt") || lower.contains("round"))
                && line.contains(|c: char| c.is_ascii_digit())
        };
        if rtt && !ran.out().lines().any(rtt_line) {
            return Err("no round-trip time in the output: print the RTT in ms".to_string());
        }
        if !seen.contains("hello world") {
            return Err("the server never got 'hello world'".to_string());
        }
        Ok(())
    });
    ctx.case("long-unicode", t, |ctx| {
        let sentence = long_sentence();
        let (ran, _) = exchange(ctx, &sentence)?;
        let hint = if udp {
            "read up to 65,535 bytes (the original read 2048)"
        } else {
            "read until the server closes (the original read 1024 bytes once)"
        };
        shows(&ran, &sentence.to_uppercase(), "the uppercased sentence", hint)?;
        ended_well(&ran)
    });
    ctx.case("no-server", t, |ctx| {
        no_server(ctx, udp, Place::default(), &[], b"hello\n", t, |_| false)
    });
    Ok(())
}

/// The loss the client reported, in percent: the number before `%` on a line that
/// says "loss" (or the last number on it, as the original's `loss percentage=0.0`).
pub fn reported_loss(out: &str) -> Option<f64> {
    let last_number = |text: &str| {
        text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .filter_map(|w| w.parse().ok())
            .next_back()
    };
    out.lines().filter(|l| l.to_lowercase().contains("loss")).find_map(|line| {
        let before_percent = line.find('%').map(|at| &line[..at]);
        before_percent.and_then(last_number).or_else(|| last_number(line))
    })
}

fn ping(ctx: &mut Ctx) -> Result<()> {
    ctx.reference("ping-server")?;
    ctx.reference("link-emulator")?;
    let t = ctx.args.timeout;
    ctx.case("basic", t, |ctx| {
        let (ran, seen) = against(ctx, "ping-server", 0, &["5", "0.05", "4"], b"", t, |seen| {
            seen.matches("message").count() >= 5
        })?;
        ended_well(&ran)?;
        let seen = seen.lines().filter(|l| l.contains("message")).count();
        if seen != 5 {
            return Err(format!("asked for 5 messages, the server got {seen}"));
        }
        match reported_loss(&ran.out()) {
            Some(loss) if loss <= 0.0 => Ok(()),
            Some(loss) => Err(format!("reported {loss}% loss on a link that lost nothing")),
            None => Err("no loss figure in the output: print the loss in %".to_string()),
        }
    });
    // A client that waits for each echo before the next message (as the starter
    // does) spends one timeout per lost message: the limit leaves room for that.
    let per_message = Duration::from_secs(1);
    let limit = t + 6 * per_message;
    ctx.case("lost-datagram", limit, |ctx| {
        let (ran, _) = against(ctx, "ping-server", 30, &["6", "0.05", "4"], b"", limit, |_| true)?;
        if ran.crashed() {
            return Err(ran.fault());
        }
        if ran.status.is_none() {
            return Err(format!("{} — {LOST_ONE}", ran.fault()));
        }
        match reported_loss(&ran.out()) {
            Some(loss) if loss > 0.0 => Ok(()),
            Some(_) => Err("reported 0% loss through a link that drops 30%".to_string()),
            None if ran.success() => Err("no loss figure in the output".to_string()),
            None => Err(format!("no loss figure in the output ({})", ran.fault())),
        }
    });
    let limit = t + 3 * per_message;
    ctx.case("no-server", limit, |ctx| {
        let all_lost = |ran: &Ran| ran.status.is_some() && reported_loss(&ran.out()) == Some(100.0);
        no_server(ctx, true, Place::default(), &["3", "0.05", "4"], b"", limit, all_lost)
    });
    Ok(())
}

/// Why a client that hung on a lost datagram fails.
const LOST_ONE: &str = "a lost datagram must cost one timeout, never the run";

fn perf(ctx: &mut Ctx) -> Result<()> {
    ctx.reference("perf-server")?;
    ctx.reference("link-emulator")?;
    let t = ctx.args.timeout;
    let second = Duration::from_secs(1);
    ctx.case("basic", t + second, |ctx| {
        let (ran, _) = against(ctx, "perf-server", 0, &["1", "32"], b"", t + second, |_| true)?;
        ended_well(&ran)?;
        let out = ran.out().to_lowercase();
        if !(out.contains("throughput") || out.contains("kb/s")) {
            return Err("no throughput in the output: print it every second".to_string());
        }
        Ok(())
    });
    ctx.case("lost-datagram", t + 2 * second, |ctx| {
        let (ran, _) =
            against(ctx, "perf-server", 20, &["2", "32"], b"", t + 2 * second, |_| true)?;
        if ran.status.is_none() {
            return Err(format!("{} — {LOST_ONE}", ran.fault()));
        }
        ended_well(&ran)
    });
    ctx.case("no-server", t + second, |ctx| {
        let dir = scratch()?;
        let place = Place { port: 0, file: None, dir: Some(dir.path.clone()) };
        let ended = |ran: &Ran| ran.status.is_some() && !ran.crashed();
        no_server(ctx, true, place, &["1", "32"], b"", t + second, ended)
    });
    Ok(())
}

fn dual_stack(ctx: &mut Ctx) -> Result<()> {
    ctx.reference("dual-stack-server")?;
    let t = ctx.args.timeout;
    let echo = |ctx: &Ctx, input: &str| {
        against(ctx, "dual-stack-server", 0, &[], input.as_bytes(), t, |_| true).map(|(ran, _)| ran)
    };
    ctx.case("basic", t, |ctx| {
        let ran = echo(ctx, "hello\nsecond line\nend\n")?;
        shows(&ran, "hello", "the echo of 'hello'", "")?;
        shows(&ran, "second line", "the echo of 'second line'", "")?;
        ended_well(&ran)
    });
    ctx.case("long-line", t, |ctx| {
        let line = long_sentence();
        let ran = echo(ctx, &format!("{line}\nend\n"))?;
        shows(
            &ran,
            &line,
            "the echo of a 3,000-byte line",
            "read until the whole line is back (the original read 1024 bytes once)",
        )?;
        ended_well(&ran)
    });
    ctx.case("no-server", t, |ctx| {
        no_server(ctx, false, Place::default(), &[], b"hello\nend\n", t, |_| false)
    });
    Ok(())
}

/// An image of 150,000 bytes: a JPEG start and end marker around varied bytes.
pub fn test_image() -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
    let mut x: u32 = 12345;
    while bytes.len() < 150_000 - 2 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        bytes.push((x >> 16) as u8);
    }
    bytes.extend_from_slice(&[0xFF, 0xD9]);
    bytes
}

/// The file at `path` must hold exactly `expected`.
pub fn same_file(path: &Path, expected: &[u8], hint: &str) -> Checked<()> {
    match std::fs::read(path) {
        Err(_) => Err(format!("no file at {}", path.display())),
        Ok(got) if got == expected => Ok(()),
        Ok(got) if got.len() != expected.len() => {
            Err(format!("the saved file has {} of {} bytes — {hint}", got.len(), expected.len()))
        }
        Ok(got) => {
            let at = got.iter().zip(expected).take_while(|(a, b)| a == b).count();
            Err(format!("the saved file differs from byte {at} on (same length) — {hint}"))
        }
    }
}

fn image(ctx: &mut Ctx) -> Result<()> {
    ctx.reference("image-server")?;
    let t = ctx.args.timeout;
    ctx.case("image-over-100kB", t, |ctx| {
        let dir = scratch()?;
        let image = test_image();
        let served = dir.write("served.jpg", &image).map_err(|e| e.to_string())?;
        let served = served.to_string_lossy().into_owned();
        let (_server, port) =
            ctx.reference_server("image-server", &["--file", &served], &dir.path)?;
        let out = dir.path.join("received.jpg");
        let place = Place { port, file: Some(out.clone()), dir: None };
        let ran = ctx.run_student(&place, &[], b"", t)?;
        ended_well(&ran)?;
        same_file(&out, &image, "read until the server closes (the original read one recv(100000))")
    });
    ctx.case("no-server", t, |ctx| {
        let dir = scratch()?;
        let out = dir.path.join("received.jpg");
        let place = Place { port: 0, file: Some(out.clone()), dir: None };
        no_server(ctx, false, place, &[], b"", t, |_| false)?;
        if out.exists() {
            return Err("a failed transfer left a file behind at {file}".to_string());
        }
        Ok(())
    });
    Ok(())
}

/// The two files every file-transfer case serves: plain words, and runs of spaces.
pub const PLAIN: &[u8] = b"the quick brown fox\njumps over the lazy dog\n";
/// Runs of spaces, tabs and blank lines: the words of `split(" ")` include empty ones.
pub const SPACES: &[u8] = b"two  spaces,   three,\tand a tab\n\n  indented  \n ";

fn file(ctx: &mut Ctx) -> Result<()> {
    ctx.reference("file-server")?;
    let t = ctx.args.timeout;
    // Our file-server on a folder of PLAIN and SPACES; the student's client asks it for `name`.
    let fetch = |ctx: &Ctx, name: &str| -> Checked<(Ran, PathBuf, [TempDir; 2], String)> {
        let (served, out) = (scratch()?, scratch()?);
        for (file, bytes) in [("plain.txt", PLAIN), ("spaces.txt", SPACES)] {
            served.write(file, bytes).map_err(|e| format!("lab-check: {e}"))?;
        }
        let served_text = served.path.to_string_lossy().into_owned();
        let (server, port) =
            ctx.reference_server("file-server", &["--dir", &served_text], &served.path)?;
        let place = Place { port, file: None, dir: Some(out.path.clone()) };
        let ran = ctx.run_student(&place, &[], format!("{name}\n").as_bytes(), t)?;
        let seen = server.out_when(|seen| seen.contains(name), Duration::from_secs(3));
        Ok((ran, out.path.join(name), [served, out], seen))
    };
    let whole = |ctx: &Ctx, name: &str, bytes: &[u8], hint: &str| -> Checked<()> {
        let (ran, saved, _dirs, _) = fetch(ctx, name)?;
        ended_well(&ran)?;
        same_file(&saved, bytes, hint)
    };
    ctx.case("basic", t, |ctx| whole(ctx, "plain.txt", PLAIN, "join the words with single spaces"));
    ctx.case("runs-of-spaces", t, |ctx| {
        let hint = "keep the empty words: join every word with one space, drop none";
        whole(ctx, "spaces.txt", SPACES, hint)
    });
    ctx.case("not-found", t, |ctx| {
        let (ran, saved, _dirs, seen) = fetch(ctx, "missing.txt")?;
        if !seen.contains("missing.txt") {
            return Err(format!("the server was never asked for missing.txt ({})", ran.fault()));
        }
        if ran.crashed() {
            return Err(format!("crashed instead of reporting the missing file: {}", ran.fault()));
        }
        if ran.status.is_none() || ran.success() {
            return Err(format!(
                "asked for a missing file, {}: expected an error (exit 1)",
                if ran.success() { "ended with exit status 0".to_string() } else { ran.fault() }
            ));
        }
        if saved.exists() {
            return Err("saved a file although the server answered 404".to_string());
        }
        Ok(())
    });
    ctx.case("no-server", t, |ctx| {
        let dir = scratch()?;
        let place = Place { port: 0, file: None, dir: Some(dir.path.clone()) };
        no_server(ctx, false, place, &[], b"plain.txt\n", t, |_| false)
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_is_read_in_both_styles() {
        assert_eq!(reported_loss("5 sent, 5 received, 0% loss, time 1 ms"), Some(0.0));
        assert_eq!(reported_loss("loss percentage=12.5"), Some(12.5));
        assert_eq!(reported_loss("8 sent, 6 received, 25.0% packet loss"), Some(25.0));
        assert_eq!(reported_loss("nothing here"), None);
    }

    #[test]
    fn the_long_sentence_is_long_and_not_ascii() {
        let s = long_sentence();
        assert!(s.len() > 3000 && s.len() < 3100, "{}", s.len());
        assert!(!s.is_ascii());
    }

    #[test]
    fn the_test_image_is_over_100_kb_with_jpeg_markers() {
        let image = test_image();
        assert_eq!(image.len(), 150_000);
        assert_eq!(&image[..2], &[0xFF, 0xD8]);
        assert_eq!(&image[image.len() - 2..], &[0xFF, 0xD9]);
    }
}
