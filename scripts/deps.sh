#!/usr/bin/env bash
# Install what BHXH Desk needs, idempotently: Debian/Ubuntu packages (apt),
# the Rust toolchain (rustup) if there is none, the UI's npm packages, and for
# tests the WebDriver bridge (tauri-driver, from crates.io into .tools/).
#
#   scripts/deps.sh run    what building and running the app needs
#   scripts/deps.sh test   that, plus what the tests need
#   scripts/deps.sh windows [yes]
#                          Rust's Windows target, to check the Windows-only
#                          code; with "yes" also Wine, MinGW and CUPS to run
#                          it (scripts/check-windows.sh)
set -euo pipefail
mode=${1:-run}
cd "$(dirname "$0")/.."

say() { printf '\033[1;34m[deps]\033[0m %s\n' "$*"; }

build_pkgs=(build-essential pkg-config file curl ca-certificates libssl-dev
  libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev libxdo-dev
  libpcsclite-dev)
run_pkgs=(gnome-keyring dbus-daemon dbus-user-session xvfb xauth cups-client tesseract-ocr tesseract-ocr-vie sane-utils libsane1 sane-airscan)
test_pkgs=(webkit2gtk-driver libsecret-tools poppler-utils cups x11-utils imagemagick pcscd vsmartcard-vpcd python3-virtualsmartcard python3-pycryptodome img2pdf qpdf softhsm2 opensc openssl python3-venv postgresql locales)

want=("${build_pkgs[@]}" "${run_pkgs[@]}")
[ "$mode" = test ] && want+=("${test_pkgs[@]}")
[ "$mode" = windows ] && [ "${2:-no}" = yes ] && want+=(wine64 gcc-mingw-w64-x86-64 cups cups-client)

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  say "installing with apt: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The tests walk the window under a Vietnamese and an English OS locale (a
# date must be read the same under both): compile them if the machine lacks them.
if [ "$mode" = test ]; then
  for loc in vi_VN en_US; do
    if ! locale -a 2>/dev/null | grep -qi "^${loc}\.utf-\?8$"; then
      sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
      say "generating the ${loc}.UTF-8 locale"
      $sudo localedef -i "$loc" -f UTF-8 "${loc}.UTF-8"
    fi
  done
fi

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    say "installing the Rust toolchain with rustup"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c clippy,rustfmt
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
fi
if command -v rustup >/dev/null 2>&1; then
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt
fi
if [ "$mode" = windows ]; then
  if ! rustup target list --installed | grep -qx x86_64-pc-windows-gnu; then
    say "installing Rust's Windows target (rustup)"
    rustup target add x86_64-pc-windows-gnu
  fi
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  say "installing Node.js and npm with apt"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nodejs npm
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 18 ]; then
  echo "BHXH Desk's UI build needs Node.js 18 or newer (found $(node --version))." >&2
  exit 1
fi

if [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  say "installing the UI's npm packages (npm ci)"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi

if [ "$mode" = test ] && [ ! -x .tools/bin/tauri-driver ]; then
  say "installing tauri-driver 2.x into .tools/ (cargo install)"
  cargo install tauri-driver --version '^2' --locked --root .tools --quiet
fi
