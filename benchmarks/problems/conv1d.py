"""1-D convolution, kernel 3, dilation 2, padding 2, with bias (a temporal
convolution over a long sequence).

Measures: the 1-D case of the N-d convolution, with a dilated kernel.
Shapes: x [N, C, L] = [16, 256, 4096] -> y [16, 256, 4096]; weight [256, 256, 3].
Work: 2*N*F*L*C*3 = 25.8 GFLOP; 128 MiB moved at least once.
"""
import torch
import torch.nn as nn

N = 16
C = 256
L = 4096
F = 256

SMALL_SIZES = {"N": 2, "C": 6, "L": 33, "F": 5}


class Model(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.conv = nn.Conv1d(in_channels, out_channels, kernel_size=3, padding=2, dilation=2)

    def forward(self, x):
        return self.conv(x)


def get_inputs():
    return [torch.randn(N, C, L)]


def get_init_inputs():
    return [C, F]
