//! Deliberately broken peers for `tests/lab_check.rs`: each mode has one defect
//! that a lab-check case names, and is otherwise correct. Not course material.
//!
//! ```text
//! lab_peer udp-client-no-timeout PORT      waits for the reply forever
//! lab_peer tcp-server-read-once PORT       reads once, 1024 bytes
//! lab_peer tcp-server-one-at-a-time PORT   serves one connection, then the next
//! lab_peer image-server-truncate PORT FILE sends at most 100,000 bytes
//! lab_peer file-client-split-runs PORT DIR drops the empty words
//! lab_peer crash                           panics at once
//! lab_peer hang MARKER                     starts a child, both sleep forever
//! ```

use std::io::{BufRead, Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::thread;
use std::time::Duration;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
    let port = arg(1);
    match arg(0).as_str() {
        "udp-client-no-timeout" => udp_client_no_timeout(&port),
        "tcp-server-read-once" => tcp_server(&port, true, false),
        "tcp-server-one-at-a-time" => tcp_server(&port, false, true),
        "image-server-truncate" => image_server_truncate(&port, &arg(2)),
        "file-client-split-runs" => file_client_split_runs(&port, &arg(2)),
        "crash" => panic!("deliberate crash for the test"),
        "hang" => hang(&arg(1), true),
        "hang-child" => hang(&arg(1), false),
        other => {
            eprintln!("lab_peer: unknown mode {other:?}");
            std::process::exit(2);
        }
    }
}

fn stdin_line() -> String {
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    line.trim_end_matches(['\r', '\n']).to_string()
}

fn udp_client_no_timeout(port: &str) {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.send_to(stdin_line().as_bytes(), format!("127.0.0.1:{port}")).unwrap();
    let mut buf = vec![0u8; 65_536];
    let (n, _) = socket.recv_from(&mut buf).unwrap(); // the defect: no timeout
    println!("{}", String::from_utf8_lossy(&buf[..n]).to_uppercase());
}

fn upper(bytes: &[u8]) -> Vec<u8> {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_uppercase().into_bytes(),
        Err(_) => bytes.to_ascii_uppercase(),
    }
}

fn tcp_server(port: &str, read_once: bool, one_at_a_time: bool) {
    let listener = TcpListener::bind(format!("127.0.0.1:{port}")).unwrap();
    for stream in listener.incoming().flatten() {
        let serve = move || serve_upper(stream, read_once);
        if one_at_a_time {
            serve(); // the defect: the next client waits for this one
        } else {
            thread::spawn(serve);
        }
    }
}

fn serve_upper(mut stream: TcpStream, read_once: bool) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut buf = [0u8; 1024];
    let mut pending: Vec<u8> = Vec::new(); // half a UTF-8 character from the last read
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        pending.extend_from_slice(&buf[..n]);
        let whole = match std::str::from_utf8(&pending) {
            Err(e) if e.error_len().is_none() && !read_once => e.valid_up_to(),
            _ => pending.len(),
        };
        let rest = pending.split_off(whole);
        if stream.write_all(&upper(&pending)).is_err() || read_once {
            return; // read_once is the defect: the rest of a long sentence is lost
        }
        pending = rest;
    }
}

fn image_server_truncate(port: &str, file: &str) {
    let image = std::fs::read(file).unwrap();
    let listener = TcpListener::bind(format!("127.0.0.1:{port}")).unwrap();
    for stream in listener.incoming().flatten() {
        let image = image.clone();
        thread::spawn(move || {
            let mut stream = stream;
            let cut = image.len().min(100_000); // the defect
            let _ = stream.write_all(&image[..cut]);
        });
    }
}

fn frame(stream: &mut TcpStream, tag: u8, payload: &[u8]) {
    let mut bytes = vec![tag];
    bytes.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    bytes.extend_from_slice(payload);
    stream.write_all(&bytes).unwrap();
}

fn file_client_split_runs(port: &str, dir: &str) {
    let name = stdin_line();
    let mut stream = TcpStream::connect(format!("127.0.0.1:{port}")).unwrap_or_else(|e| {
        eprintln!("error: cannot connect: {e}");
        std::process::exit(1);
    });
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    frame(&mut stream, b'N', name.as_bytes());
    let mut words: Vec<Vec<u8>> = Vec::new();
    loop {
        let mut head = [0u8; 5];
        stream.read_exact(&mut head).unwrap();
        let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
        let mut payload = vec![0u8; len];
        stream.read_exact(&mut payload).unwrap();
        match head[0] {
            b'D' => words.push(payload),
            b'E' => break,
            _ => {
                eprintln!("error: {}", String::from_utf8_lossy(&payload));
                std::process::exit(1);
            }
        }
        frame(&mut stream, b'W', words.len().to_string().as_bytes());
    }
    // The defect: like Python's split() without an argument, empty words vanish.
    let kept: Vec<Vec<u8>> = words.into_iter().filter(|w| !w.is_empty()).collect();
    std::fs::write(format!("{dir}/{name}"), kept.join(&b' ')).unwrap();
    println!("saved {name}");
}

fn hang(marker: &str, with_child: bool) {
    if with_child {
        let exe = std::env::current_exe().unwrap();
        let mut child =
            std::process::Command::new(exe).args(["hang-child", marker]).spawn().unwrap();
        let _ = child.wait(); // forever: the child never ends
    }
    loop {
        thread::sleep(Duration::from_secs(60));
    }
}
