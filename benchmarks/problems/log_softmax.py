"""log_softmax over a vocabulary: F.log_softmax(logits, dim=1).

Measures: the language-model head's normalization: 32000-long rows that do
not fit one block's registers, so the row is read twice or streamed online.
Shapes: logits [4096, 32000]. Bytes: 1000 MiB moved at least once.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

ROWS = 4096
VOCAB = 32000

SMALL_SIZES = {"ROWS": 6, "VOCAB": 53}


class Model(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, logits):
        return F.log_softmax(logits, dim=1)


def get_inputs():
    return [torch.randn(ROWS, VOCAB)]


def get_init_inputs():
    return []
