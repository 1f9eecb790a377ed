//! Tour stop for Assignment 3, Part 1: word-by-word file transfer.
//!
//! The stop writes the two sample files (built into the program, so the tour
//! works from any directory) into `OUT_DIR/file-transfer/server_folder`, runs
//! `file-server`'s [`serve`](server::serve) on a free loopback port and
//! `file-client`'s [`run`](client::run) against it, each from the command line
//! it prints, and checks that the copy is byte-identical. Then it shows the
//! two refusals: a missing file (404) and a name that leaves the folder (400).

use super::{check, Context, Stop};
use crate::cli::Args;
use crate::error::{Error, Result};
use crate::file_transfer::{client, server};
use crate::net;

const FILE_1: &[u8] = include_bytes!("../../lab-files/server_folder/file_1.txt");
const FILE_2: &[u8] = include_bytes!("../../lab-files/server_folder/file_2.txt");

/// The stops of this exercise.
pub fn stops() -> Vec<Stop> {
    vec![Stop {
        name: "file-transfer",
        title: "Word-by-word file transfer over TCP (Assignment 3, Part 1)",
        by_hand: &[],
        run: run_file_transfer,
    }]
}

/// Parses `words` as the command line of `A`, after printing it.
fn by_hand<A: Args>(context: &Context, words: &[&str]) -> Result<A> {
    context.by_hand(words.join(" "));
    A::from_matches(&A::command().parse(words[1..].iter().copied())?)
}

fn run_file_transfer(context: &Context) -> Result<()> {
    let base = context.out_dir.join("file-transfer");
    let (served, saved) = (base.join("server_folder"), base.join("client_folder"));
    std::fs::create_dir_all(&served)
        .map_err(|e| Error::io(format!("cannot create {}", served.display()), &e))?;
    for (name, bytes) in [("file_1.txt", FILE_1), ("file_2.txt", FILE_2)] {
        let path = served.join(name);
        std::fs::write(&path, bytes)
            .map_err(|e| Error::io(format!("cannot write {}", path.display()), &e))?;
    }

    let dir = served.to_string_lossy();
    let mut args: server::Args = by_hand(context, &["file-server", "--port", "0", "--dir", &dir])?;
    args.tcp.log = context.server_log();
    args.tcp.limit = Some(3); // the server thread ends after the three clients below
    let listener = net::bind_tcp(&args.host, args.port)?;
    let port = net::local_addr_of(listener.local_addr())?.port();
    let folder = server::Folder::open(&args.dir)?;
    let server = std::thread::spawn(move || server::serve(listener, folder, args));

    let client = |name: &str| {
        let (port, out) = (port.to_string(), saved.to_string_lossy());
        let words =
            ["file-client", name, "--host", "127.0.0.1", "--port", &port, "--out-dir", &out];
        by_hand::<client::Args>(context, &words).and_then(client::run)
    };
    client("file_1.txt")?;
    let path = saved.join("file_1.txt");
    let copy = std::fs::read(&path)
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), &e))?;
    check(copy == FILE_1, "the copy of file_1.txt differs from the original")?;
    crate::outln!("    the copy is byte-identical ({} bytes)", copy.len());

    for (name, expected) in
        [("no_such_file.txt", "404 File-not-Found"), ("../file-transfer.txt", "400 Bad-File-Name")]
    {
        let text = match client(name) {
            Ok(()) => return check(false, format!("{name} was served")),
            Err(err) => err.to_string(),
        };
        crate::outln!("error: {text}");
        check(text.contains(expected), format!("expected {expected}, got: {text}"))?;
    }
    match server.join() {
        Ok(result) => result,
        Err(_) => check(false, "the server thread panicked"),
    }
}
