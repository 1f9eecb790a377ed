//! End-to-end tests of `file-server` and `file-client`, through the real binaries.
//!
//! Well-behaved transfers go through `file-client`; misbehaving clients are raw
//! `TcpStream`s in the test that send exactly the bytes a broken or hostile
//! client would.

mod support;

use socket_labs::framing::{read_frame, write_frame, Frame, Incoming};
use socket_labs::rng::Rng;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::{Client, Server, TempDir};

const SERVER: &str = env!("CARGO_BIN_EXE_file-server");
const CLIENT: &str = env!("CARGO_BIN_EXE_file-client");
const WAIT: Duration = Duration::from_secs(5);

/// A server folder with the given files, plus a place outside it.
struct Setup {
    tmp: TempDir,
}

impl Setup {
    fn new(files: &[(&str, &[u8])]) -> Setup {
        let tmp = TempDir::new();
        std::fs::create_dir(tmp.join("served")).unwrap();
        for (name, bytes) in files {
            std::fs::write(tmp.join("served").join(name), bytes).unwrap();
        }
        Setup { tmp }
    }

    fn served(&self) -> PathBuf {
        self.tmp.join("served")
    }

    fn out(&self) -> PathBuf {
        self.tmp.join("out")
    }

    fn start(&self, extra: &[&str]) -> Server {
        let dir = self.served();
        let mut args = vec!["--port", "0", "--dir", dir.to_str().unwrap()];
        args.extend_from_slice(extra);
        Server::start(SERVER, &args)
    }
}

fn client(server: &Server, out: &Path) -> Client {
    Client::new(CLIENT).args(&[
        "--host",
        "127.0.0.1",
        "--port",
        &server.port(),
        "--out-dir",
        out.to_str().unwrap(),
    ])
}

/// `file-client` against a fake server on `port`, saving into `out`.
fn client_at(port: &str, out: &Path) -> Client {
    Client::new(CLIENT)
        .args(&["--host", "127.0.0.1", "--port", port, "--out-dir"])
        .args(&[out.to_str().unwrap()])
}

/// Runs `client`; expects exit 1 and one error line that says `needle`.
fn fails(client: Client, needle: &str) {
    client.run().expect_code(1).expect_one_error_line().expect_err(needle);
}

/// A fake file-server on a free port: `serve` talks to each of `clients`
/// connections in turn (with a read timeout); join the thread for its result.
fn fake_server<T: Send + 'static>(
    clients: usize,
    mut serve: impl FnMut(&mut TcpStream) -> T + Send + 'static,
) -> (String, std::thread::JoinHandle<Vec<T>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let fake = std::thread::spawn(move || {
        let mut results = Vec::new();
        for _ in 0..clients {
            let (mut stream, _) = listener.accept().unwrap();
            stream.set_read_timeout(Some(WAIT)).unwrap();
            results.push(serve(&mut stream));
        }
        results
    });
    (port, fake)
}

/// Entries of a directory (empty when it does not exist).
fn entries(dir: &Path) -> Vec<String> {
    match std::fs::read_dir(dir) {
        Err(_) => Vec::new(),
        Ok(list) => list.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect(),
    }
}

/// A raw connection with a read timeout, so a test never hangs.
fn raw(server: &Server) -> TcpStream {
    let stream = TcpStream::connect(server.addr).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    stream
}

fn send(stream: &mut TcpStream, tag: u8, payload: &[u8]) {
    write_frame(stream, tag, payload).unwrap();
}

const REPLIES: &[(u8, usize)] = &[(b'D', 1 << 24), (b'E', 0), (b'F', 100)];

fn reply(stream: &mut TcpStream) -> Frame {
    match read_frame(stream, REPLIES).unwrap() {
        Incoming::Frame(frame) => frame,
        other => panic!("expected a reply, got {other:?}"),
    }
}

/// The next request a fake server reads, or `None` when the client is done.
fn request(stream: &mut TcpStream) -> Option<Frame> {
    match read_frame(stream, &[(b'N', 255), (b'W', 20)]) {
        Ok(Incoming::Frame(frame)) => Some(frame),
        _ => None,
    }
}

/// Everything the server sends until it closes. If it does not close within
/// the read timeout, what came so far is returned with a marker appended, so
/// the comparison that follows fails and shows it.
fn rest(stream: &mut TcpStream) -> Vec<u8> {
    let mut bytes = Vec::new();
    if let Err(e) = stream.read_to_end(&mut bytes) {
        bytes.extend_from_slice(format!(" <server did not close: {e}>").as_bytes());
    }
    bytes
}

fn frame_bytes(tag: u8, payload: &[u8]) -> Vec<u8> {
    let mut bytes = vec![tag];
    bytes.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    bytes.extend_from_slice(payload);
    bytes
}

