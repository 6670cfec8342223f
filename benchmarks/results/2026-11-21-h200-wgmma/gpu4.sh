#!/bin/bash
# Fourth device call: the final build of the session (heuristic wgmma: one
# warpgroup per 128x128 tile; the review's fixes). GPU op suite in all
# three dtypes; the gemm inputs checked against the CPU with the heuristic
# and with the mma_sync schedules; 4096^3 gemms timed against torch eager
# in the same call. Arg 1: the commit.
source .gpu-pack/activate
export CUDA_HOME=/usr/local/cuda KGEN_RUN=$PWD/.gpu-pack/bin/kgen-run KGEN_C_LIBRARY=$PWD/.gpu-pack/bin/libkgen_c.so KGEN_PYTHON=$(command -v python3) KGEN_COMMIT=$1
I=$PWD/benchmarks/results/2026-11-21-h200-wgmma/inputs
R=$OUT/r; mkdir -p $R
{ date -u; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader; python3 -c 'import torch,triton,sys; print("torch", torch.__version__, "triton", triton.__version__, "python", sys.version.split()[0])'; } > $R/env.txt 2>&1
P="timeout 280 python3 -m pytest -q -rf -p no:cacheprovider test/numerical/test_ops.py test/numerical/test_examples.py"
KGEN_DEVICE=gpu $P -k "f32" > $R/gpu-ops-f32.txt 2>&1 &
KGEN_DEVICE=gpu $P -k "f16 and not bf16" > $R/gpu-ops-f16.txt 2>&1 &
KGEN_DEVICE=gpu $P -k "bf16" > $R/gpu-ops-bf16.txt 2>&1 &
replay() { echo "--schedule-options=proposer=replay replay=$I/$1.jsonl rounds=1"; }
{
for k in mmh1024 mmb1024 gbrh1024 linh bmmh mm1024; do
  for seed in 1 2; do echo "== $k heuristic check seed $seed"; timeout 90 kgen-run $I/$k.mlir --device=gpu --check --seed=$seed 2>&1 | grep -v "^ " | tail -3; done
done
for r in mma64_d2 mmh_k64_d1; do
  echo "== mmh1024 $r check seed 2"; timeout 60 kgen-run $I/mmh1024.mlir --device=gpu --check --seed=2 "$(replay $r)" 2>&1 | grep -v "^ " | tail -3
done
for k in mmh4096 gbrh4096 mm4096; do
  echo "== $k heuristic time"; timeout 60 kgen-run $I/$k.mlir --device=gpu --time=20 --check-seeds=0 2>&1 | grep -v "^ " | tail -3
done
python3 $I/torch_f16.py
python3 $I/torch_f32.py
} > $R/gemm.txt 2>&1
wait
grep -h "passed\|failed" $R/gpu-ops-*.txt | tail -3; grep -v "^output" $R/gemm.txt
tar -C $OUT -czf $OUT/results.tgz r && rm -rf $R
