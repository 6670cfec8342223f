"""RMS normalization over the last dimension, with weight (LLaMA-style).

nn.RMSNorm where PyTorch has it (2.4+), else the same math written out:
x * rsqrt(mean(x^2, -1) + eps) * weight. Both import to kgen.rms_norm or
to its elementwise/reduction form.
Measures: one reduction and one scale per 8192-long row.
Shapes: x [8192, 8192], weight [8192], eps 1e-6. Bytes: 512 MiB moved.
"""
import torch
import torch.nn as nn

ROWS = 8192
COLS = 8192
EPS = 1e-6

SMALL_SIZES = {"ROWS": 9, "COLS": 30}


class Model(nn.Module):
    def __init__(self, normalized_size, eps):
        super().__init__()
        self.eps = eps
        if hasattr(nn, "RMSNorm"):
            self.norm = nn.RMSNorm(normalized_size, eps=eps)
            weight = self.norm.weight
        else:
            self.norm = None
            self.weight = nn.Parameter(torch.ones(normalized_size))
            weight = self.weight
        with torch.no_grad():
            weight.uniform_(0.5, 1.5)

    def forward(self, x):
        if self.norm is not None:
            return self.norm(x)
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def get_inputs():
    return [torch.randn(ROWS, COLS)]


def get_init_inputs():
    return [COLS, EPS]
