//! The capture files in `lab-files/captures/` are what students without capture rights open in
//! Wireshark, and `docs/wireshark.md` tells them how many packets each holds. This test reads
//! every file as pcapng (std only) and checks it against that page: the Section Header Block's
//! magic and byte-order magic, that every block's leading and trailing lengths agree, and that
//! the number of Enhanced Packet Blocks is the count in the page's "Capture files" table.
//! A file the table names must exist, and a file in the folder must be in the table.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

const SHB: u32 = 0x0A0D_0D0A;
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;
const EPB: u32 = 0x0000_0006;
const SIMPLE_PACKET_BLOCK: u32 = 0x0000_0003;
const OBSOLETE_PACKET_BLOCK: u32 = 0x0000_0002;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The rows of the "Capture files" table in docs/wireshark.md: file name -> packet count.
/// A row looks like `| `ping.pcapng` | 6 | what it shows | 12 |`: the first cell names the
/// file, the last cell is the count.
fn documented_counts() -> BTreeMap<String, usize> {
    let page = fs::read_to_string(root().join("docs/wireshark.md")).expect("docs/wireshark.md");
    let start = page
        .find("\n## Capture files")
        .expect("docs/wireshark.md has a '## Capture files' section");
    let section = &page[start + 1..];
    let end = section[3..].find("\n## ").map_or(section.len(), |i| i + 3);
    let mut counts = BTreeMap::new();
    for line in section[..end].lines() {
        let cells: Vec<&str> = line.trim().trim_matches('|').split('|').map(str::trim).collect();
        if cells.len() < 2 {
            continue;
        }
        let first = cells[0].trim_matches('`');
        if !first.ends_with(".pcapng") {
            continue;
        }
        let last = cells[cells.len() - 1].replace(',', "");
        let count: usize = last.parse().unwrap_or_else(|_| {
            panic!("docs/wireshark.md: the packet count of {first} is not a number: {last:?}")
        });
        assert!(
            counts.insert(first.to_string(), count).is_none(),
            "docs/wireshark.md lists {first} twice"
        );
    }
    counts
}

fn u32_at(bytes: &[u8], at: usize, little: bool) -> u32 {
    let b = [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]];
    if little {
        u32::from_le_bytes(b)
    } else {
        u32::from_be_bytes(b)
    }
}

/// Walks the blocks of a pcapng file and returns its number of Enhanced Packet Blocks.
fn count_packets(path: &Path) -> Result<usize, String> {
    let bytes = fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() < 28 {
        return Err(format!("{} bytes is too short for a pcapng file", bytes.len()));
    }
    // The block type of a Section Header Block reads the same in both byte orders.
    if u32_at(&bytes, 0, true) != SHB {
        return Err("does not start with a Section Header Block (0x0A0D0D0A)".into());
    }
    let mut little = true;
    let mut at = 0;
    let mut packets = 0;
    let mut blocks = 0;
    while at < bytes.len() {
        if bytes.len() - at < 12 {
            return Err(format!("{} stray bytes at offset {at}", bytes.len() - at));
        }
        let block_type = u32_at(&bytes, at, little);
        if block_type == SHB {
            // Each section says its own byte order.
            little = match u32_at(&bytes, at + 8, true) {
                BYTE_ORDER_MAGIC => true,
                m if m.swap_bytes() == BYTE_ORDER_MAGIC => false,
                m => return Err(format!("bad byte-order magic {m:#010x} at offset {at}")),
            };
            let major = if little {
                u16::from_le_bytes([bytes[at + 12], bytes[at + 13]])
            } else {
                u16::from_be_bytes([bytes[at + 12], bytes[at + 13]])
            };
            if major != 1 {
                return Err(format!("pcapng major version {major}, expected 1"));
            }
        }
        let len = u32_at(&bytes, at + 4, little) as usize;
        if len < 12 || len % 4 != 0 || len > bytes.len() - at {
            return Err(format!("block at offset {at} has a bad total length {len}"));
        }
        let trailing = u32_at(&bytes, at + len - 4, little) as usize;
        if trailing != len {
            return Err(format!(
                "block at offset {at}: leading length {len}, trailing length {trailing}"
            ));
        }
        match block_type {
            EPB => packets += 1,
            SIMPLE_PACKET_BLOCK | OBSOLETE_PACKET_BLOCK => {
                return Err(format!("block at offset {at} is a packet block other than an EPB"))
            }
            _ => {}
        }
        blocks += 1;
        at += len;
    }
    if blocks < 2 {
        return Err("no block after the Section Header Block".into());
    }
    Ok(packets)
}

#[test]
fn every_documented_capture_parses_and_has_the_documented_packet_count() {
    let documented = documented_counts();
    assert!(
        !documented.is_empty(),
        "the 'Capture files' table in docs/wireshark.md lists no .pcapng file"
    );
    let dir = root().join("lab-files/captures");
    let mut failures = Vec::new();
    for (name, expected) in &documented {
        let path = dir.join(name);
        if !path.exists() {
            failures.push(format!("{name}: documented in docs/wireshark.md but missing"));
            continue;
        }
        match count_packets(&path) {
            Ok(n) if n == *expected => {}
            Ok(n) => {
                failures.push(format!("{name}: {n} packets, docs/wireshark.md says {expected}"))
            }
            Err(e) => failures.push(format!("{name}: {e}")),
        }
        let size = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        if size > 100_000 {
            failures.push(format!("{name}: {size} bytes; keep capture files small"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_capture_file_is_documented() {
    let documented = documented_counts();
    let dir = root().join("lab-files/captures");
    let mut undocumented = Vec::new();
    for entry in fs::read_dir(&dir).expect("lab-files/captures") {
        let name = entry.expect("directory entry").file_name();
        let name = name.to_string_lossy().into_owned();
        if name.ends_with(".pcapng") && !documented.contains_key(&name) {
            undocumented.push(name);
        }
    }
    assert!(
        undocumented.is_empty(),
        "not in the 'Capture files' table of docs/wireshark.md: {undocumented:?}"
    );
}

#[test]
fn the_parser_rejects_broken_files() {
    let dir = std::env::temp_dir().join(format!("captures-test-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("temp dir");
    let good = root().join("lab-files/captures/ping.pcapng");
    let bytes = fs::read(&good).expect("lab-files/captures/ping.pcapng");
    assert_eq!(count_packets(&good), Ok(12));

    // A trailing length that disagrees with the leading one.
    let mut bad = bytes.clone();
    let len = bad.len();
    bad[len - 4] ^= 0x04;
    let path = dir.join("bad-trailer.pcapng");
    fs::write(&path, &bad).expect("write");
    assert!(count_packets(&path).is_err());

    // A wrong magic.
    let mut bad = bytes.clone();
    bad[0] = 0;
    fs::write(&path, &bad).expect("write");
    assert!(count_packets(&path).is_err());

    // A wrong byte-order magic.
    let mut bad = bytes.clone();
    bad[8] = 0;
    fs::write(&path, &bad).expect("write");
    assert!(count_packets(&path).is_err());

    // A file cut in the middle of a block.
    fs::write(&path, &bytes[..bytes.len() - 10]).expect("write");
    assert!(count_packets(&path).is_err());

    let _ = fs::remove_dir_all(&dir);
}
