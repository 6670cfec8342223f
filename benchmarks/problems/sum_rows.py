"""Row sums: torch.sum(x, dim=-1).

Measures: a reduction along the contiguous dimension (one row per block or
warp), bandwidth-bound.
Shapes: x [8192, 8192] -> [8192]. Bytes: 256 MiB read.
"""
import torch
import torch.nn as nn

ROWS = 8192
COLS = 8192

SMALL_SIZES = {"ROWS": 13, "COLS": 37}


class Model(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        return torch.sum(x, dim=-1)


def get_inputs():
    return [torch.randn(ROWS, COLS)]


def get_init_inputs():
    return []
