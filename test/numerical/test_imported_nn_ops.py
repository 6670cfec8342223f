"""Normalization, pooling and losses imported from PyTorch, run by kgen-run
on the CPU, against PyTorch in float64.

The importer writes batch/instance/group norm, pooling over windows that
tile the input and the elementwise losses with kgen's own ops
(frontend/kgen_import/nn_ops.py). Each case is a module returning several
variants of one family (module and functional spellings, training and eval
mode, odd sizes, every reduction); it is imported in f32, f16 and bf16
(`import_program(..., dtype=)`) and run with kgen-run for each seed of
kgen_testing.SEEDS on that seed's random inputs and parameters. The
reference is the same module in float64 on the same dtype-rounded inputs
and parameters, in the module's own mode (batch statistics in training).

Tolerance: a decomposition is a chain of kgen ops, and in f16/bf16 each op
rounds its result to the dtype, so the error is a few ulps of the dtype
relative to the magnitudes in the chain (about 1 here), not the one
rounding of a single op that kgen_testing.tolerance allows: CHAIN_ULPS of
(1 + |expected|), where at most 2.5 were measured. In f32, 1e-5 of
(1 + |expected|), where at most 1.5e-6 was measured (batch norm over a
batch of 3).
"""

from __future__ import annotations

import copy
import sys

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from kgen_testing import (EPS, REPO, SEEDS, Tolerance, assert_close, check_output_dtype,
                          round_to, run_kgen, torch64)

sys.path.insert(0, str(REPO / "frontend"))
from kgen_import import import_program  # noqa: E402

CHAIN_ULPS = 4
TOLERANCE = {"f32": Tolerance(rtol=1e-5, atol=1e-5),
             "f16": Tolerance(rtol=CHAIN_ULPS * EPS["f16"], atol=CHAIN_ULPS * EPS["f16"]),
             "bf16": Tolerance(rtol=CHAIN_ULPS * EPS["bf16"], atol=CHAIN_ULPS * EPS["bf16"])}


def randomize(module: nn.Module) -> nn.Module:
    """Affine parameters around 1 and 0, running statistics away from the
    initial 0 and 1, so that each of them matters."""
    with torch.no_grad():
        for name, t in list(module.named_parameters()) + list(module.named_buffers()):
            if not t.is_floating_point():
                continue
            if name.endswith("weight") or name.endswith("running_var"):
                t.uniform_(0.5, 1.5)
            else:
                t.uniform_(-0.5, 0.5)
    return module


class NormsTrain(nn.Module):
    """Batch statistics: batch norm in training mode (1-D/2-D/3-D, one
    spatial element, without tracked statistics), instance norm, group norm."""

    def __init__(self):
        super().__init__()
        self.bn2 = nn.BatchNorm2d(5)
        self.bn1 = nn.BatchNorm1d(5, affine=False)
        self.bn3 = nn.BatchNorm3d(5, eps=1e-3)
        self.in2 = nn.InstanceNorm2d(5, affine=True)
        self.in1 = nn.InstanceNorm1d(5)
        self.gn = nn.GroupNorm(5, 5)
        self.gn2 = nn.GroupNorm(1, 5, affine=False)
        self.w = nn.Parameter(torch.ones(5))

    def forward(self, x):
        flat = x.flatten(2)                      # [N, C, H*W]
        return (self.bn2(x), self.bn1(flat), self.bn1(x.mean((2, 3))),
                self.bn3(x.unsqueeze(-1)), self.bn2(x[:, :, :1, :1]),
                F.batch_norm(x, None, None, self.w, None, True, 0.1, 1e-4),
                self.in2(x), self.in1(flat), self.in1(flat[0]),
                F.instance_norm(x, weight=self.w, eps=1e-3),
                self.gn(x), self.gn2(x), F.group_norm(flat, 1, self.w))


class NormsEval(nn.Module):
    """Running statistics: batch norm and instance norm in eval mode."""

    def __init__(self):
        super().__init__()
        self.bn2 = nn.BatchNorm2d(5)
        self.bn1 = nn.BatchNorm1d(5, affine=False)
        self.inn = nn.InstanceNorm2d(5, affine=True, track_running_stats=True)
        self.register_buffer("rm", torch.zeros(5))
        self.register_buffer("rv", torch.ones(5))

    def forward(self, x):
        return (self.bn2(x), self.bn1(x.flatten(2)), self.inn(x),
                F.batch_norm(x, self.rm, self.rv, None, None, False, 0.1, 1e-2))


class Pools(nn.Module):
    """Max and average pooling over tiling windows (remainders dropped),
    adaptive pooling whose output sizes divide the input's, global pooling."""

    def __init__(self):
        super().__init__()
        self.mp = nn.MaxPool2d(2)
        self.ap = nn.AvgPool2d((3, 2))
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.amp = nn.AdaptiveMaxPool2d((3, 3))

    def forward(self, x, s):
        v = x.unsqueeze(2)                       # [N, C, 1, H, W]
        return (self.mp(x), self.ap(x), self.gap(x), self.amp(x), x.mean((-2, -1)),
                F.avg_pool2d(x, 2, divisor_override=3), F.max_pool2d(x, (1, 3)),
                F.adaptive_avg_pool2d(x, (None, 2)), F.adaptive_max_pool2d(x, 1),
                F.max_pool1d(s, 3), F.avg_pool1d(s, 5), F.adaptive_avg_pool1d(s, 2),
                F.adaptive_max_pool1d(s, 6), F.max_pool3d(v, (1, 2, 2)),
                F.avg_pool3d(v, (1, 3, 3)), F.adaptive_avg_pool3d(v, (1, 3, 1)))


