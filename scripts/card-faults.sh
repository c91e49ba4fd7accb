#!/usr/bin/env bash
# The card-fault campaign (not part of the test command; figures in
# docs/reliability.md): over the real PC/SC stack (a private pcscd, the vpcd
# virtual reader, the card emulator in tests/cardemu), the card is pulled out
# after every APDU position of a full read (`--drop-after N` for N = 0 … the
# read's APDU count - 1), with BAC and with PACE; each read must end as "card
# removed" (in the app: "thẻ đã bị nhấc khỏi đầu đọc") and the next read of
# the whole card must succeed. The quick cases (a few positions, a wrong key,
# a slow card) are in the ordinary test command.
#
#   scripts/card-faults.sh            both sweeps
#   scripts/card-faults.sh bac|pace   one of them
#
# Runs at the lowest CPU priority on one build job; honours CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-all}" in
  bac) tests=(removal_at_every_apdu_of_a_full_read_over_pcsc) ;;
  pace) tests=(removal_at_every_apdu_of_a_full_pace_read_over_pcsc) ;;
  all) tests=(removal_at_every_apdu_of_a_full_read_over_pcsc removal_at_every_apdu_of_a_full_pace_read_over_pcsc) ;;
  *) echo "usage: $0 [bac|pace|all]" >&2; exit 2 ;;
esac
log=$(mktemp "${TMPDIR:-/tmp}/card-faults.XXXXXX")
trap 'rm -f "$log"' EXIT
for t in "${tests[@]}"; do
  echo "== $t =="
  start=$(date +%s)
  status=0
  nice -n 19 cargo test -j 1 --locked -p bhxh-emrtd --test pcsc_card -- \
    --ignored --exact "$t" --nocapture --test-threads=1 >"$log" 2>&1 || status=$?
  grep -E '^\[removal sweep\]|^test result|panicked' "$log" || true
  echo "== $t: $(( $(date +%s) - start )) s, exit $status =="
  if [ "$status" -ne 0 ]; then tail -n 40 "$log" >&2; exit "$status"; fi
done
