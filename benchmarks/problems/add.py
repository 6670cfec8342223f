"""Elementwise addition of two 64M-element tensors.

Measures: a binary streaming kernel (two reads, one write per element).
Shapes: a, b [16384, 4096]. Bytes: 768 MiB moved.
"""
import torch
import torch.nn as nn

ROWS = 16384
COLS = 4096

SMALL_SIZES = {"ROWS": 17, "COLS": 23}


class Model(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, a, b):
        return a + b


def get_inputs():
    return [torch.randn(ROWS, COLS), torch.randn(ROWS, COLS)]


def get_init_inputs():
    return []
