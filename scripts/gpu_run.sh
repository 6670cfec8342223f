#!/usr/bin/env bash
# One GPU run of kgen's checks and timings, the kind recorded in
# benchmarks/results/: the environment, the GPU op suite, the examples, gemm
# inputs checked against the CPU and timed with heuristic or replayed
# schedules, PyTorch eager baselines, benchmark problems, all written into
# one folder. Run it from the repository root on a machine with an NVIDIA
# GPU, a kgen build and PyTorch.
#
# usage: bash scripts/gpu_run.sh [options]
#
#   --out DIR          results folder (default: $OUT/r when OUT is set, else gpu-run)
#   --tar FILE         afterwards, pack DIR into FILE (tar.gz) and remove DIR
#   --commit C         the kgen commit, written to env.txt and given to the
#                      benchmark runner (KGEN_COMMIT)
#   --pack DIR         use the packed build in DIR: source DIR/activate (default:
#                      .gpu-pack if it has an activate script, else build/)
#   --ops DTYPES       the GPU op suite (test_ops.py and test_examples.py with
#                      KGEN_DEVICE=gpu), one pytest process per dtype (see
#                      --ops-shards), in parallel: a comma list of f32, f16,
#                      bf16 -> gpu-ops-DTYPE.txt
#   --ops-shards N     run each dtype's op suite as N pytest processes in
#                      parallel, shard I of N (KGEN_TEST_SHARD=I/N, see
#                      test/numerical/conftest.py) -> gpu-ops-DTYPE-I.txt
#                      (default 1: one process, gpu-ops-DTYPE.txt)
#   --ops-shard-range A-B
#                      run only shards A to B (from 0) of the --ops-shards N:
#                      a suite larger than one device call holds is split
#                      over calls (--ops-shards 10 --ops-shard-range 0-4,
#                      then 5-9)
#   --ops-timeout S    limit of each op-suite process (default 280); at the
#                      limit pytest is interrupted and still prints its counts
#   --overlap          run the gemm checks and timings while the op suite runs
#                      (default: after it)
#   --examples         each example with --check --time=100 --seed=1 ->
#                      examples.txt, examples/NAME.json
#   --test-benchmarks  the harness's and libkgen_c's tests -> test-benchmarks.txt
#   --inputs DIR       where --check and --time find INPUT.mlir and SCHEDULE.jsonl
#   --seeds LIST       seeds of every --check that names none (default 1,2,3)
#   --check SPEC       INPUT[:SCHEDULE][@SEEDS]: INPUT.mlir run on the GPU and
#                      compared with the CPU (kgen-run --check), once per seed
#                      (SEEDS: a comma list)
#   --time SPEC        INPUT[:SCHEDULE]: INPUT.mlir timed (kgen-run --time=20
#                      --check-seeds=0); repeat the option to time it again
#                      SCHEDULE: SCHEDULE.jsonl replayed (proposer=replay
#                      rounds=1); without it, or "heuristic", the heuristic's
#   --profile SPEC     INPUT[:SCHEDULE]: INPUT.mlir run once under Nsight Compute
#                      (ncu --clock-control none: speed of light, occupancy,
#                      launch, memory and warp-state sections of every kgen
#                      kernel launch, the first 6 launches) ->
#                      profile-INPUT-SCHEDULE.txt
#   --kgen-timeout S   limit of each --check/--time/--profile kgen-run (default 60)
#   --torch DTYPES     PyTorch eager gemm baselines (scripts/torch_gemm_baseline.py):
#                      a comma list of f16, f32
#   --gemm-log NAME    file of the --check, --time and --torch output (gemm.txt)
#   --bench PROBLEMS   kgen_bench on these problems (space-separated, relative to
#                      benchmarks/) -> bench/, bench-log.txt
#   --bench-args ARGS  kgen_bench options (default "--budget 1 --timeout 60";
#                      "--jobs 3" prepares three problems at once)
#   --bench-limit S    limit of the whole benchmark run (default 200); the rows of
#                      an interrupted run are merged into bench-merged/
#   --tune PROBLEMS    kgen-tune's equal-budget strategy comparison on the GPU
#                      measurer (benchmarks/tune_compare.py) on these programs or
#                      problems (space-separated, relative to benchmarks/) ->
#                      tune/, tune-log.txt
#   --tune-args ARGS   tune_compare.py options (default "--evaluations 8
#                      --strategies random,evolution --workers 8": the
#                      ladder's CPU rung verifies candidates in parallel)
#   --tune-limit S     limit of the whole comparison (default 200)
#   --bench-tuned      with --tune: the comparison keeps every kernel's fastest
#                      winner in tune/tuned.decisions.json, and kgen_bench then
#                      runs the --tune problems with those decisions
#                      (--bench-args, --bench-limit) -> bench-tuned/,
#                      bench-tuned-log.txt; give the same problems to --bench
#                      for the heuristic's numbers of the same call
#
# Every step is optional; steps run in the order above (op suite first). At
# the end the op suite's pass/fail line of each log and the gemm log are
# printed.
#
# A packed build is what a GPU machine without LLVM/MLIR 22 needs: the
# build's bin/ and shared libraries, plus Debian's libllvm22, libmlir-22
# and libz3-4 packages, in one folder whose `activate` script unpacks the
# packages once and puts the binaries on PATH and the libraries on
# LD_LIBRARY_PATH.
#
# Example: the op suite in f16, then an f16 gemm checked with the heuristic's
# schedule (seeds 1, 2) and with a replayed one (seed 1), and timed, beside
# PyTorch (each results README gives the command of its own run):
#   bash scripts/gpu_run.sh --commit abc1234 --ops f16 \
#     --inputs benchmarks/results/2026-11-21-h200-wgmma/inputs --seeds 1,2 \
#     --check mmh1024 --check mmh1024:mmh_k64_d1@1 --time mmh4096 --torch f16
set -uo pipefail

