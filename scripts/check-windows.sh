#!/usr/bin/env bash
# The Windows-only code (the print spooler of bhxh-print, `src/spooler.rs`)
# checked on this Linux machine, since no CI machine runs Windows:
#
#   scripts/check-windows.sh          type-check and lint it for Windows
#   scripts/check-windows.sh --wine   that, then build it for Windows and run
#                                     it under Wine against a private CUPS
#                                     (tests/spooler_wine.rs): the queues and
#                                     the default as the spooler lists them,
#                                     and a job Wine cannot render refused
#                                     whole. Wine has no Windows.Data.Pdf, so
#                                     the pages' rendering is not run here.
#
# Installs what it needs (scripts/deps.sh windows: Rust's Windows target,
# and with --wine Wine, the MinGW linker and CUPS).
set -euo pipefail
cd "$(dirname "$0")/.."
target=x86_64-pc-windows-gnu
say() { printf '\033[1;34m[check-windows]\033[0m %s\n' "$*"; }

wine=no
[ "${1:-}" = --wine ] && wine=yes
scripts/deps.sh windows "$wine"

cargo clippy --locked --target "$target" -p bhxh-print --all-targets -- -D warnings
say "bhxh-print biên dịch được cho Windows ($target)."
[ "$wine" = yes ] || exit 0

cargo build --locked --target "$target" -p bhxh-print --example spooler_probe
dir="${CARGO_TARGET_DIR:-target}/$target/debug/examples"
x86_64-w64-mingw32-gcc -shared -O2 -o "$dir/bcryptprimitives.dll" \
  src-tauri/crates/bhxh-print/tests/wine/bcryptprimitives.c -ladvapi32
BHXH_SPOOLER_PROBE="$(cd "$dir" && pwd)/spooler_probe.exe" \
  cargo test --locked -p bhxh-print --test spooler_wine -- --ignored --test-threads=1
say "máy in của Windows (Wine + CUPS riêng): đạt."
