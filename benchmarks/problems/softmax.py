"""Row softmax: torch.softmax(x, dim=-1).

Measures: the max / exp-sum / normalize sequence over 8192-long rows; a
single-pass (online) or row-resident kernel reads x once.
Shapes: x [8192, 8192]. Bytes: 512 MiB moved at least once.
Times of eager PyTorch, torch.compile and kgen on an H200, beside the
roofline floor: benchmarks/results/2026-11-21-h200-suite/ and later runs.
"""
import torch
import torch.nn as nn

ROWS = 8192
COLS = 8192

SMALL_SIZES = {"ROWS": 12, "COLS": 41}


class Model(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        return torch.softmax(x, dim=-1)


def get_inputs():
    return [torch.randn(ROWS, COLS)]


def get_init_inputs():
    return []
