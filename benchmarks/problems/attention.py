"""Scaled dot-product attention written out: softmax(Q K^T * scale) V.

Measures: the full attention core (two batched GEMMs around a softmax): a
flash-attention style fusion never writes the [S, S] probabilities.
Shapes: Q, K, V [B, H, S, D] = [4, 16, 1024, 64].
Work: 4*B*H*S*S*D = 17.2 GFLOP; 64 MiB moved if fused, plus 256 MiB per
materialized [S, S] intermediate otherwise.
"""
import torch
import torch.nn as nn

B = 4
H = 16
S = 1024
D = 64

SMALL_SIZES = {"B": 2, "H": 2, "S": 12, "D": 8}


class Model(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, q, k, v):
        scale = q.size(-1) ** -0.5
        p = (q @ k.transpose(-2, -1) * scale).softmax(dim=-1)
        return p @ v


def get_inputs():
    return [torch.randn(B, H, S, D), torch.randn(B, H, S, D), torch.randn(B, H, S, D)]


def get_init_inputs():
    return []
