"""A level-2-style chain: ConvTranspose3d (stride 2), GroupNorm, HardSwish,
AvgPool3d(2).

Measures: a transposed 3-D convolution that doubles each spatial extent
(kernel 3, padding 1, output_padding 1), group statistics over channels
and the whole volume, the affine normalization and activation, then 2x2x2
average pooling: KernelBench level 2's conv-transpose + norm +
activation + pooling models.
Shapes: x [8, 32, 16, 32, 32] -> conv [8, 16, 32, 64, 64] -> pooled
[8, 16, 16, 32, 32].
Work: 3.6 GFLOP; 16 MiB read, 8 MiB written at least (the conv output, 64
MiB, is read again for its statistics unless it stays on chip).
"""
import torch
import torch.nn as nn

BATCH = 8
C_IN = 32
C_OUT = 16
GROUPS = 4
DEPTH = 16
SIZE = 32

SMALL_SIZES = {"BATCH": 1, "C_IN": 3, "C_OUT": 4, "GROUPS": 2, "DEPTH": 2, "SIZE": 3}


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.up = nn.ConvTranspose3d(C_IN, C_OUT, 3, stride=2, padding=1, output_padding=1)
        self.norm = nn.GroupNorm(GROUPS, C_OUT)
        self.act = nn.Hardswish()
        self.pool = nn.AvgPool3d(2)

    def forward(self, x):
        return self.pool(self.act(self.norm(self.up(x))))


def get_inputs():
    return [torch.randn(BATCH, C_IN, DEPTH, SIZE, SIZE)]


def get_init_inputs():
    return []