out='' tarball='' commit='' pack='' ops='' ops_shards=1 ops_range='' ops_timeout=280 overlap=0
examples=0 test_benchmarks=0 inputs=. seeds=1,2,3 kgen_timeout=60 torch_dtypes=''
gemm_log=gemm.txt bench='' bench_args="--budget 1 --timeout 60" bench_limit=200
tune='' tune_args="--evaluations 8 --strategies random,evolution --workers 8" tune_limit=200
bench_tuned=0
gemm=() # ("check SPEC" | "time SPEC") in command-line order

usage() { sed -n '2,/^set /p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
need() { [[ $# -ge 2 && -n $2 ]] || { echo "gpu_run.sh: $1 needs a value" >&2; usage; }; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --out) need "$@"; out=$2; shift ;;
    --tar) need "$@"; tarball=$2; shift ;;
    --commit) need "$@"; commit=$2; shift ;;
    --pack) need "$@"; pack=$2; shift ;;
    --ops) need "$@"; ops=$2; shift ;;
    --ops-shards) need "$@"; ops_shards=$2; shift ;;
    --ops-shard-range) need "$@"; ops_range=$2; shift ;;
    --ops-timeout) need "$@"; ops_timeout=$2; shift ;;
    --overlap) overlap=1 ;;
    --examples) examples=1 ;;
    --test-benchmarks) test_benchmarks=1 ;;
    --inputs) need "$@"; inputs=$2; shift ;;
    --seeds) need "$@"; seeds=$2; shift ;;
    --check) need "$@"; gemm+=("check $2"); shift ;;
    --time) need "$@"; gemm+=("time $2"); shift ;;
    --profile) need "$@"; gemm+=("profile $2"); shift ;;
    --kgen-timeout) need "$@"; kgen_timeout=$2; shift ;;
    --torch) need "$@"; torch_dtypes=$2; shift ;;
    --gemm-log) need "$@"; gemm_log=$2; shift ;;
    --bench) need "$@"; bench=$2; shift ;;
    --bench-args) need "$@"; bench_args=$2; shift ;;
    --bench-limit) need "$@"; bench_limit=$2; shift ;;
    --tune) need "$@"; tune=$2; shift ;;
    --tune-args) need "$@"; tune_args=$2; shift ;;
    --tune-limit) need "$@"; tune_limit=$2; shift ;;
    --bench-tuned) bench_tuned=1 ;;
    -h | --help) usage 0 ;;
    *) echo "gpu_run.sh: unknown option $1" >&2; usage ;;
  esac
  shift
done
[[ $ops_shards =~ ^[1-9][0-9]*$ ]] ||
  { echo "gpu_run.sh: --ops-shards needs a positive integer, got '$ops_shards'" >&2; usage; }
