//! lab-check graded like a user would run it: our programs pass, broken peers
//! (tests/peers/lab_peer.rs) fail exactly the case named after their defect, the
//! starters fail readably, and nothing is left running.
//!
//! The peers and starters are Cargo examples: `cargo test` builds them; with
//! `cargo test --test lab_check` alone, run `cargo build --examples` first.

mod support;

use std::path::PathBuf;
use std::time::Duration;
use support::{Client, Outcome};

const LAB_CHECK: &str = env!("CARGO_BIN_EXE_lab-check");

fn bin(name: &str) -> String {
    let dir = PathBuf::from(LAB_CHECK).parent().unwrap().to_path_buf();
    dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX)).to_string_lossy().into_owned()
}

fn example(name: &str) -> String {
    let dir = PathBuf::from(LAB_CHECK).parent().unwrap().join("examples");
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "{} is missing: `cargo test` builds the examples; alone, run `cargo build --examples`",
        path.display()
    );
    path.to_string_lossy().into_owned()
}

/// One lab-check run with `--json`, and its records (case, result, reason).
struct Graded {
    run: Outcome,
    rows: Vec<(String, String, String)>,
}

impl Graded {
    fn failing(&self) -> Vec<&str> {
        self.rows
            .iter()
            .filter(|(_, result, _)| result == "FAIL")
            .map(|(case, _, _)| case.as_str())
            .collect()
    }

    fn reason(&self, case: &str) -> &str {
        self.rows
            .iter()
            .find(|(c, _, _)| c == case)
            .map(|(_, _, reason)| reason.as_str())
            .unwrap_or_else(|| panic!("no case {case}:\n{}", self.run.out()))
    }

    fn show(&self) -> String {
        format!("{}\nstderr: {}", self.run.out(), self.run.err())
    }
}

fn field(line: &str, key: &str) -> String {
    let tag = format!("\"{key}\":\"");
    let start = line.find(&tag).map(|at| at + tag.len()).unwrap_or(line.len());
    let rest = &line[start..];
    let mut end = 0;
    let bytes = rest.as_bytes();
    while end < bytes.len() && !(bytes[end] == b'"' && (end == 0 || bytes[end - 1] != b'\\')) {
        end += 1;
    }
    rest[..end].to_string()
}

