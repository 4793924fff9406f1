#!/usr/bin/env bash
# `make privacy`: build the producer, make sure the local broker runs (idempotent, never stopped
# here), then capture, attack and score (scripts/privacy/run.py; docs/PRIVACY-HARNESS.md).
# Arguments are passed to run.py, e.g. --modes chained --sizes 25 --cross-job ''.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
swift=${SWIFT:-swift}
"$swift" build --product securenets >&2
bin_dir=$("$swift" build --show-bin-path)
infra/local/up >/dev/null
exec python3 scripts/privacy/run.py --bin-dir "$bin_dir" "$@"
