"""An elementwise chain with Python scalars: y = 2 - clamp(x * 1.5 + 0.25, -1, 1).

Measures: fusion of several elementwise ops with scalar operands (including
a reversed one, 2 - t) into one streaming kernel.
Shapes: x [16384, 4096]. Bytes: 512 MiB moved if fused (2 GiB unfused).
"""
import torch
import torch.nn as nn

ROWS = 16384
COLS = 4096

SMALL_SIZES = {"ROWS": 11, "COLS": 29}


class Model(nn.Module):
    def __init__(self, scale, shift):
        super().__init__()
        self.scale = scale
        self.shift = shift

    def forward(self, x):
        return 2.0 - torch.clamp(x * self.scale + self.shift, min=-1.0, max=1.0)


def get_inputs():
    return [torch.randn(ROWS, COLS)]


def get_init_inputs():
    return [1.5, 0.25]
