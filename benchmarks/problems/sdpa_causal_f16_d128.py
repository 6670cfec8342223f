"""Causal scaled dot-product attention, f16, head dim 128.

Measures: SDPA with is_causal=True: half of the scores are masked (a fused
kernel skips them).
Shapes: Q, K, V [B, H, S, D] = [4, 16, 1024, 128], float16.
Work: 4*B*H*S*S*D = 34.4 GFLOP (half of it masked); 64 MiB for Q, K, V and the
output if fused, plus 256 MiB per materialized [S, S] score tensor otherwise.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

B = 4
H = 16
S = 1024
D = 128

SMALL_SIZES = {"B": 1, "H": 2, "S": 12, "D": 8}


class Model(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, q, k, v):
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)


def get_inputs():
    shape = (B, H, S, D)
    qkv = [torch.randn(shape, dtype=torch.float16) for _ in range(3)]
    return qkv


def get_init_inputs():
    return []