#[test]
fn defaults_serve_the_sample_files_from_the_repository_root() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let server = Server::start_in(SERVER, &["--port", "0"], Some(root));
    let out = TempDir::new();
    // Enter at the prompt takes the original's default, file_1.txt.
    let run = client(&server, out.path()).stdin("\n").run();
    run.expect_code(0).expect_out("file name (file_1.txt): ").expect_out("saved to");
    let original = std::fs::read(root.join("lab-files/server_folder/file_1.txt")).unwrap();
    assert_eq!(std::fs::read(out.join("file_1.txt")).unwrap(), original);
    assert!(original.windows(2).any(|w| w == b"  ") && original.contains(&b'\t'));

    client(&server, out.path()).args(&["file_2.txt"]).run().expect_code(0);
    let original = std::fs::read(root.join("lab-files/server_folder/file_2.txt")).unwrap();
    assert_eq!(std::fs::read(out.join("file_2.txt")).unwrap(), original);
    assert!(original.windows(2).any(|w| w == b"  ") && original.contains(&b'\t'));
    // Only the two copies: no temporary files left behind.
    let mut names = entries(out.path());
    names.sort();
    assert_eq!(names, ["file_1.txt", "file_2.txt"]);
}

fn random_words(rng: &mut Rng, size: usize) -> Vec<u8> {
    let mut text = Vec::with_capacity(size + 64);
    while text.len() < size {
        let len = 1 + rng.below(30) as usize;
        text.extend((0..len).map(|_| b'a' + rng.below(26) as u8));
        text.push(if rng.chance(10.0) { b'\n' } else { b' ' });
    }
    text
}

#[test]
fn every_kind_of_content_arrives_byte_identical() {
    let mut rng = Rng::seeded(2026);
    let words = random_words(&mut rng, 1_000_000);
    let spacing =
        b"  two leading\n\n\tthen tabs\t\t and  runs   of    spaces \r\n trailing   ".to_vec();
    let mut binary: Vec<u8> = (0..=255u8).collect();
    binary.extend_from_slice(b" \xff\xfe \xc3( \x00\x00 \xe2\x82");
    let one_word: Vec<u8> = (0..3_000_000).map(|i| b'a' + (i % 26) as u8).collect();
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("random_words.txt", words),
        ("spacing.txt", spacing),
        ("empty.txt", Vec::new()),
        ("binary.bin", binary),
        ("one_word.txt", one_word),
        ("only_spaces.txt", b"   ".to_vec()),
    ];
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, &b[..])).collect();
    let setup = Setup::new(&refs);
    let server = setup.start(&[]);
    for (name, original) in &files {
        let run = client(&server, &setup.out())
            .args(&[name])
            .limit(support::wine::time_limit(Duration::from_secs(20)))
            .run();
        run.expect_code(0);
        let copy = std::fs::read(setup.out().join(name)).unwrap();
        assert!(copy == *original, "{name}: copy differs\n{}", run.report());
        let words = original.iter().filter(|&&b| b == b' ').count() + 1;
        run.expect_out(&format!("received {words} words, {} bytes", original.len()));
        // Large files are summarised, not poured onto the screen.
        assert!(run.stdout.len() < 4096, "{name}: {} bytes of output", run.stdout.len());
    }
    let mut names = entries(&setup.out());
    names.sort();
    let mut expected: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
    expected.sort();
    assert_eq!(names, expected);
}

#[test]
fn a_large_file_is_summarised_and_a_small_one_shown() {
    let setup = Setup::new(&[("small.txt", b"hello\tworld\n"), ("big.txt", &[b'x'; 10_000])]);
    let server = setup.start(&[]);
    client(&server, &setup.out())
        .args(&["small.txt"])
        .run()
        .expect_code(0)
        .expect_out("--- content ---\nhello\\tworld\n");
    client(&server, &setup.out())
        .args(&["big.txt"])
        .run()
        .expect_code(0)
        .expect_out("--- the first 2048 of 10000 bytes ---")
        .expect_out("--- 7952 more bytes not shown ---");
}

const SECRET: &[u8] = b"TOP-SECRET-bytes that must never leave";

