#!/bin/bash
# One device call: op suite (3 dtypes in parallel), examples, gemm benchmarks, 4096^3.
source .gpu-pack/activate
export CUDA_HOME=/usr/local/cuda KGEN_RUN=$PWD/.gpu-pack/bin/kgen-run KGEN_C_LIBRARY=$PWD/.gpu-pack/bin/libkgen_c.so KGEN_PYTHON=$(command -v python3) KGEN_COMMIT=$1
R=$OUT/r; mkdir -p $R
{ date -u; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader; python3 -c 'import torch,triton,sys; print("torch", torch.__version__, "triton", triton.__version__, "python", sys.version.split()[0])'; } > $R/env.txt 2>&1
P="timeout 260 python3 -m pytest -q -rf -p no:cacheprovider test/numerical/test_ops.py test/numerical/test_examples.py"
KGEN_DEVICE=gpu $P -k "f32" > $R/gpu-ops-f32.txt 2>&1 &
KGEN_DEVICE=gpu $P -k "f16 and not bf16" > $R/gpu-ops-f16.txt 2>&1 &
KGEN_DEVICE=gpu $P -k "bf16" > $R/gpu-ops-bf16.txt 2>&1 &
wait
for x in mlp attention conv_bias_relu residual_layernorm; do
  echo "== $x"; timeout 60 kgen-run examples/$x.mlir --device=gpu --check --time=100 --seed=1 2>&1 | grep -v "^  "
done > $R/examples.txt
for n in mm4096 gbr4096; do echo "== $n heuristic"; timeout 60 kgen-run exp/$n.mlir --device=gpu --time=20 --check-seeds=0 2>&1 | grep -v "^ "; done > $R/gemm4096.txt
(cd benchmarks && timeout 200 python3 -m kgen_bench --out $R/bench --budget 1 --timeout 60 problems/gemm_bias_relu.py problems/gemm_bias_gelu.py problems/linear_bias.py problems/matmul_square.py problems/matmul_transposed_b.py problems/matmul_tall_skinny.py problems/bmm.py problems/mlp_block.py) > $R/bench-log.txt 2>&1
rm -rf $R/bench/rows
tar -C $OUT -czf $OUT/results.tgz r && rm -rf $R
