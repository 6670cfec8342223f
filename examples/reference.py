#!/usr/bin/env python3
"""PyTorch references of the example programs in examples/.

    python3 examples/reference.py NAME IN0.npy IN1.npy ... [-o OUT.npy] [--compare KGEN_OUT.npy]

computes, in float64, what examples/NAME.mlir computes from the given inputs
(one .npy per function argument, in order) and writes it with -o (as
float32, the example's element type) and/or compares it with kgen-run's
output (--compare: prints the largest absolute and relative difference).

test/numerical/test_examples.py imports `EXAMPLES` and `reference` from here.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

EXAMPLES_DIR = Path(__file__).resolve().parent


@dataclasses.dataclass(frozen=True)
class Example:
    name: str
    args: tuple          # argument names, in order
    fn: Callable         # float64 tensors -> tensor
    # Scale of each random argument (uniform in [-scale, scale)): weights get
    # PyTorch's default 1/sqrt(fan_in) so activations stay O(1).
    scales: dict
    # Most terms accumulated into one output element (for the tolerance).
    reduce_len: int

    @property
    def path(self) -> Path:
        return EXAMPLES_DIR / f"{self.name}.mlir"


def mlp(x, w1, b1, w2, b2):
    return F.linear(F.gelu(F.linear(x, w1, b1)), w2, b2)


# The f32 value of the literal 0.176776695 (1 / sqrt(32)) in attention.mlir.
ATTENTION_SCALE = float(np.float32(0.176776695))


def attention(q, k, v):
    scores = torch.bmm(q, k.permute(0, 2, 1)) * ATTENTION_SCALE
    return torch.bmm(torch.softmax(scores, dim=2), v)


def residual_layernorm(x, residual, weight, bias):
    return F.layer_norm(x + residual, (x.shape[-1],), weight, bias, 1e-5)


def conv_bias_relu(x, w, bias):
    return torch.relu(F.conv2d(x, w, None, stride=1, padding=1) + bias)


EXAMPLES = {ex.name: ex for ex in [
    Example("mlp", ("x", "w1", "b1", "w2", "b2"), mlp,
            {"x": 1.0, "w1": 1 / math.sqrt(256), "b1": 1 / math.sqrt(256),
             "w2": 1 / math.sqrt(512), "b2": 1 / math.sqrt(512)}, 512),
    Example("attention", ("q", "k", "v"), attention, {"q": 1.0, "k": 1.0, "v": 1.0}, 64),
    Example("residual_layernorm", ("x", "residual", "weight", "bias"), residual_layernorm,
            {"x": 1.0, "residual": 1.0, "weight": 1.0, "bias": 1.0}, 256),
    Example("conv_bias_relu", ("x", "w", "bias"), conv_bias_relu,
            {"x": 1.0, "w": 1 / math.sqrt(27), "bias": 1 / math.sqrt(27)}, 27),
]}


def reference(name: str, inputs) -> np.ndarray:
    """float64 result of examples/<name>.mlir on `inputs` (numpy arrays)."""
    ex = EXAMPLES[name]
    if len(inputs) != len(ex.args):
        raise ValueError(f"{name} takes {len(ex.args)} inputs ({', '.join(ex.args)}), "
                         f"got {len(inputs)}")
    ts = [torch.from_numpy(np.asarray(a, dtype=np.float64).copy()) for a in inputs]
    with torch.no_grad():
        return ex.fn(*ts).numpy()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("name", choices=sorted(EXAMPLES))
    p.add_argument("inputs", nargs="+", type=Path, help="one .npy per function argument")
    p.add_argument("-o", "--output", type=Path, help="write the reference (float32 .npy)")
    p.add_argument("--compare", type=Path, help="kgen-run's output .npy to compare with")
    a = p.parse_args(argv)
    ref = reference(a.name, [np.load(f, allow_pickle=False) for f in a.inputs])
    print(f"reference {a.name}: shape {list(ref.shape)} min={ref.min():.6g} max={ref.max():.6g} "
          f"mean={ref.mean():.6g}")
    if a.output:
        np.save(a.output, ref.astype(np.float32))
    if a.compare:
        got = np.load(a.compare, allow_pickle=False).astype(np.float64)
        if got.shape != ref.shape:
            print(f"shape mismatch: {list(got.shape)} vs {list(ref.shape)}", file=sys.stderr)
            return 1
        d = np.abs(got - ref)
        print(f"max |diff| = {d.max():.3g}, max |diff|/|ref| = "
              f"{(d / np.maximum(np.abs(ref), 1e-30)).max():.3g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