#[test]
fn bad_names_get_400_and_not_a_byte_of_the_target() {
    let setup = Setup::new(&[("ok.txt", b"fine")]);
    let secret = setup.tmp.join("secret.txt");
    std::fs::write(&secret, SECRET).unwrap();
    std::fs::create_dir(setup.served().join("sub")).unwrap();
    std::fs::write(setup.served().join("sub").join("inner.txt"), SECRET).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&secret, setup.served().join("escape.txt")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(setup.tmp.path(), setup.served().join("updir")).unwrap();
    let server = setup.start(&[]);

    let absolute = secret.to_str().unwrap().to_string();
    let mut names: Vec<&[u8]> = vec![
        b"../secret.txt",
        absolute.as_bytes(),
        b".",
        b"..",
        b"",
        b"secret\0.txt",
        b"..\\secret.txt",
        b"sub",
        b"sub/inner.txt",
        b"\xff\xfe.txt",
    ];
    if cfg!(unix) {
        names.push(b"escape.txt");
        names.push(b"updir/secret.txt");
        names.push(b"updir");
    }
    for name in names {
        let mut stream = raw(&server);
        send(&mut stream, b'N', name);
        let bytes = rest(&mut stream);
        assert_eq!(
            bytes,
            frame_bytes(b'F', b"400 Bad-File-Name"),
            "name {:?}",
            String::from_utf8_lossy(name)
        );
    }
    // The server is still fine, and a plain name works.
    let mut stream = raw(&server);
    send(&mut stream, b'N', b"ok.txt");
    assert_eq!(reply(&mut stream).payload, b"fine");

    // Through the real client: an error line, exit 1, nothing written anywhere.
    for name in ["../secret.txt", absolute.as_str(), "..", "escape.txt"] {
        if name == "escape.txt" && !cfg!(unix) {
            continue; // the symlink above is made on Unix only
        }
        fails(client(&server, &setup.out()).args(&[name]), "400 Bad-File-Name");
    }
    assert!(!setup.out().exists(), "the client created {:?}", setup.out());
    assert_eq!(std::fs::read(&secret).unwrap(), SECRET);
}

#[test]
fn a_missing_file_is_404_exit_1_and_nothing_is_written() {
    let setup = Setup::new(&[("here.txt", b"x")]);
    let server = setup.start(&[]);
    fails(
        client(&server, &setup.out()).args(&["not_here.txt"]),
        "error: refused \"not_here.txt\": 404 File-not-Found",
    );
    assert!(!setup.out().exists());
    server
        .wait_for_line("asked for \"not_here.txt\": 404 File-not-Found", WAIT)
        .expect("a log line for the 404");
    // Raw: the refusal is one F frame, then the server closes.
    let mut stream = raw(&server);
    send(&mut stream, b'N', b"not_here.txt");
    assert_eq!(rest(&mut stream), frame_bytes(b'F', b"404 File-not-Found"));
}

/// A fake server that serves "pwned" for any name: the client must still
/// refuse to write outside its folder.
#[test]
fn the_client_never_writes_outside_out_dir_whatever_the_server_says() {
    let (port, fake) = fake_server(3, |stream| {
        while let Some(frame) = request(stream) {
            let (tag, payload): (u8, &[u8]) = match frame.tag {
                b'N' => (b'D', b"pwned"),
                _ => (b'E', b""),
            };
            if write_frame(stream, tag, payload).is_err() {
                break;
            }
        }
    });
    let tmp = TempDir::new();
    let out = tmp.join("out");
    for name in ["../escape.txt", "nested/escape.txt", tmp.join("abs.txt").to_str().unwrap()] {
        fails(client_at(&port, &out).args(&[name]), "refusing to save");
    }
    fake.join().unwrap();
    assert_eq!(entries(tmp.path()), Vec::<String>::new());
}

#[test]
fn broken_requests_end_only_their_own_connection() {
    let setup = Setup::new(&[("three.txt", b"one two three")]);
    let server = setup.start(&["--idle-timeout", "5"]);
    let bad_request = frame_bytes(b'F', b"400 Bad-Request");

    // A well-behaved client that is in the middle of a transfer throughout.
    let mut patient = raw(&server);
    send(&mut patient, b'N', b"three.txt");
    assert_eq!(reply(&mut patient).payload, b"one");

    let after_name = |extra: &[u8]| {
        let mut stream = raw(&server);
        send(&mut stream, b'N', b"three.txt");
        assert_eq!(reply(&mut stream).payload, b"one");
        stream.write_all(extra).unwrap();
        stream
    };
    let cases: Vec<(&str, TcpStream)> = vec![
        ("garbage", {
            let mut s = raw(&server);
            s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
            s
        }),
        ("4 GiB claimed", {
            let mut s = raw(&server);
            s.write_all(&[b'N', 0xff, 0xff, 0xff, 0xff, b'a']).unwrap();
            s
        }),
        ("16 MiB + 1 claimed", {
            let mut s = raw(&server);
            s.write_all(&[b'N', 0x01, 0x00, 0x00, 0x01]).unwrap();
            s
        }),
        ("unknown tag", {
            let mut s = raw(&server);
            s.write_all(&frame_bytes(b'Z', b"three.txt")).unwrap();
            s
        }),
        ("word before name", {
            let mut s = raw(&server);
            s.write_all(&frame_bytes(b'W', b"1")).unwrap();
            s
        }),
        ("non-numeric index", after_name(&frame_bytes(b'W', b"WORD_1"))),
        ("negative index", after_name(&frame_bytes(b'W', b"-1"))),
        ("second name", after_name(&frame_bytes(b'N', b"three.txt"))),
        ("reply tag from a client", after_name(&frame_bytes(b'D', b"x"))),
        ("truncated frame", {
            let s = after_name(&[b'W', 0, 0, 0, 9, b'1']);
            s.shutdown(Shutdown::Write).unwrap();
            s
        }),
    ];
    for (what, mut stream) in cases {
        let started = Instant::now();
        let bytes = rest(&mut stream);
        assert_eq!(bytes, bad_request, "{what}: {:?}", String::from_utf8_lossy(&bytes));
        // Answered at once, not after the read timeout.
        assert!(started.elapsed() < Duration::from_secs(3), "{what}: {:?}", started.elapsed());
    }
    server
        .wait_for_line(
            "bad request: frame 'N' claims 4294967295 bytes, more than its limit of 255",
            WAIT,
        )
        .expect("a log line for the 4 GiB claim");

    // The patient client carries on, and a new one is served in full.
    send(&mut patient, b'W', b"1");
    assert_eq!(reply(&mut patient).payload, b"two");
    send(&mut patient, b'W', b"2");
    assert_eq!(reply(&mut patient).payload, b"three");
    send(&mut patient, b'W', b"3");
    assert_eq!(reply(&mut patient).tag, b'E');
    client(&server, &setup.out()).args(&["three.txt"]).run().expect_code(0);
    assert_eq!(std::fs::read(setup.out().join("three.txt")).unwrap(), b"one two three");
}

