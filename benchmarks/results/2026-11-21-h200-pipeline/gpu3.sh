#!/bin/bash
# Third device call: the same after kgen-pad-shared-buffers (rows of 64-byte
# multiples padded by 16 bytes). Op suite (3 dtypes in parallel); gemms with synchronous
# and pipelined (cp.async) shared-memory copies, each checked at 1024^3 and
# timed at 4096^3; torch eager in the same call. Arg 1: the commit.
source .gpu-pack/activate
export CUDA_HOME=/usr/local/cuda KGEN_RUN=$PWD/.gpu-pack/bin/kgen-run KGEN_C_LIBRARY=$PWD/.gpu-pack/bin/libkgen_c.so KGEN_PYTHON=$(command -v python3) KGEN_COMMIT=$1
I=$PWD/benchmarks/results/2026-11-21-h200-pipeline/inputs
R=$OUT/r; mkdir -p $R
{ date -u; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader; python3 -c 'import torch,triton,sys; print("torch", torch.__version__, "triton", triton.__version__, "python", sys.version.split()[0])'; } > $R/env.txt 2>&1
P="timeout 280 python3 -m pytest -q -rf -p no:cacheprovider test/numerical/test_ops.py test/numerical/test_examples.py"
KGEN_DEVICE=gpu $P -k "f32" > $R/gpu-ops-f32.txt 2>&1 &
KGEN_DEVICE=gpu $P -k "f16 and not bf16" > $R/gpu-ops-f16.txt 2>&1 &
KGEN_DEVICE=gpu $P -k "bf16" > $R/gpu-ops-bf16.txt 2>&1 &
wait
run() { # input schedule
  local opt=(); [ "$2" != heuristic ] && opt=("--schedule-options=proposer=replay replay=$I/$2.jsonl rounds=1")
  for seed in 1 2 3; do echo "== $1 1024 $2 check seed $seed"; timeout 60 kgen-run $I/${1}1024.mlir --device=gpu --check --seed=$seed "${opt[@]}" 2>&1 | grep -v "^ " | tail -3; done
  echo "== $1 4096 $2 time"; timeout 60 kgen-run $I/${1}4096.mlir --device=gpu --time=20 --check-seeds=0 "${opt[@]}" 2>&1 | grep -v "^ " | tail -4
}
{
for s in heuristic mmh_k32_d2 mmh_k32_d3; do run mmh $s; done
run gbrh heuristic
for s in heuristic mm_d1; do run mm $s; done
python3 $I/torch_f16.py
python3 $I/torch_f32.py
} > $R/gemm.txt 2>&1
grep -h "passed\|failed" $R/gpu-ops-*.txt | tail -3; grep -v "^output" $R/gemm.txt
tar -C $OUT -czf $OUT/results.tgz r && rm -rf $R
