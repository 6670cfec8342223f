#!/bin/bash
# Fourth device call: after ldmatrix fragment loads (kgen-lower-matrix-
# instructions) and padded rows for ldmatrix-read tiles. Op suite (3 dtypes
# in parallel); the f16 gemms with the heuristic, checked at 1024^3 and
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
{
for k in mmh gbrh; do
  for seed in 1 2 3; do echo "== $k 1024 heuristic check seed $seed"; timeout 60 kgen-run $I/${k}1024.mlir --device=gpu --check --seed=$seed 2>&1 | grep -v "^ " | tail -3; done
  echo "== $k 4096 heuristic time"; timeout 60 kgen-run $I/${k}4096.mlir --device=gpu --time=20 --check-seeds=0 2>&1 | grep -v "^ " | tail -4
done
python3 $I/torch_f16.py
} > $R/gemm.txt 2>&1
grep -h "passed\|failed" $R/gpu-ops-*.txt | tail -3; grep -v "^output" $R/gemm.txt
tar -C $OUT -czf $OUT/results.tgz r && rm -rf $R