#[test]
fn words_can_be_asked_for_in_any_order() {
    let setup = Setup::new(&[("w.txt", b"zero one  three")]);
    let server = setup.start(&[]);
    let mut stream = raw(&server);
    send(&mut stream, b'N', b"w.txt");
    assert_eq!(reply(&mut stream).payload, b"zero");
    for (index, expected) in [("3", &b"three"[..]), ("2", b""), ("0", b"zero"), ("003", b"three")] {
        send(&mut stream, b'W', index.as_bytes());
        let frame = reply(&mut stream);
        assert_eq!((frame.tag, &frame.payload[..]), (b'D', expected), "W {index}");
    }
    for past in ["4", "18446744073709551615"] {
        send(&mut stream, b'W', past.as_bytes());
        assert_eq!(reply(&mut stream), Frame { tag: b'E', payload: Vec::new() });
    }
    // An index too big for any machine is not a number we can use.
    send(&mut stream, b'W', b"18446744073709551616");
    assert_eq!(rest(&mut stream), frame_bytes(b'F', b"400 Bad-Request"));
}

#[test]
fn a_client_that_vanishes_mid_transfer_disturbs_no_one() {
    let text: Vec<u8> = (0..200).map(|i| format!("w{i} ")).collect::<String>().into_bytes();
    let setup = Setup::new(&[("many.txt", &text)]);
    let server = setup.start(&[]);

    let mut patient = raw(&server);
    send(&mut patient, b'N', b"many.txt");
    assert_eq!(reply(&mut patient).payload, b"w0");

    {
        let mut leaver = raw(&server);
        send(&mut leaver, b'N', b"many.txt");
        reply(&mut leaver);
        send(&mut leaver, b'W', b"1");
        reply(&mut leaver);
        send(&mut leaver, b'W', b"2");
        // Gone without reading the reply.
    }
    // "left after 3 of 201 words" or, if its close came as a reset,
    // "dropped after serving 3 of 201 words: connection reset by peer".
    server.wait_for_line(" of 201 words", WAIT).expect("a log line for the client that left");

    for i in 1..=200u32 {
        send(&mut patient, b'W', i.to_string().as_bytes());
        let frame = reply(&mut patient);
        if i < 200 {
            assert_eq!(frame.payload, format!("w{i}").into_bytes());
        } else {
            assert_eq!(frame.payload, b"", "the word after the last space");
        }
    }
    client(&server, &setup.out()).args(&["many.txt"]).run().expect_code(0);
    assert_eq!(std::fs::read(setup.out().join("many.txt")).unwrap(), text);
}

#[test]
fn a_silent_client_is_dropped_and_delays_no_one() {
    let setup = Setup::new(&[("a.txt", b"quick brown fox")]);
    let server = setup.start(&["--idle-timeout", "0.5"]);
    let mut silent = raw(&server);
    let mut silent_after_name = raw(&server);
    send(&mut silent_after_name, b'N', b"a.txt");
    assert_eq!(reply(&mut silent_after_name).payload, b"quick");

    // While both are connected and silent, another client is served at once.
    let run = client(&server, &setup.out()).args(&["a.txt"]).run();
    run.expect_code(0);
    assert_eq!(std::fs::read(setup.out().join("a.txt")).unwrap(), b"quick brown fox");

    // After the read timeout the server closes both silent connections.
    let started = Instant::now();
    assert_eq!(rest(&mut silent), b"");
    assert_eq!(rest(&mut silent_after_name), b"");
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
    server
        .wait_for_line("dropped after 1 of 3 words: read failed: timed out", WAIT)
        .expect("a log line for the silent client");
}

