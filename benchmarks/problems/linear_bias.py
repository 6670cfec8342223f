"""nn.Linear with bias on a 3-D activation: y = x @ W.T + b.

Measures: a GEMM whose M is the flattened batch and sequence, with the bias
add fused into the epilogue.
Shapes: x [B, S, IN] = [8, 1024, 4096], W [OUT, IN] = [4096, 4096], b [OUT].
Work: 2*B*S*IN*OUT = 275 GFLOP; 320 MiB moved at least once.
"""
import torch
import torch.nn as nn

B = 8
S = 1024
IN = 4096
OUT = 4096

SMALL_SIZES = {"B": 2, "S": 12, "IN": 32, "OUT": 24}


class Model(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.linear = nn.Linear(in_features, out_features)

    def forward(self, x):
        return self.linear(x)


def get_inputs():
    return [torch.randn(B, S, IN)]


def get_init_inputs():
    return [IN, OUT]
