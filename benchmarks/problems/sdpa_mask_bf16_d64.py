"""Scaled dot-product attention with an additive mask, bf16, head dim 64.

Measures: SDPA with a float attn_mask added to the scores: about 30% of its
entries are -inf, never on the diagonal, so no row is fully masked.
Shapes: Q, K, V [B, H, S, D] = [4, 16, 1024, 64], bfloat16, mask [S, S].
Work: 4*B*H*S*S*D = 17.2 GFLOP; 32 MiB for Q, K, V and the
output if fused, plus 256 MiB per materialized [S, S] score tensor otherwise.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

B = 4
H = 16
S = 1024
D = 64

SMALL_SIZES = {"B": 1, "H": 2, "S": 12, "D": 8}


class Model(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, q, k, v, mask):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)


def get_inputs():
    shape = (B, H, S, D)
    qkv = [torch.randn(shape, dtype=torch.bfloat16) for _ in range(3)]
    return qkv + [torch.randn(S, S, dtype=torch.bfloat16).masked_fill(
        torch.rand(S, S) < 0.3, float("-inf")).fill_diagonal_(0.0)]


def get_init_inputs():
    return []