class PointwiseLosses(nn.Module):
    """L1, MSE, Huber and smooth L1 under every reduction, with weights."""

    def __init__(self):
        super().__init__()
        self.huber = nn.HuberLoss(delta=0.5)
        self.sl1 = nn.SmoothL1Loss(beta=0.3, reduction="sum")

    def forward(self, x, t, w):
        outs = [self.huber(x, t), self.sl1(x, t)]
        for r in ("none", "mean", "sum"):
            outs += [F.l1_loss(x, t, reduction=r), F.mse_loss(x, t, reduction=r),
                     F.huber_loss(x, t, reduction=r, delta=2.0),
                     F.smooth_l1_loss(x, t, reduction=r), F.smooth_l1_loss(x, t, beta=0.0,
                                                                          reduction=r),
                     F.mse_loss(x, t, reduction=r, weight=w),
                     F.huber_loss(x, t, reduction=r, weight=w)]
        return tuple(outs)


class DistributionLosses(nn.Module):
    """KL divergence (log_target or not; targets with zeros), cosine
    similarity, pairwise distance and the triplet margin loss."""

    def forward(self, x, y, z):
        lp = torch.log_softmax(x, -1)
        p = torch.relu(torch.softmax(y * 2, -1) - 0.05)  # zeros among the targets
        return (F.kl_div(lp, p, reduction="batchmean"), F.kl_div(lp, p, reduction="sum"),
                F.kl_div(lp, p, reduction="none"), F.kl_div(lp, p),
                F.kl_div(lp, torch.log_softmax(y, -1), reduction="batchmean", log_target=True),
                F.cosine_similarity(x, y), F.cosine_similarity(x, y[0], dim=-1),
                F.pairwise_distance(x, y), F.pairwise_distance(x, y, p=1.0, keepdim=True),
                F.triplet_margin_loss(x, y, z), F.triplet_margin_loss(x, y, z, margin=2.0,
                                                                      swap=True,
                                                                      reduction="none"))


class RowLogsumexp(nn.Module):
    """logsumexp (the importer's max + log(sum(exp(x - max)))) over rows of
    the lengths the op suite sweeps (1, 7, 1000, 4097, 8192), a single row
    and rows of one, and over rows of -inf, holding +inf, NaN, NaN and
    +inf, +inf and -inf (PyTorch: -inf, +inf, NaN, NaN, +inf)."""

    def forward(self, r1, r7, r1000, r4097, r8192, single, ones, special):
        rows = (r1, r7, r1000, r4097, r8192, single, ones, special)
        outs = tuple(torch.logsumexp(x, -1) for x in rows)
        return outs + (torch.logsumexp(special, 1, keepdim=True),)


def logsumexp_inputs():
    shapes = [(3, 1), (3, 7), (3, 1000), (3, 4097), (2, 8192), (1, 4097), (4097, 1)]
    special = torch.randn(10, 64) * 3
    special[0] = float("-inf")
    special[1, 5] = float("inf")
    special[2, 9] = float("nan")
    special[3, ::2] = float("-inf")
    special[4, 7], special[4, 8] = float("nan"), float("inf")  # NaN
    special[5, 1], special[5, 2] = float("inf"), float("-inf")  # +inf
    return tuple(torch.randn(*s) * 4 for s in shapes) + (special,)


CASES = {
    "row_logsumexp": (RowLogsumexp, logsumexp_inputs),
    "norms_train": (lambda: NormsTrain().train(), lambda: (torch.randn(3, 5, 6, 7) * 2 + 0.5,)),
    "norms_eval": (lambda: NormsEval().eval(), lambda: (torch.randn(3, 5, 6, 7) * 2 + 0.5,)),
    "pools": (Pools, lambda: (torch.randn(2, 3, 9, 12), torch.randn(2, 4, 12))),
    "pointwise_losses": (PointwiseLosses, lambda: (torch.randn(3, 5, 7), torch.randn(3, 5, 7),
                                                   torch.rand(3, 5, 7))),
    "distribution_losses": (DistributionLosses, lambda: (torch.randn(6, 11), torch.randn(6, 11),
                                                         torch.randn(6, 11))),
}


def float64_reference(module: nn.Module, res, n_inputs: int, arrays) -> list:
    """The module in float64, its parameters and buffers set to the values
    kgen-run received (rounded to the dtype), run on the same inputs."""
    ref = copy.deepcopy(module).double()
    tensors = dict(ref.named_parameters())
    tensors.update(ref.named_buffers())
    with torch.no_grad():
        for a, arr in zip(res.arguments[n_inputs:], arrays[n_inputs:]):
            tensors[a.name].copy_(torch64(arr))
        out = ref(*[torch64(arr) for arr in arrays[:n_inputs]])
    return [o.numpy() for o in (out if isinstance(out, tuple) else (out,))]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("dtype", ["f32", "f16", "bf16"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_imported_nn_ops(name, dtype, tmp_path, kgen_run):
    make_module, make_inputs = CASES[name]
    for seed in SEEDS:
        torch.manual_seed(seed)
        module, inputs = randomize(make_module()), make_inputs()
        res = import_program(module, inputs, dtype=dtype)
        arrays = res.argument_arrays()
        run = run_kgen(res.mlir, tmp_path, arrays, n_outputs=len(res.result_shapes),
                       tag=f"seed{seed}")
        want = float64_reference(module, res, len(inputs), arrays)
        for i, (got, w) in enumerate(zip(run.outputs, want)):
            what = f"{name} [{dtype}] seed {seed} output {i}"
            check_output_dtype(got, dtype, what)
            expected = w if dtype == "f32" else round_to(w, dtype)
            assert_close(got, expected, TOLERANCE[dtype],
                         f"{what}\nrepro: {' '.join(map(str, run.cmd))}")
