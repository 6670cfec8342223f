"""Attention probabilities: softmax(Q @ K^T / sqrt(D), dim=-1) on 4-D tensors.

Measures: a batched GEMM whose output rows are normalized in the epilogue
(matmul + scale + softmax); the [S, S] scores dominate memory traffic.
Shapes: Q, K [B, H, S, D] = [4, 16, 1024, 64] -> P [4, 16, 1024, 1024].
Work: 2*B*H*S*S*D = 8.6 GFLOP; 288 MiB moved at least once.
"""
import math

import torch
import torch.nn as nn

B = 4
H = 16
S = 1024
D = 64

SMALL_SIZES = {"B": 2, "H": 3, "S": 10, "D": 8}


class Model(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, q, k):
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(q.size(-1))
        return torch.softmax(scores, dim=-1)


def get_inputs():
    return [torch.randn(B, H, S, D), torch.randn(B, H, S, D)]


def get_init_inputs():
    return []
