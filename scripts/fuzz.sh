#!/usr/bin/env bash
# Fuzz every parser of untrusted input for a bounded time (not part of the
# test command): BER-TLV, the chip's files (EF.COM, DG1, DG2 and its face
# image decoded for display, DG13, DG14, DG15, EF.SOD), MRZ text, imported
# CSV/XLSX lists, the QR texts on the desk's papers and on a CCCD's front,
# sync messages, scan files (JPEG, PNG, TIFF, PDF), and the trust store's
# inputs (CSCA certificates, CRLs, ICAO master lists as DER, PEM and LDIF),
# the signatures of received PDFs (byte ranges, CMS), and the OCSP answers
# about their signers.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     default 60 s, all targets
#   scripts/fuzz.sh --cmin TARGET...                     minimise corpus/TARGET
#   FUZZ_RUNS=10000000 scripts/fuzz.sh 1800              stop a target at
#                        10 million executions or 30 minutes, whichever first
#
# Inputs: seeds/TARGET (a few valid inputs, kept in git), corpus/TARGET (the
# minimised corpus of an earlier long run, kept in git: docs/reliability.md),
# and work/TARGET, where the fuzzer writes what it finds (not kept). --cmin
# merges work/TARGET and seeds/TARGET into corpus/TARGET and minimises it
# (cargo fuzz cmin), for a commit.
#
# cargo fuzz needs nightly features (sanitizer flags); the machine has one
# stable toolchain, so RUSTC_BOOTSTRAP=1 lets it accept them. Crashes,
# out-of-memory and hangs are written to fuzz/artifacts/TARGET/ and the
# script exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked --quiet
if [ "${1:-}" = --cmin ]; then
  shift
  for t in "$@"; do
    mkdir -p "corpus/$t"
    for d in "work/$t" "seeds/$t"; do
      if [ -d "$d" ]; then find "$d" -maxdepth 1 -type f -exec cp -n {} "corpus/$t"/ \; ; fi
    done
    before=$(find "corpus/$t" -type f | wc -l)
    RUSTC_BOOTSTRAP=1 cargo fuzz cmin "$t" "corpus/$t" >/dev/null 2>&1
    echo "cmin $t: $before inputs → $(find "corpus/$t" -type f | wc -l) ($(du -sh "corpus/$t" | cut -f1))"
  done
  exit 0
fi
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(tlv lds dg2_image mrz tabular paper_qr cccd_qr sync_proto scan_pages trust pdf_signatures ocsp print_raster)
for t in "${targets[@]}"; do
  echo "== fuzz $t for ${secs}s =="
  mkdir -p "work/$t"
  dirs=("work/$t")
  for d in "corpus/$t" "seeds/$t"; do [ -d "$d" ] && dirs+=("$d"); done
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" "${dirs[@]}" -- -max_total_time="$secs" ${FUZZ_RUNS:+-runs="$FUZZ_RUNS"} -print_final_stats=1 2>&1 \
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
