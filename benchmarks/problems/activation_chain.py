"""Seven torch.nn activations chained: SELU, Softplus, ELU, Mish, HardSwish,
Hardtanh, LeakyReLU.

Measures: an elementwise chain of the activations the KernelBench level-1
set has one problem each for (SELU's constants, Softplus's threshold,
Mish's tanh of a softplus, HardSwish's piecewise form), fused into one
memory-bound kernel: each element read once and written once.
Shapes: x [8192, 8192] -> [8192, 8192].
Bytes: 256 MiB read, 256 MiB written.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

ROWS = 8192
COLS = 8192

SMALL_SIZES = {"ROWS": 5, "COLS": 37}


class Model(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        x = F.softplus(F.selu(x), beta=2.0, threshold=10.0)
        x = F.mish(F.elu(x - 1.0, alpha=0.5))
        x = F.hardtanh(F.hardswish(x * 4.0 - 2.0), -0.75, 0.75)
        return F.leaky_relu(x, 0.1)


def get_inputs():
    return [torch.randn(ROWS, COLS) * 3.0]


def get_init_inputs():
    return []
