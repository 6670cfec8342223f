"""Tall-skinny matrix multiplication C = A @ B (torch.mm), fp32.

Measures: a GEMM with many rows and a small N (a projection over many
tokens): lower arithmetic intensity than the square case, so tile shape and
the reading of A decide the time.
Shapes: A [M, K] = [16384, 1024], B [K, N] = [1024, 256].
Work: 2*M*N*K = 8.6 GFLOP; 81 MiB moved at least once.
"""
import torch
import torch.nn as nn

M = 16384
K = 1024
N = 256

SMALL_SIZES = {"M": 96, "K": 40, "N": 8}


class Model(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, A, B):
        return torch.mm(A, B)


def get_inputs():
    return [torch.randn(M, K), torch.randn(K, N)]


def get_init_inputs():
    return []
