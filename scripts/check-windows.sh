#!/usr/bin/env bash
# Type-check (and lint) the Windows-only code on this Linux machine: the
# print spooler of bhxh-print (`src/spooler.rs`). It is compiled for Windows
# only, and no test here runs it (the CI machines run Linux); this command
# keeps it building. It installs Rust's Windows target if missing (rustup);
# no linker or Windows SDK is needed for a check.
#   scripts/check-windows.sh
set -euo pipefail
cd "$(dirname "$0")/.."
target=x86_64-pc-windows-gnu
if ! rustup target list --installed | grep -qx "$target"; then
  echo "[check-windows] cài đích biên dịch $target (rustup)…" >&2
  rustup target add "$target"
fi
cargo clippy --locked --target "$target" -p bhxh-print --all-targets -- -D warnings
echo "[check-windows] bhxh-print biên dịch được cho Windows ($target)."
