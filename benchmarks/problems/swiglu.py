"""SwiGLU gate: silu(x @ W1.T) * (x @ W2.T) (the LLaMA FFN without its down
projection).

Measures: two GEMMs sharing their input, joined by an elementwise epilogue;
a fused kernel reads x once and writes only the product.
Shapes: x [2048, 4096]; W1, W2 [11008, 4096] (nn.Linear, no bias).
Work: 4*T*D*HID = 369 GFLOP; 464 MiB moved at least once.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

TOKENS = 2048
DIM = 4096
HIDDEN = 11008

SMALL_SIZES = {"TOKENS": 10, "DIM": 24, "HIDDEN": 40}


class Model(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.w1 = nn.Linear(dim, hidden, bias=False)
        self.w2 = nn.Linear(dim, hidden, bias=False)

    def forward(self, x):
        return F.silu(self.w1(x)) * self.w2(x)


def get_inputs():
    return [torch.randn(TOKENS, DIM)]


def get_init_inputs():
    return [DIM, HIDDEN]
