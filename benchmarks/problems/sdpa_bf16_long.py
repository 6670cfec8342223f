"""Scaled dot-product attention over a long sequence, bf16, head dim 64.

Measures: SDPA at S = 4096: the [S, S] scores of one head are 64 MiB in f32,
so a kernel that materializes them is bound by memory, and one that does not
is bound by the tensor cores. Not causal: kgen's importer writes a causal
mask as a dense [S, S] constant (64 MiB of program text at this length).
Shapes: Q, K, V [B, H, S, D] = [1, 16, 4096, 64], bfloat16.
Work: 4*B*H*S*S*D = 68.7 GFLOP; 32 MiB for Q, K, V and the
output if fused, plus 1024 MiB per materialized [S, S] score tensor otherwise.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

B = 1
H = 16
S = 4096
D = 64

SMALL_SIZES = {"B": 1, "H": 2, "S": 12, "D": 8}


class Model(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, q, k, v):
        return F.scaled_dot_product_attention(q, k, v)


def get_inputs():
    shape = (B, H, S, D)
    qkv = [torch.randn(shape, dtype=torch.bfloat16) for _ in range(3)]
    return qkv


def get_init_inputs():
    return []
