#!/usr/bin/env bash
# `make chaos`: a bounded soak of the whole pipeline under injected faults. See --help and
# docs/RELIABILITY.md.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: scripts/chaos.sh [--duration SECONDS] [--producers N] [--workers N] [--seed S] [--cluster] [options]

A bounded chaos soak on the local RabbitMQ and PostgreSQL (infra/local/up; SECURENETS_VAR_DIR picks
the instance), or with --cluster on the three-node RabbitMQ cluster of infra/local/cluster (started
if it is not running, and then stopped at the end if the run started it; every process gets the
three nodes' URLs). Builds release binaries, creates an isolated vhost and SECURENETS_HOME under
var/chaos/, starts a verifier and N workers, and runs N producers that submit jobs one after another
(the digits sample cut or tiled into 24 to 1440 rows, batches of 3 to 16 rows). While they run it
injects one fault at a time, its kind drawn uniformly (seeded) from those enabled and possible:

  worker_kill      SIGKILL a worker, start a replacement
  verifier_kill    SIGKILL the verifier, restart it after 0-2 s
  producer_kill    SIGKILL a running `securenets submit`, then finish the job with `securenets collect`
  broker_restart   infra/local/rabbitmq stop, 0-2 s, start (every vhost on the broker is affected;
                   not with --cluster)
  broker_node_kill with --cluster only: SIGKILL the node leading securenets.jobs, 0-5 s, start it
                   again (it rejoins; the queues have elected a new leader meanwhile)
  db_outage        infra/local/postgres stop, 2-8 s, start
  hostile_worker   start securenets-hostile-worker in a random mode (drop, dead-letter, hold,
                   straggle, forged-attempt, garbage-metadata, missing-tensor, altered-input,
                   replay, another-job) for 1-4 jobs; stopped after 30 s if still running

After --duration it starts nothing new, waits for the jobs in flight (at most --drain seconds), stops
everything it started, deletes the vhost and checks every job: complete outputs, no NaN row, labels
equal to plaintext `securenets infer`, probabilities within 1e-4 of plaintext, exactly one `passed`
audit row per (job, batch) and exactly one `done` journal line per batch. Prints a summary table and
exits 0 only if no row was lost or duplicated and every check held.

Options:
  --duration SECONDS   traffic and fault window (default 240)
  --producers N        concurrent producers (default 3)
  --workers N          workers (default 3)
  --seed S             random seed (default: derived from the clock; printed)
  --fault-interval A:B seconds between two faults, drawn uniformly (default 5:12)
  --faults LIST        comma-separated fault kinds to draw from (default: all six; with --cluster
                       broker_node_kill instead of broker_restart)
  --max-outages N      at most N broker restarts (or node kills) and N database outages (default 3 each)
  --cluster            run on infra/local/cluster (SECURENETS_CLUSTER_DIR and the other variables of
                       infra/local/cluster --help choose it)
  --drain SECONDS      how long to wait for jobs in flight after --duration (default 300)
  --no-build           use the existing release build
  -h, --help           this text

Exit status: 0 all checks passed; 1 a check failed (the table says which); 2 usage.
EOF
}

duration=240 producers=3 workers=3 seed="" fault_interval=5:12 max_outages=3 drain=300 build=1 cluster=0
fault_kinds=""
while (($#)); do
    case $1 in
    --duration) duration=${2:?}; shift 2 ;;
    --producers) producers=${2:?}; shift 2 ;;
    --workers) workers=${2:?}; shift 2 ;;
    --seed) seed=${2:?}; shift 2 ;;
    --fault-interval) fault_interval=${2:?}; shift 2 ;;
    --max-outages) max_outages=${2:?}; shift 2 ;;
    --faults) fault_kinds=${2:?}; shift 2 ;;
    --drain) drain=${2:?}; shift 2 ;;
    --no-build) build=0; shift ;;
    --cluster) cluster=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
done
seed=${seed:-$(($(date +%s) % 100000))}
for value in "$duration" "$producers" "$workers" "$seed" "$max_outages" "$drain"; do
    [[ $value =~ ^[0-9]+$ ]] || { echo "chaos: numbers expected, got '$value'" >&2; exit 2; }
done
[[ $fault_interval =~ ^([0-9]+):([0-9]+)$ ]] && ((BASH_REMATCH[1] >= 1 && BASH_REMATCH[1] <= BASH_REMATCH[2])) ||
    { echo "chaos: --fault-interval wants A:B with 1 <= A <= B" >&2; exit 2; }
