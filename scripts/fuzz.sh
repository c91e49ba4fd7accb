#!/usr/bin/env bash
# Fuzz every parser of untrusted input for a bounded time (not part of the
# test command): BER-TLV, the chip's files (EF.COM, DG1, DG2, DG13, DG14,
# DG15, EF.SOD), MRZ text, imported CSV/XLSX lists.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     default 60 s, all targets
#
# cargo fuzz needs nightly features (sanitizer flags); the machine has one
# stable toolchain, so RUSTC_BOOTSTRAP=1 lets it accept them. Crashes are
# written to fuzz/artifacts/TARGET/ and the script exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(tlv lds mrz tabular)
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked --quiet
mkdir -p corpus
for t in "${targets[@]}"; do
  echo "== fuzz $t for ${secs}s =="
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" -- -max_total_time="$secs" -print_final_stats=1 2>&1 \
    | grep -E "^(Done|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY|artifact_prefix)" || true
  if compgen -G "artifacts/$t/crash-*" >/dev/null; then
    echo "fuzz $t: crash found, see fuzz/artifacts/$t/" >&2
    exit 1
  fi
done
