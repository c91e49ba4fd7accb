#!/usr/bin/env bash
# The counter's usability benchmark (issue 16): keystrokes, scans and seconds
# from "card QR scanned" to "receipt sent to the printer" for five common
# procedures, in the real window under Xvfb with a private CUPS. Prints a
# table for docs/benchmarks.md; never an assertion on time.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
scripts/build-app.sh >/dev/null
timeout -k 15 900 xvfb-run -a -s "-screen 0 1366x768x24 -nolisten tcp" \
  env BHXH_TAURI_DRIVER="$PWD/.tools/bin/tauri-driver" \
  scripts/with-keyring.sh cargo test --quiet --locked -p bhxh-e2e --test counter_bench \
  -- --ignored --nocapture --test-threads=1
