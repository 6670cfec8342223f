"""A level-2-style 3-D convolution model on an input too large to make.

x: (BATCH, 3, DEPTH, SIZE, SIZE) f32 = 64 x 3 x 128 x 512 x 512: 25.8 GB of
input, and 137 GB for the convolution's output. Conv3d (3 -> 16, 3x3x3,
padding 1), a per-channel bias, GELU, a scale, softmax over the channels.

test/frontend/test_import_without_executing.py imports it under a 4 GB
address-space limit: the importer must learn the shapes from fake tensors,
never running the model. At SMALL_SIZES it is checked against PyTorch.
"""

import torch
import torch.nn as nn

BATCH = 64
DEPTH = 128
SIZE = 512
CHANNELS = 16

SMALL_SIZES = {"BATCH": 2, "DEPTH": 4, "SIZE": 6}


class Model(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv3d(3, channels, kernel_size=3, padding=1)
        self.bias = nn.Parameter(torch.randn(channels, 1, 1, 1) * 0.1)

    def forward(self, x):
        y = torch.nn.functional.gelu(self.conv(x) + self.bias)
        return torch.softmax(y * 0.5, dim=1)


def get_inputs():
    return [torch.randn(BATCH, 3, DEPTH, SIZE, SIZE)]


def get_init_inputs():
    return [CHANNELS]
