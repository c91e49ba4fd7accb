#!/usr/bin/env bash
# The crash campaign (issue 11, item 6; not part of the test command; figures
# in docs/reliability.md). N times (default 200) one of the desk's writers is
# started as the real command-line program on a real encrypted store, with the
# real Secret Service, and killed with SIGKILL at a random moment of its run:
#
#   intake   dossier new (the dossier code is taken)
#   import   dossier import (scans assembled, sealed, recorded)
#   result   dossier result (a result of a dossier in processing)
#   inbox    inbox scan-once (a scanned PDF with the receipt as its cover)
#   approve  report approve (a monthly report frozen and queued for HQ)
#   sync     sync now against a real `bhxh-hq serve` on loopback
#   backup   db backup
#   restore  db restore (into a new data folder)
#
# After each kill the desk is started again and checked:
#   - `db check --json` passes (SQLite integrity, the audit chain, every
#     sealed scan present and matching its hash);
#   - the dossier codes (<agency>-YYMMDD-NNNN) neither repeat nor skip;
#   - nothing acknowledged is lost: a command that printed success before the
#     kill (exit 0) has its effect in the store (a code, a component's PDF, a
#     result, a filed cover, an approved report, a report held by HQ after an
#     acknowledged sync, a whole backup, a restorable folder);
#   - no backup temporary file is left beside a backup after the next start,
#     a killed restore can be run again to the end, and a killed scan-inbox
#     poll files each cover exactly once;
# and at the end, with every sealed file aged past the sweep's hour, the next
# import's sweep leaves no sealed file that no record refers to.
#
#   scripts/crash-campaign.sh [N]
#
# Environment: BHXH_CAMPAIGN_SEED (the random seed; printed), BHXH_CAMPAIGN_KEEP=1
# (keep the work folder), BHXH_CAMPAIGN_NO_BUILD=1, CARGO_TARGET_DIR.
# The program is `bhxh-desk-cli`: the same commands as `bhxh-desk` without the
# window (bhxh-cli's integration tests use it too). Everything runs at nice 19.
# Exits 1 on any finding; prints a summary either way.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ "${BHXH_KEYRING_SESSION:-}" != ready ]; then
  exec "$ROOT/scripts/with-keyring.sh" "$0" "$@"
fi
N=${1:-200}
SEED=${BHXH_CAMPAIGN_SEED:-$(( $(date +%s) % 32768 ))}
RANDOM=$SEED
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
cd "$ROOT"
if [ -z "${BHXH_CAMPAIGN_NO_BUILD:-}" ]; then
  nice -n 19 cargo build -j 1 --locked -q -p bhxh-cli --bin bhxh-desk-cli -p bhxh-hq --bin bhxh-hq \
    || exit 2
fi
CLI=$TARGET/debug/bhxh-desk-cli
HQ=$TARGET/debug/bhxh-hq
for tool in "$CLI" "$HQ"; do [ -x "$tool" ] || { echo "missing $tool" >&2; exit 2; }; done
for tool in jq sqlite3 pdftoppm img2pdf convert sha256sum; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 2; }
done

W=$(mktemp -d "${TMPDIR:-/tmp}/bhxh-crash.XXXXXX")
D=$W/desk HQD=$W/hq INBOX=$W/inbox PAGES=$W/pages BK=$W/backups RS=$W/restored
mkdir -p "$INBOX" "$PAGES" "$BK" "$RS"
AGENCY=000.00.66.H15
PW=Quantri-mat-khau-1 SUP_PW=Giamsat-mat-khau-1 BAK_PW=mat-khau-sao-luu-chien-dich
export BHXH_DESK_BACKUP_PASSPHRASE=$BAK_PW
unset BHXH_DESK_USER BHXH_DESK_PASSWORD BHXH_DESK_NEW_PASSWORD BHXH_DESK_HQ_TOKEN
HQ_PID=