#[test]
fn delay_paces_every_reply_and_verbose_logs_each_one() {
    let setup = Setup::new(&[("three.txt", b"one two three")]);
    // The old name in milliseconds, and the new one with a unit.
    for delay in [&["--delay-ms", "40"], &["--delay", "0.04s"]] {
        let server = setup.start(&[delay[0], delay[1], "--verbose"]);
        let run = client(&server, &setup.out()).args(&["three.txt"]).run();
        run.expect_code(0);
        // Three requests (two words and the end mark), each answered after 40 ms.
        assert!(run.elapsed >= Duration::from_millis(120), "{:?}", run.elapsed);
        server.wait_for_line("W 2 -> \"three\"", WAIT).expect("a verbose line per word");
    }
    let server = setup.start(&["--verbose"]);
    client(&server, &setup.out()).args(&["three.txt"]).run().expect_code(0);
    server.wait_for_line("W 3 -> E", WAIT).expect("a verbose line for the end");
}

#[test]
fn command_line_mistakes_and_missing_servers_are_one_line() {
    let setup = Setup::new(&[]);
    // Bad arguments: exit 2 with the usage line.
    for args in [
        &["--port", "abc"][..],
        &["--delay-ms", "-5"],
        &["--delay", "1e30"],
        &["--idle-timeout", "0"],
        &["--max-clients", "0"],
        &["--port", "18446744073709551615"],
        &["--nope"],
    ] {
        let run = Client::new(SERVER).args(args).run();
        run.expect_code(2).expect_err("error: ").expect_err("usage: file-server");
    }
    for args in [
        &["--timeout", "0", "x"][..],
        &["a", "b"],
        &["--port", "70000", "x"],
        &["--max-size", "0", "x"],
        &["--max-time", "NaN", "x"],
    ] {
        Client::new(CLIENT).args(args).run().expect_code(2).expect_err("usage: file-client");
    }
    // A missing folder: exit 1, one line naming --dir.
    Client::new(SERVER)
        .args(&["--port", "0", "--dir", setup.tmp.join("nowhere").to_str().unwrap()])
        .run()
        .expect_code(1)
        .expect_one_error_line()
        .expect_err("--dir");
    // A port in use.
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    Client::new(SERVER)
        .args(&["--port", &port, "--dir", setup.served().to_str().unwrap()])
        .run()
        .expect_code(1)
        .expect_one_error_line()
        .expect_err("already in use");
    // No server: refused, with a hint.
    drop(busy);
    Client::new(CLIENT)
        .args(&["--host", "127.0.0.1", "--port", &port, "x.txt"])
        .run()
        .expect_code(1)
        .expect_one_error_line()
        .expect_err("is file-server running");
    // End of input at the prompt: nothing to do, exit 0, no connection tried.
    Client::new(CLIENT)
        .args(&["--port", &port])
        .run()
        .expect_code(0)
        .expect_out("file name (file_1.txt): ");
    // Help.
    Client::new(SERVER)
        .args(&["--help"])
        .run()
        .expect_code(0)
        .expect_out("--delay DURATION")
        .expect_out("--idle-timeout")
        .expect_out("[default: lab-files/server_folder]");
    Client::new(CLIENT)
        .args(&["--help"])
        .run()
        .expect_code(0)
        .expect_out("[default: lab-files/client_folder]");
}

#[test]
fn a_server_that_dies_mid_transfer_leaves_no_file() {
    // A fake server that sends two words and then hangs up.
    let (port, fake) = fake_server(1, |stream| {
        request(stream).unwrap();
        write_frame(stream, b'D', b"first").unwrap();
        request(stream).unwrap();
        write_frame(stream, b'D', b"second").unwrap();
        request(stream).unwrap();
    });
    let tmp = TempDir::new();
    fails(
        client_at(&port, tmp.path()).args(&["x.txt"]),
        "closed the connection before the end mark",
    );
    fake.join().unwrap();
    assert_eq!(entries(tmp.path()), Vec::<String>::new());
}

#[test]
fn a_server_that_never_stops_is_cut_off_at_16_mib() {
    // A fake server that answers every request with a 1 MiB word.
    let (port, fake) = fake_server(1, |stream| {
        let word = vec![b'z'; 1 << 20];
        let mut sent = 0;
        while request(stream).is_some() {
            if write_frame(stream, b'D', &word).is_err() {
                break;
            }
            sent += 1;
        }
        sent
    });
    let tmp = TempDir::new();
    fails(
        client_at(&port, tmp.path()).args(&["endless.txt"]).args(&["--max-size", "16777216"]),
        "the file is over --max-size (16777216 bytes)",
    );
    // 15 words of 1 MiB and their spaces fit; the 16th would pass 16 MiB,
    // and the client asks for no more.
    assert_eq!(fake.join().unwrap(), [16]);
    assert_eq!(entries(tmp.path()), Vec::<String>::new());
}

