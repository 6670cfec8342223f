"""Transposed 2-D convolution (nn.ConvTranspose2d), a decoder's 2x upsampling, fp32.

Measures: the most common op family KernelBench-style models lack
elsewhere; kgen computes it as one implicit GEMM per output phase (2x2
phases of 2x2 taps each, of which 9 of 16 are kernel taps), then
interleaves the phases.
Shapes: x [16, 64, 64, 64], weight [64, 32, 3, 3], stride 2, padding 1,
output_padding 1 -> [16, 32, 128, 128].
Work: 2*16*64*64*64*32*9 = 2.4 GFLOP useful (a quarter of the taps of
each output land on an input element); 48 MiB moved at least once.
"""
import torch
import torch.nn as nn

N = 16
C = 64
F = 32
H = 64
W = 64

# Sizes test/frontend/test_problems.py imports this problem at.
SMALL_SIZES = {"N": 2, "C": 4, "F": 3, "H": 5, "W": 6}


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.up = nn.ConvTranspose2d(C, F, kernel_size=3, stride=2, padding=1,
                                     output_padding=1)

    def forward(self, x):
        return self.up(x)


def get_inputs():
    return [torch.randn(N, C, H, W)]


def get_init_inputs():
    return []
