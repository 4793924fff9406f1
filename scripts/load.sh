#!/usr/bin/env bash
# `make load`: many jobs from concurrent producers; throughput, queue drain and bounded memory.
# See --help and docs/RELIABILITY.md.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: scripts/load.sh [--producers N] [--jobs N] [--workers N] [--prefetch N] [--batch-size N] [options]

A load run on the local RabbitMQ and PostgreSQL (infra/local/up; SECURENETS_VAR_DIR picks the
instance), in an isolated vhost and SECURENETS_HOME under var/load/. Two phases, each with freshly
started workers (--prefetch) and a verifier, so that each process's peak RSS (VmHWM) belongs to one
phase:

  baseline   one small job (24 rows of the digits sample, batches of --batch-size)
  backlog    --producers concurrent producers, each submitting --jobs jobs one after another (the
             whole 360-row digits sample, batches of --batch-size); the workers start only once the
             producers have published their first jobs, so they begin under a backlog

Every job must complete with outputs equal to plaintext `securenets infer` (labels equal,
probabilities within 1e-4), exactly one `passed` audit row and one journal `done` line per batch;
securenets.jobs and securenets.results must drain to 0 messages. RSS of every worker and the verifier
is sampled every 0.5 s; the table reports VmHWM (peak RSS) from /proc/<pid>/status per process and
phase. Exits non-zero if a check fails or if a process's peak in the backlog phase exceeds its
baseline peak by more than --rss-slack-mib.

Options:
  --producers N        concurrent producers (default 5)
  --jobs N             jobs per producer (default 10)
  --workers N          workers (default 3)
  --prefetch N         worker prefetch (default 2)
  --batch-size N       rows per batch (default 4: 90 batches per job)
  --rss-slack-mib N    allowed growth of a peak RSS from baseline to backlog (default 64)
  --timeout SECONDS    give up on the backlog phase after this long (default 1800)
  --no-build           use the existing release build
  -h, --help           this text
EOF
}

producers=5 jobs=10 workers=3 prefetch=2 batch_size=4 slack=64 timeout=1800 build=1
while (($#)); do
    case $1 in
    --producers) producers=${2:?}; shift 2 ;;
    --jobs) jobs=${2:?}; shift 2 ;;
    --workers) workers=${2:?}; shift 2 ;;
    --prefetch) prefetch=${2:?}; shift 2 ;;
    --batch-size) batch_size=${2:?}; shift 2 ;;
    --rss-slack-mib) slack=${2:?}; shift 2 ;;
    --timeout) timeout=${2:?}; shift 2 ;;
    --no-build) build=0; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
done
for value in "$producers" "$jobs" "$workers" "$prefetch" "$batch_size" "$slack" "$timeout"; do
    [[ $value =~ ^[0-9]+$ ]] && ((value >= 1)) || { echo "load: positive numbers expected, got '$value'" >&2; exit 2; }
done
((producers <= 16 && workers <= 16 && jobs <= 100 && timeout <= 7200)) ||
    { echo "load: at most 16 producers, 16 workers, 100 jobs each, --timeout 7200" >&2; exit 2; }

REL_NAME=load
# shellcheck source=lib/reliability.sh
source "$(dirname "$0")/lib/reliability.sh"

