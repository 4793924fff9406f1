#!/usr/bin/env bash
# `make demo`: the whole product on this machine, end to end.
# Starts RabbitMQ and PostgreSQL (if not running), builds release binaries, starts one verifier and one
# worker per masked-mode pool (data and mask), submits the bundled digits model and data set in masked
# mode, prints accuracy, audit rows and the leakage harness's headline for both protection modes, then
# stops everything it started.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

services_were_running=0
if infra/local/rabbitmq status >/dev/null 2>&1 && infra/local/postgres status >/dev/null 2>&1; then
    services_were_running=1
fi
infra/local/up

echo "==> building release binaries"
swift build -c release 2>&1 | tail -1
BIN="$(swift build -c release --show-bin-path)"

export SECURENETS_HOME="${SECURENETS_HOME:-$ROOT/var/demo/home}"
OUT="$ROOT/var/demo"
mkdir -p "$OUT/logs"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [[ $services_were_running == 0 ]]; then infra/local/down >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

echo "==> starting a verifier and one worker per masked-mode pool (logs in $OUT/logs)"
"$BIN/securenets-verifier" serve --id demo-verifier >"$OUT/logs/verifier.log" 2>&1 &
pids+=($!)
# In a deployment the two pools run at two providers that do not collude; here both are local.
for pool in data mask; do
    "$BIN/securenets-worker" --pool "$pool" --id "demo-$pool" --threads 1 >"$OUT/logs/worker-$pool.log" 2>&1 &
    pids+=($!)
done

echo "==> plaintext baseline (securenets infer)"
"$BIN/securenets" infer --model samples/digits/model.onnx --input samples/digits/inputs.npy \
    --output "$OUT/plaintext.npy" --labels "$OUT/plaintext-labels.npy"

echo "==> secure inference through the cloud, masked mode (securenets submit --privacy masked)"
"$BIN/securenets" submit --privacy masked --model samples/digits/model.onnx --input samples/digits/inputs.npy \
    --output "$OUT/outputs.npy" --labels "$OUT/labels.npy" --batch-size 64 --timeout 120 | tee "$OUT/submit.txt"
JOB="$(awk '/^job /{sub(":","",$2); print $2; exit}' "$OUT/submit.txt")"

echo "==> accuracy against the true labels"
"$BIN/securenets" score --predicted "$OUT/labels.npy" --truth samples/digits/labels.npy
echo "==> agreement with plaintext inference"
"$BIN/securenets" score --predicted "$OUT/labels.npy" --truth "$OUT/plaintext-labels.npy"

echo "==> a few audit rows (one per batch, layer and pool)"
"$BIN/securenets" audit list --job "$JOB" --limit 6
"$BIN/securenets" audit stats

echo "==> what a curious worker recovers from one job (docs/SECURITY.md, measured by make privacy)"
python3 scripts/privacy/headline.py
