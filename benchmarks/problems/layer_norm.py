"""nn.LayerNorm over the last dimension, with weight and bias.

Measures: mean and variance of each 8192-long row, then the affine
normalization; a row-resident kernel reads x once.
Shapes: x [8192, 8192], weight/bias [8192], eps 1e-5. Bytes: 512 MiB moved.
Times of eager PyTorch, torch.compile and kgen on an H200, beside the
roofline floor: benchmarks/results/2026-11-21-h200-suite/ and later runs.
"""
import torch
import torch.nn as nn

ROWS = 8192
COLS = 8192

SMALL_SIZES = {"ROWS": 10, "COLS": 24}


class Model(nn.Module):
    def __init__(self, normalized_size):
        super().__init__()
        self.norm = nn.LayerNorm(normalized_size)
        with torch.no_grad():  # non-trivial affine parameters
            self.norm.weight.uniform_(0.5, 1.5)
            self.norm.bias.uniform_(-0.5, 0.5)

    def forward(self, x):
        return self.norm(x)


def get_inputs():
    return [torch.randn(ROWS, COLS)]


def get_init_inputs():
    return [COLS]
