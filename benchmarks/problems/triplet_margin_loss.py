"""nn.TripletMarginLoss(margin=1.0): mean over the batch of
max(d(a, p) - d(a, n) + margin, 0), d the Euclidean distance (PyTorch's
pairwise_distance, eps 1e-6).

Measures: three inputs read once each, two row reductions (the squared
distances) per sample, then a mean over the batch.
Shapes: anchor, positive, negative [4096, 4096] -> a scalar.
Bytes: 192 MiB read.
"""
import torch
import torch.nn as nn

BATCH = 4096
DIM = 4096

SMALL_SIZES = {"BATCH": 6, "DIM": 19}


class Model(nn.Module):
    def __init__(self, margin):
        super().__init__()
        self.loss = nn.TripletMarginLoss(margin=margin)

    def forward(self, anchor, positive, negative):
        return self.loss(anchor, positive, negative)


def get_inputs():
    return [torch.randn(BATCH, DIM), torch.randn(BATCH, DIM), torch.randn(BATCH, DIM)]


def get_init_inputs():
    return [1.0]
