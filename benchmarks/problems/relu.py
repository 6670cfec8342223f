"""Elementwise ReLU over 64M elements.

Measures: a pure streaming kernel (one read, one write per element): the
copy-bandwidth floor.
Shapes: x [16384, 4096]. Bytes: 512 MiB moved.
"""
import torch
import torch.nn as nn

ROWS = 16384
COLS = 4096

SMALL_SIZES = {"ROWS": 33, "COLS": 17}


class Model(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        return torch.relu(x)


def get_inputs():
    return [torch.randn(ROWS, COLS)]


def get_init_inputs():
    return []
