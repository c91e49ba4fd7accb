#!/usr/bin/env bash
# End-to-end tests of the real window: Xvfb, a real Secret Service, and
# tauri-driver in front of Debian's WebKitWebDriver. Expects the app built
# (scripts/build-app.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export BHXH_TAURI_DRIVER="$PWD/.tools/bin/tauri-driver"
# The sync test talks to the real HQ server binary.
cargo build --locked --quiet -p bhxh-hq
exec timeout -k 15 1200 xvfb-run -a -s "-screen 0 1366x768x24 -nolisten tcp" \
  scripts/with-keyring.sh cargo test --locked -p bhxh-e2e -- --test-threads=1 "$@"
