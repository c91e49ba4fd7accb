#!/usr/bin/env bash
# Fuzz every parser of untrusted input for a bounded time (not part of the
# test command): BER-TLV, the chip's files (EF.COM, DG1, DG2 and its face
# image decoded for display, DG13, DG14, DG15, EF.SOD), MRZ text, imported
# CSV/XLSX lists, the QR texts on the desk's papers and on a CCCD's front,
# sync messages, scan files (JPEG, PNG, TIFF, PDF).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     default 60 s, all targets
#
# cargo fuzz needs nightly features (sanitizer flags); the machine has one
# stable toolchain, so RUSTC_BOOTSTRAP=1 lets it accept them. Crashes,
# out-of-memory and hangs are written to fuzz/artifacts/TARGET/ and the
# script exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(tlv lds dg2_image mrz tabular paper_qr cccd_qr sync_proto scan_pages)
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked --quiet
mkdir -p corpus
for t in "${targets[@]}"; do
  echo "== fuzz $t for ${secs}s =="
  # corpus/ is the fuzzer's own (not kept in git); seeds/TARGET holds a few
  # valid inputs (kept in git) to start from.
  mkdir -p "corpus/$t"
  if [ -d "seeds/$t" ]; then cp -n "seeds/$t"/* "corpus/$t"/; fi
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" -- -max_total_time="$secs" -print_final_stats=1 2>&1 \
    | grep -E "^(Done|stat::number_of_executed_units|==[0-9]+== ?ERROR|SUMMARY|artifact_prefix)" || true
  # A panic is a crash-*; memory beyond libFuzzer's limit (an allocation by
  # a header's word) an oom-*; a hang a timeout-*.
  for kind in crash oom timeout leak; do
    if compgen -G "artifacts/$t/$kind-*" >/dev/null; then
      echo "fuzz $t: $kind found, see fuzz/artifacts/$t/" >&2
      exit 1
    fi
  done
done
