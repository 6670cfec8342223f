"""Column means with keepdim: x.mean(dim=0, keepdim=True).

Measures: a reduction across rows (the strided dimension): coalescing needs
each thread to own columns, and the reduction is split across blocks.
Shapes: x [8192, 8192] -> [1, 8192]. Bytes: 256 MiB read.
"""
import torch
import torch.nn as nn

ROWS = 8192
COLS = 8192

SMALL_SIZES = {"ROWS": 27, "COLS": 10}


class Model(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        return x.mean(dim=0, keepdim=True)


def get_inputs():
    return [torch.randn(ROWS, COLS)]


def get_init_inputs():
    return []
