#!/bin/bash
# Third device call: shared buffers past 48 KB in dynamic shared memory
# (kgen-use-dynamic-shared-memory), so wgmma takes 128-wide tiles and the
# staged gemms pipeline_depth 2. GPU op suite in all three dtypes; gemms
# checked against the CPU with the heuristic and with replayed schedules;
# the 4096^3 f16 matmul timed with each, torch eager in the same call.
# Arg 1: the commit.
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
for r in wg64_d1 mma64_d2 wg128_d3 wg128x256_d1 wg128_1grp_d2 mmh_k64_d1; do
  echo "== mmh1024 $r check seed 1"; timeout 60 kgen-run $I/mmh1024.mlir --device=gpu --check --seed=1 "$(replay $r)" 2>&1 | grep -v "^ " | tail -3
done
echo "== mmh4096 heuristic time"; timeout 60 kgen-run $I/mmh4096.mlir --device=gpu --time=20 --check-seeds=0 2>&1 | grep -v "^ " | tail -3
for r in wg64_d1 mma64_d2 wg128_d3 wg128x256_d1 wg128_1grp_d2 mmh_k64_d1; do
  echo "== mmh4096 $r time"; timeout 60 kgen-run $I/mmh4096.mlir --device=gpu --time=20 --check-seeds=0 "$(replay $r)" 2>&1 | grep -v "^ " | tail -3
done
echo "== gbrh4096 heuristic time"; timeout 60 kgen-run $I/gbrh4096.mlir --device=gpu --time=20 --check-seeds=0 2>&1 | grep -v "^ " | tail -3
echo "== mm4096 f32 heuristic time"; timeout 60 kgen-run $I/mm4096.mlir --device=gpu --time=20 --check-seeds=0 2>&1 | grep -v "^ " | tail -3
python3 $I/torch_f16.py
python3 $I/torch_f32.py
} > $R/gemm.txt 2>&1
wait
grep -h "passed\|failed" $R/gpu-ops-*.txt | tail -3; grep -v "^output" $R/gemm.txt
tar -C $OUT -czf $OUT/results.tgz r && rm -rf $R
