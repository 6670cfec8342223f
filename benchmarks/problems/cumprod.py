"""torch.cumprod(x, dim=1): the running product along each row.

Measures: a scan with a multiplicative combiner along the contiguous
dimension (KernelBench's cumprod problem, at its shape): every element
read and written once. Values near 1 keep the products of 4000 terms in
range.
Shapes: x [128, 4000] -> [128, 4000].
Bytes: 2 MiB read, 2 MiB written.
"""
import torch
import torch.nn as nn

ROWS = 128
COLS = 4000

SMALL_SIZES = {"ROWS": 3, "COLS": 21}


class Model(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return torch.cumprod(x, dim=self.dim)


def get_inputs():
    return [1.0 + 0.01 * torch.randn(ROWS, COLS)]


def get_init_inputs():
    return [1]