interval_min=${BASH_REMATCH[1]} interval_max=${BASH_REMATCH[2]}
if [[ -z $fault_kinds ]]; then
    fault_kinds=worker_kill,verifier_kill,producer_kill,broker_restart,db_outage,hostile_worker
    ((cluster)) && fault_kinds=${fault_kinds/broker_restart/broker_node_kill}
fi
IFS=, read -r -a kinds <<<"$fault_kinds"
for kind in "${kinds[@]}"; do
    [[ ,worker_kill,verifier_kill,producer_kill,broker_restart,broker_node_kill,db_outage,hostile_worker, == *,"$kind",* ]] ||
        { echo "chaos: unknown fault kind '$kind' (see --help)" >&2; exit 2; }
    [[ $kind != broker_node_kill ]] || ((cluster)) ||
        { echo "chaos: broker_node_kill kills a node of the cluster: add --cluster" >&2; exit 2; }
    [[ $kind != broker_restart ]] || ((!cluster)) ||
        { echo "chaos: broker_restart restarts the single broker; on --cluster use broker_node_kill" >&2; exit 2; }
done
((duration >= 30 && duration <= 3600)) || { echo "chaos: --duration must be 30..3600" >&2; exit 2; }
((producers >= 1 && producers <= 16 && workers >= 1 && workers <= 16)) ||
    { echo "chaos: --producers and --workers must be 1..16" >&2; exit 2; }

REL_NAME=chaos
REL_BROKER=rabbitmq
((cluster)) && REL_BROKER=cluster
# shellcheck source=lib/reliability.sh
source "$(dirname "$0")/lib/reliability.sh"
RANDOM=$seed

# --- state ---------------------------------------------------------------------------------------
declare -a slot_state slot_pid slot_name slot_rows slot_bs slot_input slot_job slot_tries slot_killed
declare -a worker_pids worker_ids
declare -A expected_exit=()         # pids we killed on purpose
declare -A faults=([worker_kill]=0 [verifier_kill]=0 [producer_kill]=0 [broker_restart]=0 [broker_node_kill]=0 [db_outage]=0 [hostile_worker]=0)
declare -A hostile_started=()      # pid of a running hostile worker -> when it started (SECONDS)
declare -a hostile_modes=()
declare -A outage_max=([broker_restart]=0 [broker_node_kill]=0 [db_outage]=0)
killed_nodes=()
unexpected_exits=0 no_journal=0 job_seq=0 worker_seq=0 verifier_pid=0 finished_jobs=0 failed_jobs=0 resumed_jobs=0
verifier_id="chaos-verifier-$seed-$$"