producer_pids=()
cleanup() {
    local pid
    for pid in "${producer_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${producer_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    producer_pids=()
    rel_cleanup_services
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

declare -A peak_hwm=() peak_sampled=()
phase_pids=() phase_names=()

# Starts a verifier (waits until it is ready) and the workers of one phase.
start_verifier_for() {
    rel_start_verifier "load-verifier-$1-$$"
    phase_pids+=("$REL_LAST_PID")
    phase_names+=("verifier")
    rel_wait_log "$RUN_DIR/logs/load-verifier-$1-$$.log" "verifier ready" 60 || rel_die "the verifier did not start"
}
start_workers_for() {
    local k
    for ((k = 1; k <= workers; k++)); do
        rel_start_worker "load-w$k-$1-$$" --prefetch "$prefetch"
        phase_pids+=("$REL_LAST_PID")
        phase_names+=("worker $k")
    done
}

# Records the current RSS of each process of the phase, keeping the largest per name.
sample_rss() {
    local k kib
    for k in "${!phase_pids[@]}"; do
        kib=$(rel_status_kib "${phase_pids[$k]}" VmRSS)
        [[ -n $kib ]] || continue
        ((kib > ${peak_sampled["$1/${phase_names[$k]}"]:-0})) && peak_sampled["$1/${phase_names[$k]}"]=$kib
    done
    return 0
}

# Reads VmHWM of every process of the phase (they must still run), then stops them.
end_phase() {
    local k kib
    for k in "${!phase_pids[@]}"; do
        rel_alive "${phase_pids[$k]}" || rel_die "${phase_names[$k]} of phase $1 died (see $RUN_DIR/logs)"
        kib=$(rel_status_kib "${phase_pids[$k]}" VmHWM)
        peak_hwm["$1/${phase_names[$k]}"]=$kib
    done
    for k in "${!phase_pids[@]}"; do rel_stop_pid "${phase_pids[$k]}"; done
    phase_pids=() phase_names=()
}

# Batches published but not yet done, over every journal of this run.
outstanding_batches() {
    cat "$SECURENETS_HOME"/jobs/*/events.log 2>/dev/null | awk '$1 == "dispatched" && $3 == 0 && $4 == 1 { p++ } $1 == "done" { d++ } END { print p - d + 0 }'
}

# producer_loop P INPUT: submits --jobs jobs one after another; one line per job in producer-P.tsv.
producer_loop() {
    local p=$1 input=$2 j name child=0 rc
    trap '[[ $child != 0 ]] && kill -KILL "$child" 2>/dev/null; exit 143' TERM
    for ((j = 1; j <= jobs; j++)); do
        name=$(printf 'p%d-j%02d' "$p" "$j")
        "$BIN/securenets" submit --model "$REL_MODEL" --input "$input" --output "$RUN_DIR/outputs/$name.npy" \
            --labels "$RUN_DIR/outputs/$name-labels.npy" --batch-size "$batch_size" --timeout 120 --privacy blinded </dev/null \
            >"$RUN_DIR/logs/$name.out" 2>"$RUN_DIR/logs/$name.err" &
        child=$!
        rc=0
        wait "$child" || rc=$?
        child=0
        printf '%s\t%s\t%s\n' "$name" "$rc" "$(rel_job_id "$SECURENETS_HOME" "$name.npy" "$RUN_DIR/logs/$name.err")" \
            >>"$RUN_DIR/producer-$p.tsv"
    done
}

# Appends the checked jobs of a phase to PHASE.jobs.tsv (the format rel_check_jobs reads).
list_jobs() {
    local phase=$1 input=$2 rows=$3 tsv name rc id
    : >"$RUN_DIR/$phase.jobs.tsv"
    for tsv in "${@:4}"; do
        while IFS=$'\t' read -r name rc id; do
            [[ -n $id ]] || rel_die "job $name left no journal (status $rc; see $RUN_DIR/logs/$name.err)"
            printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$rows" "$batch_size" "$input" \
                "$RUN_DIR/outputs/$name.npy" "$RUN_DIR/outputs/$name-labels.npy" >>"$RUN_DIR/$phase.jobs.tsv"
            ((rc == 0)) || rel_say "job $name ($id) exited with status $rc"
        done <"$tsv"
    done
}

rel_build "$build"
rel_init "load$$"
total_batches_per_job=$(((360 + batch_size - 1) / batch_size))

# --- phase 1: baseline ----------------------------------------------------------------------------
rel_say "baseline: one job of 24 rows (batches of $batch_size), $workers workers (prefetch $prefetch), one verifier"
rel_npy_rows "$RUN_DIR/inputs/small.npy" 24 0
start_verifier_for baseline
start_workers_for baseline
base_start=$(rel_now_ms)
producer_loop_single() {
    local rc=0
    "$BIN/securenets" submit --model "$REL_MODEL" --input "$RUN_DIR/inputs/small.npy" --output "$RUN_DIR/outputs/small.npy" \
        --labels "$RUN_DIR/outputs/small-labels.npy" --batch-size "$batch_size" --timeout 120 --privacy blinded </dev/null \
        >"$RUN_DIR/logs/small.out" 2>"$RUN_DIR/logs/small.err" || rc=$?
    printf 'small\t%s\t%s\n' "$rc" "$(rel_job_id "$SECURENETS_HOME" small.npy "$RUN_DIR/logs/small.err")" >"$RUN_DIR/baseline.tsv"
}
producer_loop_single &
producer_pids+=("$!")
while rel_alive "${producer_pids[0]}"; do sample_rss baseline; sleep 0.5; done
wait "${producer_pids[0]}" || true
producer_pids=()
base_wall=$(rel_seconds_since "$base_start")
sample_rss baseline
end_phase baseline
list_jobs baseline "$RUN_DIR/inputs/small.npy" 24 "$RUN_DIR/baseline.tsv"

# --- phase 2: backlog -----------------------------------------------------------------------------
rel_say "backlog: $producers producers x $jobs jobs of 360 rows (batches of $batch_size: $total_batches_per_job per job)"
start_verifier_for backlog
start_time=$SECONDS
start_ms=$(rel_now_ms)
for ((p = 1; p <= producers; p++)); do
    : >"$RUN_DIR/producer-$p.tsv"
    producer_loop "$p" "$REL_SAMPLE" &
    producer_pids+=("$!")
done
# Let the producers publish their first jobs before any worker runs: the workers start under a backlog.
deadline=$((SECONDS + 60))
until (($(outstanding_batches) >= producers * total_batches_per_job)) || ((SECONDS >= deadline)); do sleep 0.5; done
start_workers_for backlog
peak_outstanding=0
last_report=$SECONDS
while :; do
    sample_rss backlog
    outstanding=$(outstanding_batches)
    ((outstanding > peak_outstanding)) && peak_outstanding=$outstanding
    running=0
    for pid in "${producer_pids[@]}"; do rel_alive "$pid" && running=$((running + 1)); done
    ((running > 0)) || break
    ((SECONDS - start_time < timeout)) || rel_die "backlog phase still running after ${timeout}s (see $RUN_DIR)"
    if ((SECONDS - last_report >= 30)); then
        rel_say "backlog: $running producer(s) running, $outstanding batch(es) outstanding"
        last_report=$SECONDS
    fi
    sleep 0.5
done
for pid in "${producer_pids[@]}"; do wait "$pid" || true; done
producer_pids=()
wall=$(rel_seconds_since "$start_ms")
read -r jobs_left results_left dead_letters < <(rel_wait_drained 120)
drained="$jobs_left $results_left"
sample_rss backlog
end_phase backlog
list_jobs backlog "$REL_SAMPLE" 360 "$RUN_DIR"/producer-*.tsv

# --- checks and table -----------------------------------------------------------------------------
rel_say "checking every job (plaintext inference, audit rows, journals)"
cat "$RUN_DIR/baseline.jobs.tsv" "$RUN_DIR/backlog.jobs.tsv" >"$RUN_DIR/jobs.tsv"
rel_check_jobs "$RUN_DIR/jobs.tsv" "$RUN_DIR/results.tsv"
summary() {
    awk -F'\t' -v ids="$1" 'BEGIN { while ((getline entry < ids) > 0) { split(entry, f, "\t"); want[f[1]] = 1 } }
        ($1 in want) { j++; b += $3; r += $2; l += $4; d += $5; m += ($6 == "NA" ? $2 : $6)
            if ($7 == "NA" || md == "NA") md = "NA"; else if ($7 + 0 > md + 0) md = $7 }
        END { printf "%d %d %d %d %d %d %s\n", j, b, r, l, d, m, (md == "" ? 0 : md) }' "$RUN_DIR/results.tsv"
}
read -r b_jobs b_batches b_rows b_lost b_dup b_mism b_diff < <(summary "$RUN_DIR/baseline.jobs.tsv")
read -r l_jobs l_batches l_rows l_lost l_dup l_mism l_diff < <(summary "$RUN_DIR/backlog.jobs.tsv")
expected_jobs=$((producers * jobs))
mib() { awk -v k="${1:-0}" 'BEGIN { printf "%.1f", k / 1024 }'; }

verdict=PASS
problems=()
((l_jobs == expected_jobs)) || problems+=("$l_jobs of $expected_jobs backlog jobs recorded")
((b_lost + l_lost == 0)) || problems+=("rows lost: $((b_lost + l_lost))")
((b_dup + l_dup == 0)) || problems+=("rows duplicated: $((b_dup + l_dup))")
((b_mism + l_mism == 0)) || problems+=("label mismatches: $((b_mism + l_mism))")
awk -v a="$b_diff" -v b="$l_diff" 'BEGIN { exit !(a != "NA" && b != "NA" && a + 0 <= 1e-4 && b + 0 <= 1e-4) }' ||
    problems+=("probabilities differ from plaintext by more than 1e-4")
[[ $drained == "0 0" ]] || problems+=("queues did not drain (jobs results: $drained)")
names=("verifier")
for ((k = 1; k <= workers; k++)); do names+=("worker $k"); done
for name in "${names[@]}"; do
    growth=$(((${peak_hwm["backlog/$name"]:-0} - ${peak_hwm["baseline/$name"]:-0}) / 1024))
    ((growth <= slack)) || problems+=("$name peak RSS grew by $growth MiB from baseline to backlog")
done
((${#problems[@]} == 0)) || verdict=FAIL

{
    printf '\nSecureNets load run — %s, %s (%s CPUs)\n' "$(date -u +'%Y-%m-%d %H:%M UTC')" "$(hostname)" "$(nproc)"
    printf '%s workers (prefetch %s, 1 BLAS thread), 1 verifier (prefetch 1); digits model 64-128-64-10\n' "$workers" "$prefetch"
    printf '| %-8s | %5s | %7s | %6s | %7s | %7s | %-19s | %8s | %s |\n' phase jobs batches rows "wall s" "rows/s" "peak backlog" "verifier" \
        "$(for ((k = 1; k <= workers; k++)); do printf 'worker %d | ' "$k"; done | sed 's/ | $//')"
    printf '|%s|\n' "$(printf -- '----------|-------|---------|--------|---------|---------|---------------------|----------|%s' \
        "$(for ((k = 1; k < workers; k++)); do printf -- '----------|'; done)")----------"
    line() {
        local phase=$1 j=$2 b=$3 r=$4 w=$5 backlog=$6 cells="" k
        for ((k = 1; k <= workers; k++)); do cells+=$(printf '%8s | ' "$(mib "${peak_hwm["$phase/worker $k"]}")"); done
        printf '| %-8s | %5s | %7s | %6s | %7s | %7s | %-19s | %8s | %s |\n' "$phase" "$j" "$b" "$r" "$w" \
            "$(awk -v r="$r" -v w="$w" 'BEGIN { printf "%.0f", r / (w > 0 ? w : 1) }')" "$backlog" \
            "$(mib "${peak_hwm["$phase/verifier"]}")" "${cells% | }"
    }
    line baseline "$b_jobs" "$b_batches" "$b_rows" "$base_wall" "-"
    line backlog "$l_jobs" "$l_batches" "$l_rows" "$wall" "$peak_outstanding batches"
    printf '(peak RSS = VmHWM in MiB per process; peak backlog = batches published and not yet done, from the journals)\n'
    for phase in baseline backlog; do
        printf 'largest VmRSS sampled every 0.5 s, %s:' "$phase"
        for name in "${names[@]}"; do printf ' %s %s MiB;' "$name" "$(mib "${peak_sampled["$phase/$name"]:-0}")"; done
        printf '\n'
    done
    printf 'queues at the end: securenets.jobs %s, securenets.results %s, securenets.dead-letter %s messages\n' \
        "$jobs_left" "$results_left" "$dead_letters"
    printf 'rows lost %d, rows duplicated %d, label mismatches %d, max |p - p_plaintext| %s (tolerance 1e-4)\n' \
        $((b_lost + l_lost)) $((b_dup + l_dup)) $((b_mism + l_mism)) "$l_diff"
    printf 'verdict: %s\n' "$verdict"
    for problem in "${problems[@]}"; do printf '  - %s\n' "$problem"; done
} | tee "$RUN_DIR/summary.txt"
echo "logs and journals: $RUN_DIR"
[[ $verdict == PASS ]]
