# Shared by scripts/chaos.sh and scripts/load.sh: an isolated SecureNets cluster (own RabbitMQ vhost,
# own SECURENETS_HOME) on the local services, input files cut from the bundled sample, process and
# memory helpers, and the end-of-run checks. Source it; it defines functions and a few globals only.
#
# Globals a caller sets before rel_init: REL_NAME (short run name: chaos, load); REL_BROKER (rabbitmq,
# the single local broker, by default; cluster: the three-node infra/local/cluster, started if it is
# not running and then stopped at the end, every process given the three nodes' URLs).
# Globals rel_init sets: ROOT, BIN, RUN_DIR, VHOST, SECURENETS_HOME (exported), SECURENETS_AMQP_URL
# (exported), SECURENETS_DATABASE_URL (exported), REL_MODEL, REL_SAMPLE.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
REL_MODEL="$ROOT/samples/digits/model.onnx"
REL_SAMPLE="$ROOT/samples/digits/inputs.npy"
REL_T0=$SECONDS
REL_PIDS=()         # every service process started by rel_start_*, for cleanup
REL_VHOST_CREATED=0
REL_BROKER=${REL_BROKER:-rabbitmq}
REL_CLUSTER_STARTED=0

rel_now_ms() { date +%s%3N; }
# rel_seconds_since MS: seconds since a rel_now_ms reading, with one decimal.
rel_seconds_since() { awk -v a="$1" -v b="$(rel_now_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }
rel_say() { printf '[%s +%4ds] %s\n' "$(date +%H:%M:%S)" "$((SECONDS - REL_T0))" "$*" >&2; }
rel_die() { rel_say "error: $*"; exit 1; }

# The infra scripts, with none of this run's variables (a broker or database they start must not
# inherit them: it outlives the run).
rel_infra() {
    env -u SECURENETS_HOME -u SECURENETS_AMQP_URL -u SECURENETS_DATABASE_URL -u SECURENETS_LOG_LEVEL \
        "$ROOT/infra/local/$1" "${@:2}"
}

# True while $1 runs (a finished child that was not reaped yet is a zombie and does not count).
rel_alive() {
    local state
    state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    [[ -n $state && $state != Z* ]]
}

# Builds the release binaries (unless $1 is 0) and sets BIN.
rel_build() {
    if [[ ${1:-1} != 0 ]]; then
        rel_say "building release binaries (swift build -c release)"
        (cd "$ROOT" && swift build -c release 2>&1 | tail -n 3) >&2
    fi
    BIN="$(cd "$ROOT" && swift build -c release --show-bin-path)"
    local tool
    for tool in securenets securenets-worker securenets-verifier securenets-hostile-worker; do
        [[ -x $BIN/$tool ]] || rel_die "$BIN/$tool is missing; run without --no-build"
    done
}

# Checks the services, creates the run directory, the vhost and the environment of every process.
rel_init() {
    local seed=$1
    command -v psql >/dev/null || rel_die "psql is needed for the audit checks (apt-get install postgresql-client)"
    python3 -c 'import numpy' 2>/dev/null ||
        rel_die "python3 with numpy is needed to compare outputs (apt-get install python3-numpy)"
    if [[ $REL_BROKER == cluster ]]; then
        if ! rel_infra cluster status >/dev/null 2>&1; then
            rel_say "starting the three-node cluster (infra/local/cluster up)"
            rel_infra cluster up >&2 || rel_die "infra/local/cluster up failed"
            REL_CLUSTER_STARTED=1
        fi
    else
        rel_infra rabbitmq status >/dev/null 2>&1 ||
            rel_die "RabbitMQ is not running (infra/local/up; set SECURENETS_VAR_DIR to use another instance)"
    fi
    rel_infra postgres status >/dev/null 2>&1 || rel_die "PostgreSQL is not running (infra/local/up)"
    local stamp
    stamp="$(date +%Y%m%d-%H%M%S)-$seed-$$"
    RUN_DIR="$ROOT/var/$REL_NAME/$stamp"
    VHOST="securenets-$REL_NAME-$stamp"
    mkdir -p "$RUN_DIR/logs" "$RUN_DIR/inputs" "$RUN_DIR/outputs"
    rel_infra "$REL_BROKER" vhost-add "$VHOST" >/dev/null || rel_die "cannot create vhost $VHOST"
    REL_VHOST_CREATED=1
    export SECURENETS_HOME="$RUN_DIR/home"
    if [[ $REL_BROKER == cluster ]]; then
        SECURENETS_AMQP_URL=$(rel_infra cluster urls --vhost "$VHOST") || rel_die "cannot list the cluster's URLs"
        export SECURENETS_AMQP_URL
    else
        export SECURENETS_AMQP_URL="amqp://securenets:securenets@127.0.0.1:${SECURENETS_RABBITMQ_PORT:-5672}/$VHOST"
    fi
    export SECURENETS_DATABASE_URL="postgresql://securenets:securenets@127.0.0.1:${SECURENETS_PG_PORT:-5432}/securenets"
    export SECURENETS_LOG_LEVEL=info
    mkdir -p "$SECURENETS_HOME"
    chmod 0700 "$SECURENETS_HOME"
    rel_say "run directory $RUN_DIR, vhost $VHOST"
}

# Stops every service process this run started (SIGTERM, then SIGKILL), brings the shared services
# back if a fault left them down, and deletes the vhost. Safe to call twice.
rel_cleanup_services() {
    local pid i
    for pid in "${REL_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for i in $(seq 1 100); do
        local any=0
        for pid in "${REL_PIDS[@]}"; do rel_alive "$pid" && any=1; done
        ((any)) || break
        sleep 0.1
    done
    for pid in "${REL_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    for pid in "${REL_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    REL_PIDS=()
    if [[ $REL_BROKER == cluster ]]; then
        # A node a fault killed comes back.
        rel_infra cluster status >/dev/null 2>&1 || rel_infra cluster up >/dev/null 2>&1 ||
            rel_say "warning: could not start every node of the cluster again"
    else
        rel_infra rabbitmq status >/dev/null 2>&1 || rel_infra rabbitmq start >/dev/null 2>&1 ||
            rel_say "warning: could not restart RabbitMQ"
    fi
    rel_infra postgres status >/dev/null 2>&1 || rel_infra postgres start >/dev/null 2>&1 ||
        rel_say "warning: could not restart PostgreSQL"
    if ((REL_VHOST_CREATED)); then
        rel_infra "$REL_BROKER" vhost-delete "$VHOST" >/dev/null 2>&1 || rel_say "warning: could not delete vhost $VHOST"
        REL_VHOST_CREATED=0
    fi
    if ((REL_CLUSTER_STARTED)); then
        rel_infra cluster down >/dev/null 2>&1 || rel_say "warning: could not stop the cluster"
        REL_CLUSTER_STARTED=0
    fi
}

# rel_start_verifier ID [ARGS...]: starts a verifier; sets REL_LAST_PID. Logs append to logs/ID.log.
rel_start_verifier() {
    "$BIN/securenets-verifier" serve --id "$1" "${@:2}" </dev/null >>"$RUN_DIR/logs/$1.log" 2>&1 &
    REL_LAST_PID=$!
    REL_PIDS+=("$REL_LAST_PID")
}

# rel_start_worker ID [ARGS...]: starts a worker with one BLAS thread; sets REL_LAST_PID.
rel_start_worker() {
    "$BIN/securenets-worker" --id "$1" --threads 1 "${@:2}" </dev/null >>"$RUN_DIR/logs/$1.log" 2>&1 &
    REL_LAST_PID=$!
    REL_PIDS+=("$REL_LAST_PID")
}

# rel_wait_log FILE PATTERN SECONDS: waits until FILE contains PATTERN (fixed string).
rel_wait_log() {
    local deadline=$((SECONDS + $3))
    until grep -qF -- "$2" "$1" 2>/dev/null; do
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}

# rel_stop_pid PID: SIGTERM, wait up to 15 s, then SIGKILL; reaps it.
rel_stop_pid() {
    local i
    kill -TERM "$1" 2>/dev/null || true
    for i in $(seq 1 150); do rel_alive "$1" || break; sleep 0.1; done
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# rel_npy_rows DEST ROWS START: a float32 .npy of ROWS rows of the sample, taken cyclically from row
# START, byte for byte (header rewritten, rows copied): no number is parsed or re-printed.
rel_npy_rows() {
    local dest=$1 rows=$2 start=$3
    local header_len=128 sample_rows=360 columns=64 row_bytes=256
    local copies=$(((start + rows + sample_rows - 1) / sample_rows)) i dict
    dict="{'descr': '<f4', 'fortran_order': False, 'shape': ($rows, $columns), }"
    # Version 1.0 header: magic, version, little-endian uint16 length, dict padded to 128 bytes total.
    for ((i = 0; i < copies; i++)); do tail -c +$((header_len + 1)) "$REL_SAMPLE"; done >"$dest.rows"
    {
        printf '\x93NUMPY\x01\x00\x76\x00%s' "$dict"
        printf '%*s' $((header_len - 10 - ${#dict} - 1)) ''
        printf '\n'
        dd if="$dest.rows" bs="$row_bytes" skip="$start" count="$rows" status=none
    } >"$dest"
    rm -f "$dest.rows"
    [[ $(stat -c %s "$dest") == $((header_len + rows * row_bytes)) ]] || rel_die "could not write $dest"
}

# rel_status_kib PID FIELD: a /proc/PID/status field in KiB (VmRSS, VmHWM), or nothing.
rel_status_kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null || true; }

# rel_job_id HOME OUTPUT_NAME STDERR_FILE: the job id a producer printed, else the journal that names
# OUTPUT_NAME (unique per job; JSON escapes '/', so only the file name is matched). Empty if none.
rel_job_id() {
    local id
    id=$(sed -n 's/^job \([0-9a-f-]\{36\}\): .*/\1/p' "$3" 2>/dev/null | head -n 1)
    if [[ -z $id ]]; then
        id=$(grep -lF -- "$2" "$1"/jobs/*/job.json 2>/dev/null | head -n 1 | xargs -r dirname | xargs -r basename)
    fi
    echo "$id"
}

# rel_wait_drained SECONDS: polls this run's vhost until securenets.jobs and securenets.results hold
# no message (at most SECONDS); prints "jobs results dead-letter" message counts ("? ? ?" if the
# broker could not be asked).
rel_wait_drained() {
    local deadline=$((SECONDS + $1)) counts
    while :; do
        counts=$(rel_infra "$REL_BROKER" queues "$VHOST" 2>/dev/null | awk -F'\t' '
            $1 == "securenets.jobs" { j = $2 } $1 == "securenets.results" { r = $2 } $1 == "securenets.dead-letter" { d = $2 }
            END { print (j == "" ? "?" : j), (r == "" ? "?" : r), (d == "" ? "?" : d) }') || counts="? ? ?"
        [[ $counts == "0 0 "* || $SECONDS -ge $deadline ]] && break
        sleep 2
    done
    echo "$counts"
}

# rel_psql ARGS...: psql against the audit database, unaligned tab-separated output, no headers.
rel_psql() { psql -X -q -A -t -F $'\t' -v ON_ERROR_STOP=1 "$SECURENETS_DATABASE_URL" "$@"; }

# rel_check_jobs JOBS_TSV RESULT_TSV: the end-of-run checks of every job listed in JOBS_TSV
# (columns: job_id rows batch_size input outputs labels). Writes one line per job to RESULT_TSV:
#   job_id rows batches lost_rows dup_rows label_mismatches max_abs_diff min_margin passed rejected failed bad_batches
# and prints nothing. Plaintext references come from `securenets infer` on the same input.
rel_check_jobs() {
    local jobs=$1 result=$2 dir="$RUN_DIR/check"
    mkdir -p "$dir"
    local job rows bs input outputs labels ids=()
    : >"$dir/compare.tsv"
    : >"$dir/journal.tsv"
    while IFS=$'\t' read -r job rows bs input outputs labels; do
        ids+=("$job")
        local plain="$dir/$job.plain.npy" plain_labels="$dir/$job.plain-labels.npy"
        "$BIN/securenets" infer --model "$REL_MODEL" --input "$input" --output "$plain" --labels "$plain_labels" \
            >/dev/null 2>>"$dir/infer.log" || rel_die "plaintext inference failed for $input (see $dir/infer.log)"
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$job" "$rows" "$bs" "$outputs" "$labels" "$plain" "$plain_labels" >>"$dir/compare.tsv"
        # Journal: "done <batch> <check>" lines per batch.
        local events="$SECURENETS_HOME/jobs/$job/events.log"
        if [[ -f $events ]]; then
            awk -v job="$job" '$1 == "done" && NF == 3 { n[$2]++ } END { for (b in n) print job "\t" b "\t" n[b] }' "$events" >>"$dir/journal.tsv"
        fi
    done <"$jobs"
    python3 "$ROOT/scripts/lib/compare_outputs.py" --tolerance 1e-4 <"$dir/compare.tsv" >"$dir/numbers.tsv"
    # Audit: verdict counts per (job, batch), one query for the whole run.
    local array
    array="{$(IFS=,; echo "${ids[*]}")}"
    rel_psql -v ids="$array" >"$dir/audit.tsv" <<'SQL'
SELECT job_id, batch,
       count(*) FILTER (WHERE verdict = 'passed'),
       count(*) FILTER (WHERE verdict = 'rejected'),
       count(*) FILTER (WHERE verdict = 'failed')
FROM verification_audit WHERE job_id = ANY(:'ids'::text[]) GROUP BY job_id, batch;
SQL
    awk -F'\t' -v OFS='\t' '
        FILENAME == ARGV[1] { jobs[++n] = $1; rows[$1] = $2; bs[$1] = $3; next }
        FILENAME == ARGV[2] { passed[$1, $2] = $3; rejected[$1] += $4; failed[$1] += $5; next }
        FILENAME == ARGV[3] { done[$1, $2] = $3; next }
        FILENAME == ARGV[4] { bad[$1] = $2; labels[$1] = $3; maxdiff[$1] = $4; margin[$1] = $5; next }
        END {
            for (i = 1; i <= n; i++) {
                j = jobs[i]; nb = int((rows[j] + bs[j] - 1) / bs[j]); lost = 0; dup = 0; badlist = ""
                split(bad[j], nan, ",")
                for (k in nan) if (nan[k] != "") isnan[j, nan[k]] = 1
                for (b = 0; b < nb; b++) {
                    r = (b == nb - 1) ? rows[j] - b * bs[j] : bs[j]
                    p = passed[j, b] + 0; d = done[j, b] + 0
                    if (p == 0 || d == 0 || ((j, b) in isnan)) { lost += r; badlist = badlist b "(p" p ",d" d ")" }
                    else if (p > 1 || d > 1) { dup += r; badlist = badlist b "(p" p ",d" d ")" }
                }
                pa = 0; for (b = 0; b < nb; b++) pa += passed[j, b]
                if (!(j in labels)) { labels[j] = "NA"; maxdiff[j] = "NA"; margin[j] = "NA" }
                print j, rows[j], nb, lost, dup, labels[j], maxdiff[j], margin[j], pa, rejected[j] + 0, failed[j] + 0, (badlist == "" ? "-" : badlist)
            }
        }' "$jobs" "$dir/audit.tsv" "$dir/journal.tsv" "$dir/numbers.tsv" >"$result"
}