#[test]
fn a_client_killed_mid_transfer_leaves_only_a_part_file_the_next_run_clears() {
    let setup = Setup::new(&[("slow.txt", b"one two three four five six")]);
    let server = setup.start(&["--delay-ms", "100", "--verbose"]);
    let mut child = std::process::Command::new(CLIENT)
        .args(["--host", "127.0.0.1", "--port", &server.port(), "--out-dir"])
        .args([setup.out().to_str().unwrap(), "slow.txt"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Two words are through: the transfer is under way.
    let seen = server.wait_for_line("W 1 -> ", WAIT);
    child.kill().unwrap(); // as Ctrl-C would, with no chance to clean up
    child.wait().unwrap();
    seen.expect("the transfer should have started");
    // Killed processes run no clean-up: at most their hidden part file is left,
    // never slow.txt, and the next client removes it at start-up.
    let left = entries(&setup.out());
    assert!(left.iter().all(|n| n.starts_with(".slow.txt.part-")), "{left:?}");
    let server = setup.start(&[]);
    client(&server, &setup.out()).args(&["slow.txt"]).run().expect_code(0);
    if cfg!(target_os = "linux") {
        assert_eq!(entries(&setup.out()), ["slow.txt"]);
    } else {
        // Only Linux lets std ask whether a PID is alive (/proc); elsewhere a
        // part file is taken as stale after a day (files::remove_stale_parts).
        assert!(entries(&setup.out()).contains(&"slow.txt".to_string()));
    }
}

/// The original stopped at a word spelled `EOF`: a text that contains it lost
/// everything after it, and a text without it ran the server off the end of
/// its word list. Here the end is a frame of its own, so `EOF` is a word like
/// any other, wherever it stands.
#[test]
fn a_word_spelled_eof_is_only_a_word() {
    let text: &[u8] = b"EOF first, then EOF in the middle EOF and at the end EOF";
    let setup = Setup::new(&[("eof.txt", text), ("no_eof.txt", b"no end word here")]);
    let server = setup.start(&[]);
    for (name, original) in [("eof.txt", text), ("no_eof.txt", &b"no end word here"[..])] {
        let words = original.split(|&b| b == b' ').count();
        client(&server, &setup.out())
            .args(&[name])
            .run()
            .expect_code(0)
            .expect_out(&format!("received {words} words"));
        assert_eq!(std::fs::read(setup.out().join(name)).unwrap(), original);
    }
}

/// How long the attack tests run: `ATTACK_SECS` (default 2 s; the script
/// `tests/attack-file-server.sh` runs them longer).
fn attack_time() -> Duration {
    let secs = std::env::var("ATTACK_SECS").ok().and_then(|s| s.parse().ok());
    Duration::from_secs_f64(secs.unwrap_or(2.0))
}

/// The server under attack: `ATTACK_FILE_SERVER` names another build (to
/// measure an older one), else ours.
fn attack_server(setup: &Setup, extra: &[&str]) -> Server {
    let bin = std::env::var("ATTACK_FILE_SERVER").unwrap_or_else(|_| SERVER.to_string());
    let dir = setup.served();
    let mut args = vec!["--port", "0", "--dir", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    Server::start(&bin, &args)
}

/// A line of `/proc/PID/status` in KiB (`VmHWM`, `Threads`), on Linux.
fn proc_status(pid: u32, field: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let line = text.lines().find(|l| l.starts_with(field)).unwrap_or("");
    let number = line.split_whitespace().nth(1).unwrap_or("0");
    number.parse().unwrap_or(0)
}

/// Names swapped as fast as possible between a regular file in the folder, a
/// symbolic link to a secret outside it, and a FIFO, while clients ask for
/// them. No byte of the secret may ever be served, no thread may stay stuck
/// (the thread count comes back down), and a legitimate client is served
/// within 1 s once the attack stops.
#[cfg(unix)]
#[test]
fn attack_symlink_and_fifo_swaps_never_leak_and_never_stick() {
    use std::os::unix::fs::symlink;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
    use std::sync::Arc;
    let setup = Setup::new(&[("plain.txt", b"plain words")]);
    let stage = setup.tmp.join("stage");
    std::fs::create_dir(&stage).unwrap();
    std::fs::write(setup.tmp.join("secret.txt"), SECRET).unwrap();
    std::fs::write(stage.join("regular"), b"inside words").unwrap();
    let fifo = std::process::Command::new("mkfifo")
        .arg(stage.join("fifo"))
        .status()
        .map_or(false, |s| s.success());
    let server = attack_server(&setup, &[]);
    // Once every client has gone: main, the deadline watchdog and the log's writer.
    let threads_before = 3;
    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let (stop, served, secret) =
            (Arc::clone(&stop), setup.served(), setup.tmp.join("secret.txt"));
        std::thread::spawn(move || {
            let mut swaps = 0u64;
            while !stop.load(SeqCst) {
                let _ = symlink(&secret, stage.join("link"));
                let _ = std::fs::rename(stage.join("link"), served.join("swap.txt"));
                let _ = std::fs::hard_link(stage.join("regular"), stage.join("copy"));
                let _ = std::fs::rename(stage.join("copy"), served.join("swap.txt"));
                if fifo {
                    let _ = std::fs::hard_link(stage.join("fifo"), stage.join("pipe"));
                    let _ = std::fs::rename(stage.join("pipe"), served.join("pipe.txt"));
                    let _ = std::fs::hard_link(stage.join("regular"), stage.join("copy"));
                    let _ = std::fs::rename(stage.join("copy"), served.join("pipe.txt"));
                }
                swaps += 1;
            }
            swaps
        })
    };
    let counts: Arc<[AtomicU64; 4]> = Arc::new(Default::default()); // leaked, served, refused, stuck
    let attackers: Vec<_> = (0..4)
        .map(|i| {
            let (stop, counts, addr) = (Arc::clone(&stop), Arc::clone(&counts), server.addr);
            std::thread::spawn(move || {
                let name: &[u8] = if i % 2 == 0 { b"swap.txt" } else { b"pipe.txt" };
                while !stop.load(SeqCst) {
                    let mut s = match TcpStream::connect(addr) {
                        Ok(s) => s,
                        Err(_) => continue,
                    };
                    s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
                    let slot = match write_frame(&mut s, b'N', name)
                        .and_then(|()| read_frame(&mut s, REPLIES))
                    {
                        Ok(Incoming::Frame(f))
                            if f.tag == b'D' && SECRET.starts_with(&f.payload) =>
                        {
                            0
                        }
                        Ok(Incoming::Frame(f)) if f.tag == b'D' => 1,
                        Ok(Incoming::Frame(_)) => 2,
                        _ => 3,
                    };
                    counts[slot].fetch_add(1, SeqCst);
                }
            })
        })
        .collect();
    std::thread::sleep(attack_time());
    stop.store(true, SeqCst);
    let swaps = swapper.join().unwrap();
    for attacker in attackers {
        attacker.join().unwrap();
    }
    let started = Instant::now();
    let mut legit = raw(&server);
    send(&mut legit, b'N', b"plain.txt");
    assert_eq!(reply(&mut legit).payload, b"plain");
    let legit_after = started.elapsed();
    drop(legit);
    // Every handler thread ends once its client has gone.
    let deadline = Instant::now() + WAIT;
    let mut threads_after = proc_status(server.pid(), "Threads:");
    while threads_after > threads_before && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        threads_after = proc_status(server.pid(), "Threads:");
    }
    let [leaked, served, refused, stuck] = [0, 1, 2, 3].map(|i| counts[i].load(SeqCst));
    eprintln!(
        "swap attack for {:?}: {swaps} swap rounds; {leaked} leaked, {served} served from inside, \
         {refused} refused, {stuck} without an answer in 3 s; threads {threads_before} before, \
         {threads_after} after; legitimate client answered in {legit_after:?}",
        attack_time()
    );
    assert_eq!(leaked, 0, "a file outside the folder was served");
    assert_eq!(stuck, 0, "requests went unanswered");
    assert!(served > 0 && refused > 0, "the race was not exercised");
    assert!(threads_after <= threads_before, "threads stuck for good");
    assert!(legit_after < Duration::from_secs(1), "{legit_after:?}");
}

/// Twelve clients each claim a 16 MiB name and send it, while twelve more
/// hold a 16 MiB file of spaces open after its first word. The server's peak
/// memory stays under 64 MiB, no log line passes 1 KiB, and everyone else is
/// still served.
#[cfg(target_os = "linux")]
#[test]
fn attack_memory_stays_bounded_under_huge_names_and_idle_readers() {
    let spaces = vec![b' '; 16 << 20];
    let setup = Setup::new(&[("spaces.txt", &spaces), ("plain.txt", b"plain words")]);
    let server = attack_server(&setup, &[]);
    let claim = frame_bytes(b'N', &vec![b'\x07'; (16 << 20) - 1]);
    let senders: Vec<_> = (0..12)
        .map(|_| {
            let (addr, claim) = (server.addr, claim.clone());
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(addr).unwrap();
                s.set_read_timeout(Some(WAIT)).unwrap();
                let _ = s.write_all(&claim); // refused early: the write may fail
                let mut answer = Vec::new();
                let _ = s.read_to_end(&mut answer);
                answer
            })
        })
        .collect();
    let readers: Vec<TcpStream> = (0..12)
        .map(|_| {
            let mut s = raw(&server);
            // The first reader waits while the file is read and its 16 Mi words
            // counted, which takes seconds in a debug build on a busy machine.
            s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
            send(&mut s, b'N', b"spaces.txt");
            assert_eq!(reply(&mut s).payload, b"");
            s
        })
        .collect();
    for sender in senders {
        let answer = sender.join().unwrap();
        assert!(
            answer.is_empty() || answer == frame_bytes(b'F', b"400 Bad-Request"),
            "{:?}",
            String::from_utf8_lossy(&answer[..answer.len().min(100)])
        );
    }
    let mut legit = raw(&server);
    send(&mut legit, b'N', b"plain.txt");
    assert_eq!(reply(&mut legit).payload, b"plain");
    let peak = proc_status(server.pid(), "VmHWM:");
    drop(readers);
    let longest = server.lines_so_far().iter().map(|l| l.len()).max().unwrap_or(0);
    eprintln!("12 names of 16 MiB + 12 idle readers of a 16 MiB file of spaces: peak RSS {peak} KiB, longest log line {longest} bytes");
    assert!(peak < 64 * 1024, "peak RSS {peak} KiB");
    assert!(longest <= 1024, "a log line of {longest} bytes");
}

