#!/usr/bin/env bash
# README command 2: install what is missing, then run every check and test:
# formatting, clippy, the UI's type check and unit tests, all crate tests
# (real SQLCipher files, a real Secret Service), then the end-to-end tests of
# the real app under Xvfb through WebDriver.
set -euo pipefail
cd "$(dirname "$0")/.."
# One-shot builds gain nothing from incremental caches, which double the
# target directory's size; a developer's own cargo runs keep theirs.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
step() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }

step "dependencies"
scripts/deps.sh test
step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy"
cargo clippy --locked --workspace --all-targets -- -D warnings
step "UI: type check and unit tests"
(cd ui && npm run --silent check && npm test --silent)
step "card emulator self-tests (PACE against the ICAO worked example, Chip Authentication)"
/usr/bin/python3 -m unittest tests/cardemu/test_pace.py tests/cardemu/test_ca.py tests/cardemu/test_faults.py
step "crate tests (real store, real Secret Service)"
timeout -k 15 1800 scripts/with-keyring.sh \
  cargo test --locked --workspace --exclude bhxh-desk --exclude bhxh-e2e
step "build the app (UI embedded)"
scripts/build-app.sh
step "the UI contract (ui/src/lib/api/bindings.ts) is what the Rust commands generate"
"${CARGO_TARGET_DIR:-target}/debug/bhxh-desk" --ui-contract-check ui/src/lib/api/bindings.ts
step "end-to-end tests of the real window"
scripts/e2e.sh
