"""Batched matrix multiplication C = torch.bmm(A, B), fp32.

Measures: many independent mid-sized GEMMs in one launch (batch as a grid
dimension).
Shapes: A [BATCH, M, K], B [BATCH, K, N]: 32 x 512 x 512 x 512.
Work: 2*BATCH*M*N*K = 8.6 GFLOP; 96 MiB moved at least once.
"""
import torch
import torch.nn as nn

BATCH = 32
M = 512
N = 512
K = 512

SMALL_SIZES = {"BATCH": 3, "M": 20, "N": 12, "K": 16}


class Model(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, A, B):
        return torch.bmm(A, B)


def get_inputs():
    return [torch.randn(BATCH, M, K), torch.randn(BATCH, K, N)]


def get_init_inputs():
    return []
