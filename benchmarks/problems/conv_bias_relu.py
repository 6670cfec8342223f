"""Convolution + per-channel bias + ReLU, the bias a separate [F, 1, 1] parameter.

Measures: epilogue fusion after a convolution, with a broadcast operand.
Shapes: x [32, 64, 56, 56] -> [32, 128, 56, 56]; weight [128, 64, 3, 3]; bias [128, 1, 1].
Work: 14.8 GFLOP; 147 MiB moved at least once.
"""
import torch
import torch.nn as nn

N = 32
C = 64
H = 56
W = 56
F = 128

SMALL_SIZES = {"N": 2, "C": 3, "H": 8, "W": 10, "F": 5}


class Model(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False)
        self.bias = nn.Parameter(torch.randn(out_channels, 1, 1) * 0.1)

    def forward(self, x):
        return torch.relu(self.conv(x) + self.bias)


def get_inputs():
    return [torch.randn(N, C, H, W)]


def get_init_inputs():
    return [C, F]
