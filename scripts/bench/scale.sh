#!/usr/bin/env bash
# Scale figures (issue 9): jobs of 10^4, 10^5 and 10^6 rows of the digits model; memory and backlog
# must stay flat as rows grow 100x. Not part of `make test`. See --help and docs/BENCHMARKS.md.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: scripts/bench/scale.sh [--rows "10000 100000 1000000"] [--privacy masked|blinded|both] [options]

Runs one `securenets submit` per row count of the bundled digits model (samples/digits, 64-128-64-10;
the 360-row sample tiled byte for byte), on the local RabbitMQ and PostgreSQL (infra/local/up;
SECURENETS_VAR_DIR picks the instance), in a vhost of its own and an own SECURENETS_HOME under
var/scale/. Every process connects as its role's broker user. For each job a fresh verifier and two
workers are started (masked mode: one per pool, `--pool data` and `--pool mask`; blinded mode: two
workers), so that each peak belongs to one job. Prints per job: wall time, rows/s, the producer's
peak RSS (/usr/bin/time's maximum resident set), the verifier's and the workers' peak RSS (VmHWM,
read just before they are stopped), and the broker's queue depth peak (ready messages of the job's
jobs, results and reply queues, sampled every 0.25 s with AMQP passive declares by
`securenets-bench queue-depth`). Every job must verify every batch and agree with plaintext
`securenets infer` on at least 99.5 % of labels (masked mode quantizes; blinded mode is exact).

Fails if the producer's or the verifier's peak RSS at the largest row count exceeds the one at the
smallest by more than --rss-slack-mib, or the queue peak grows beyond the window's bound.

Options:
  --rows "N ..."       row counts (default "10000 100000 1000000")
  --privacy MODE       masked (default), blinded or both
  --batch-size N       rows per batch, the same for every job so that only the row count changes
                       (default 2048)
  --rss-slack-mib N    allowed growth of a peak RSS from the smallest to the largest job (default 64)
  --timeout SECONDS    submit's --timeout (default 900)
  --no-build           use the existing release build
  -h, --help           this text
EOF
}

rows_list="10000 100000 1000000" privacy=masked batch_size=2048 slack=64 timeout=900 build=1
while (($#)); do
    case $1 in
    --rows) rows_list=${2:?}; shift 2 ;;
    --privacy) privacy=${2:?}; shift 2 ;;
    --batch-size) batch_size=${2:?}; shift 2 ;;
    --rss-slack-mib) slack=${2:?}; shift 2 ;;
    --timeout) timeout=${2:?}; shift 2 ;;
    --no-build) build=0; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
done
for value in $rows_list "$batch_size" "$slack" "$timeout"; do
    [[ $value =~ ^[0-9]+$ ]] && ((value >= 1)) || { echo "scale: positive numbers expected, got '$value'" >&2; exit 2; }
done
case $privacy in
masked | blinded) modes=("$privacy") ;;
both) modes=(masked blinded) ;;
*) echo "scale: --privacy is masked, blinded or both, got '$privacy'" >&2; exit 2 ;;
esac
[[ -x /usr/bin/time ]] || { echo "scale: /usr/bin/time is needed for the producer's peak RSS (apt-get install time)" >&2; exit 2; }

REL_NAME=scale
# shellcheck source=../lib/reliability.sh
source "$(dirname "$0")/../lib/reliability.sh"

