#!/usr/bin/env bash
# Digital signatures (issue 13): sign and verify N digitised component PDFs
# with a SoftHSM2 token, against pyHanko on the same files, token and trust
# in the same run. pyHanko (PyPI) goes into .tools/pyhanko-venv the first time.
#
#   scripts/bench-sign.sh [FILES]      default 200
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.tools/pyhanko-venv
if [ ! -x "$venv/bin/python" ]; then
  echo "[bench] installing pyHanko into $venv (PyPI)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'pyhanko[pkcs11]==0.38.0'
fi
BHXH_PYHANKO="$PWD/$venv/bin/python" cargo bench --quiet --locked -p bhxh-sign --bench sign -- --files "${1:-200}"
