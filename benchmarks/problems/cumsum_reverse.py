"""Reversed running sum along rows: torch.cumsum(x.flip(1), 1).flip(1).

Measures: a scan (KernelBench's cumsum problems: plain, reversed). kgen
computes it blocked: 80 block totals of 50 elements per row, their
exclusive scan, then each output from its block's prefix and the block's
elements up to it (no single-pass scan schedule yet), between two flips.
Shapes: x [128, 4000] -> [128, 4000]. Bytes: 3.9 MiB moved; 14 MFLOP as
kgen computes it, 0.5 MFLOP for a scan.
"""
import torch
import torch.nn as nn

ROWS = 128
COLS = 4000

SMALL_SIZES = {"ROWS": 5, "COLS": 37}


class Model(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        return torch.cumsum(x.flip(1), dim=1).flip(1)


def get_inputs():
    return [torch.randn(ROWS, COLS)]


def get_init_inputs():
    return []
