"""Matrix multiplication with a transposed right operand, C = A @ B.T.

Measures: a GEMM whose B is stored [N, K] (the nn.Linear weight layout):
the permute must fold into the contraction rather than be materialized.
Shapes: A [M, K], B [N, K] with M = N = K = 4096.
Work: 137 GFLOP; 192 MiB moved at least once.
"""
import torch
import torch.nn as nn

M = 4096
N = 4096
K = 4096

SMALL_SIZES = {"M": 48, "N": 40, "K": 24}


class Model(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, A, B):
        return A @ B.T


def get_inputs():
    return [torch.randn(M, K), torch.randn(N, K)]


def get_init_inputs():
    return []
