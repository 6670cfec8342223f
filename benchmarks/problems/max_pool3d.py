"""nn.MaxPool3d(kernel_size=3, stride=2, padding=1, ceil_mode=True).

Measures: 3-D pooling windows that overlap (stride 2 < kernel 3), padding
read as -inf, and ceil_mode windows overhanging the last row, plane and
column: each input element is read by up to eight windows, so the floor
is one read of the input and one write of the output.
Shapes: x [16, 32, 64, 64, 64] -> [16, 32, 33, 33, 33].
Bytes: 512 MiB read, 70 MiB written.
"""
import torch
import torch.nn as nn

BATCH = 16
CHANNELS = 32
SIZE = 64

SMALL_SIZES = {"BATCH": 1, "CHANNELS": 2, "SIZE": 6}


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool = nn.MaxPool3d(kernel_size=3, stride=2, padding=1, ceil_mode=True)

    def forward(self, x):
        return self.pool(x)


def get_inputs():
    return [torch.randn(BATCH, CHANNELS, SIZE, SIZE, SIZE)]


def get_init_inputs():
    return []