FINDINGS=()
finding() { FINDINGS+=("[$I $WRITER] $*"); echo "  FINDING: $*" >&2; }
cleanup() {
  [ -n "$HQ_PID" ] && kill "$HQ_PID" 2>/dev/null
  if [ ${#FINDINGS[@]} -eq 0 ] && [ -z "${BHXH_CAMPAIGN_KEEP:-}" ]; then rm -rf "$W"; else echo "work folder kept: $W"; fi
}
trap cleanup EXIT

ms() { date +%s%3N; }
# The program on the desk's folder, to its end (stdout → $W/out, stderr → $W/err).
desk() { nice -n 19 "$CLI" --data-dir "$D" "$@" >"$W/out" 2>"$W/err"; }
as_admin() { BHXH_DESK_PASSWORD=$PW desk "$@" --user quantri; }
must() { "$@" || { echo "setup step failed: $* : $(cat "$W/err")" >&2; exit 2; }; }

# run_killed DELAY_MS STDIN_FILE ENV... -- ARGS...: the program started with
# ARGS on the desk's folder and SIGKILLed DELAY_MS later (by timeout -s KILL)
# unless it has ended by then. Sets RC (its exit status) and KILLED.
run_killed() {
  local delay=$1 input=$2; shift 2
  local envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  kill_after "$delay" "$input" env "${envs[@]}" nice -n 19 "$CLI" --data-dir "$D" "$@"
}
# kill_after DELAY_MS STDIN_FILE COMMAND...
kill_after() {
  local delay=$(( $1 + 1 )) input=$2; shift 2
  timeout --foreground -s KILL "$(( delay / 1000 )).$(printf %03d $(( delay % 1000 )))" "$@" \
    <"$input" >"$W/out" 2>"$W/err"
  RC=$?
  KILLED=$(( RC == 124 || RC == 137 ))
}

# ---------------------------------------------------------------- set-up
echo "crash campaign: N=$N seed=$SEED work=$W"
printf '%s\n' "$PW" >"$W/pw"
must desk init --office-name "Bảo hiểm xã hội tỉnh Đắk Lắk" --agency-code "$AGENCY" \
  --province 066 --admin-user quantri --admin-name "Y Bhin Niê" <"$W/pw"
printf '%s\n' "$SUP_PW" >"$W/suppw"
BHXH_DESK_PASSWORD=$PW must desk user add --username giamsat --full-name "Nguyễn Thị Ánh Tuyết" \
  --role supervisor --user quantri <"$W/suppw"
# HQ on loopback, its office, the desk's sync set up.
nice -n 19 "$HQ" office add --code "$AGENCY" --name "Bảo hiểm xã hội tỉnh Đắk Lắk" \
  --data-dir "$HQD" >"$W/hq-office" 2>&1 || { cat "$W/hq-office"; exit 2; }
TOKEN=$(grep -o 'bhxhq_[A-Za-z0-9_-]*' "$W/hq-office" | head -n 1)
nice -n 19 "$HQ" serve --listen 127.0.0.1:0 --data-dir "$HQD" >"$W/hq.log" 2>&1 &
HQ_PID=$!
for _ in $(seq 100); do grep -q '^listening ' "$W/hq.log" && break; sleep 0.1; done
URL=$(sed -n 's/^listening //p' "$W/hq.log" | head -n 1)
[ -n "$URL" ] || { cat "$W/hq.log"; exit 2; }
printf '%s\n%s\n' "$PW" "$TOKEN" >"$W/sync-in"
must desk sync configure --url "$URL" --user quantri <"$W/sync-in"
BHXH_DESK_PASSWORD=$PW must desk inbox dir "$INBOX" --settle-seconds 0 --user quantri </dev/null
# Scans: eight A4 pages at 200 dpi, grey with a little noise, each its own.
for p in 1 2 3 4 5 6 7 8; do
  convert -size 1654x2339 xc:white -seed "$p" -attenuate 0.3 +noise Gaussian -colorspace Gray \
    -units PixelsPerInch -density 200 -quality 75 "$PAGES/p$p.jpg"
done
: >"$W/empty"
printf '{"applicant-id": "066093047064", "name": "Nguyễn Văn Đức", "dob": "1993-01-05", "sex": "nam"}\n' >"$W/person.json"

# ---------------------------------------------------------------- state
declare -A ATTEMPTS ACKS           # "CODE:N" → imports tried / acknowledged
declare -A R_ATTEMPTS R_ACKS       # CODE → results tried / acknowledged
declare -A INBOX_CODE              # CODE → 1 when acknowledged filed
ACK_CODES=()                       # acknowledged dossier codes
POOL=()                            # dossiers open for imports
PROC=()                            # dossiers in processing (for results)
INBOX_CODES=()                     # dossiers whose cover was dropped in the inbox
MONTHS=()
for y in 2024 2025 2026; do for m in 01 02 03 04 05 06 07 08 09 10 11 12; do MONTHS+=("$y-$m"); done; done
NEXT_MONTH=0
APPROVED_ACK=()                    # approvals acknowledged
APPROVED=()                        # approvals known applied (acknowledged, or found done)
BACKUPS=()                         # acknowledged backups
OLDER_RESTORES=0                   # restored folders HQ's witness calls older than what it saw
declare -A KILLS RUNS DONE DUR
WRITERS=(intake import result inbox approve sync backup restore)

new_dossier() { # an acknowledged intake outside the campaign's kills; prints its code
  BHXH_DESK_PASSWORD=$PW desk dossier new --procedure BHXH.01 --from-json - --components 1,2 \
    --user quantri --json <"$W/person.json" || { echo "intake failed: $(cat "$W/err")" >&2; exit 2; }
  jq -r .dossier.code "$W/out"
}

# Export CODE's PDFs (each component's current one, every result); prints "tp1 tp2 kq" counts.
counts() {
  rm -rf "$W/export"
  if ! as_admin dossier export "$1" --out "$W/export" --json </dev/null; then
    finding "export of $1 failed: $(head -c 300 "$W/err")"
    echo "0 0 0"; return
  fi
  jq -r '[ (map(select(test("_tp1\\.pdf$"))) | length), (map(select(test("_tp2\\.pdf$"))) | length), (map(select(test("_kq[0-9]+\\.pdf$"))) | length) ] | @tsv' "$W/out"
}

check_db() {
  if ! desk db check --json </dev/null || [ "$(jq -r .ok "$W/out")" != true ]; then
    finding "db check failed: $(jq -c . "$W/out" 2>/dev/null | head -c 600) $(head -c 300 "$W/err")"
  fi
}

check_codes() { # no code repeats or skips; every acknowledged code is there
  # Every dossier of the campaign is Nguyễn Văn Đức's.
  if ! printf '{"text": "066093047064"}\n' | BHXH_DESK_PASSWORD=$PW desk search --from-json - \
      --limit 100000 --user quantri --json; then
    finding "search failed: $(head -c 300 "$W/err")"; return
  fi
  jq -r '.[].code' "$W/out" | sort >"$W/codes"
  local dup
  dup=$(uniq -d "$W/codes")
  [ -z "$dup" ] || finding "dossier codes repeat: $dup"
  # per day, NNNN must be 1..k
  awk -F- '{ day=$(NF-1); n=$NF+0; if (n > max[day]) max[day]=n; cnt[day]++ }
    END { for (d in cnt) if (cnt[d] != max[d]) print d": "cnt[d]" codes, highest "max[d] }' "$W/codes" >"$W/gaps"
  [ ! -s "$W/gaps" ] || finding "dossier codes skip: $(cat "$W/gaps")"
  for c in "${ACK_CODES[@]}"; do
    grep -qx -- "$c" "$W/codes" || finding "acknowledged dossier $c is gone"
  done
}

check_backup_debris() { # after a start, no temporary file beside the backups
  local left
  left=$(find "$BK" -mindepth 1 -name '.*' -printf '%f ' )
  [ -z "$left" ] || finding "backup temporary files left after the next start: $left"
}

check_dossier() { # CODE: acknowledged imports and results are there, nothing beyond the attempts
  local code=$1 tp1 tp2 kq
  read -r tp1 tp2 kq < <(counts "$code")
  local a1=${ACKS[$code:1]:-0} a2=${ACKS[$code:2]:-0} t1=${ATTEMPTS[$code:1]:-0} t2=${ATTEMPTS[$code:2]:-0}
  # The export gives each component's current PDF (the newest import; the
  # older ones stay in its history): one once an import was acknowledged,
  # at most one after attempts that were all killed, none before any.
  local w1=$(( a1 > 0 ? 1 : 0 )) w2=$(( a2 > 0 ? 1 : 0 ))
  local m1=$(( t1 > 0 ? 1 : 0 )) m2=$(( t2 > 0 ? 1 : 0 ))
  (( tp1 >= w1 && tp1 <= m1 )) || finding "$code component 1: $tp1 PDFs for $a1 acknowledged of $t1 imports"
  (( tp2 >= w2 && tp2 <= m2 )) || finding "$code component 2: $tp2 PDFs for $a2 acknowledged of $t2 imports"
  local ra=${R_ACKS[$code]:-0} rt=${R_ATTEMPTS[$code]:-0}
  (( kq >= ra && kq <= rt )) || finding "$code: $kq results for $ra acknowledged of $rt"
}

check_hq() { # every approval known applied before the last acknowledged sync is at HQ, once
  local want=$1 have
  have=$(sqlite3 "file:$HQD/hq.db?mode=ro" "SELECT key || ':' || revision FROM item ORDER BY 1" 2>&1)
  for p in "${APPROVED[@]:0:$want}"; do
    grep -qx "month:$p:1" <<<"$have" || finding "approved report $p not at HQ after an acknowledged sync"
  done
  local dups
  dups=$(sqlite3 "file:$HQD/hq.db?mode=ro" "SELECT key FROM item GROUP BY key, revision HAVING count(*) > 1" 2>&1)
  [ -z "$dups" ] || finding "HQ holds a report twice: $dups"
}

# ---------------------------------------------------------------- writers
# prep_W: what the writer needs, outside the kill; run_W DELAY: the killed run;
# after_W: what an acknowledged (or killed) run means, then its checks.
prep_intake() { :; }
run_intake() {
  run_killed "$1" "$W/person.json" BHXH_DESK_PASSWORD="$PW" -- dossier new --procedure BHXH.01 \
    --from-json - --components 1,2 --user quantri --json
}
after_intake() {
  if [ "$RC" -eq 0 ]; then
    local code; code=$(jq -r .dossier.code "$W/out")
    ACK_CODES+=("$code"); POOL+=("$code")
  elif [ "$KILLED" -eq 0 ]; then finding "intake failed (exit $RC): $(head -c 300 "$W/err")"; fi
  check_codes
}

prep_import() {
  [ ${#POOL[@]} -gt 0 ] || { POOL+=("$(new_dossier)"); ACK_CODES+=("${POOL[-1]}"); }
  T_CODE=${POOL[RANDOM % ${#POOL[@]}]}
  T_COMP=$(( RANDOM % 2 + 1 ))
  local a=$(( RANDOM % 8 + 1 )) b=$(( RANDOM % 8 + 1 ))
  T_FILES=("$PAGES/p$a.jpg" "$PAGES/p$b.jpg")
}
run_import() {
  ATTEMPTS[$T_CODE:$T_COMP]=$(( ${ATTEMPTS[$T_CODE:$T_COMP]:-0} + 1 ))
  run_killed "$1" "$W/empty" BHXH_DESK_PASSWORD="$PW" -- dossier import "$T_CODE" \
    --component "$T_COMP" "${T_FILES[@]}" --user quantri --json
}
after_import() {
  if [ "$RC" -eq 0 ]; then ACKS[$T_CODE:$T_COMP]=$(( ${ACKS[$T_CODE:$T_COMP]:-0} + 1 ))
  elif [ "$KILLED" -eq 0 ]; then finding "import failed (exit $RC): $(head -c 300 "$W/err")"; fi
  check_dossier "$T_CODE"
}

prep_result() {
  if [ ${#PROC[@]} -eq 0 ] || (( RANDOM % 4 == 0 )); then
    local code; code=$(new_dossier); ACK_CODES+=("$code")
    BHXH_DESK_PASSWORD=$PW must desk dossier status "$code" processing --user quantri </dev/null
    PROC+=("$code")
  fi
  T_CODE=${PROC[RANDOM % ${#PROC[@]}]}
  T_FILES=("$PAGES/p$(( RANDOM % 8 + 1 )).jpg")
}
run_result() {
  R_ATTEMPTS[$T_CODE]=$(( ${R_ATTEMPTS[$T_CODE]:-0} + 1 ))
  run_killed "$1" "$W/empty" BHXH_DESK_PASSWORD="$PW" -- dossier result "$T_CODE" \
    --name "Sổ BHXH" "${T_FILES[@]}" --user quantri --json
}
after_result() {
  if [ "$RC" -eq 0 ]; then R_ACKS[$T_CODE]=$(( ${R_ACKS[$T_CODE]:-0} + 1 ))
  elif [ "$KILLED" -eq 0 ]; then finding "result failed (exit $RC): $(head -c 300 "$W/err")"; fi
  check_dossier "$T_CODE"
}

inbox_poll() { # one poll outside the kills; records what it filed
  as_admin inbox scan-once --json </dev/null || true
  inbox_filed
}
inbox_filed() {
  local c
  for c in $(jq -r '.filed[]?.code' "$W/out" 2>/dev/null); do INBOX_CODE[$c]=1; done
}
prep_inbox() {
  local code; code=$(new_dossier); ACK_CODES+=("$code"); INBOX_CODES+=("$code")
  as_admin dossier receipt "$code" --out "$W/receipt.pdf" </dev/null \
    || { finding "receipt of $code failed: $(head -c 300 "$W/err")"; return; }
  pdftoppm -jpeg -r 200 -f 1 -l 1 -singlefile "$W/receipt.pdf" "$W/cover"
  img2pdf -o "$W/scan.pdf" "$W/cover.jpg" "$PAGES/p$(( RANDOM % 8 + 1 )).jpg"
  mv "$W/scan.pdf" "$INBOX/scan-$I.pdf"
  inbox_poll # the poll that sees it (the next one takes it)
}
run_inbox() {
  run_killed "$1" "$W/empty" BHXH_DESK_PASSWORD="$PW" -- inbox scan-once --user quantri --json
}
after_inbox() {
  local filed=()
  if [ "$RC" -eq 0 ]; then inbox_filed; mapfile -t filed < <(jq -r '.filed[]?.code' "$W/out")
  elif [ "$KILLED" -eq 0 ] && [ "$RC" -ne 1 ]; then finding "inbox poll failed (exit $RC): $(head -c 300 "$W/err")"; fi
  local c tp1
  for c in "${filed[@]}"; do
    read -r tp1 _ _ < <(counts "$c")
    [ "$tp1" -ge 1 ] || finding "cover of $c acknowledged as filed, but component 1 has no PDF"
  done
}

prep_approve() {
  T_MONTH=${MONTHS[NEXT_MONTH]:-}
  [ -n "$T_MONTH" ] || { WRITER=sync; prep_sync; }
}
run_approve() {
  [ -n "$T_MONTH" ] || { run_sync "$1"; return; }
  printf '%s\n' "$SUP_PW" >"$W/sup-in"
  run_killed "$1" "$W/sup-in" -- report approve month "$T_MONTH" --number "$(( NEXT_MONTH + 1 ))/BC-BHXH" \
    --user giamsat --json
}
after_approve() {
  [ -n "$T_MONTH" ] || { after_sync; return; }
  if [ "$RC" -eq 0 ]; then
    APPROVED_ACK+=("$T_MONTH"); APPROVED+=("$T_MONTH"); NEXT_MONTH=$(( NEXT_MONTH + 1 ))
  elif [ "$KILLED" -eq 1 ]; then
    # Applied or not: asking again says so.
    printf '%s\n' "$SUP_PW" >"$W/sup-in"
    desk report approve month "$T_MONTH" --number "$(( NEXT_MONTH + 1 ))/BC-BHXH" --user giamsat --json <"$W/sup-in"
    local rc=$?
    if [ $rc -eq 0 ] || grep -q "đã được duyệt" "$W/err"; then APPROVED+=("$T_MONTH"); NEXT_MONTH=$(( NEXT_MONTH + 1 ))
    else finding "approving $T_MONTH again after the kill failed: $(head -c 300 "$W/err")"; fi
  else finding "approval failed (exit $RC): $(head -c 300 "$W/err")"; fi
}

prep_sync() { T_BEFORE=${#APPROVED[@]}; }
run_sync() { run_killed "$1" "$W/empty" -- sync now --json; }
after_sync() {
  if [ "$RC" -eq 0 ]; then check_hq "$T_BEFORE"
  elif [ "$KILLED" -eq 0 ]; then finding "sync failed (exit $RC): $(head -c 300 "$W/err")"; fi
}

prep_backup() { T_FILE=$BK/sao-luu-$I.bhxhbak; }
run_backup() {
  printf '%s\n' "$PW" >"$W/pw-in"
  run_killed "$1" "$W/pw-in" -- db backup "$T_FILE" --user quantri --json
}
after_backup() {
  if [ "$RC" -eq 0 ]; then
    local want; want=$(jq -r .sha256 "$W/out")
    if [ -f "$T_FILE" ] && [ "$(sha256sum "$T_FILE" | cut -d' ' -f1)" = "$want" ]; then BACKUPS+=("$T_FILE")
    else finding "acknowledged backup $T_FILE is not the file it printed"; fi
  elif [ "$KILLED" -eq 0 ]; then finding "backup failed (exit $RC): $(head -c 300 "$W/err")"; fi
}

restore_into() { # DIR: restore the newest acknowledged backup into DIR to its end
  local dir=$1 user=()
  [ -e "$dir/desk.db" ] && user=(--user quantri)
  printf '%s\n' "$PW" >"$W/pw-in"
  nice -n 19 "$CLI" --data-dir "$dir" db restore "$T_SRC" "${user[@]}" --json <"$W/pw-in" >"$W/out" 2>"$W/err"
}
prep_restore() {
  if [ ${#BACKUPS[@]} -eq 0 ]; then
    printf '%s\n' "$PW" >"$W/pw-in"
    must desk db backup "$BK/sao-luu-$I-dau.bhxhbak" --user quantri --json <"$W/pw-in"
    BACKUPS+=("$BK/sao-luu-$I-dau.bhxhbak")
  fi
  T_SRC=${BACKUPS[-1]}
  T_DIR=$RS/khoi-phuc-$I
}
run_restore() {
  printf '%s\n' "$PW" >"$W/pw-in"
  kill_after "$1" "$W/pw-in" nice -n 19 "$CLI" --data-dir "$T_DIR" db restore "$T_SRC" --json
}
after_restore() {
  if [ "$RC" -ne 0 ]; then
    [ "$KILLED" -eq 1 ] || finding "restore failed (exit $RC): $(head -c 300 "$W/err")"
    # The restore, run again to its end over what the kill left.
    restore_into "$T_DIR" || finding "restore after a killed restore failed: $(head -c 400 "$W/err")"
  fi
  # The restored folder is whole: SQLite, the audit chain, every sealed scan. (Its check also
  # asks HQ, which has witnessed the live desk's newer entries since an older backup: that
  # says "not_contained", rightly, and is counted, not a finding.)
  nice -n 19 "$CLI" --data-dir "$T_DIR" db check --json </dev/null >"$W/out" 2>"$W/err"
  if [ "$(jq -r '[.integrityProblems, .auditProblems, .fileProblems] | map(length) | add' "$W/out" 2>/dev/null)" != 0 ]; then
    finding "db check of the restored folder failed: $(jq -c . "$W/out" 2>/dev/null | head -c 400) $(head -c 300 "$W/err")"
  elif [ "$(jq -r '.witness.status // ""' "$W/out")" = not_contained ]; then
    OLDER_RESTORES=$(( OLDER_RESTORES + 1 ))
  fi
  rm -rf "$T_DIR"
}

# ---------------------------------------------------------------- calibration
# Each writer once, to its end: how long it runs. The kills fall in 0 … 1.2 × the
# writer's run time, which follows the store as it grows: the time of the last
# run that ended, stretched by a tenth after each kill.
echo "calibration (each writer run once to its end):"
I=0
for WRITER in "${WRITERS[@]}"; do
  "prep_$WRITER"
  start=$(ms)
  "run_$WRITER" 600000
  DUR[$WRITER]=$(( $(ms) - start ))
  "after_$WRITER"
  [ "$RC" -eq 0 ] || [ "$WRITER" = inbox ] || finding "calibration run failed (exit $RC): $(head -c 300 "$W/err")"
  check_db; check_backup_debris
  printf '  %-8s %6d ms\n' "$WRITER" "${DUR[$WRITER]}"
done

# ---------------------------------------------------------------- campaign
CAMPAIGN_START=$(date +%s)
for I in $(seq 1 "$N"); do
  WRITER=${WRITERS[RANDOM % ${#WRITERS[@]}]}
  "prep_$WRITER"
  span=$(( DUR[$WRITER] * 12 / 10 + 1 ))
  delay=$(( (RANDOM * 32768 + RANDOM) % span ))
  start=$(ms)
  "run_$WRITER" "$delay"
  took=$(( $(ms) - start ))
  RUNS[$WRITER]=$(( ${RUNS[$WRITER]:-0} + 1 ))
  if [ "$KILLED" -eq 1 ]; then
    KILLS[$WRITER]=$(( ${KILLS[$WRITER]:-0} + 1 )); DUR[$WRITER]=$(( DUR[$WRITER] * 11 / 10 ))
  else
    DONE[$WRITER]=$(( ${DONE[$WRITER]:-0} + 1 )); DUR[$WRITER]=$took
  fi
  "after_$WRITER"
  check_db
  check_backup_debris
  printf '%4d/%d %-8s at %5d ms: %s (findings so far: %d)\n' "$I" "$N" "$WRITER" "$delay" \
    "$([ "$KILLED" -eq 1 ] && echo killed || echo "ended, exit $RC")" "${#FINDINGS[@]}"
done
CAMPAIGN_SECS=$(( $(date +%s) - CAMPAIGN_START ))

# ---------------------------------------------------------------- final checks
WRITER=final I=end
echo "final checks"
# The inbox drained: every cover filed exactly once.
for _ in 1 2 3 4; do
  [ -z "$(find "$INBOX" -mindepth 1 -maxdepth 1 -print -quit)" ] && break
  inbox_poll
done
[ -z "$(find "$INBOX" -mindepth 1 -maxdepth 1 -print -quit)" ] || finding "files left in the inbox: $(ls "$INBOX")"
for c in "${INBOX_CODES[@]}"; do
  read -r tp1 _ _ < <(counts "$c")
  [ "$tp1" -eq 1 ] || finding "cover of $c filed $tp1 times (once expected)"
done
for c in "${ACK_CODES[@]}"; do
  if [ -n "${ATTEMPTS[$c:1]:-}${ATTEMPTS[$c:2]:-}${R_ATTEMPTS[$c]:-}" ]; then check_dossier "$c"; fi
done
check_codes
# A sync to its end: HQ holds every approved report once.
desk sync now --json </dev/null || finding "final sync failed: $(head -c 300 "$W/err")"
check_hq "${#APPROVED[@]}"
# The sweep: every sealed file aged past the hour, then an import (which
# sweeps) and a backup (which counts the files records refer to).
before=$(find "$D/files/objects" -type f | wc -l)
find "$D/files" -type f -exec touch -d '2 hours ago' {} +
prep_import
as_admin dossier import "$T_CODE" --component "$T_COMP" "${T_FILES[@]}" --json </dev/null \
  || finding "the sweeping import failed: $(head -c 300 "$W/err")"
printf '%s\n' "$PW" >"$W/pw-in"
desk db backup "$BK/cuoi.bhxhbak" --user quantri --json <"$W/pw-in" || finding "final backup failed: $(head -c 300 "$W/err")"
referenced=$(jq -r .files "$W/out")
present=$(find "$D/files/objects" -type f | wc -l)
leftover_tmp=$(find "$D/files/tmp" -type f 2>/dev/null | wc -l)
[ "$present" -eq "$referenced" ] || finding "after the sweep: $present sealed files, $referenced referred to"
[ "$leftover_tmp" -eq 0 ] || finding "after the sweep: $leftover_tmp files in files/tmp"
check_db

# ---------------------------------------------------------------- summary
echo
echo "== crash campaign: N=$N, seed $SEED, $(date -u +%Y-%m-%dT%H:%MZ), ${CAMPAIGN_SECS}s =="
printf '%-8s %6s %6s %6s %9s\n' writer runs killed ended "last (ms)"
total_kills=0
for w in "${WRITERS[@]}"; do
  printf '%-8s %6d %6d %6d %9d\n' "$w" "${RUNS[$w]:-0}" "${KILLS[$w]:-0}" "${DONE[$w]:-0}" "${DUR[$w]}"
  total_kills=$(( total_kills + ${KILLS[$w]:-0} ))
done
echo "kills: $total_kills of $N runs; dossiers: $(wc -l <"$W/codes"), acknowledged intakes: ${#ACK_CODES[@]}," \
  "reports approved: ${#APPROVED[@]} (acknowledged ${#APPROVED_ACK[@]}), backups: ${#BACKUPS[@]};" \
  "sealed files before the final sweep: $before, after: $present (referred to: $referenced);" \
  "restored folders older than HQ's witness (db check says so): $OLDER_RESTORES"
if [ ${#FINDINGS[@]} -eq 0 ]; then
  echo "findings: none"
  exit 0
fi
echo "findings: ${#FINDINGS[@]}"
printf '  %s\n' "${FINDINGS[@]}"
exit 1
