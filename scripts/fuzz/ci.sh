#!/usr/bin/env bash
# The short fuzzing run for CI (docs/FUZZING.md): builds the four libFuzzer targets and fuzzes each
# for FUZZ_CI_SECONDS (default 6) — every committed seed, regression seeds included, runs first.
# Exits non-zero on any crash, sanitizer report, allocation over the RSS limit or hang.
#
# Cost on the 2-core development machine: about 25 s of fuzzing plus the build — about 5 minutes
# from a clean .build-fuzz, seconds when it is cached between CI runs (cache .build-fuzz).
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$SECONDS
FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-5} scripts/fuzz/run.sh all "${FUZZ_CI_SECONDS:-6}"
echo "fuzz CI: passed in $((SECONDS - started)) s"
