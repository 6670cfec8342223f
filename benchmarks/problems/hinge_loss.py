"""The hinge loss of KernelBench: mean(clamp(1 - predictions * targets,
min=0)), targets +-1.

Measures: an elementwise chain on two inputs ending in a whole-tensor
mean (split into row reductions and a reduction of their partials).
Shapes: predictions, targets [8192, 8192] -> a scalar.
Bytes: 512 MiB read.
"""
import torch
import torch.nn as nn

ROWS = 8192
COLS = 8192

SMALL_SIZES = {"ROWS": 5, "COLS": 12}


class Model(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, predictions, targets):
        return torch.mean(torch.clamp(1 - predictions * targets, min=0))


def get_inputs():
    return [torch.randn(ROWS, COLS), torch.randint(0, 2, (ROWS, COLS)).float() * 2 - 1]


def get_init_inputs():
    return []
