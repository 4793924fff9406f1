#!/usr/bin/env bash
# Builds the libFuzzer targets (docs/FUZZING.md) and runs them.
#
#   scripts/fuzz/run.sh [TARGET|all] [SECONDS]      e.g. scripts/fuzz/run.sh fuzz-frame 300
#
# TARGET is fuzz-frame, fuzz-manifest, fuzz-onnx, fuzz-data or all (the default); SECONDS is the time
# per target (default 60). The build goes to its own scratch path, .build-fuzz, with libFuzzer and
# AddressSanitizer; the normal .build is untouched. Each target starts from the committed seeds in
# Fuzz/corpus/<target>/ and writes what it learns to .build-fuzz/corpus/<target>/ (never to the
# committed corpus). A crash, a sanitizer report, one allocation over FUZZ_MALLOC_MB, a resident size
# over FUZZ_RSS_MB, or one input running longer than FUZZ_TIMEOUT seconds stops the target, leaves the
# input in .build-fuzz/findings/<target>/ and makes the script exit 1 after the remaining targets ran.
#
# Environment: FUZZ_MALLOC_MB (default 256: inputs are at most 32 KiB, so a larger allocation means
# a size was taken from the input without checking it against the bytes present), FUZZ_RSS_MB
# (default 2048; libFuzzer and ASan's quarantine alone hold about 500), FUZZ_TIMEOUT (default 10),
# FUZZ_JOBS (parallel fuzzing processes per target, default 1), FUZZ_SKIP_BUILD=1 (reuse the build).
set -euo pipefail
cd "$(dirname "$0")/../.."

ALL_TARGETS=(fuzz-frame fuzz-manifest fuzz-onnx fuzz-data)
TARGET=${1:-all}
SECONDS_PER_TARGET=${2:-60}
RSS_MB=${FUZZ_RSS_MB:-2048}
MALLOC_MB=${FUZZ_MALLOC_MB:-256}
TIMEOUT=${FUZZ_TIMEOUT:-10}
JOBS=${FUZZ_JOBS:-1}
SCRATCH=.build-fuzz

if [[ $TARGET == all ]]; then
    TARGETS=("${ALL_TARGETS[@]}")
elif [[ " ${ALL_TARGETS[*]} " == *" $TARGET "* ]]; then
    TARGETS=("$TARGET")
else
    echo "unknown target '$TARGET'; expected one of: ${ALL_TARGETS[*]} all" >&2
    exit 2
fi

# The longest input each target gets: room for its seeds, small enough to keep executions fast.
max_len() {
    case $1 in
        fuzz-frame) echo 16384 ;;
        fuzz-manifest) echo 4096 ;;
        fuzz-onnx) echo 32768 ;;
        fuzz-data) echo 8192 ;;
    esac
}

# Tokens that help a target past its format's keywords, when it has a dictionary.
dictionary() {
    case $1 in
        fuzz-frame | fuzz-manifest) echo "-dict=Fuzz/dictionaries/manifest.dict" ;;
        fuzz-data) echo "-dict=Fuzz/dictionaries/data.dict" ;;
    esac
}

# -jobs makes libFuzzer fork workers that log to fuzz-N.log; with one process it fuzzes in place.
parallel_flags() {
    if [[ $JOBS -gt 1 ]]; then echo "-jobs=$JOBS -workers=$JOBS"; fi
}

if [[ ${FUZZ_SKIP_BUILD:-0} != 1 ]]; then
    for target in "${TARGETS[@]}"; do
        echo "== building $target (libFuzzer + AddressSanitizer, $SCRATCH)"
        # The fuzz targets exist in Package.swift only with SECURENETS_FUZZ=1. --sanitize=fuzzer makes
        # SwiftPM compile each target's main.swift as a library (libFuzzer's main() drives it) and link
        # libFuzzer. The sanitizers themselves go in ONE -sanitize= flag: given `--sanitize=fuzzer
        # --sanitize=address`, SwiftPM passes two -sanitize= flags in a varying order, the compiler
        # keeps only the last, and every build would flip between coverage and no coverage.
        mkdir -p "$SCRATCH"
        if ! SECURENETS_FUZZ=1 swift build --scratch-path "$SCRATCH" --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address \
            --product "$target" >"$SCRATCH/build-$target.log" 2>&1; then
            grep -v "ld.gold: warning: Cannot export local symbol" "$SCRATCH/build-$target.log" | tail -40 >&2
            echo "build of $target failed" >&2
            exit 2
        fi
        tail -1 "$SCRATCH/build-$target.log"
    done
fi

# Swift's own crash reporter symbolicates for a long time; libFuzzer and ASan report crashes themselves.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=0}

failed=()
for target in "${TARGETS[@]}"; do
    work=$SCRATCH/corpus/$target findings=$SCRATCH/findings/$target
    mkdir -p "$work" "$findings"
    echo "== fuzzing $target for ${SECONDS_PER_TARGET}s (max_len $(max_len "$target"), malloc ${MALLOC_MB} MB, rss ${RSS_MB} MB, timeout ${TIMEOUT}s)"
    log=$SCRATCH/findings/$target.log
    set +e
    # shellcheck disable=SC2046
    "$SCRATCH/debug/$target" "$work" "Fuzz/corpus/$target" \
        -max_total_time="$SECONDS_PER_TARGET" -max_len="$(max_len "$target")" \
        -rss_limit_mb="$RSS_MB" -malloc_limit_mb="$MALLOC_MB" -timeout="$TIMEOUT" \
        -artifact_prefix="$findings/" -print_final_stats=1 $(parallel_flags) $(dictionary "$target") >"$log" 2>&1
    status=$?
    set -e
    if [[ $JOBS -gt 1 ]]; then cat fuzz-*.log >>"$log" 2>/dev/null && rm -f fuzz-*.log; fi
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+ +DONE" "$log" | tail -3 || true
    if [[ $status -ne 0 ]]; then
        echo "!! $target FAILED (exit $status); log: $log; inputs: $findings/"
        grep -E "ERROR: |Fatal error|SUMMARY:|Test unit written" "$log" | head -8 || true
        failed+=("$target")
    fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzzing found failures in: ${failed[*]}"
    exit 1
fi
echo "fuzzing: no failures in ${TARGETS[*]}"
