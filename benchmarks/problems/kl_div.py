"""KL divergence of two distributions: F.kl_div(log(p), q, reduction='batchmean').

Measures: log of one input, then q * log(q) - q * log(p) summed over the
whole tensor and divided by the batch size (KernelBench's KLDivLoss
problem); kgen writes PyTorch's xlogy(q, q) as q * max(log(q), -1000) so
that zeros in q contribute 0.
Shapes: predictions, targets [8192, 8192] (rows that sum to 1) -> a scalar.
Work: 0.3 GFLOP and 134M logarithms; 512 MiB read.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

BATCH = 8192
DIM = 8192

SMALL_SIZES = {"BATCH": 4, "DIM": 9}


class Model(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, predictions, targets):
        return F.kl_div(torch.log(predictions), targets, reduction="batchmean")


def get_inputs():
    return [torch.randn(BATCH, DIM).softmax(dim=-1), torch.randn(BATCH, DIM).softmax(dim=-1)]


def get_init_inputs():
    return []
