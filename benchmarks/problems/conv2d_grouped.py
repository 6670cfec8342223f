"""Grouped 2-D convolution, 3x3, 32 groups (a ResNeXt block).

Measures: a convolution made of GROUPS independent small convolutions
(8 input and 8 output channels each): little reuse per group.
Shapes: x [32, 256, 28, 28], weight [256, 8, 3, 3], groups 32, padding 1.
Work: 2*N*F*H*W*(C/GROUPS)*9 = 0.92 GFLOP; 49 MiB moved at least once.
"""
import torch
import torch.nn as nn

N = 32
C = 256
H = 28
W = 28
F = 256
GROUPS = 32

SMALL_SIZES = {"N": 2, "C": 8, "H": 6, "W": 7, "F": 12, "GROUPS": 4}


class Model(nn.Module):
    def __init__(self, in_channels, out_channels, groups):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1,
                              groups=groups, bias=False)

    def forward(self, x):
        return self.conv(x)


def get_inputs():
    return [torch.randn(N, C, H, W)]


def get_init_inputs():
    return [C, F, GROUPS]
