#!/usr/bin/env bash
# The cheat-detection campaign (docs/VERIFICATION.md, CheatCampaignTests): tampered results across
# every strategy must all be caught, honest ones must all pass; prints the detection table, the
# honest table and the single-entry detection thresholds.
#
#   scripts/cheat-campaign.sh [CASES] [SEED]
#
# CASES per side (tampered, honest) defaults to 10,000 (about 40 s in a debug build on 2 cores);
# more makes a longer run. SEED picks other shapes and values.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests >/dev/null
export SECURENETS_CAMPAIGN_CASES=${1:-10000}
[[ -n ${2:-} ]] && export SECURENETS_CAMPAIGN_SEED=$2
set +e
swift test --skip-build --filter CheatCampaignTests 2>&1 \
    | sed -n -e '/^==== cheat-detection campaign/,/^====$/p' -e '/✘/p' -e '/Expectation failed/p' -e '/Test run with/p'
status=${PIPESTATUS[0]}
exit "$status"
