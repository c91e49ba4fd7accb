#!/usr/bin/env bash
# Build the UI and the app with the UI embedded (debug profile, no bundle):
# target/debug/bhxh-desk. Packages: `ui/node_modules/.bin/tauri build` (README).
set -euo pipefail
cd "$(dirname "$0")/.."
# The Tauri CLI runs the UI build (beforeBuildCommand) itself.
ui/node_modules/.bin/tauri build --debug --no-bundle --ci
