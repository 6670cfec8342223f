"""Elementwise chain gelu(a * b + c) * 0.5 over 64M elements.

Measures: fusion of four elementwise ops (three inputs, one output): eager
PyTorch writes every intermediate.
Shapes: a, b, c [16384, 4096]. Bytes: 1 GiB moved if fused.
Times of eager PyTorch, torch.compile and kgen on an H200, beside the
roofline floor: benchmarks/results/2026-11-21-h200-suite/ and later runs.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

ROWS = 16384
COLS = 4096

SMALL_SIZES = {"ROWS": 15, "COLS": 22}


class Model(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, a, b, c):
        return F.gelu(a * b + c) * 0.5


def get_inputs():
    return [torch.randn(ROWS, COLS), torch.randn(ROWS, COLS), torch.randn(ROWS, COLS)]


def get_init_inputs():
    return []
