"""nn.BatchNorm2d with batch statistics (training-mode math), weight and bias.

Measures: per-channel mean and biased variance over N, H and W (the channel
dim strided between the reduced ones: kgen takes each plane's mean, then
the mean over the batch), then the affine normalization, x * alpha + beta
as PyTorch computes it.
track_running_stats=False makes the module normalize with the batch's
statistics in eval mode too (the harness runs its reference after eval()),
as a module left in training mode does; no running statistics are kept.
Shapes: x [32, 64, 128, 128] (NCHW), weight/bias [64], eps 1e-5.
Work: 0.2 GFLOP; 384 MiB moved at least: x read twice (a channel's 2 MiB
of statistics input does not stay on chip until it is normalized), y written.
"""
import torch
import torch.nn as nn

N = 32
C = 64
H = 128
W = 128

SMALL_SIZES = {"N": 3, "C": 4, "H": 5, "W": 7}


class Model(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.norm = nn.BatchNorm2d(channels, track_running_stats=False)
        with torch.no_grad():  # non-trivial affine parameters
            self.norm.weight.uniform_(0.5, 1.5)
            self.norm.bias.uniform_(-0.5, 0.5)

    def forward(self, x):
        return self.norm(x)


def get_inputs():
    return [torch.randn(N, C, H, W) * 2 + 0.5]


def get_init_inputs():
    return [C]
