"""Masked cumulative sum: torch.cumsum(x * mask, dim=1) with a bool mask.

Measures: a scan along the contiguous dimension whose input is multiplied
by a boolean mask read from memory (one byte per element, PyTorch's bool
layout), the level-1 masked-cumsum problem at its size (rows of 4000:
rows of 32768 in f32 differ from PyTorch's own summation order by more
than the harness's fixed 1e-4). The floor reads x and the mask once and
writes the sums once.
Shapes: x [128, 4000] f32, mask [128, 4000] bool -> [128, 4000].
Bytes: 2 MB + 0.5 MB read, 2 MB written.
"""
import torch
import torch.nn as nn

ROWS = 128
COLS = 4000

SMALL_SIZES = {"ROWS": 5, "COLS": 77}


class Model(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x, mask):
        return torch.cumsum(x * mask, dim=1)


def get_inputs():
    x = torch.randn(ROWS, COLS)
    mask = torch.rand(ROWS, COLS) < 0.5
    return [x, mask]


def get_init_inputs():
    return []
