"""torch.min(x, dim=1): the minima and their positions over the middle
dimension of a 3-D tensor.

Measures: the values-and-indices form of a reduction (two results, the
positions in int64, the first minimum's) along a strided dimension: each
output element reduces 1024 elements 1024 apart, so the threads of a
workgroup must read neighbouring columns to coalesce.
Shapes: x [16, 1024, 1024] -> values [16, 1024], indices [16, 1024] (int64).
Bytes: 64 MiB read, 192 KiB written.
"""
import torch
import torch.nn as nn

BATCH = 16
ROWS = 1024
COLS = 1024

SMALL_SIZES = {"BATCH": 2, "ROWS": 9, "COLS": 7}


class Model(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        values, indices = torch.min(x, dim=1)
        return values, indices


def get_inputs():
    return [torch.randn(BATCH, ROWS, COLS)]


def get_init_inputs():
    return []
