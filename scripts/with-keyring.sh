#!/usr/bin/env bash
# Run a command inside a private D-Bus session with an unlocked GNOME Keyring:
# a real Secret Service, the same backend BHXH Desk uses on a Linux desktop.
# The keyring files live in a throw-away directory, so tests never touch the
# user's own keyring.
set -euo pipefail
if [ -z "${BHXH_KEYRING_SESSION:-}" ]; then
  export BHXH_KEYRING_SESSION=starting
  exec dbus-run-session -- "$0" "$@"
fi
base=$(mktemp -d "${TMPDIR:-/tmp}/bhxh-keyring.XXXXXX")
chmod 700 "$base"
export XDG_RUNTIME_DIR="$base/run" XDG_DATA_HOME="$base/data"
mkdir -m 700 -p "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME"
eval "$(printf '%s' "${BHXH_TEST_KEYRING_PASSWORD:-bhxh-test-keyring}" \
  | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL BHXH_KEYRING_SESSION=ready
cleanup() { [ -n "${GNOME_KEYRING_PID:-}" ] && kill "$GNOME_KEYRING_PID" 2>/dev/null; rm -rf "$base"; }
trap cleanup EXIT
"$@"
