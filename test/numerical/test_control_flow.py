"""kgen ops inside control flow on the CPU: a loop carrying a tensor runs
its body each iteration (the GPU path refuses loops with a located error,
see test/Conversion/FormKernels/control-flow.mlir)."""

from __future__ import annotations

import numpy as np
import pytest

from kgen_testing import assert_close, run_kgen, tolerance

LOOP = """
func.func @main(%x: tensor<16x32xf32>, %b: tensor<32xf32>) -> tensor<16x32xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %x) -> tensor<16x32xf32> {
    %0 = kgen.add %acc, %b : (tensor<16x32xf32>, tensor<32xf32>) -> tensor<16x32xf32>
    %1 = kgen.tanh %0 : tensor<16x32xf32>
    scf.yield %1 : tensor<16x32xf32>
  }
  return %r : tensor<16x32xf32>
}
"""


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_loop_carrying_a_tensor_on_the_cpu(seed, tmp_path, kgen_run, monkeypatch):
    monkeypatch.delenv("KGEN_DEVICE", raising=False)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((16, 32), dtype=np.float32)
    b = rng.standard_normal(32, dtype=np.float32)
    out = run_kgen(LOOP, tmp_path, [x, b], n_outputs=1).outputs[0]
    expected = x.astype(np.float64)
    for _ in range(4):
        expected = np.tanh(expected + b)
    assert_close(out, expected, tolerance("f32"), "tanh loop")
