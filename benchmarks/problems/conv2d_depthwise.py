"""Depthwise 2-D convolution, 3x3, groups = channels (MobileNetV2).

Measures: a convolution with no channel reduction at all: 9 multiply-adds
per output, so it is bound by memory bandwidth like an elementwise op.
Shapes: x [32, 144, 56, 56], weight [144, 1, 3, 3], padding 1, with bias.
Work: 2*N*C*H*W*9 = 0.26 GFLOP; 110 MiB moved at least once.
"""
import torch
import torch.nn as nn

N = 32
C = 144
H = 56
W = 56

SMALL_SIZES = {"N": 2, "C": 5, "H": 8, "W": 9}


class Model(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, kernel_size=3, padding=1, groups=channels)

    def forward(self, x):
        return self.conv(x)


def get_inputs():
    return [torch.randn(N, C, H, W)]


def get_init_inputs():
    return [C]
