#!/bin/sh
# Attacks file-server for longer than `cargo test` does: the symbolic-link,
# file and FIFO swap race, then 12 huge names with 12 idle readers of a
# 16 MiB file of spaces. Prints the figures; fails if a secret leaks, a thread
# stays stuck, a legitimate client waits, or memory passes 64 MiB.
#
#   tests/attack-file-server.sh [SECONDS]        (default 30)
#   ATTACK_FILE_SERVER=/path/to/file-server tests/attack-file-server.sh 30
#                                                (attack another build)
set -e
cd "$(dirname "$0")/.."
ATTACK_SECS="${1:-30}" exec cargo test --test file_transfer attack_ -- --nocapture --test-threads=1
