"""Max pooling with overlapping, padded windows (nn.MaxPool2d(3, 2, 1)), fp32.

Measures: ResNet's stem pool, whose 3x3 windows overlap (stride 2) and
hang over the input's edge (padding 1): a window reduction that reads
each input element up to 4 times (from L1/L2) and the padding as bounds
checks, not a padded copy.
Shapes: x [N, C, H, W] = [32, 64, 112, 112] -> [32, 64, 56, 56].
Work: 9 comparisons per output; 128 MiB moved at least once (read x, write
the output).
"""
import torch
import torch.nn as nn

N = 32
C = 64
H = 112
W = 112

# Sizes test/frontend/test_problems.py imports this problem at.
SMALL_SIZES = {"N": 2, "C": 3, "H": 9, "W": 11}


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

    def forward(self, x):
        return self.pool(x)


def get_inputs():
    return [torch.randn(N, C, H, W)]


def get_init_inputs():
    return []
