//! Tour stop for Assignment 3, Part 1: word-by-word file transfer.
//!
//! The stop writes the two sample files (built into the program, so the tour
//! works from any directory) into `OUT_DIR/file-transfer/server_folder`, runs
//! `file-server`'s [`serve`](server::serve) on a free loopback port and
//! `file-client`'s [`run`](client::run) against it, each from the command line
//! it prints, and checks that the copy is byte-identical. Then it shows the
//! two refusals: a missing file (404) and a name that leaves the folder (400).

use super::{check, Context, Stop};
use crate::error::{Error, Result};
use crate::file_transfer::{client, server, status};
use crate::net;

const FILE_1: &[u8] = include_bytes!("../../lab-files/server_folder/file_1.txt");
const FILE_2: &[u8] = include_bytes!("../../lab-files/server_folder/file_2.txt");

/// The stops of this exercise.
pub fn stops() -> Vec<Stop> {
    let title = "Word-by-word file transfer over TCP (Assignment 3, Part 1)";
    vec![Stop { name: "file-transfer", title, by_hand: &[], run }]
}

fn run(context: &Context) -> Result<()> {
    let base = context.out_dir.join("file-transfer");
    let (served, saved) = (base.join("server_folder"), base.join("client_folder"));
    let cannot = |e: std::io::Error| Error::io(format!("cannot write {}", served.display()), &e);
    std::fs::create_dir_all(&served).map_err(cannot)?;
    for (name, bytes) in [("file_1.txt", FILE_1), ("file_2.txt", FILE_2)] {
        std::fs::write(served.join(name), bytes).map_err(cannot)?;
    }

    let dir = served.to_string_lossy();
    let mut args: server::Args = context.args(&format!("file-server --port 0 --dir {dir}"))?;
    args.tcp.log = context.server_log();
    args.tcp.limit = Some(3); // the server thread ends after the three clients below
    let listener = net::bind_tcp(&args.listen.host, args.listen.port)?;
    let port = net::local_addr_of(listener.local_addr())?.port().to_string();
    let folder = server::Folder::open(&args.dir)?;
    let server = std::thread::spawn(move || server::serve(listener, folder, args));

    let out = saved.to_string_lossy();
    let client = |name: &str| {
        let line = format!("file-client {name} --host 127.0.0.1 --port {port} --out-dir {out}");
        context.args::<client::Args>(&line).and_then(client::run)
    };
    client("file_1.txt")?;
    let copy = std::fs::read(saved.join("file_1.txt")).unwrap_or_default();
    check(copy == FILE_1, "the copy of file_1.txt differs from the original")?;
    crate::outln!("    the copy is byte-identical ({} bytes)", copy.len());

    let refusals = [("no_such_file.txt", status::NOT_FOUND), ("../x.txt", status::BAD_FILE_NAME)];
    for (name, expected) in refusals {
        let text = client(name).err().map(|err| err.to_string()).unwrap_or_default();
        crate::outln!("error: {text}");
        check(text.contains(expected), format!("expected {expected}, got: {text:?}"))?;
    }
    server.join().unwrap_or_else(|_| check(false, "the server thread panicked"))
}
