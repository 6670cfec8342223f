"""Square matrix multiplication C = A @ B (torch.matmul), fp32.

Measures: a compute-bound GEMM, the basis of every contraction schedule.
Shapes: A [M, K], B [K, N] with M = N = K = 4096.
Work: 2*M*N*K = 137 GFLOP; 192 MiB moved at least once.
"""
import torch
import torch.nn as nn

M = 4096
N = 4096
K = 4096

# Sizes test/frontend/test_problems.py imports this problem at.
SMALL_SIZES = {"M": 64, "N": 48, "K": 32}


class Model(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, A, B):
        return torch.matmul(A, B)


def get_inputs():
    return [torch.randn(M, K), torch.randn(K, N)]


def get_init_inputs():
    return []
