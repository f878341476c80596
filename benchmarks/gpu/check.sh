#!/usr/bin/env bash
# The one script a GPU machine runs (no network needed): build pydl with CUDA, run the CUDA parity tests and a CPU
# sanity subset, check every kernel family under compute-sanitizer, then time pydl against PyTorch on the GPU.
# Every step runs even when an earlier one failed; the short table comes last, and the exit status is non-zero
# when any step failed.   Usage: benchmarks/gpu/check.sh [OUTDIR]   (default /tmp/pydl-gpu-check)
set -euo pipefail
export PYTHONUNBUFFERED=1
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${1:-/tmp/pydl-gpu-check}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
LOG="$OUT/check.log"
TABLE="$OUT/table.txt"
STEPS="$OUT/steps.tsv"
: > "$LOG"
: > "$STEPS"
PY=${PYTHON:-python3}
START=$(date +%s)
if ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then export PATH="$PATH:/usr/local/cuda/bin"; fi
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}
# Tests and benchmarks run outside the source tree, so `import pydl` finds the installed package (with _C).
WORK=$(mktemp -d /tmp/pydl-gpu-work.XXXXXX)

log() { echo "$*" | tee -a "$LOG"; }

# step NAME TIMEOUT_S CMD...: runs CMD with its output in the log (and the last lines on screen), records PASS/FAIL.
step() {
  local name=$1 limit=$2
  shift 2
  local t0 rc
  t0=$(date +%s)
  log ""
  log "=== $name ($(( t0 - START ))s elapsed)"
  set +e
  ( cd "$WORK" && timeout "$limit" "$@" ) > "$OUT/step.out" 2>&1
  rc=$?
  set -e
  cat "$OUT/step.out" >> "$LOG"
  tail -n 25 "$OUT/step.out"
  local status=PASS
  if [ "$rc" -eq 124 ]; then status="FAIL (timeout ${limit}s)"; elif [ "$rc" -ne 0 ]; then status="FAIL (exit $rc)"; fi
  printf '%s\t%s\t%ss\n' "$name" "$status" "$(( $(date +%s) - t0 ))" >> "$STEPS"
  log "--- $name: $status"
}

step "environment" 60 bash -c "nvidia-smi; nvcc --version | tail -2; $PY --version; \
  $PY -c 'import torch; print(\"torch\", torch.__version__, torch.cuda.get_device_name(0))' || true"

step "build (pip install, PYDL_CUDA=ON, sm_90)" 420 \
  "$PY" -m pip install --no-build-isolation --no-deps -v "$REPO" \
  -Ccmake.define.PYDL_CUDA=ON -Ccmake.define.CMAKE_CUDA_ARCHITECTURES=90 -Cbuild-dir=/tmp/pydl-gpu-build

step "pydl info" 60 "$PY" -m pydl info

step "CUDA parity tests" 240 "$PY" -m pytest "$REPO/tests/cuda" -q -rfE -p no:cacheprovider

step "CPU tests (ops, autograd)" 180 "$PY" -m pytest "$REPO/tests/ops" "$REPO/tests/autograd" -q -x -p no:cacheprovider

elapsed() { echo $(( $(date +%s) - START )); }
# Optional checks give way when the run is already long (the machine is lent for minutes).
if ! command -v compute-sanitizer >/dev/null; then
  log "compute-sanitizer not found: sanitizer steps skipped"
elif [ "$(elapsed)" -gt 330 ]; then
  log "$(elapsed)s elapsed: sanitizer steps skipped to leave time for the benchmarks"
  printf '%s\t%s\t%s\n' "compute-sanitizer checks" "SKIPPED (time)" "0s" >> "$STEPS"
else
  # API errors are ours to check (cudaEventQuery answers cudaErrorNotReady by design): report kernel faults only.
  CS="compute-sanitizer --error-exitcode 9 --print-limit 20 --report-api-errors no"
  SMOKE="$REPO/benchmarks/gpu/sanitize_smoke.py"
  step "memcheck: every kernel family" 150 $CS --tool memcheck "$PY" "$SMOKE" all
  step "memcheck: GEMM 128x128 tiles" 90 env PYDL_CUDA_GEMM_TILE=L $CS --tool memcheck "$PY" "$SMOKE" gemm
  step "memcheck: GEMM 128x64 tiles" 90 env PYDL_CUDA_GEMM_TILE=W $CS --tool memcheck "$PY" "$SMOKE" gemm
  step "racecheck: GEMM 128x128 tiles" 120 env PYDL_CUDA_GEMM_TILE=L $CS --tool racecheck "$PY" "$SMOKE" gemm
  step "racecheck: softmax rows (group, block)" 90 $CS --tool racecheck "$PY" "$SMOKE" softmax
fi

QUICK=""
if [ "$(elapsed)" -gt 420 ]; then QUICK="--quick"; fi
step "benchmarks (pydl vs torch)" 300 "$PY" "$REPO/benchmarks/gpu/check_bench.py" --out "$OUT" $QUICK

# The short table: step results, then the benchmark rows.
"$PY" - "$STEPS" "$OUT/bench.json" > "$TABLE" <<'EOF' || true
import json, os, sys
steps, bench = sys.argv[1], sys.argv[2]
print("pydl GPU check")
print(f"{'step':<44} {'result':<22} time")
for line in open(steps):
    name, status, secs = line.rstrip("\n").split("\t")
    print(f"{name:<44} {status:<22} {secs}")
if os.path.exists(bench):
    b = json.load(open(bench))
    print(f"\nbenchmarks on {b['device']} (torch {b['torch']}); ratio > 1 means pydl is faster")
    print(f"{'case':<36} {'pydl':>10} {'torch':>10} {'unit':<8} {'ratio':>6}  note")
    f = lambda v: "-" if v is None else f"{v:.4g}"
    for r in b["rows"]:
        print(f"{r['name']:<36} {f(r['pydl']):>10} {f(r['torch']):>10} {r['unit']:<8} {f(r['ratio']):>6}  {r['note']}")
EOF
rm -rf "$WORK"
log ""
log "full log: $LOG   table: $TABLE   ($(( $(date +%s) - START ))s in all)"
echo
cat "$TABLE" | tee -a "$LOG"
if grep -q FAIL "$STEPS"; then exit 1; fi
