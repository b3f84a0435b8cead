#!/usr/bin/env bash
# Opens the sandbox report in a real, headless Chromium (Debian's package)
# driven by Playwright (from PyPI, using that Chromium: no browser download)
# and checks what a person would see. Screenshots go to
# target/ci-artifacts/. Run from anywhere:
#   stonks-cli/tests/browser/run.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."
if ! command -v chromium >/dev/null 2>&1; then
  as_root=""
  [ "$(id -u)" -ne 0 ] && as_root="sudo"
  $as_root apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -q chromium >/dev/null
fi
venv="${STONKS_BROWSER_VENV:-target/browser-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  -r stonks-cli/tests/browser/requirements.txt
cargo build --quiet -p stonks-cli --features sandbox --bin stonks
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export STONKS_SANDBOX_STORE="$work/store.sqlite"
stonks=target/debug/stonks
# Two syncs, so that value over time has two points and a change.
$stonks --sandbox sync >/dev/null
$stonks --sandbox sync >/dev/null
$stonks --sandbox report --output "$work/report.html"
$stonks --sandbox report --offline --locale de --output "$work/report-de.html"
$stonks --sandbox --format json portfolio > "$work/portfolio.json"
mkdir -p target/ci-artifacts
"$venv/bin/python" stonks-cli/tests/browser/check_report.py \
  "$work/report.html" "$work/report-de.html" "$work/portfolio.json" target/ci-artifacts
