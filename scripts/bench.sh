#!/usr/bin/env bash
# Benchmarks of the foundation: launch to plan screen and memory under Xvfb,
# and (with --build) a clean build of the app. Figures go to stdout and to
# docs/benchmarks.md by hand; timings are never test assertions.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
scripts/build-app.sh >/dev/null
# Start-up as users get it: the release build (`tauri build`, no bundle),
# launched by hand and through WebDriver; BHXH_E2E_APP measures another.
echo "== startup, release build (5 launches each way) =="
ui/node_modules/.bin/tauri build --no-bundle --ci >/dev/null
timeout -k 15 600 xvfb-run -a -s "-screen 0 1366x768x24 -nolisten tcp" \
  env BHXH_TAURI_DRIVER="$PWD/.tools/bin/tauri-driver" \
  BHXH_E2E_APP="${BHXH_E2E_APP:-${CARGO_TARGET_DIR:-$PWD/target}/release/bhxh-desk}" \
  scripts/with-keyring.sh cargo run --quiet --locked -p bhxh-e2e --bin bench-startup -- 5
echo "== the counter: keystrokes + scans from card QR to receipt printed, five procedures =="
scripts/bench-counter.sh
echo "== the window under load: 40 pages imported through the window vs the CLI; screen switches during a 60-page inbox poll =="
timeout -k 15 1200 xvfb-run -a -s "-screen 0 1366x768x24 -nolisten tcp" \
  env BHXH_TAURI_DRIVER="$PWD/.tools/bin/tauri-driver" \
  scripts/with-keyring.sh cargo run --quiet --locked -p bhxh-e2e --bin bench-window
echo "== plan tracker: 100,000 participants imported, monthly report PDF/XLSX (release) =="
cargo run --quiet --release --locked -p bhxh-app --example bench_plan -- 100000
echo "== dossiers: 1,000,000 in the encrypted store, search p50/p95 (release) =="
cargo run --quiet --release --locked -p bhxh-app --example bench_search -- 1000000
echo "== sync with HQ: 10,000 queued reports, 63 offices at once, HQ memory (release) =="
cargo bench --quiet --locked -p bhxh-hq --bench sync
echo "== HQ under slowloris connections and a page flood, SQLite and PostgreSQL (release) =="
cargo bench --quiet --locked -p bhxh-hq --bench hostile
echo "== chip reads over PC/SC: bhxh-emrtd and the dmrtd crate on the emulator, 10,000 BAC sessions (release) =="
cargo bench --quiet --locked -p bhxh-emrtd --bench pcsc_read
echo "== digitisation: 200 JPEG pages hashed, sealed, stored, assembled; peer img2pdf (release) =="
cargo run --quiet --release --locked -p bhxh-app --example bench_scans -- 200
echo "== OCR: A4 pages of Vietnamese at 300 dpi through Tesseract (vie), pages/min, the counter's work while OCR runs (release) =="
cargo run --quiet --release --locked -p bhxh-scan --example bench_ocr -- 12
echo "== digital signatures: 200 component PDFs signed and verified with SoftHSM2; peer pyHanko (release) =="
scripts/bench-sign.sh 200
if [ "${1:-}" = "--build" ]; then
  echo "== clean build of the app (debug, UI embedded), separate target dir =="
  tgt=$(mktemp -d)
  start=$(date +%s)
  CARGO_TARGET_DIR="$tgt" ui/node_modules/.bin/tauri build --debug --no-bundle --ci >/dev/null 2>&1
  echo "clean debug build: $(( $(date +%s) - start )) s on $(nproc) cores"
  rm -rf "$tgt"
fi
