#!/usr/bin/env bash
# Peak RSS of `stonks sync` against a hostile Alpaca-shaped server: one page
# of 1,000,000 rows where 100 were asked, and a 200 MB body. Prints
# /usr/bin/time -v's maximum resident set size for each (BENCHMARKS.md).
# Usage: benches/hostile/rss.sh [path/to/stonks]   (default: a release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
stonks="${1:-}"
if [[ -z "$stonks" ]]; then
  cargo build --release -p stonks-cli >/dev/null
  stonks=target/release/stonks
fi
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

measure() { # mode n label
  python3 benches/hostile/server.py "$1" "$2" >"$work/port" &
  local pid=$!
  for _ in $(seq 50); do [[ -s "$work/port" ]] && break; sleep 0.1; done
  local port; port=$(head -1 "$work/port")
  cat >"$work/stonks.toml" <<TOML
base_currency = "USD"
store = "$work/store-$1.sqlite"

[brokers.alpaca]
key_id = "PKHOSTILE0000000000"
secret_key = "hostile-secret-0000000000000000000000000"
base_url = "http://127.0.0.1:$port"
timeout_secs = 60

[fx]
base_url = "http://127.0.0.1:9"
TOML
  /usr/bin/time -v "$stonks" sync --config "$work/stonks.toml" >"$work/out" 2>"$work/err" || true
  local rss; rss=$(grep "Maximum resident set size" "$work/err" | awk '{print $NF}')
  local secs; secs=$(grep "Elapsed (wall clock)" "$work/err" | awk '{print $NF}')
  echo "$3: peak RSS ${rss} KB, wall ${secs}"
  grep -h "alpaca:" "$work/out" "$work/err" | head -1 | cut -c1-300
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

measure rows 1000000 "one page of 1,000,000 rows (100 asked)"
measure rows 100000 "one page of 100,000 rows (100 asked), under the size limit"
measure bytes 200000000 "a 200 MB body"
