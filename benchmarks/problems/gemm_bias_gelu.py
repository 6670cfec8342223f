"""Fused GEMM + bias + GELU (tanh approximation): a transformer FFN up-projection.

Measures: epilogue fusion of a transcendental activation.
Shapes: x [8192, 1024] -> [8192, 4096]; W [4096, 1024], b [4096].
Work: 68.7 GFLOP; 176 MiB moved at least once.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

TOKENS = 8192
IN = 1024
OUT = 4096

SMALL_SIZES = {"TOKENS": 20, "IN": 24, "OUT": 36}


class Model(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.fc = nn.Linear(in_features, out_features)

    def forward(self, x):
        return F.gelu(self.fc(x), approximate="tanh")


def get_inputs():
    return [torch.randn(TOKENS, IN)]


def get_init_inputs():
    return [IN, OUT]
