#!/usr/bin/env bash
# README command 1: install what is missing, build, and open BHXH Desk.
# The first start creates the encrypted local store in the user's data
# directory (override with --data-dir DIR or BHXH_DESK_DATA_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh run
scripts/build-app.sh
app="$PWD/target/debug/bhxh-desk"

launch=("$app" gui "$@")
# No desktop session (SSH, a server, a container): give the app what a
# desktop would: a virtual screen and a Secret Service with a persistent
# login keyring (unlocked with BHXH_KEYRING_PASSWORD).
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "[run] Không có màn hình: mở BHXH Desk trên màn hình ảo Xvfb (1366x768)." >&2
  launch=(xvfb-run -a -s "-screen 0 1366x768x24" "${launch[@]}")
fi
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ ! -S "${XDG_RUNTIME_DIR:-/nonexistent}/bus" ]; then
  if [ -z "${BHXH_KEYRING_PASSWORD:-}" ]; then
    if [ -t 0 ]; then
      read -rsp "Mật khẩu kho khóa bí mật (GNOME Keyring) của phiên này: " BHXH_KEYRING_PASSWORD; echo
    else
      echo "[run] CẢNH BÁO: không có phiên D-Bus; dùng kho khóa GNOME với mật khẩu mặc định của môi trường phát triển. Đặt BHXH_KEYRING_PASSWORD để dùng mật khẩu riêng." >&2
      BHXH_KEYRING_PASSWORD="bhxh-desk-dev"
    fi
  fi
  export BHXH_KEYRING_PASSWORD
  exec dbus-run-session -- bash -c '
    export XDG_RUNTIME_DIR=$(mktemp -d); chmod 700 "$XDG_RUNTIME_DIR"
    eval "$(printf %s "$BHXH_KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets)"
    unset BHXH_KEYRING_PASSWORD
    exec "$@"' bash "${launch[@]}"
fi
exec "${launch[@]}"
