//! Tour stop for Assignment 3, Part 1: word-by-word file transfer.
//!
//! The stop writes the two sample files (built into the program, so the tour
//! works from any directory) into `OUT_DIR/file-transfer/server_folder`, serves
//! that folder on a free loopback port, fetches `file_1.txt` into
//! `OUT_DIR/file-transfer/client_folder`, and checks that the copy is
//! byte-identical. Then it shows the two refusals: a missing file (404) and a
//! name that tries to leave the folder (400).

use super::{check, Context, Stop};
use crate::error::{Error, Result};
use crate::file_transfer::{client, server};
use crate::net::{self, Family};
use crate::server::TcpOptions;
use std::time::Duration;

const FILE_1: &[u8] = include_bytes!("../../lab-files/server_folder/file_1.txt");
const FILE_2: &[u8] = include_bytes!("../../lab-files/server_folder/file_2.txt");

/// The stops of this exercise.
pub fn stops() -> Vec<Stop> {
    vec![Stop {
        name: "file-transfer",
        title: "Word-by-word file transfer over TCP (Assignment 3, Part 1)",
        by_hand: &["cargo run --bin file-server", "cargo run --bin file-client"],
        run: run_file_transfer,
    }]
}

fn run_file_transfer(context: &Context) -> Result<()> {
    let base = context.out_dir.join("file-transfer");
    let served = base.join("server_folder");
    let saved = base.join("client_folder");
    std::fs::create_dir_all(&served)
        .map_err(|e| Error::io(format!("cannot create {}", served.display()), &e))?;
    for (name, bytes) in [("file_1.txt", FILE_1), ("file_2.txt", FILE_2)] {
        let path = served.join(name);
        std::fs::write(&path, bytes)
            .map_err(|e| Error::io(format!("cannot write {}", path.display()), &e))?;
    }

    let listener = net::bind_tcp("127.0.0.1", 0)?;
    let addr = net::local_addr_of(listener.local_addr())?;
    let folder = server::Folder::open(&served)?;
    let tcp = TcpOptions {
        read_timeout: Duration::from_secs(5),
        limit: Some(3),
        log: context.server_log(),
        ..TcpOptions::default()
    };
    // The server thread ends by itself after the three connections below.
    std::thread::spawn(move || server::serve(listener, folder, server::Options::default(), tcp));

    let connect = || -> Result<std::net::TcpStream> {
        let stream = net::connect_tcp("127.0.0.1", addr.port(), Family::V4, "file-server")?;
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .map_err(|e| Error::io("cannot set a read timeout", &e))?;
        Ok(stream)
    };

    crate::outln!(
        "    $ file-client file_1.txt --port {} --out-dir {}",
        addr.port(),
        crate::paths::shown(&saved)
    );
    let received = client::fetch(&connect()?, "file_1.txt", &saved)?;
    for line in received.report() {
        crate::outln!("    {line}");
    }
    let copy = std::fs::read(&received.path)
        .map_err(|e| Error::io(format!("cannot read {}", received.path.display()), &e))?;
    check(
        copy == FILE_1,
        "the copy of file_1.txt differs from the original",
    )?;
    crate::outln!(
        "    the copy is byte-identical to the original ({} bytes)",
        copy.len()
    );

    for (name, expected) in [
        ("no_such_file.txt", "404 File-not-Found"),
        ("../file-transfer.txt", "400 Bad-File-Name"),
    ] {
        crate::outln!("    $ file-client {name}");
        match client::fetch(&connect()?, name, &saved) {
            Ok(_) => return check(false, format!("{name} was served")),
            Err(err) => {
                let text = err.to_string();
                crate::outln!("    error: {text}");
                check(
                    text.contains(expected),
                    format!("expected {expected}, got: {text}"),
                )?;
            }
        }
    }
    Ok(())
}