ops_first=0 ops_last=$((ops_shards - 1))
if [[ -n $ops_range ]]; then
  # 10#: decimal even with leading zeros (08 is not octal).
  if [[ $ops_range =~ ^([0-9]+)-([0-9]+)$ ]] &&
     ((10#${BASH_REMATCH[1]} <= 10#${BASH_REMATCH[2]} &&
       10#${BASH_REMATCH[2]} < ops_shards)); then
    ops_first=$((10#${BASH_REMATCH[1]})) ops_last=$((10#${BASH_REMATCH[2]}))
  else
    echo "gpu_run.sh: --ops-shard-range needs A-B with A <= B < --ops-shards" \
         "($ops_shards), got '$ops_range'" >&2
    usage
  fi
fi
((bench_tuned)) && [[ -z $tune ]] &&
  { echo "gpu_run.sh: --bench-tuned runs the --tune problems; pass --tune" >&2; usage; }

# Paths given relative to where the script is called from.
if [[ -z $out ]]; then
  if [[ -n ${OUT:-} ]]; then out=$OUT/r; else out=gpu-run; fi
fi
mkdir -p "$out" && out=$(cd "$out" && pwd) || exit 1
inputs=$(cd "$inputs" && pwd) || exit 1
[[ -n $tarball && $tarball != /* ]] && tarball=$PWD/$tarball
[[ -n $pack ]] && { pack=$(cd "$pack" && pwd) || exit 1; }
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1

# The kgen binaries: a packed build, else this checkout's build/.
[[ -z $pack && -f .gpu-pack/activate ]] && pack=$root/.gpu-pack
if [[ -n $pack ]]; then
  # shellcheck disable=SC1091
  source "$pack/activate" || exit 1
  bin=$(cd "$pack/bin" && pwd) lib=$(cd "$pack/bin" && pwd)
else
  bin=$root/build/bin lib=$root/build/lib
  export PATH="$bin:$PATH"
fi
export CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}
export KGEN_RUN=$bin/kgen-run KGEN_C_LIBRARY=$lib/libkgen_c.so
KGEN_PYTHON=$(command -v python3)
export KGEN_PYTHON
[[ -n $commit ]] && export KGEN_COMMIT=$commit

{
  date -u
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  python3 -c 'import torch, triton, sys; print("torch", torch.__version__, "triton", triton.__version__, "python", sys.version.split()[0])'
  echo "kgen commit: ${commit:-not given}"
} >"$out/env.txt" 2>&1

# The op suite, ops_shards processes per dtype ("f16 and not bf16": -k matches
# substrings; the shards split what -k selects). At the limit, SIGINT: pytest
# stops and prints its counts so far.
op_pids=() op_logs=() op_rcs=() ops_waited=0
IFS=, read -ra op_dtypes <<<"$ops"
for d in "${op_dtypes[@]}"; do
  k=$d; [[ $d == f16 ]] && k="f16 and not bf16"
  for ((i = ops_first; i <= ops_last; i++)); do
    if ((ops_shards > 1)); then log=gpu-ops-$d-$i.txt shard=$i/$ops_shards
    else log=gpu-ops-$d.txt shard=''; fi
    KGEN_DEVICE=gpu KGEN_TEST_SHARD=$shard timeout -s INT -k 20 "$ops_timeout" \
      python3 -m pytest -q -rf --durations=10 -p no:cacheprovider \
      test/numerical/test_ops.py test/numerical/test_examples.py -k "$k" \
      >"$out/$log" 2>&1 &
    op_pids+=($!) op_logs+=("$log")
  done
done
wait_ops() {
  ((ops_waited)) && return
  ops_waited=1
  for j in "${!op_pids[@]}"; do wait "${op_pids[j]}"; op_rcs[j]=$?; done
}
((overlap)) || wait_ops

if ((examples)); then
  mkdir -p "$out/examples"
  for x in mlp attention conv_bias_relu residual_layernorm; do
    echo "== $x"
    timeout "$kgen_timeout" kgen-run "examples/$x.mlir" --device=gpu --check --time=100 \
      --seed=1 --report="$out/examples/$x.json" 2>&1 | grep -v "^  "
  done >"$out/examples.txt"
fi

if ((test_benchmarks)); then
  timeout 120 python3 -m pytest -q -rf -p no:cacheprovider test/benchmarks \
    >"$out/test-benchmarks.txt" 2>&1
fi

# INPUT[:SCHEDULE] -> name, schedule label and kgen-run's schedule options.
parse() {
  input=${1%%:*} schedule=heuristic options=()
  [[ $1 == *:* ]] && schedule=${1#*:}
  [[ $schedule != heuristic ]] &&
    options=("--schedule-options=proposer=replay replay=$inputs/$schedule.jsonl rounds=1")
}
gemm_steps() {
  for step in "${gemm[@]}"; do
    kind=${step%% *} spec=${step#* }
    if [[ $kind == check ]]; then
      base=${spec%%@*} spec_seeds=$seeds
      [[ $spec == *@* ]] && spec_seeds=${spec#*@}
      parse "$base"
      IFS=, read -ra check_seeds <<<"$spec_seeds"
      for s in "${check_seeds[@]}"; do
        echo "== $input $schedule check seed $s"
        timeout "$kgen_timeout" kgen-run "$inputs/$input.mlir" --device=gpu --check \
          --seed="$s" "${options[@]}" 2>&1 | grep -v "^ \|^output " | tail -8
      done
    elif [[ $kind == profile ]]; then
      parse "$spec"
      echo "== $input $schedule profile -> profile-$input-$schedule.txt"
      timeout "$kgen_timeout" ncu --clock-control none --kernel-name regex:_kernel$ \
        --section SpeedOfLight --section Occupancy --section LaunchStats \
        --section MemoryWorkloadAnalysis --section WarpStateStats --launch-count 6 \
        kgen-run "$inputs/$input.mlir" --device=gpu --time=1 --check-seeds=0 \
        "${options[@]}" >"$out/profile-$input-$schedule.txt" 2>&1
      tail -3 "$out/profile-$input-$schedule.txt"
    else
      parse "$spec"
      echo "== $input $schedule time"
      timeout "$kgen_timeout" kgen-run "$inputs/$input.mlir" --device=gpu --time=20 \
        --check-seeds=0 "${options[@]}" 2>&1 | grep -v "^ " | tail -4
    fi
  done
  IFS=, read -ra torch_list <<<"$torch_dtypes"
  for d in "${torch_list[@]}"; do
    python3 scripts/torch_gemm_baseline.py --dtype "$d"
  done
}
if ((${#gemm[@]})) || [[ -n $torch_dtypes ]]; then
  gemm_steps >"$out/$gemm_log" 2>&1
fi

if [[ -n $bench ]]; then
  # shellcheck disable=SC2086 # the problem list and the options are words
  (cd benchmarks && timeout "$bench_limit" python3 -m kgen_bench --out "$out/bench" \
    $bench_args $bench) >"$out/bench-log.txt" 2>&1
  # A finished run has its rows in results.json. An interrupted one keeps
  # its rows, and kgen_bench --merge makes a run of them.
  if [[ -f $out/bench/results.json ]]; then
    rm -rf "$out/bench/rows"
  elif [[ -d $out/bench/rows ]]; then
    (cd benchmarks && python3 -m kgen_bench --out "$out/bench-merged" --merge "$out/bench") \
      >>"$out/bench-log.txt" 2>&1
  fi
fi

if [[ -n $tune ]]; then
  # The tuner loads libkgen_c through KGEN_C_LIBRARY (the packed build's, or
  # build/lib's).
  lib=$(dirname "$(command -v kgen-run)")/libkgen_c.so
  [[ -f $lib ]] || lib=$(dirname "$(command -v kgen-run)")/../lib/libkgen_c.so
  decisions=()
  ((bench_tuned)) && decisions=(--decisions "$out/tune/tuned.decisions.json")
  # shellcheck disable=SC2086 # the program list and the options are words
  (cd benchmarks && KGEN_C_LIBRARY=$lib timeout "$tune_limit" python3 tune_compare.py \
    --measurer gpu --out "$out/tune" "${decisions[@]}" $tune_args $tune) \
    >"$out/tune-log.txt" 2>&1
  if ((bench_tuned)); then
    # shellcheck disable=SC2086 # the problem list and the options are words
    (cd benchmarks && timeout "$bench_limit" python3 -m kgen_bench --out "$out/bench-tuned" \
      --schedule-options "decisions=$out/tune/tuned.decisions.json" $bench_args $tune) \
      >"$out/bench-tuned-log.txt" 2>&1
  fi
fi

# Each op-suite log's last pytest summary line ("N failed, M passed, ... in Ts").
wait_ops
for j in "${!op_logs[@]}"; do
  line=$(grep -E "(passed|failed|error|no tests ran).* in [0-9.]+s" "$out/${op_logs[j]}" | tail -1)
  line=${line:-no pytest summary (exit ${op_rcs[j]})}
  ((op_rcs[j] == 124)) && line="$line [timed out after ${ops_timeout}s]"
  echo "${op_logs[j]}: $line"
done
[[ -f $out/$gemm_log ]] && grep -v "^output" "$out/$gemm_log"
if [[ -n $tarball ]]; then
  tar -C "$(dirname "$out")" -czf "$tarball" "$(basename "$out")" && rm -rf "$out"
fi
exit 0
