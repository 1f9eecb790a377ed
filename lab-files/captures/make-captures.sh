#!/bin/sh
# Regenerates the capture files in lab-files/captures/ from real runs of this crate's programs on
# the loopback interface, as described in docs/wireshark.md, "Capture files".
#
# Usage, from the repository root, as root or as a member of the `wireshark` group (capturing
# needs it; the programs themselves never do):
#
#   sh lab-files/captures/make-captures.sh            # every capture
#   sh lab-files/captures/make-captures.sh ping dual-stack   # only these
#
# Needs tshark (Debian: apt-get install tshark). Builds the release binaries first. The servers
# use the lab's default ports (25000, 12000, 5678, ...), so that the capture filters in
# docs/wireshark.md apply unchanged: stop your own servers on those ports before you start.
# Each file is written to a temporary name and moved into place only when its capture ended
# well. At the end the script prints each file's packet count: compare it with the table in
# docs/wireshark.md (tests/captures.rs checks that table against the files).
set -eu

cd "$(dirname "$0")/../.."
OUT=${CAPTURE_DIR:-lab-files/captures}   # CAPTURE_DIR=/tmp/x to try without touching the files
BIN=target/release
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT INT TERM

cargo build --release --quiet

# wait_for TEXT FILE WHAT: wait up to 10 s for TEXT in FILE; else show FILE and give up.
wait_for() {
    tries=0
    until grep -q "$1" "$2" 2>/dev/null; do
        tries=$((tries + 1))
        if [ "$tries" -gt 100 ]; then
            echo "$3 did not start:" >&2
            cat "$2" >&2
            exit 1
        fi
        sleep 0.1
    done
}

# capture NAME FILTER [extra tshark switches...]: start tshark on lo and wait until it listens.
capture() {
    name=$1
    filter=$2
    shift 2
    rm -f "$WORK/tshark.err"
    tshark -q -i lo -f "$filter" -w "$WORK/$name.pcapng" "$@" 2>"$WORK/tshark.err" &
    TSHARK=$!
    wait_for "Capturing on" "$WORK/tshark.err" tshark
    # tshark reports "Capturing on" a little before packets are really recorded.
    sleep 1
    CURRENT=$name
}

# done_capture: give the last packets time to be recorded, stop tshark, move the file into place.
done_capture() {
    sleep 0.5
    kill -INT "$TSHARK" 2>/dev/null || true
    wait "$TSHARK" || true
    chmod 644 "$WORK/$CURRENT.pcapng"
    mv "$WORK/$CURRENT.pcapng" "$OUT/$CURRENT.pcapng"
    echo "$OUT/$CURRENT.pcapng: $(tshark -r "$OUT/$CURRENT.pcapng" 2>/dev/null | wc -l) packets"
}

# start NAME BINARY ARGS...: start a server in the background and wait for its `listening on` line.
start() {
    log="$WORK/$1.log"
    shift
    "$@" >"$log" 2>&1 &
    SERVER=$!
    wait_for "listening on" "$log" "$*"
}

stop() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

uppercase_udp() {
    # One UDP exchange, then the same client with nobody listening (the ICMP port-unreachable).
    capture uppercase-udp "udp port 25000 or (icmp and icmp[30:2] = 25000)"
    start udp "$BIN/udp-upper-server"
    s=$SERVER
    "$BIN/udp-upper-client" "hello wörld"
    stop "$s"
    "$BIN/udp-upper-client" hi || true
    done_capture
}

uppercase_tcp() {
    # One TCP exchange, then the same client with nobody listening (SYN answered by RST).
    capture uppercase-tcp "tcp port 12000"
    start tcp "$BIN/tcp-upper-server"
    s=$SERVER
    "$BIN/tcp-upper-client" "hello wörld"
    stop "$s"
    "$BIN/tcp-upper-client" hi || true
    done_capture
}

rtt() {
    capture rtt "udp port 25000 or tcp port 12000"
    start udp "$BIN/udp-upper-server"
    u=$SERVER
    start tcp "$BIN/tcp-upper-server"
    t=$SERVER
    "$BIN/udp-rtt-client" hello
    "$BIN/tcp-rtt-client" hello
    stop "$u"
    stop "$t"
    done_capture
}

no_server() {
    capture no-server "port 25999 or (icmp and icmp[30:2] = 25999)"
    "$BIN/no-server" --port 25999 >/dev/null
    done_capture
}

file_transfer() {
    capture file-transfer "tcp port 5678"
    start file "$BIN/file-server"
    s=$SERVER
    "$BIN/file-client" --out-dir "$WORK" file_1.txt >/dev/null
    stop "$s"
    done_capture
}

