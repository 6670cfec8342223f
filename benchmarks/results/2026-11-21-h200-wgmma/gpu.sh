#!/bin/bash
# First device call of the wgmma work: wgmma gemms (heuristic on sm_90a)
# checked against the CPU at 1024-ish sizes in f16 and bf16 (plain, batched,
# with bias and activation), then timed at 4096^3 against the mma_sync
# schedule and torch eager in the same call; the GPU op suite in f16 and
# bf16 alongside. Arg 1: the commit.
source .gpu-pack/activate
export CUDA_HOME=/usr/local/cuda KGEN_RUN=$PWD/.gpu-pack/bin/kgen-run KGEN_C_LIBRARY=$PWD/.gpu-pack/bin/libkgen_c.so KGEN_PYTHON=$(command -v python3) KGEN_COMMIT=$1
I=$PWD/benchmarks/results/2026-11-21-h200-wgmma/inputs
R=$OUT/r; mkdir -p $R
{ date -u; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader; python3 -c 'import torch,triton,sys; print("torch", torch.__version__, "triton", triton.__version__, "python", sys.version.split()[0])'; } > $R/env.txt 2>&1
P="timeout 280 python3 -m pytest -q -rf -p no:cacheprovider test/numerical/test_ops.py test/numerical/test_examples.py"
KGEN_DEVICE=gpu $P -k "f16 and not bf16" > $R/gpu-ops-f16.txt 2>&1 &
KGEN_DEVICE=gpu $P -k "bf16" > $R/gpu-ops-bf16.txt 2>&1 &
{
for k in mmh1024 mmb1024 gbrh1024 linh bmmh; do
  for seed in 1 2; do echo "== $k heuristic check seed $seed"; timeout 60 kgen-run $I/$k.mlir --device=gpu --check --seed=$seed 2>&1 | grep -v "^ " | tail -3; done
done
echo "== mmh4096 heuristic (wgmma) time"; timeout 60 kgen-run $I/mmh4096.mlir --device=gpu --time=20 --check-seeds=0 2>&1 | grep -v "^ " | tail -4
echo "== mmh4096 mma_sync time"; timeout 60 kgen-run $I/mmh4096.mlir --device=gpu --time=20 --check-seeds=0 "--schedule-options=proposer=replay replay=$I/mmh_k64_d1.jsonl rounds=1" 2>&1 | grep -v "^ " | tail -4
echo "== gbrh4096 heuristic (wgmma) time"; timeout 60 kgen-run $I/gbrh4096.mlir --device=gpu --time=20 --check-seeds=0 2>&1 | grep -v "^ " | tail -4
python3 $I/torch_f16.py
} > $R/gemm.txt 2>&1
wait
grep -h "passed\|failed" $R/gpu-ops-*.txt | tail -3; grep -v "^output" $R/gemm.txt
tar -C $OUT -czf $OUT/results.tgz r && rm -rf $R
