"""A pre-norm transformer encoder block: x + attn(ln1(x)), then + mlp(ln2(.)).

Measures: a whole program with GEMMs, head split/merge (view + permute),
softmax, layer norms and residual adds: kernel formation across op kinds.
Shapes: x [B, S, D] = [8, 512, 1024], 16 heads of 64, MLP hidden 4096.
Work: about 2*B*S*(12*D*D + 2*S*D) = 112 GFLOP.
"""
import math

import torch
import torch.nn as nn

B = 8
S = 512
DIM = 1024
HEADS = 16
HIDDEN = 4096

SMALL_SIZES = {"B": 2, "S": 6, "DIM": 16, "HEADS": 2, "HIDDEN": 24}


class Model(nn.Module):
    def __init__(self, dim, heads, hidden):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(dim)
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(dim, dim)
        self.v = nn.Linear(dim, dim)
        self.proj = nn.Linear(dim, dim)
        self.ln2 = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        b, s, d = x.shape
        hd = d // self.heads
        h = self.ln1(x)
        q = self.q(h).view(b, s, self.heads, hd).transpose(1, 2)
        k = self.k(h).view(b, s, self.heads, hd).transpose(1, 2)
        v = self.v(h).view(b, s, self.heads, hd).transpose(1, 2)
        p = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(hd), dim=-1)
        a = (p @ v).transpose(1, 2).reshape(b, s, d)
        x = x + self.proj(a)
        return x + self.fc2(torch.nn.functional.gelu(self.fc1(self.ln2(x))))


def get_inputs():
    return [torch.randn(B, S, DIM)]


def get_init_inputs():
    return [DIM, HEADS, HIDDEN]
