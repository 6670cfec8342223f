"""The cosine-similarity loss of KernelBench: mean(1 -
F.cosine_similarity(predictions, targets, dim=1)).

Measures: three row reductions per sample over the same two rows (the dot
product and both squared norms), PyTorch's eps clamp of the norms'
product, then a mean over the batch.
Shapes: predictions, targets [8192, 4096] -> a scalar.
Bytes: 256 MiB read.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

BATCH = 8192
DIM = 4096

SMALL_SIZES = {"BATCH": 4, "DIM": 23}


class Model(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, predictions, targets):
        return torch.mean(1 - F.cosine_similarity(predictions, targets, dim=1))


def get_inputs():
    return [torch.randn(BATCH, DIM), torch.randn(BATCH, DIM)]


def get_init_inputs():
    return []
