#!/bin/bash
source .gpu-pack/activate
export CUDA_HOME=/usr/local/cuda KGEN_RUN=$PWD/.gpu-pack/bin/kgen-run KGEN_C_LIBRARY=$PWD/.gpu-pack/bin/libkgen_c.so KGEN_PYTHON=$(command -v python3) KGEN_COMMIT=$1
R=$OUT/r; mkdir -p $R
P="timeout 260 python3 -m pytest -q -rf -p no:cacheprovider test/numerical/test_ops.py test/numerical/test_examples.py"
KGEN_DEVICE=gpu $P -k "f32" > $R/gpu-ops-f32.txt 2>&1 &
KGEN_DEVICE=gpu $P -k "f16 and not bf16" > $R/gpu-ops-f16.txt 2>&1 &
KGEN_DEVICE=gpu $P -k "bf16" > $R/gpu-ops-bf16.txt 2>&1 &
wait
(cd benchmarks && timeout 150 python3 -m kgen_bench --out $R/bench --budget 1 --timeout 60 problems/gemm_bias_relu.py problems/linear_bias.py problems/matmul_square.py problems/bmm.py problems/mlp_block.py problems/attention_scores_softmax.py) > $R/bench-log.txt 2>&1
rm -rf $R/bench/rows
tar -C $OUT -czf $OUT/results.tgz r && rm -rf $R
