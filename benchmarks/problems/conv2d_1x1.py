"""Pointwise (1x1) 2-D convolution with bias (a ResNet bottleneck reduction).

Measures: a convolution that is a GEMM over channels (M = N*H*W pixels,
K = C, N = F) in the NCHW layout.
Shapes: x [32, 256, 56, 56] -> y [32, 64, 56, 56]; weight [64, 256, 1, 1].
Work: 2*N*H*W*C*F = 3.3 GFLOP; 123 MiB moved at least once (memory-bound).
"""
import torch
import torch.nn as nn

N = 32
C = 256
H = 56
W = 56
F = 64

SMALL_SIZES = {"N": 2, "C": 12, "H": 5, "W": 6, "F": 8}


class Model(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=1)

    def forward(self, x):
        return self.conv(x)


def get_inputs():
    return [torch.randn(N, C, H, W)]


def get_init_inputs():
    return [C, F]