/// A client that trickles one byte every 100 ms never trips the idle timeout;
/// `--max-time` drops it, and a legitimate client is served meanwhile.
#[test]
fn a_trickling_client_is_dropped_at_max_time_and_others_are_served() {
    let setup = Setup::new(&[("a.txt", b"quick brown fox")]);
    let server = setup.start(&["--idle-timeout", "10", "--max-time", "1"]);
    let mut trickler = raw(&server);
    let started = Instant::now();
    let header = [b'N', 0, 0, 0, 200];
    let mut sent = 0;
    while trickler.write_all(&[header.get(sent).copied().unwrap_or(b'x')]).is_ok()
        && started.elapsed() < Duration::from_secs(8)
    {
        sent += 1;
        if sent == 3 {
            // Meanwhile, a legitimate client is served at once.
            client(&server, &setup.out()).args(&["a.txt"]).run().expect_code(0);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let took = started.elapsed();
    assert!(took >= Duration::from_secs(1) && took < Duration::from_secs(5), "{took:?}");
    assert_eq!(std::fs::read(setup.out().join("a.txt")).unwrap(), b"quick brown fox");
}

/// A server that trickles a word one byte at a time: the client's idle
/// `--timeout` never fires, `--max-time` ends it, and nothing is saved.
#[test]
fn a_trickling_server_is_cut_off_at_max_time() {
    let addr = support::peers::tcp(|mut stream| {
        let _ = request(&mut stream);
        let _ = stream.write_all(&[b'D', 0, 0, 0, 200]);
        for _ in 0..200 {
            std::thread::sleep(Duration::from_millis(100));
            if stream.write_all(b"x").is_err() {
                break;
            }
        }
    });
    let tmp = TempDir::new();
    let run = Client::new(CLIENT)
        .args(&["--host", "127.0.0.1", "--port", &addr.port().to_string()])
        .args(&["--timeout", "5", "--max-time", "1", "--out-dir"])
        .args(&[tmp.path().to_str().unwrap(), "slow.txt"])
        .run();
    run.expect_code(1).expect_one_error_line().expect_err("it took longer than --max-time (1 s)");
    assert!(run.elapsed < Duration::from_secs(4), "{:?}", run.elapsed);
    assert_eq!(entries(tmp.path()), Vec::<String>::new());
}

/// Names of 243 to 255 bytes can be saved: the part file's name is cut to
/// fit 255 bytes, the final name is the one asked for.
#[test]
fn names_up_to_255_bytes_are_saved() {
    if cfg!(windows) {
        // Windows caps a whole path at 260 characters unless long paths are
        // enabled, so a 243-byte name in a temporary folder cannot be opened.
        eprintln!("skipped on Windows: a path longer than 260 characters cannot be opened");
        return;
    }
    let names: Vec<String> = [243, 250, 255].iter().map(|n| "n".repeat(n - 4) + ".txt").collect();
    let files: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"long name"[..])).collect();
    let setup = Setup::new(&files);
    let server = setup.start(&[]);
    for name in &names {
        client(&server, &setup.out()).args(&[name]).run().expect_code(0);
        assert_eq!(std::fs::read(setup.out().join(name)).unwrap(), b"long name");
    }
    assert_eq!(entries(&setup.out()).len(), 3);
}

