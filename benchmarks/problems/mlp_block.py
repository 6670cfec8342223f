"""Transformer MLP block: Linear -> GELU -> Linear on [batch, seq, dim].

Measures: two GEMMs with an activation between them (a chain a scheduler
may fuse at the GELU, or not).
Shapes: x [8, 512, 1024]; fc1 1024 -> 4096, fc2 4096 -> 1024, with biases.
Work: 4*B*S*DIM*HIDDEN = 68.7 GFLOP; 64 MiB moved at least once.
"""
import torch
import torch.nn as nn

B = 8
S = 512
DIM = 1024
HIDDEN = 4096

SMALL_SIZES = {"B": 2, "S": 6, "DIM": 16, "HIDDEN": 40}


class Model(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


def get_inputs():
    return [torch.randn(B, S, DIM)]


def get_init_inputs():
    return [DIM, HIDDEN]
