#!/usr/bin/env bash
# Rewrites the generated seeds of Fuzz/corpus/ (FuzzSeeds, in the test target) after a format
# change, then checks them. Regression seeds (regression-*) are kept as they are.
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build --build-tests
SECURENETS_WRITE_FUZZ_CORPUS=1 swift test --skip-build --filter FuzzCorpusTests
git status --short Fuzz/corpus
