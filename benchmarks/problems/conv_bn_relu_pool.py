"""A level-2-style chain: Conv2d, BatchNorm2d with batch statistics, ReLU,
MaxPool2d(2).

Measures: a convolution (implicit GEMM) whose output feeds per-channel
batch statistics (mean and biased variance over N, H, W), the affine
normalization and ReLU, then 2x2 max pooling: the conv + norm + activation
+ pooling models of KernelBench level 2. track_running_stats=False
normalizes with the batch's statistics in eval mode, as a module left in
training mode does.
Shapes: x [32, 32, 64, 64] -> conv [32, 64, 64, 64] (3x3, padding 1) ->
pooled [32, 64, 32, 32].
Work: 9.7 GFLOP; 32 MiB read, 16 MiB written at least (the conv output,
64 MiB, is read again for its statistics unless it stays on chip).
"""
import torch
import torch.nn as nn

BATCH = 32
C_IN = 32
C_OUT = 64
SIZE = 64

SMALL_SIZES = {"BATCH": 2, "C_IN": 3, "C_OUT": 4, "SIZE": 6}


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(C_IN, C_OUT, 3, padding=1)
        self.bn = nn.BatchNorm2d(C_OUT, track_running_stats=False)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        return self.pool(torch.relu(self.bn(self.conv(x))))


def get_inputs():
    return [torch.randn(BATCH, C_IN, SIZE, SIZE)]


def get_init_inputs():
    return []
