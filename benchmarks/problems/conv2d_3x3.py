"""2-D convolution, 3x3 kernel, stride 1, padding 1 (a ResNet stage-1 layer).

Measures: the implicit-GEMM convolution with a halo, compute-bound.
Shapes: x [N, C, H, W] = [32, 64, 56, 56], weight [F, C, 3, 3] = [64, 64, 3, 3], no bias.
Work: 2*N*F*H*W*C*9 = 7.4 GFLOP; 49 MiB moved at least once.
"""
import torch
import torch.nn as nn

N = 32
C = 64
H = 56
W = 56
F = 64

SMALL_SIZES = {"N": 2, "C": 4, "H": 9, "W": 7, "F": 6}


class Model(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False)

    def forward(self, x):
        return self.conv(x)


def get_inputs():
    return [torch.randn(N, C, H, W)]


def get_init_inputs():
    return [C, F]
