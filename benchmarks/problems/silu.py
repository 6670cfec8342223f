"""Elementwise SiLU (x * sigmoid(x)) over 64M elements, as an nn.Module.

Measures: a streaming kernel with an exponential per element.
Shapes: x [16384, 4096]. Bytes: 512 MiB moved.
"""
import torch
import torch.nn as nn

ROWS = 16384
COLS = 4096

SMALL_SIZES = {"ROWS": 21, "COLS": 13}


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.act = nn.SiLU()

    def forward(self, x):
        return self.act(x)


def get_inputs():
    return [torch.randn(ROWS, COLS)]


def get_init_inputs():
    return []
