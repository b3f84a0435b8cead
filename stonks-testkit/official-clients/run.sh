#!/usr/bin/env bash
# Drives the testkit's mock brokers, started as real servers by `stonks-mock`,
# with the brokers' official or most-used Python clients, unmodified. Each
# client must get data, not errors. Run from anywhere:
#   stonks-testkit/official-clients/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${STONKS_CLIENTS_VENV:-target/official-clients-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  -r stonks-testkit/official-clients/requirements.txt
cargo build --quiet -p stonks-testkit --bin stonks-mock
"$venv/bin/python" stonks-testkit/official-clients/clients_test.py target/debug/stonks-mock
