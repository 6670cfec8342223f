"""F.huber_loss(predictions, targets, delta=1.0), mean reduction.

Measures: an elementwise chain on two inputs (|d|, min(|d|, delta),
0.5 * c^2 + delta * (|d| - c): kgen's select-free form) ending in a
whole-tensor mean, which kgen splits into a row reduction and a reduction
of its partials.
Shapes: predictions, targets [8192, 8192] -> a scalar.
Work: 0.6 GFLOP; 512 MiB read.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

ROWS = 8192
COLS = 8192

SMALL_SIZES = {"ROWS": 6, "COLS": 10}


class Model(nn.Module):
    def __init__(self, delta):
        super().__init__()
        self.delta = delta

    def forward(self, predictions, targets):
        return F.huber_loss(predictions, targets, delta=self.delta)


def get_inputs():
    return [torch.randn(ROWS, COLS), torch.randn(ROWS, COLS)]


def get_init_inputs():
    return [1.0]
