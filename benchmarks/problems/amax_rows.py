"""Row maxima: torch.amax(x, dim=-1).

Measures: a max-reduction (NaN-propagating) along the contiguous dimension.
Shapes: x [16384, 4096] -> [16384]. Bytes: 256 MiB read.
"""
import torch
import torch.nn as nn

ROWS = 16384
COLS = 4096

SMALL_SIZES = {"ROWS": 7, "COLS": 45}


class Model(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        return torch.amax(x, dim=-1)


def get_inputs():
    return [torch.randn(ROWS, COLS)]


def get_init_inputs():
    return []