fn grade(exercise: &str, role: &str, timeout: &str, program: &[String]) -> Graded {
    let mut args = vec![
        exercise.to_string(),
        role.to_string(),
        "--json".to_string(),
        "--timeout".to_string(),
        timeout.to_string(),
        "--".to_string(),
    ];
    args.extend(program.iter().cloned());
    let run = Client::new(LAB_CHECK).args(&args).limit(Duration::from_secs(60)).run();
    let rows = run
        .out()
        .lines()
        .map(|l| (field(l, "case"), field(l, "result"), field(l, "reason")))
        .collect();
    Graded { run, rows }
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

/// Our client for each exercise, as a student would give it to lab-check.
fn our_client(exercise: &str) -> Vec<String> {
    let tail = match exercise {
        "dual-stack" => "--family 4 {host} {port}",
        "image" => "--host {host} --port {port} --out {file}",
        "file" => "--host {host} --port {port} --out-dir {dir}",
        "perf" => "--host {host} --port {port} --out-dir {dir}",
        _ => "--host {host} --port {port}",
    };
    let mut argv = vec![bin(&format!("{exercise}-client"))];
    argv.extend(words(tail));
    argv
}

/// Our server for each exercise.
fn our_server(exercise: &str) -> Vec<String> {
    let (name, tail) = match exercise {
        "udp-rtt" => ("udp-upper", ""),
        "tcp-rtt" => ("tcp-upper", ""),
        "image" => ("image", "--file {file}"),
        "file" => ("file", "--dir {dir}"),
        other => (other, ""),
    };
    let mut argv = vec![
        bin(&format!("{name}-server")),
        "--host".to_string(),
        "{host}".to_string(),
        "--port".to_string(),
        "{port}".to_string(),
    ];
    argv.extend(words(tail));
    argv
}

const EXERCISES: [&str; 9] =
    ["udp-upper", "tcp-upper", "udp-rtt", "tcp-rtt", "ping", "perf", "dual-stack", "image", "file"];

fn assert_all_pass(g: &Graded, what: &str) {
    assert!(!g.rows.is_empty(), "{what}: no cases\n{}", g.show());
    assert!(
        g.failing().is_empty() && g.run.code() == Some(0),
        "{what}: expected every case to pass\n{}",
        g.show()
    );
}

#[test]
fn our_clients_pass_every_case() {
    for exercise in EXERCISES {
        if exercise == "perf" && support::wine::running_under_wine() {
            // Under Wine 8 lab-check's silent UDP socket did not see perf-client's
            // datagram in the no-server case (it does on Linux); not solved yet.
            eprintln!("skipped under Wine: perf client (the no-server case)");
            continue;
        }
        let g = grade(exercise, "client", "5", &our_client(exercise));
        assert_all_pass(&g, &format!("{exercise} client"));
    }
}

#[test]
fn our_servers_pass_every_case() {
    for exercise in EXERCISES {
        let g = grade(exercise, "server", "5", &our_server(exercise));
        assert_all_pass(&g, &format!("{exercise} server"));
        assert_eq!(g.rows[0].0, "listens");
    }
}

fn peer(mode: &str, tail: &str) -> Vec<String> {
    let mut argv = vec![example("lab_peer"), mode.to_string()];
    argv.extend(words(tail));
    argv
}

/// The broken peer `mode` fails exactly `case`, with `why` in its reason.
fn fails_only(
    exercise: &str,
    role: &str,
    timeout: &str,
    mode: &str,
    case: &str,
    why: &str,
) -> Graded {
    let tail = match mode {
        "image-server-truncate" => "{port} {file}",
        "file-client-split-runs" => "{port} {dir}",
        _ => "{port}",
    };
    let g = grade(exercise, role, timeout, &peer(mode, tail));
    assert_eq!(g.failing(), [case], "{}", g.show());
    assert!(g.reason(case).contains(why), "{}", g.show());
    g
}

#[test]
fn a_client_that_never_times_out_fails_only_no_server() {
    let g = fails_only(
        "udp-upper",
        "client",
        "2",
        "udp-client-no-timeout",
        "no-server",
        "still running after 2 s",
    );
    assert_eq!(g.run.code(), Some(1));
    // The hung client cost its case's limit, not more.
    assert!(g.run.elapsed < Duration::from_secs(15), "{:?}", g.run.elapsed);
}

#[test]
fn a_server_that_reads_once_fails_only_long_input() {
    fails_only("tcp-upper", "server", "3", "tcp-server-read-once", "long-input", "");
}

#[test]
fn a_server_that_serves_one_client_at_a_time_fails_only_two_clients() {
    fails_only("tcp-upper", "server", "2", "tcp-server-one-at-a-time", "two-clients", "own thread");
}

#[test]
fn a_server_that_truncates_images_fails_only_image_over_100kb() {
    fails_only(
        "image",
        "server",
        "3",
        "image-server-truncate",
        "image-over-100kB",
        "100000 of 150000",
    );
}

#[test]
fn a_file_client_that_splits_on_runs_of_spaces_fails_only_runs_of_spaces() {
    fails_only("file", "client", "3", "file-client-split-runs", "runs-of-spaces", "");
}

#[test]
fn missing_crashing_and_silent_programs_fail_clearly_and_in_time() {
    let missing = vec!["/no/such/program".to_string()];
    for role in ["client", "server"] {
        let g = grade("file", role, "2", &missing);
        assert_eq!(g.failing().len(), g.rows.len(), "{}", g.show());
        assert!(g.rows[0].2.contains("cannot start"), "{}", g.show());
    }

    let client = grade("udp-upper", "client", "2", &peer("crash", ""));
    assert_eq!(client.failing().len(), client.rows.len(), "{}", client.show());
    assert!(client.reason("basic").contains("panicked: deliberate crash"), "{}", client.show());

    let server = grade("tcp-upper", "server", "2", &peer("crash", ""));
    assert_eq!(server.failing().len(), 6, "{}", server.show());
    assert!(server.reason("listens").contains("ended before it listened"), "{}", server.show());

    let silent = grade("file", "server", "1", &peer("hang", "silent-server"));
    assert_eq!(silent.failing().len(), 6, "{}", silent.show());
    assert!(silent.reason("two-clients").starts_with("not run"), "{}", silent.show());
    assert!(silent.run.elapsed < Duration::from_secs(10), "{:?}", silent.run.elapsed);
}

#[cfg(target_os = "linux")]
fn still_running(marker: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let zombie =
            stat.rfind(')').map(|at| stat[at + 1..].trim_start().starts_with('Z')).unwrap_or(false);
        let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if text.contains(marker) && !zombie {
            found.push(format!("{:?}: {text}", entry.file_name()));
        }
    }
    found
}

#[cfg(target_os = "linux")]
#[test]
fn no_process_is_left_behind() {
    // Each run starts a program that starts a child of its own, and both sleep
    // forever: lab-check must end the whole tree, case after case.
    let marker = format!("left-behind-{}", std::process::id());
    let client = grade("tcp-upper", "client", "1", &peer("hang", &marker));
    assert_eq!(client.failing().len(), client.rows.len(), "{}", client.show());
    let server = grade("tcp-upper", "server", "1", &peer("hang", &marker));
    assert!(server.reason("listens").contains("nothing listened"), "{}", server.show());
    let left = still_running(&marker);
    assert!(left.is_empty(), "left running: {left:?}");
}