producer_pid=""
watch_pid=""
cleanup() {
    [[ -n $producer_pid ]] && kill -TERM "$producer_pid" 2>/dev/null || true
    [[ -n $watch_pid ]] && kill -TERM "$watch_pid" 2>/dev/null || true
    rel_cleanup_services
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

rel_build "$build"
rel_init "$batch_size"
port=${SECURENETS_RABBITMQ_PORT:-5672}
role_url() { echo "amqp://$1:$1@127.0.0.1:$port/$VHOST"; }
export SECURENETS_PRODUCER_AMQP_URL SECURENETS_VERIFIER_AMQP_URL SECURENETS_WORKER_AMQP_URL
SECURENETS_PRODUCER_AMQP_URL=$(role_url securenets-producer)
SECURENETS_VERIFIER_AMQP_URL=$(role_url securenets-verifier)
SECURENETS_WORKER_AMQP_URL=$(role_url securenets-worker)
export SECURENETS_WORKER_DATA_AMQP_URL SECURENETS_WORKER_MASK_AMQP_URL
SECURENETS_WORKER_DATA_AMQP_URL=$(role_url securenets-worker-data)
SECURENETS_WORKER_MASK_AMQP_URL=$(role_url securenets-worker-mask)
export SECURENETS_LOG_LEVEL=notice

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
results=()   # one tab-separated line per job
failures=0

# run_job MODE ROWS: one job with fresh services; appends its line to results.
run_job() {
    local mode=$1 rows=$2 tag="$1-$2"
    local input="$RUN_DIR/inputs/digits-$rows.npy" output="$RUN_DIR/outputs/$tag.npy"
    local plain="$RUN_DIR/outputs/plain-$rows.npy"
    [[ -f $input ]] || rel_npy_rows "$input" "$rows" 0
    [[ -f $plain ]] || "$BIN/securenets" infer --model "$REL_MODEL" --input "$input" --output "$plain" >/dev/null 2>&1 ||
        rel_die "plaintext infer of $rows rows failed"

    rel_start_verifier "verifier-$tag"
    local verifier=$REL_LAST_PID
    rel_wait_log "$RUN_DIR/logs/verifier-$tag.log" "verifier ready" 60 || rel_die "verifier-$tag did not start"
    local workers=() pools=("" "") pool id
    [[ $mode == masked ]] && pools=(data mask)
    for pool in "${pools[@]}"; do
        id="worker-$tag-$((${#workers[@]} + 1))"
        if [[ -n $pool ]]; then rel_start_worker "$id" --pool "$pool"; else rel_start_worker "$id"; fi
        workers+=("$REL_LAST_PID")
        rel_wait_log "$RUN_DIR/logs/$id.log" "worker ready" 60 || rel_die "$id did not start"
    done

    rel_say "$tag: submitting $rows rows (batch $batch_size, $mode mode, ${#workers[@]} workers)"
    local started
    started=$(rel_now_ms)
    /usr/bin/time -f '%M %e' -o "$RUN_DIR/logs/$tag.time" \
        "$BIN/securenets" submit --model "$REL_MODEL" --input "$input" --output "$output" --privacy "$mode" \
        --batch-size "$batch_size" --timeout "$timeout" >"$RUN_DIR/logs/$tag.stdout" 2>"$RUN_DIR/logs/$tag.stderr" &
    producer_pid=$!
    local job="" i
    for i in $(seq 1 600); do
        job=$(sed -n 's/^job \([0-9a-f-]*\): .*/\1/p' "$RUN_DIR/logs/$tag.stderr" | head -n 1)
        [[ -n $job ]] && break
        rel_alive "$producer_pid" || break
        sleep 0.1
    done
    [[ -n $job ]] || rel_die "$tag: submit printed no job id: $(tail -n 5 "$RUN_DIR/logs/$tag.stderr")"
    local queues
    if [[ $mode == masked ]]; then
        queues="securenets.jobs.data,securenets.jobs.mask,securenets.results.data,securenets.results.mask"
    else
        queues="securenets.jobs,securenets.results"
    fi
    SECURENETS_AMQP_URL=$(role_url securenets) "$BIN/securenets-bench" queue-depth --queues "$queues,securenets.reply.$job" \
        --while-pid "$producer_pid" >"$RUN_DIR/logs/$tag.queues" 2>&1 &
    watch_pid=$!
    local status=0
    wait "$producer_pid" || status=$?
    producer_pid=""
    local wall
    wall=$(rel_seconds_since "$started")
    wait "$watch_pid" || true
    watch_pid=""

    local verifier_hwm worker_hwm=0 pid hwm
    verifier_hwm=$(rel_status_kib "$verifier" VmHWM)
    for pid in "${workers[@]}"; do
        hwm=$(rel_status_kib "$pid" VmHWM)
        ((${hwm:-0} > worker_hwm)) && worker_hwm=$hwm
    done
    for pid in "${workers[@]}" "$verifier"; do rel_stop_pid "$pid"; done

    local producer_kib verified agreement
    producer_kib=$(cut -d' ' -f1 "$RUN_DIR/logs/$tag.time")
    verified=$(sed -n 's/^job [0-9a-f-]*: \([0-9]*\/[0-9]*\) batches verified.*/\1/p' "$RUN_DIR/logs/$tag.stdout")
    if ((status != 0)) || [[ -z $verified || ${verified%/*} != "${verified#*/}" ]]; then
        rel_say "$tag: submit failed (status $status): $(tail -n 5 "$RUN_DIR/logs/$tag.stderr")"
        failures=$((failures + 1))
    fi
    agreement=$(python3 -c '
import sys, numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
print("%.4f" % (100 * np.mean(a.argmax(1) == b.argmax(1))))' "$plain" "$output" 2>/dev/null || echo 0)
    awk -v a="$agreement" 'BEGIN { exit !(a >= 99.5) }' ||
        { rel_say "$tag: labels agree with plaintext on only $agreement %"; failures=$((failures + 1)); }
    local jobs_peak results_peak reply_peak
    jobs_peak=$(awk '$1 == "peak" && $2 ~ /^securenets\.jobs/ { s += $3 } END { print s + 0 }' "$RUN_DIR/logs/$tag.queues")
    results_peak=$(awk '$1 == "peak" && $2 ~ /^securenets\.results/ { s += $3 } END { print s + 0 }' "$RUN_DIR/logs/$tag.queues")
    reply_peak=$(awk '$1 == "peak" && $2 ~ /^securenets\.reply/ { print $3 }' "$RUN_DIR/logs/$tag.queues")
    local line
    line=$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' "$mode" "$rows" "$verified" "$wall" \
        "$(awk -v r="$rows" -v w="$wall" 'BEGIN { printf "%.0f", r / w }')" \
        "$((producer_kib / 1024))" "$((${verifier_hwm:-0} / 1024))" "$((worker_hwm / 1024))" \
        "$jobs_peak" "$results_peak" "${reply_peak:-0}" "$agreement")
    results+=("$line")
    rel_say "$tag: $(tr '\t' ' ' <<<"$line")"
    rm -f "$output"
}

for mode in "${modes[@]}"; do
    for rows in $rows_list; do run_job "$mode" "$rows"; done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

echo
echo "digits model (64-128-64-10), batch $batch_size rows, $(nproc) cores; load average (1, 5, 15 min) $load_before before, $load_after after"
echo
printf '| %-7s | %9s | %9s | %8s | %7s | %18s | %18s | %16s | %14s | %17s | %15s | %12s |\n' mode rows verified "wall s" "rows/s" \
    "producer peak MiB" "verifier peak MiB" "worker peak MiB" "jobs q. peak" "results q. peak" "reply q. peak" "labels = plain"
echo "|---------|-----------|-----------|----------|---------|--------------------|--------------------|------------------|----------------|-------------------|-----------------|--------------|"
for line in "${results[@]}"; do
    # shellcheck disable=SC2086
    IFS=$'\t' read -r m r v w rs p ve wo jq rq pq ag <<<"$line"
    printf '| %-7s | %9s | %9s | %8s | %7s | %18s | %18s | %16s | %14s | %17s | %15s | %11s%% |\n' "$m" "$r" "$v" "$w" "$rs" "$p" "$ve" "$wo" "$jq" "$rq" "$pq" "$ag"
done

# Flat: the largest job's peaks against the smallest's, per mode.
for mode in "${modes[@]}"; do
    first="" last=""
    for line in "${results[@]}"; do
        [[ ${line%%$'\t'*} == "$mode" ]] || continue
        [[ -z $first ]] && first=$line
        last=$line
    done
    [[ -n $first && $first != "$last" ]] || continue
    IFS=$'\t' read -r _ r1 _ _ _ p1 v1 _ j1 _ _ _ <<<"$first"
    IFS=$'\t' read -r _ r2 _ _ _ p2 v2 _ j2 _ _ _ <<<"$last"
    if ((p2 > p1 + slack || v2 > v1 + slack)); then
        rel_say "$mode: peak RSS grew from $r1 to $r2 rows: producer $p1 -> $p2 MiB, verifier $v1 -> $v2 MiB (slack $slack MiB)"
        failures=$((failures + 1))
    fi
    # The window holds at most WindowSizing.maximum (1024) batches, each one job message per pool.
    if ((j2 > 2048)); then
        rel_say "$mode: $j2 job messages waited in the broker at once, more than any window allows"
        failures=$((failures + 1))
    fi
done
echo
((failures == 0)) || rel_die "$failures check(s) failed; logs in $RUN_DIR/logs"
rel_say "all checks passed; logs in $RUN_DIR"
