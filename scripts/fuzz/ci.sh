#!/usr/bin/env bash
# The short fuzzing run for CI (docs/FUZZING.md): builds the four libFuzzer targets and fuzzes each
# for FUZZ_CI_SECONDS (default 6) — every committed seed, regression seeds included, runs first.
# Exits non-zero on any crash, sanitizer report, allocation over the malloc or RSS limit, or hang.
#
# Cost on the 2-core development machine: about 70 s with a cached .build-fuzz (35 s SwiftPM
# planning and linking, 24 s fuzzing, 10 s start-up); a clean .build-fuzz adds 3-4.5 minutes of
# build, so cache .build-fuzz between CI runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$SECONDS
FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-5} scripts/fuzz/run.sh all "${FUZZ_CI_SECONDS:-6}"
echo "fuzz CI: passed in $((SECONDS - started)) s"
