"""Fused GEMM + bias + ReLU: relu(x @ W.T + b) with nn.Linear and nn.ReLU.

Measures: the classic epilogue fusion: bias and activation applied to the
accumulator before the store.
Shapes: x [4096, 4096], W [4096, 4096], b [4096].
Work: 137 GFLOP; 192 MiB moved at least once.
"""
import torch
import torch.nn as nn

BATCH = 4096
IN = 4096
OUT = 4096

SMALL_SIZES = {"BATCH": 24, "IN": 40, "OUT": 16}


class Model(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.linear = nn.Linear(in_features, out_features)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.linear(x))


def get_inputs():
    return [torch.randn(BATCH, IN)]


def get_init_inputs():
    return [IN, OUT]