cleaned=0
cleanup() {
    ((cleaned)) && return
    cleaned=1
    local i
    for i in "${!slot_pid[@]}"; do
        [[ ${slot_pid[$i]:-0} != 0 ]] && kill -KILL "${slot_pid[$i]}" 2>/dev/null || true
    done
    for i in "${!slot_pid[@]}"; do
        [[ ${slot_pid[$i]:-0} != 0 ]] && wait "${slot_pid[$i]}" 2>/dev/null || true
    done
    rel_cleanup_services
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Random choices set REPLY instead of printing: a $(subshell) would draw from a reseeded generator
# (bash 5.1+) and leave this shell's sequence where it was, so the seed would no longer decide.
rand_between() { REPLY=$(($1 + RANDOM % ($2 - $1 + 1))); }
pick() { local a=("$@"); REPLY=${a[RANDOM % ${#a[@]}]}; }

start_worker() {
    worker_seq=$((worker_seq + 1))
    local id="chaos-w$worker_seq"
    pick 1 2 4
    rel_start_worker "$id" --prefetch "$REPLY"
    worker_pids+=("$REL_LAST_PID")
    worker_ids+=("$id")
}

start_verifier() {
    rel_start_verifier "$verifier_id"
    verifier_pid=$REL_LAST_PID
}

# --- producers: a small state machine per slot, driven by the main loop ------------------------------
log_event() { printf '%s\t%s\n' "$(date +%H:%M:%S)" "$*" >>"$RUN_DIR/history.log"; }

start_submit() {
    local i=$1 name rows bs start
    job_seq=$((job_seq + 1))
    name=$(printf 's%d-j%03d' "$i" "$job_seq")
    pick 24 37 96 233 360 512 720 1080 1440
    rows=$REPLY
    pick 3 4 5 6 8 12 16
    bs=$REPLY
    start=$((RANDOM % 360))
    rel_npy_rows "$RUN_DIR/inputs/$name.npy" "$rows" "$start"
    "$BIN/securenets" submit --model "$REL_MODEL" --input "$RUN_DIR/inputs/$name.npy" \
        --output "$RUN_DIR/outputs/$name.npy" --labels "$RUN_DIR/outputs/$name-labels.npy" \
        --batch-size "$bs" --timeout 90 --privacy blinded </dev/null >"$RUN_DIR/logs/$name.submit.out" 2>"$RUN_DIR/logs/$name.submit.err" &
    slot_pid[i]=$! slot_state[i]=submit slot_name[i]=$name slot_rows[i]=$rows slot_bs[i]=$bs
    slot_input[i]="$RUN_DIR/inputs/$name.npy" slot_job[i]="" slot_tries[i]=0 slot_killed[i]=0
    log_event "slot $i: submit $name rows=$rows batch=$bs start=$start pid=${slot_pid[i]}"
}

start_collect() {
    local i=$1 name=${slot_name[$1]}
    slot_tries[i]=$((slot_tries[i] + 1))
    "$BIN/securenets" collect "${slot_job[i]}" --timeout 90 </dev/null \
        >>"$RUN_DIR/logs/$name.collect.out" 2>>"$RUN_DIR/logs/$name.collect.err" &
    slot_pid[i]=$! slot_state[i]=collect
    log_event "slot $i: collect ${slot_job[i]} ($name) try ${slot_tries[i]} pid=${slot_pid[i]}"
}

# Records the slot's job for the final checks; $2 is the outcome.
finish_job() {
    local i=$1 outcome=$2 name=${slot_name[$1]}
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "${slot_job[i]}" "${slot_rows[i]}" "${slot_bs[i]}" "${slot_input[i]}" \
        "$RUN_DIR/outputs/$name.npy" "$RUN_DIR/outputs/$name-labels.npy" >>"$RUN_DIR/jobs.tsv"
    log_event "slot $i: $name job ${slot_job[i]} $outcome"
    if [[ $outcome == ok* ]]; then finished_jobs=$((finished_jobs + 1)); else failed_jobs=$((failed_jobs + 1)); fi
    [[ $outcome == "ok (collect)" ]] && resumed_jobs=$((resumed_jobs + 1))
    slot_state[i]=idle slot_pid[i]=0
}

# The slot's process ended with status $2.
slot_exited() {
    local i=$1 rc=$2 name=${slot_name[$1]}
    [[ -n ${slot_job[i]} ]] || slot_job[i]=$(rel_job_id "$SECURENETS_HOME" "$name.npy" "$RUN_DIR/logs/$name.submit.err")
    if ((rc == 0)); then
        finish_job "$i" "ok ($([[ ${slot_state[i]} == collect ]] && echo collect || echo submit))"
    elif [[ -z ${slot_job[i]} ]]; then
        # Killed before the journal existed: nothing was published; the job simply never started.
        log_event "slot $i: $name ended (status $rc) before its journal existed; not a job"
        no_journal=$((no_journal + 1))
        slot_state[i]=idle slot_pid[i]=0
    elif ((slot_tries[i] < 3)); then
        local why=""
        ((slot_killed[i])) && why=" (SIGKILL by the chaos run)"
        log_event "slot $i: $name ${slot_state[i]} ended with status $rc$why; resuming with collect"
        start_collect "$i"
    else
        finish_job "$i" "FAILED (status $rc after ${slot_tries[i]} collect(s))"
    fi
}

poll_slots() {
    local i rc
    for ((i = 1; i <= producers; i++)); do
        case ${slot_state[i]:-idle} in
        idle)
            if ((SECONDS < t_end)); then start_submit "$i"; else slot_state[i]=done; fi
            ;;
        submit | collect)
            if ! rel_alive "${slot_pid[i]}"; then
                rc=0
                wait "${slot_pid[i]}" 2>/dev/null || rc=$?
                slot_exited "$i" "$rc"
            fi
            ;;
        esac
    done
}

# --- services supervision -------------------------------------------------------------------------
supervise() {
    local k pid rc
    for k in "${!worker_pids[@]}"; do
        pid=${worker_pids[$k]}
        [[ $pid == 0 ]] && continue
        if ! rel_alive "$pid"; then
            rc=0
            wait "$pid" 2>/dev/null || rc=$?
            worker_pids[k]=0
            if [[ -z ${expected_exit[$pid]:-} ]]; then
                unexpected_exits=$((unexpected_exits + 1))
                rel_say "UNEXPECTED: worker ${worker_ids[$k]} exited with status $rc; starting a replacement"
                log_event "unexpected exit: worker ${worker_ids[$k]} status $rc"
                start_worker
            fi
        fi
    done
    if ! rel_alive "$verifier_pid"; then
        rc=0
        wait "$verifier_pid" 2>/dev/null || rc=$?
        if [[ -z ${expected_exit[$verifier_pid]:-} ]]; then
            unexpected_exits=$((unexpected_exits + 1))
            rel_say "UNEXPECTED: verifier exited with status $rc; restarting it"
            log_event "unexpected exit: verifier status $rc"
        fi
        start_verifier
    fi
}

# --- faults ---------------------------------------------------------------------------------------
killable_producers() {
    local i
    for ((i = 1; i <= producers; i++)); do
        if [[ ${slot_state[i]:-} == submit ]] && rel_alive "${slot_pid[i]}"; then
            echo "$i"
        fi
    done
}

enabled() { [[ ,$fault_kinds, == *,$1,* ]]; }

inject_fault() {
    local choices=() kind k pid started
    # Uniform over the kinds enabled and possible now (a producer must be running a submit).
    enabled worker_kill && choices+=(worker_kill)
    enabled verifier_kill && choices+=(verifier_kill)
    enabled producer_kill && [[ -n $(killable_producers) ]] && choices+=(producer_kill)
    enabled broker_restart && ((faults[broker_restart] < max_outages)) && choices+=(broker_restart)
    enabled broker_node_kill && ((faults[broker_node_kill] < max_outages)) && choices+=(broker_node_kill)
    enabled db_outage && ((faults[db_outage] < max_outages)) && choices+=(db_outage)
    enabled hostile_worker && ((${#hostile_started[@]} < 2)) && choices+=(hostile_worker)
    ((${#choices[@]})) || return 0
    pick "${choices[@]}"
    kind=$REPLY
    faults[$kind]=$((faults[$kind] + 1))
    case $kind in
    worker_kill)
        local live=()
        for k in "${!worker_pids[@]}"; do [[ ${worker_pids[$k]} != 0 ]] && live+=("$k"); done
        pick "${live[@]}"
        k=$REPLY
        pid=${worker_pids[$k]}
        expected_exit[$pid]=1
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        worker_pids[k]=0
        start_worker
        rel_say "fault: SIGKILL worker ${worker_ids[$k]}; started ${worker_ids[-1]}"
        ;;
    verifier_kill)
        pid=$verifier_pid
        expected_exit[$pid]=1
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        sleep "$((RANDOM % 3)).$((RANDOM % 10))"
        start_verifier
        rel_say "fault: SIGKILL verifier; restarted"
        ;;
    producer_kill)
        local candidates
        mapfile -t candidates < <(killable_producers)
        pick "${candidates[@]}"
        k=$REPLY
        kill -KILL "${slot_pid[k]}" 2>/dev/null || true
        slot_killed[k]=1
        rel_say "fault: SIGKILL producer ${slot_name[$k]} (slot $k); its slot runs collect"
        ;;
    broker_restart | db_outage)
        local service=rabbitmq pause
        [[ $kind == db_outage ]] && service=postgres
        if [[ $kind == db_outage ]]; then rand_between 2 8; else rand_between 0 2; fi
        pause=$REPLY
        started=$SECONDS
        rel_infra "$service" stop >>"$RUN_DIR/logs/infra.log" 2>&1 || rel_say "warning: $service stop failed"
        sleep "$pause"
        rel_infra "$service" start >>"$RUN_DIR/logs/infra.log" 2>&1 ||
            rel_infra "$service" start >>"$RUN_DIR/logs/infra.log" 2>&1 || rel_die "$service did not start again"
        local outage=$((SECONDS - started))
        ((outage > outage_max[$kind])) && outage_max[$kind]=$outage
        rel_say "fault: $service down for ${outage} s (paused $pause s between stop and start)"
        ;;
    broker_node_kill)
        local node pause
        node=$(rel_infra cluster leader securenets.jobs "$VHOST" 2>>"$RUN_DIR/logs/infra.log") ||
            rel_die "cannot find the node leading securenets.jobs"
        rand_between 0 5
        pause=$REPLY
        started=$SECONDS
        rel_infra cluster kill "$node" >>"$RUN_DIR/logs/infra.log" 2>&1 || rel_say "warning: killing $node failed"
        sleep "$pause"
        rel_infra cluster start "$node" >>"$RUN_DIR/logs/infra.log" 2>&1 ||
            rel_infra cluster start "$node" >>"$RUN_DIR/logs/infra.log" 2>&1 || rel_die "$node did not start again"
        local outage=$((SECONDS - started))
        ((outage > outage_max[$kind])) && outage_max[$kind]=$outage
        killed_nodes+=("${node%%@*}")
        rel_say "fault: SIGKILL $node (leader of securenets.jobs); down for ${outage} s, rejoined"
        ;;
    hostile_worker)
        local mode jobs id
        pick drop dead-letter hold straggle forged-attempt garbage-metadata missing-tensor altered-input replay another-job
        mode=$REPLY
        rand_between 1 4
        jobs=$REPLY
        id="chaos-hostile${faults[hostile_worker]}"
        "$BIN/securenets-hostile-worker" --mode "$mode" --id "$id" --max-jobs "$jobs" --delay 5 </dev/null \
            >>"$RUN_DIR/logs/$id.log" 2>&1 &
        pid=$!
        REL_PIDS+=("$pid")
        hostile_started[$pid]=$SECONDS
        hostile_modes+=("$mode")
        rel_say "fault: hostile worker $id ($mode) for $jobs job(s)"
        ;;
    esac
    log_event "fault $kind"
}

# --- run ------------------------------------------------------------------------------------------
rel_build "$build"
rel_init "$seed"
rel_say "chaos: seed $seed, duration ${duration}s, $producers producers, $workers workers, faults every ${interval_min}-${interval_max}s"
start_verifier
rel_wait_log "$RUN_DIR/logs/$verifier_id.log" "verifier ready" 60 || rel_die "the verifier did not start (see $RUN_DIR/logs)"
for ((k = 0; k < workers; k++)); do start_worker; done

t_start=$SECONDS
t_end=$((t_start + duration))
t_hard=$((t_end + drain))
rand_between "$interval_min" "$interval_max"
next_fault=$((t_start + 10 + REPLY))
: >"$RUN_DIR/jobs.tsv"
# Hostile workers stop by themselves after their jobs; one still running after 30 s (hold mode, or
# no job came) is stopped so that it returns what it holds.
reap_hostile() {
    local pid
    for pid in "${!hostile_started[@]}"; do
        if ! rel_alive "$pid"; then
            wait "$pid" 2>/dev/null || true
            unset "hostile_started[$pid]"
        elif ((SECONDS - hostile_started[$pid] >= 30)); then
            rel_stop_pid "$pid"
            unset "hostile_started[$pid]"
        fi
    done
}

while :; do
    poll_slots
    supervise
    reap_hostile
    if ((SECONDS >= next_fault && SECONDS < t_end - 5)); then
        inject_fault
        rand_between "$interval_min" "$interval_max"
        next_fault=$((SECONDS + REPLY))
    fi
    busy=0
    for ((i = 1; i <= producers; i++)); do [[ ${slot_state[i]:-idle} != done ]] && busy=1; done
    ((busy)) || break
    if ((SECONDS >= t_hard)); then
        rel_say "drain deadline reached: stopping the jobs still running (they count as failed)"
        for ((i = 1; i <= producers; i++)); do
            if [[ ${slot_state[i]} == submit || ${slot_state[i]} == collect ]]; then
                kill -KILL "${slot_pid[i]}" 2>/dev/null || true
                wait "${slot_pid[i]}" 2>/dev/null || true
                [[ -n ${slot_job[i]} ]] || slot_job[i]=$(rel_job_id "$SECURENETS_HOME" "${slot_name[i]}.npy" "$RUN_DIR/logs/${slot_name[i]}.submit.err")
                [[ -n ${slot_job[i]} ]] && finish_job "$i" "FAILED (hung past the drain deadline)"
                slot_state[i]=done
            fi
        done
        break
    fi
    sleep 0.5
done
wall=$((SECONDS - t_start))
rel_say "traffic done after ${wall}s; waiting for the work queues to drain"
read -r jobs_left results_left dead_letters < <(rel_wait_drained 60)
rel_say "stopping services"
supervise_end_unexpected=$unexpected_exits
for pid in "${worker_pids[@]}" "$verifier_pid"; do
    [[ $pid != 0 ]] && rel_alive "$pid" && rel_stop_pid "$pid"
done

# --- checks ---------------------------------------------------------------------------------------
rel_say "checking every job (plaintext inference, audit rows, journals)"
[[ -s $RUN_DIR/jobs.tsv ]] || rel_die "no job was recorded"
rel_check_jobs "$RUN_DIR/jobs.tsv" "$RUN_DIR/results.tsv"
read -r jobs batches rows lost dup mism maxdiff margin passed rejected failed_rows bad_jobs < <(awk -F'\t' '
    { j++; b += $3; r += $2; l += $4; d += $5; if ($6 == "NA") m += $2; else m += $6
      if ($7 == "NA") md = "NA"; else if (md != "NA" && $7 + 0 > md + 0) md = $7
      if (mg == "" || $8 + 0 < mg + 0) mg = $8
      p += $9; rj += $10; f += $11; if ($4 > 0 || $5 > 0 || $6 != 0) bad++ }
    END { printf "%d %d %d %d %d %d %s %s %d %d %d %d\n", j, b, r, l, d, m, (md == "" ? 0 : md), mg, p, rj, f, bad }' "$RUN_DIR/results.tsv")
within=$(awk -v m="$maxdiff" 'BEGIN { print (m != "NA" && m + 0 <= 1e-4) ? "yes" : "no" }')
total_faults=0
for k in "${!faults[@]}"; do total_faults=$((total_faults + faults[$k])); done

verdict=PASS
((lost == 0 && dup == 0 && mism == 0 && failed_jobs == 0 && supervise_end_unexpected == 0)) || verdict=FAIL
[[ "$jobs_left $results_left" == "0 0" ]] || verdict=FAIL
[[ $within == yes ]] || verdict=FAIL

{
    printf '\nSecureNets chaos soak — %s, %s (%s CPUs), seed %s\n' "$(date -u +'%Y-%m-%d %H:%M UTC')" "$(hostname)" "$(nproc)" "$seed"
    printf '%s producers, %s workers (prefetch 1/2/4), 1 verifier, %s; %ss of traffic and faults, %ss in all\n' \
        "$producers" "$workers" "$( ((cluster)) && echo "a three-node RabbitMQ cluster" || echo "one RabbitMQ node")" "$duration" "$wall"
    printf '| %-38s | %-28s |\n' "what" "value"
    printf '|%s|%s|\n' "----------------------------------------" "------------------------------"
    row() { printf '| %-38s | %-28s |\n' "$1" "$2"; }
    row "jobs (completed / failed)" "$jobs ($finished_jobs / $failed_jobs)"
    row "jobs finished by collect" "$resumed_jobs"
    row "submits killed before their journal" "$no_journal"
    row "batches" "$batches"
    row "rows" "$rows"
    row "faults injected" "$total_faults"
    row "  worker_kill (SIGKILL + replace)" "${faults[worker_kill]}"
    row "  verifier_kill (SIGKILL + restart)" "${faults[verifier_kill]}"
    row "  producer_kill (SIGKILL + collect)" "${faults[producer_kill]}"
    if ((cluster)); then
        row "  broker_node_kill (longest outage)" "${faults[broker_node_kill]} (${outage_max[broker_node_kill]} s)"
        row "  nodes killed" "$( ((${#killed_nodes[@]})) && printf '%s\n' "${killed_nodes[@]}" | sort | uniq -c | awk '{ printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1 }')"
    else
        row "  broker_restart (longest outage)" "${faults[broker_restart]} (${outage_max[broker_restart]} s)"
    fi
    row "  db_outage (longest outage)" "${faults[db_outage]} (${outage_max[db_outage]} s)"
    row "  hostile_worker (modes)" "${faults[hostile_worker]} ($(printf '%s\n' "${hostile_modes[@]}" | sort -u | paste -sd, -))"
    row "unexpected process exits" "$supervise_end_unexpected"
    row "left in jobs / results / dead-letter" "$jobs_left / $results_left / $dead_letters"
    row "audit rows passed / rejected / failed" "$passed / $rejected / $failed_rows"
    row "rows lost" "$lost"
    row "rows duplicated" "$dup"
    row "label mismatches vs plaintext" "$mism"
    row "max |p - p_plaintext| (tol 1e-4)" "$maxdiff"
    row "min top-2 probability gap" "$margin"
    row "verdict" "$verdict"
} | tee "$RUN_DIR/summary.txt"
if [[ $verdict != PASS ]]; then
    echo "jobs with problems (job rows batches lost dup label_mismatches max_diff margin passed rejected failed bad_batches):"
    awk -F'\t' '$4 > 0 || $5 > 0 || $6 != 0' "$RUN_DIR/results.tsv"
    echo "logs and journals: $RUN_DIR"
    exit 1
fi
echo "logs and journals: $RUN_DIR"
