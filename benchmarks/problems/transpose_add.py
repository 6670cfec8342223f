"""Transpose then add: x.transpose(0, 1) + y.

Measures: a data-movement-bound kernel with one operand read transposed:
coalescing both operands needs a shared-memory (or register) transpose.
Shapes: x, y [8192, 8192]. Bytes: 768 MiB moved.
"""
import torch
import torch.nn as nn

N = 8192

SMALL_SIZES = {"N": 19}


class Model(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x, y):
        return x.transpose(0, 1) + y


def get_inputs():
    return [torch.randn(N, N), torch.randn(N, N)]


def get_init_inputs():
    return []
