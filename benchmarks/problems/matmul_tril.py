"""Product of lower triangular matrices C = tril(A @ B) (torch.tril), fp32.

Measures: a GEMM whose epilogue masks the upper triangle (KernelBench's
triangular matrix products); a kernel that knew the operands' zeros could
skip half the tiles, kgen computes them all and fuses the mask.
Shapes: A, B [N, N] lower triangular with N = 4096.
Work: 2*N^3 = 137 GFLOP as a dense product; 192 MiB moved at least once.
"""
import torch
import torch.nn as nn

N = 4096

# Sizes test/frontend/test_problems.py imports this problem at.
SMALL_SIZES = {"N": 48}


class Model(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, A, B):
        return torch.tril(torch.matmul(A, B))


def get_inputs():
    return [torch.tril(torch.randn(N, N)), torch.tril(torch.randn(N, N))]


def get_init_inputs():
    return []
