"""Programs over empty and over huge tensors. Empty ones compute what
PyTorch computes (docs/user-guide.md, "Empty tensors"): empty results, a
sum over nothing 0, a mean NaN, a contraction over an empty inner dimension
its initial value plus the bias. Huge ones are refused with one line.
Outputs are poisoned by kgen-run before each run, so every element checked
here was written.
"""

from __future__ import annotations

import numpy as np
import pytest

from kgen_testing import run_kgen

SEEDS = [0, 1, 2]

PROGRAM = """
func.func @main(%x: tensor<0x4xf32>, %w: tensor<3x4xf32>, %b: tensor<3xf32>,
                %k: tensor<5x0xf32>, %kw: tensor<3x0xf32>, %img: tensor<0x2x6x6xf32>,
                %f: tensor<4x2x3x3xf32>)
    -> (tensor<0x3xf32>, tensor<3xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5x3xf32>,
        tensor<0x4x6x6xf32>, tensor<0x4xf32>) {
  %lin = kgen.linear %x, %w, %b : (tensor<0x4xf32>, tensor<3x4xf32>, tensor<3xf32>) -> tensor<0x3xf32>
  %relu = kgen.relu %lin : tensor<0x3xf32>
  %col = kgen.sum %relu dims [0] : tensor<0x3xf32> -> tensor<3xf32>
  %sum = kgen.sum %k dims [1] : tensor<5x0xf32> -> tensor<5xf32>
  %mean = kgen.mean %k dims [1] : tensor<5x0xf32> -> tensor<5xf32>
  %bias = kgen.linear %k, %kw, %b : (tensor<5x0xf32>, tensor<3x0xf32>, tensor<3xf32>) -> tensor<5x3xf32>
  %conv = kgen.conv %img, %f stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 : (tensor<0x2x6x6xf32>, tensor<4x2x3x3xf32>) -> tensor<0x4x6x6xf32>
  %soft = kgen.softmax %x dim 1 : tensor<0x4xf32>
  return %relu, %col, %sum, %mean, %bias, %conv, %soft
      : tensor<0x3xf32>, tensor<3xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5x3xf32>,
        tensor<0x4x6x6xf32>, tensor<0x4xf32>
}
"""


@pytest.mark.parametrize("seed", SEEDS)
def test_empty_tensors_match_pytorch_semantics(seed, tmp_path, kgen_run):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((3, 4), dtype=np.float32)
    b = rng.standard_normal(3, dtype=np.float32)
    f = rng.standard_normal((4, 2, 3, 3), dtype=np.float32)
    inputs = [np.zeros((0, 4), np.float32), w, b, np.zeros((5, 0), np.float32),
              np.zeros((3, 0), np.float32), np.zeros((0, 2, 6, 6), np.float32), f]
    out = run_kgen(PROGRAM, tmp_path, inputs, n_outputs=7).outputs
    relu, col, total, mean, bias, conv, soft = out
    assert relu.shape == (0, 3) and conv.shape == (0, 4, 6, 6) and soft.shape == (0, 4)
    np.testing.assert_array_equal(col, np.zeros(3, np.float32))
    np.testing.assert_array_equal(total, np.zeros(5, np.float32))
    assert np.isnan(mean).all()  # torch.mean over nothing is NaN
    np.testing.assert_allclose(bias, np.broadcast_to(b, (5, 3)), rtol=0, atol=0)


def test_max_over_an_empty_dimension_is_an_error(tmp_path, kgen_run):
    text = """
func.func @main(%x: tensor<3x0xf32>) -> tensor<3xf32> {
  %m = kgen.max %x dims [1] : tensor<3x0xf32> -> tensor<3xf32>
  return %m : tensor<3xf32>
}
"""
    proc = run_kgen(text, tmp_path, [np.zeros((3, 0), np.float32)], n_outputs=1, check=False)
    assert proc.returncode > 0, proc.stderr
    assert "cannot take the maximum over dimension 1, which has size 0" in proc.stderr


def test_tensors_larger_than_memory_are_refused_before_allocating(tmp_path, kgen_run):
    """2^40 f32 elements (4 TiB): one line naming the sizes, no abort."""
    text = """
func.func @main(%x: tensor<1048576x1048576xf32>) -> tensor<1048576x1048576xf32> {
  %0 = kgen.relu %x : tensor<1048576x1048576xf32>
  return %0 : tensor<1048576x1048576xf32>
}
"""
    proc = run_kgen(text, tmp_path, None, n_outputs=1, check=False, timeout=120)
    assert proc.returncode > 0, proc.stderr
    assert "take 8192.0 GiB, more than this machine's" in proc.stderr, proc.stderr
    assert "stack dump" not in proc.stderr.lower()