/// A hostile server's refusal text is cut: the F frame's limit is 100 bytes,
/// and a longer claim is refused from its header.
#[test]
fn a_huge_refusal_from_a_server_makes_a_short_error_line() {
    for status in [vec![b'\x1b'; 100], vec![b'r'; 16 << 20]] {
        let addr = support::peers::tcp(move |mut stream| {
            let _ = request(&mut stream);
            let _ = stream.write_all(&frame_bytes(b'F', &status));
        });
        let run = Client::new(CLIENT)
            .args(&["--host", "127.0.0.1", "--port", &addr.port().to_string(), "x.txt"])
            .run();
        run.expect_code(1).expect_one_error_line();
        assert!(run.err().len() < 1000, "{} bytes", run.err().len());
    }
}

/// At the prompt, a name the client could not save is asked for again.
#[test]
fn the_prompt_asks_again_after_a_name_that_cannot_be_saved() {
    let setup = Setup::new(&[("ok.txt", b"fine")]);
    let server = setup.start(&[]);
    client(&server, &setup.out())
        .stdin("../ok.txt\nok.txt\n")
        .run()
        .expect_code(0)
        .expect_out("\"../ok.txt\": a path separator; try again")
        .expect_out("saved to");
    assert_eq!(std::fs::read(setup.out().join("ok.txt")).unwrap(), b"fine");
}