file_transfer_slow() {
    # The original's pace (a pause before every reply), on a three-word file so that the run
    # ends by itself: shows the server's immediate pure ACKs and the delayed ACK of a FIN.
    mkdir -p "$WORK/slow"
    printf 'one two three' >"$WORK/slow/three.txt"
    capture file-transfer-slow "tcp port 5678"
    start file "$BIN/file-server" --dir "$WORK/slow" --delay-ms 300
    s=$SERVER
    "$BIN/file-client" --out-dir "$WORK" three.txt >/dev/null
    sleep 0.5
    stop "$s"
    done_capture
}

ping() {
    capture ping "udp port 5065 or (icmp and (icmp[30:2] = 5065 or icmp[28:2] = 5065))"
    start ping "$BIN/ping-server"
    s=$SERVER
    "$BIN/ping-client" >/dev/null
    stop "$s"
    done_capture
}

ping_slow() {
    # A server that pauses 0.5 s before every echo; kept running 2 s after the client ended,
    # so that the last echoes meet a closed port.
    capture ping-slow "udp port 5065 or (icmp and (icmp[30:2] = 5065 or icmp[28:2] = 5065))"
    start ping "$BIN/ping-server" --delay 0.5
    s=$SERVER
    "$BIN/ping-client" 6 0.2 >/dev/null || true
    sleep 2
    stop "$s"
    done_capture
}

perf() {
    # Hundreds of thousands of datagrams a second: keep the first 200 packets, headers and the
    # first bytes of payload only.
    capture perf "udp port 5048" -s 96 -c 200
    start perf "$BIN/perf-server"
    s=$SERVER
    "$BIN/perf-client" --out-dir "$WORK" --window 4 1 8 >/dev/null
    wait "$TSHARK" || true
    stop "$s"
    done_capture
}

dual_stack() {
    capture dual-stack "tcp port 4567"
    start dual "$BIN/dual-stack-server" --port 4567
    s=$SERVER
    printf '1\nlocalhost\n4567\nhello\nnaïve café ✓\nend\n' | "$BIN/dual-stack-client" >/dev/null
    sleep 0.3
    echo 'hello over IPv6' | "$BIN/dual-stack-client" --family 6 ::1 4567 >/dev/null
    stop "$s"
    done_capture
}

image_transfer() {
    # b.jpg is 182,332 bytes: keep 128 bytes of each frame, enough for every header.
    capture image-transfer "tcp port 4567" -s 128
    start image "$BIN/image-server" --once
    s=$SERVER
    "$BIN/image-client" --out "$WORK/a.jpg" >/dev/null
    stop "$s"
    done_capture
}

link_emulator_udp() {
    capture link-emulator-udp "udp port 6065 or udp port 5065"
    start ping "$BIN/ping-server"
    s=$SERVER
    start emu "$BIN/link-emulator" --listen 127.0.0.1:6065 --to 127.0.0.1:5065 \
        --delay 20 --loss 10 --seed 1 --duration 6
    e=$SERVER
    "$BIN/ping-client" --port 6065 20 0.2 >/dev/null || true
    wait "$e" || true
    stop "$s"
    done_capture
}

link_emulator_tcp() {
    # --delay 50: the emulator's kernel acknowledges the client's FIN on its own after its
    # delayed-ACK timer (at least 40 ms), long before the reply comes back (2 x 50 ms).
    capture link-emulator-tcp "tcp port 12001 or tcp port 12000"
    start tcp "$BIN/tcp-upper-server"
    s=$SERVER
    start emu "$BIN/link-emulator" --tcp --listen 127.0.0.1:12001 --to 127.0.0.1:12000 \
        --delay 50 --duration 1
    e=$SERVER
    "$BIN/tcp-rtt-client" --host 127.0.0.1 --port 12001 hello >/dev/null
    wait "$e" || true
    stop "$s"
    done_capture
}

ALL="uppercase_udp uppercase_tcp rtt no_server file_transfer file_transfer_slow ping ping_slow
perf dual_stack image_transfer link_emulator_udp link_emulator_tcp"
if [ $# -eq 0 ]; then
    set -- $ALL
fi
for what in "$@"; do
    what=$(echo "$what" | tr - _)
    case " $(echo $ALL) " in
    *" $what "*) "$what" ;;
    *)
        echo "unknown capture '$what'; known: $(echo $ALL | tr _ -)" >&2
        exit 2
        ;;
    esac
done
