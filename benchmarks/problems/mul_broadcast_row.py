"""Elementwise multiplication by a broadcast row vector: y = x * scale.

Measures: a binary op where one operand is reused across rows (it should be
read once per tile, not once per element).
Shapes: x [8192, 8192], scale [8192]. Bytes: 512 MiB moved.
"""
import torch
import torch.nn as nn

ROWS = 8192
COLS = 8192

SMALL_SIZES = {"ROWS": 9, "COLS": 14}


class Model(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x, scale):
        return x * scale


def get_inputs():
    return [torch.randn(ROWS, COLS), torch.randn(COLS)]


def get_init_inputs():
    return []