/// Each starter: its exercise, role, and the case its unfilled todo!() fails first.
const STARTERS: [(&str, &str, &str, &str); 16] = [
    ("udp_upper_client", "udp-upper", "client", "basic"),
    ("udp_upper_server", "udp-upper", "server", "listens"),
    ("tcp_upper_client", "tcp-upper", "client", "basic"),
    ("tcp_upper_server", "tcp-upper", "server", "listens"),
    ("udp_rtt_client", "udp-rtt", "client", "basic"),
    ("tcp_rtt_client", "tcp-rtt", "client", "basic"),
    ("ping_client", "ping", "client", "basic"),
    ("ping_server", "ping", "server", "listens"),
    ("perf_client", "perf", "client", "basic"),
    ("perf_server", "perf", "server", "listens"),
    ("dual_stack_client", "dual-stack", "client", "basic"),
    ("dual_stack_server", "dual-stack", "server", "listens"),
    ("image_client", "image", "client", "image-over-100kB"),
    ("image_server", "image", "server", "listens"),
    ("file_client", "file", "client", "basic"),
    ("file_server", "file", "server", "listens"),
];

/// Next to the starters, shared by them: the file starters' wire, with its own todo!()s,
/// and the scaffolding (command lines), which is not the lesson: no todo!(), no socket.
const SHARED: [&str; 2] = ["frames.rs", "scaffold.rs"];

#[test]
fn every_starter_keeps_its_todos() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("lab-files/starters");
    let read = |file: &str| std::fs::read_to_string(dir.join(file)).unwrap();
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".rs"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = STARTERS.iter().map(|s| format!("{}.rs", s.0)).collect();
    listed.extend(SHARED.iter().map(|s| s.to_string()));
    listed.sort();
    assert_eq!(on_disk, listed, "every starter is listed here");
    let scaffold = read("scaffold.rs");
    for lesson in ["todo!(\"", "TcpStream", "TcpListener", "UdpSocket"] {
        assert!(
            !scaffold.contains(lesson),
            "scaffold.rs has {lesson}: the lesson stays in the starters"
        );
    }
    assert!(read("frames.rs").matches("todo!(\"").count() >= 2, "frames.rs lost its todo!s");
    let manifest = std::fs::read_to_string(dir.join("../../Cargo.toml")).unwrap();
    for (name, ..) in STARTERS {
        let own = read(&format!("{name}.rs"));
        // The program is the starter with the shared modules it declares.
        let mut text = own.clone();
        for shared in SHARED {
            if own.contains(&format!("mod {};", shared.trim_end_matches(".rs"))) {
                text.push_str(&read(shared));
            }
        }
        let todos = text.matches("todo!(\"").count();
        assert!(todos >= 2, "{name}.rs has {todos} todo!s: the answers must not be committed");
        assert!(own.contains("todo!(\""), "{name}.rs: its own socket calls are todo!s");
        assert!(own.contains("see socket_labs::"), "{name}.rs: hints point at a module");
        assert!(
            manifest.contains(&format!("path = \"lab-files/starters/{name}.rs\"")),
            "{name} is a [[example]]"
        );
    }
}

#[test]
fn an_unfilled_starter_fails_its_first_case_with_the_hint() {
    for (name, exercise, role, case) in STARTERS {
        let mut program = vec![example(name)];
        program.extend(words(match (exercise, role) {
            ("image", "client") => "--host {host} --port {port} --out {file}",
            ("image", "server") => "--host {host} --port {port} --file {file}",
            ("file", "client") => "--host {host} --port {port} --out-dir {dir}",
            ("file", "server") => "--host {host} --port {port} --dir {dir}",
            ("dual-stack", "client") => "{host} {port}",
            _ => "--host {host} --port {port}",
        }));
        let g = grade(exercise, role, "2", &program);
        assert_eq!(g.run.code(), Some(1), "{name}: {}", g.show());
        let reason = g.reason(case);
        assert!(
            reason.contains("panicked: not yet implemented: ") && reason.contains("socket_labs::"),
            "{name}: {case} should show the todo!'s hint:\n{}",
            g.show()
        );
    }
}

#[test]
fn bad_command_lines_exit_2_and_help_lists_the_exercises() {
    let help = Client::new(LAB_CHECK).args(&["--help"]).run();
    assert_eq!(help.code(), Some(0));
    for exercise in EXERCISES {
        assert!(help.out().contains(exercise), "{}", help.out());
    }
    for bad in
        [&["nope", "client", "--", "x"][..], &["ping", "client"], &["ping", "sideways", "--", "x"]]
    {
        let run = Client::new(LAB_CHECK).args(bad).run();
        assert_eq!(run.code(), Some(2), "{bad:?}: {}", run.err());
        assert!(run.err().starts_with("error: "), "{}", run.err());
    }
}
