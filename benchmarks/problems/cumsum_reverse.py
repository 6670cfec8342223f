"""Reversed running sum along rows: torch.cumsum(x.flip(1), 1).flip(1).

Measures: a scan (KernelBench's cumsum problems: plain, reversed). kgen
computes each output as a sum over the elements it covers, O(n^2) work
per row (no work-efficient scan schedule yet), so this problem shows how
far that is from a scan's bandwidth floor.
Shapes: x [128, 4000] -> [128, 4000]. Bytes: 3.9 MiB moved; 1.0 GFLOP as
kgen computes it (128 rows x 4000^2 / 2 adds), 0.5 MFLOP for a scan.
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
