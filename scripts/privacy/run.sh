#!/usr/bin/env bash
# `make privacy`: build the producer, verifier and worker, make sure the local broker and database run
# (idempotent, never stopped here), then capture, attack and score (scripts/privacy/run.py;
# docs/PRIVACY-HARNESS.md). Arguments are passed to run.py, e.g. --privacy masked --sizes 100.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
swift=${SWIFT:-swift}
for product in securenets securenets-verifier securenets-worker; do
    "$swift" build --product "$product" >&2
done
bin_dir=$("$swift" build --show-bin-path)
infra/local/up >/dev/null
exec scripts/privacy/python scripts/privacy/run.py --bin-dir "$bin_dir" "$@"
