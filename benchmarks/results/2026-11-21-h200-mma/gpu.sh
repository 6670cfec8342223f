#!/bin/bash
# One device call: op suite (3 dtypes in parallel), f16 gemms with mma_sync
# against the SIMT staged schedule and torch eager. Arg 1: the commit.
source .gpu-pack/activate
export CUDA_HOME=/usr/local/cuda KGEN_RUN=$PWD/.gpu-pack/bin/kgen-run KGEN_C_LIBRARY=$PWD/.gpu-pack/bin/libkgen_c.so KGEN_PYTHON=$(command -v python3) KGEN_COMMIT=$1
I=$PWD/benchmarks/results/2026-11-21-h200-mma/inputs
R=$OUT/r; mkdir -p $R
{ date -u; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader; python3 -c 'import torch,triton,sys; print("torch", torch.__version__, "triton", triton.__version__, "python", sys.version.split()[0])'; } > $R/env.txt 2>&1
P="timeout 280 python3 -m pytest -q -rf -p no:cacheprovider test/numerical/test_ops.py test/numerical/test_examples.py"
KGEN_DEVICE=gpu $P -k "f32" > $R/gpu-ops-f32.txt 2>&1 &
KGEN_DEVICE=gpu $P -k "f16 and not bf16" > $R/gpu-ops-f16.txt 2>&1 &
KGEN_DEVICE=gpu $P -k "bf16" > $R/gpu-ops-bf16.txt 2>&1 &
wait
{
for k in mmh gbrh; do
  for s in heuristic mm_simt mm_mma128 mm_mma_k64; do
    [ $k = gbrh ] && [ $s != heuristic ] && continue
    opt=(); [ $s != heuristic ] && opt=("--schedule-options=proposer=replay replay=$I/$s.jsonl rounds=1")
    for seed in 1 2; do echo "== $k 1024 $s check seed $seed"; timeout 60 kgen-run $I/${k}1024.mlir --device=gpu --check --seed=$seed "${opt[@]}" 2>&1 | grep -v "^ " | tail -3; done
    echo "== $k 4096 $s time"; timeout 60 kgen-run $I/${k}4096.mlir --device=gpu --time=20 --check-seeds=0 "${opt[@]}" 2>&1 | grep -v "^ " | tail -4
  done
done
python3 $I/torch_f16.py
} > $R/f16-gemm.txt 2>&1
grep -h "passed\|failed" $R/gpu-ops-*.txt | tail -3; grep -v "^output" $R/f16-gemm.txt
tar -C $OUT -czf $OUT/results.tgz r && rm -rf $R
