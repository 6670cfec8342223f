"""The importer's decompositions of normalization, pooling and losses
(frontend/kgen_import/nn_ops.py): which kgen ops they become, that the
programs verify and run like PyTorch (f32, one seed; test/numerical/
test_imported_nn_ops.py checks seeds and dtypes), the aten spellings of
make_fx graphs, torch.compile's verdicts, and the one-line reasons of what
stays unsupported.

Run: .venv/bin/python -m pytest -q test/frontend/test_nn_ops.py
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from frontend_testing import check_module, reference, run_imported  # noqa: E402

from kgen_import import UnsupportedOpsError, import_module, import_program  # noqa: E402

# PyTorch warns about broadcast loss targets, legacy size_average and
# kl_div's 'mean', which the tests use on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def kgen_ops(text: str) -> list:
    return re.findall(r"= (kgen\.\w+)", text)


def randomize_stats(bn):
    with torch.no_grad():
        bn.running_mean.uniform_(-0.5, 0.5)
        bn.running_var.uniform_(0.5, 2.0)
        if bn.weight is not None:
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.5, 0.5)
    return bn


class Wrap(nn.Module):
    """A module calling `fn(x, *args)`: a function of torch.nn.functional, or
    a torch.nn module (a submodule: imported as one call, mapped by class)."""

    def __init__(self, fn, *args, **kwargs):
        super().__init__()
        self.fn, self.args, self.kwargs = fn, args, kwargs

    def forward(self, a, b=None, c=None):
        xs = [x for x in (a, b, c) if x is not None]
        return self.fn(*xs, *self.args, **self.kwargs)


# ---------------------------------------------------------------------------
# Normalization
# ---------------------------------------------------------------------------

def test_batch_norm_eval_uses_running_statistics(tmp_path):
    torch.manual_seed(0)
    bn = randomize_stats(nn.BatchNorm2d(5)).eval()
    res = check_module(bn, (torch.randn(3, 5, 6, 7),), tmp_path)
    assert [a.name for a in res.arguments] == ["input", "weight", "bias", "running_mean",
                                               "running_var"]
    ops = kgen_ops(res.mlir)
    assert "kgen.rsqrt" in ops and "kgen.mean" not in ops  # no batch statistics
    assert "tensor<5xf32> -> tensor<5x1x1xf32>" in res.mlir  # per-channel broadcast


def test_batch_norm_training_uses_batch_statistics(tmp_path):
    """A module left in training mode normalizes with the statistics of
    the batch (biased variance), as `model(x)` does; the import leaves its
    training flag as it was and does not read the running statistics."""
    torch.manual_seed(1)
    bn = randomize_stats(nn.BatchNorm2d(5)).train()
    res = check_module(bn, (torch.randn(3, 5, 6, 7) * 2 + 1,), tmp_path, eval_mode=False)
    assert bn.training
    assert [a.name for a in res.arguments] == ["input", "weight", "bias"]
    # The mean of each plane, then over the batch.
    assert "kgen.mean %input dims [2, 3] keepdim : tensor<3x5x6x7xf32> -> " \
        "tensor<3x5x1x1xf32>" in res.mlir
    assert "dims [0] keepdim : tensor<3x5x1x1xf32> -> tensor<1x5x1x1xf32>" in res.mlir


@pytest.mark.parametrize("name,module,shape", [
    ("bn1d_2d_input", lambda: nn.BatchNorm1d(6), (8, 6)),
    ("bn1d_3d_input", lambda: nn.BatchNorm1d(4, affine=False), (3, 4, 9)),
    ("bn3d", lambda: nn.BatchNorm3d(3, eps=1e-3), (2, 3, 4, 5, 3)),
    ("bn_one_spatial_element", lambda: nn.BatchNorm2d(4), (6, 4, 1, 1)),
    ("bn_untracked_eval", lambda: nn.BatchNorm2d(4, track_running_stats=False).eval(),
     (2, 4, 3, 5)),
    ("instance_norm2d", lambda: nn.InstanceNorm2d(4), (2, 4, 5, 6)),
    ("instance_norm1d_affine_unbatched", lambda: nn.InstanceNorm1d(3, affine=True), (3, 11)),
    ("instance_norm3d", lambda: nn.InstanceNorm3d(2, affine=True), (2, 2, 3, 4, 5)),
    ("group_norm", lambda: nn.GroupNorm(3, 6), (2, 6, 5, 7)),
    ("group_norm_one_group_no_affine", lambda: nn.GroupNorm(1, 4, affine=False), (3, 4, 5)),
    ("group_norm_2d_input", lambda: nn.GroupNorm(2, 6, eps=1e-3), (4, 6)),
])
def test_norm_modules_run_like_pytorch(name, module, shape, tmp_path):
    torch.manual_seed(2)
    m = module()
    for p in m.parameters():
        with torch.no_grad():
            p.uniform_(0.5, 1.5)
    check_module(m, (torch.randn(*shape) * 3 - 1,), tmp_path, eval_mode=False)


def test_instance_norm_with_running_stats_in_eval(tmp_path):
    torch.manual_seed(3)
    m = randomize_stats(nn.InstanceNorm2d(4, affine=True, track_running_stats=True)).eval()
    res = check_module(m, (torch.randn(2, 4, 5, 3),), tmp_path)
    assert "kgen.mean" not in kgen_ops(res.mlir)


class FunctionalNorms(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.rand(6) + 0.5)
        self.b = nn.Parameter(torch.rand(6) - 0.5)
        self.register_buffer("rm", torch.rand(6) - 0.5)
        self.register_buffer("rv", torch.rand(6) + 0.5)

    def forward(self, x):
        return (F.batch_norm(x, self.rm, self.rv, self.w, self.b, False, 0.1, 1e-3),
                F.batch_norm(x, None, None, self.w, None, training=True),
                torch.batch_norm(x, None, self.b, None, None, True, 0.1, 1e-5, False),
                F.instance_norm(x, weight=self.w, bias=self.b, eps=1e-4),
                F.instance_norm(x, self.rm, self.rv, use_input_stats=False),
                F.group_norm(x, 3, self.w, self.b), torch.group_norm(x, 2),
                x.mean((2, 3), keepdim=True))


def test_functional_norms(tmp_path):
    torch.manual_seed(4)
    res = check_module(FunctionalNorms(), (torch.randn(3, 6, 4, 5),), tmp_path)
    assert "kgen.reshape %x : tensor<3x6x4x5xf32> -> tensor<3x3x40xf32>" in res.mlir
    assert "dims [2] keepdim" in res.mlir


# ---------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------

class Pools(nn.Module):
    def __init__(self):
        super().__init__()
        self.mods = nn.ModuleList([
            nn.MaxPool2d(2), nn.AvgPool2d((2, 3)), nn.AdaptiveAvgPool2d(1),
            nn.AdaptiveAvgPool2d((2, None)), nn.AdaptiveMaxPool2d((3, 3)), nn.MaxPool2d(3, 3),
            nn.AvgPool2d(2, divisor_override=3)])

    def forward(self, x, s, v):
        return tuple(m(x) for m in self.mods) + (
            F.max_pool2d(x, (3, 2)), F.avg_pool2d(x, 2, 2), torch.max_pool2d(x, 2),
            F.adaptive_avg_pool2d(x, (3, 1)), F.adaptive_max_pool2d(x, 1),
            F.max_pool1d(s, 3), F.avg_pool1d(s, 2), F.adaptive_avg_pool1d(s, 5),
            F.adaptive_max_pool1d(s, 1), nn.functional.avg_pool1d(s, 5, ceil_mode=True),
            F.max_pool3d(v, (2, 1, 2)), F.avg_pool3d(v, 2), F.adaptive_avg_pool3d(v, (2, 3, 1)),
            F.adaptive_max_pool3d(v, 1), F.max_pool2d(x[0], 2),  # unbatched
            # Windows that overlap and differ in length: (6, 9) -> (4, 5) and
            # (4, 7), 10 -> 3, and (4, 6, 5) -> (3, 4, 5) beside a tiling dim.
            F.adaptive_avg_pool2d(x, (4, 5)), F.adaptive_max_pool2d(x, (4, 7)),
            F.adaptive_avg_pool1d(s, 3), F.adaptive_max_pool3d(v, (3, 4, 5)),
            F.adaptive_avg_pool3d(v, (3, 3, 4)))


def test_pools_run_like_pytorch(tmp_path):
    torch.manual_seed(5)
    res = check_module(Pools(), (torch.randn(2, 3, 6, 9), torch.randn(2, 4, 10),
                                 torch.randn(2, 2, 4, 6, 5)), tmp_path)
    text = res.mlir
    # 2x2 windows: a reshape to [.., 3, 2, 4, 2] (the 9th column dropped) and a max.
    assert "kgen.slice %x offsets [0, 0, 0, 0] strides [1, 1, 1, 1] : tensor<2x3x6x9xf32> " \
        "-> tensor<2x3x6x8xf32>" in text
    assert "tensor<2x3x6x8xf32> -> tensor<2x3x3x2x4x2xf32>" in text
    assert "dims [3, 5] : tensor<2x3x3x2x4x2xf32> -> tensor<2x3x3x4xf32>" in text
    # Global pooling reduces the spatial dims directly.
    assert "kgen.mean %x dims [2, 3] keepdim : tensor<2x3x6x9xf32> -> tensor<2x3x1x1xf32>" in text
    assert "kgen.sum" in text and "arith.constant 3.0" in text  # divisor_override


class SlidingPools(nn.Module):
    """Windows that do not tile the input: kgen.max_pool / kgen.avg_pool."""

    def __init__(self):
        super().__init__()
        self.mods = nn.ModuleList([
            nn.MaxPool2d(3, 2, 1), nn.AvgPool2d(3, 1, 1), nn.MaxPool2d(2, ceil_mode=True),
            nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
            nn.AvgPool2d((2, 3), (1, 2), divisor_override=4)])

    def forward(self, x, s, v):
        return tuple(m(x) for m in self.mods) + (
            F.max_pool2d(x, 3, 1), F.avg_pool2d(x, 2, 3), F.max_pool3d(v, 2, 1, 1, (1, 1, 2)),
            F.max_pool1d(s, 3, 2, 1, 2, ceil_mode=True), F.avg_pool1d(s, 4, 3, 2),
            torch.max_pool2d(x, (2, 3), (2, 1), (1, 1)))


def test_sliding_pools_run_like_pytorch(tmp_path):
    torch.manual_seed(6)
    res = check_module(SlidingPools(), (torch.randn(2, 3, 7, 9), torch.randn(2, 4, 11),
                                        torch.randn(2, 2, 5, 6, 7)), tmp_path)
    text = res.mlir
    # ResNet's stem pool; an overhanging ceil_mode window; avg without the padding.
    assert "kgen.max_pool %x kernel [3, 3] stride [2, 2] padding [1, 1] dilation [1, 1] : " \
        "tensor<2x3x7x9xf32> -> tensor<2x3x4x5xf32>" in text
    assert "kernel [2, 2] stride [2, 2] padding [0, 0] dilation [1, 1] ceil_mode : " \
        "tensor<2x3x7x9xf32> -> tensor<2x3x4x5xf32>" in text
    assert "kgen.avg_pool %x kernel [3, 3] stride [2, 2] padding [1, 1] dilation [1, 1] " \
        "ceil_mode : tensor<2x3x7x9xf32>" in text
    assert "count_include_pad divisor 4" in text


# ---------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------

class Losses(nn.Module):
    def __init__(self):
        super().__init__()
        self.mods = nn.ModuleList([
            nn.L1Loss(), nn.MSELoss(reduction="sum"), nn.HuberLoss(delta=0.5),
            nn.SmoothL1Loss(beta=0.25, reduction="none"), nn.KLDivLoss(reduction="batchmean")])
        self.cos = nn.CosineSimilarity(dim=-1)
        self.dist = nn.PairwiseDistance(keepdim=True)
        self.triplet = nn.TripletMarginLoss(margin=0.5, swap=True)

    def forward(self, x, t, p, w):
        lp = torch.log_softmax(x, -1)
        outs = [m(x, t) if i < 4 else m(lp, p) for i, m in enumerate(self.mods)]
        return tuple(outs) + (
            F.l1_loss(x, t, reduction="none"),
            F.mse_loss(x, t, weight=w, reduction="sum"), F.mse_loss(x, t[0]),
            F.huber_loss(x, t, delta=2.0, reduction="sum"), F.huber_loss(x, t, weight=w),
            F.smooth_l1_loss(x, t), F.smooth_l1_loss(x, t, beta=0.0),
            F.smooth_l1_loss(x, t, size_average=False),
            F.kl_div(lp, p), F.kl_div(lp, torch.log(p), log_target=True, reduction="sum"),
            F.kl_div(lp, p, reduction="none"),
            self.cos(x, t), F.cosine_similarity(x, t[0], dim=1, eps=1e-3),
            self.dist(x, t), F.pairwise_distance(x, t, p=1.0),
            self.triplet(x, t, p), F.triplet_margin_loss(x, t, p, reduction="none"),
            F.triplet_margin_loss(x, t, p, margin=2.0, reduction="sum"))


def loss_inputs():
    x, t = torch.randn(4, 7), torch.randn(4, 7) * 2
    p = torch.softmax(torch.randn(4, 7) * 2, -1)
    p[0, 3] = p[2, 1] = 0.0  # t * log(t) must be 0 there
    return x, t, p, torch.rand(4, 7)


def test_losses_run_like_pytorch(tmp_path):
    torch.manual_seed(6)
    res = check_module(Losses(), loss_inputs(), tmp_path)
    ops = set(kgen_ops(res.mlir))
    assert {"kgen.clamp", "kgen.abs", "kgen.log", "kgen.exp", "kgen.sqrt", "kgen.minimum",
            "kgen.mean", "kgen.sum"} <= ops
    assert "min -1000.0" in res.mlir  # log(t) floored: xlogy(t, t)


def test_huber_is_clamp_not_select():
    text = import_module(Wrap(F.huber_loss, delta=0.75, reduction="none"),
                         (torch.randn(3, 5), torch.randn(3, 5)))
    assert kgen_ops(text) == ["kgen.sub", "kgen.abs", "kgen.clamp", "kgen.mul", "kgen.mul",
                              "kgen.sub", "kgen.mul", "kgen.add"]
    assert "max 0.75" in text


# ---------------------------------------------------------------------------
# aten spellings (make_fx graphs)
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("training", [False, True])
def test_make_fx_norm_pool_graph(training, tmp_path):
    """native_batch_norm, max_pool2d_with_indices, native_group_norm and
    adaptive_max_pool2d return tuples (only the values are computed);
    training mode's `add_` on num_batches_tracked and the unused reserve are
    dead nodes, not imported."""
    proxy_tensor = pytest.importorskip("torch.fx.experimental.proxy_tensor")
    torch.manual_seed(7)
    m = nn.Sequential(randomize_stats(nn.BatchNorm2d(4)), nn.MaxPool2d(2), nn.GroupNorm(2, 4),
                      nn.AdaptiveMaxPool2d(2), nn.InstanceNorm2d(4), nn.AvgPool2d(2))
    m.train(training)
    x = torch.randn(3, 4, 8, 8)
    want = reference(m, (x,), eval_mode=False)  # before make_fx updates running stats
    with torch.no_grad():
        gm = proxy_tensor.make_fx(lambda t: m(t))(x)
    targets = {str(n.target) for n in gm.graph.nodes}
    assert {"aten.native_batch_norm.default", "aten.max_pool2d_with_indices.default",
            "aten.native_group_norm.default"} <= targets
    res = import_program(gm, (x,))
    got = run_imported(res, tmp_path)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-4, atol=1e-5)


def test_make_fx_loss_graph(tmp_path):
    proxy_tensor = pytest.importorskip("torch.fx.experimental.proxy_tensor")
    torch.manual_seed(8)
    x, t, p, _ = loss_inputs()

    def losses(x, t, p):
        lp = torch.log_softmax(x, -1)
        return (F.huber_loss(x, t, delta=0.5), F.smooth_l1_loss(x, t, beta=0.5),
                F.l1_loss(x, t), F.mse_loss(x, t, reduction="sum"),
                F.kl_div(lp, p, reduction="batchmean"), F.cosine_similarity(x, t),
                F.pairwise_distance(x, t), F.triplet_margin_loss(x, t, p, swap=True))

    gm = proxy_tensor.make_fx(losses)(x, t, p)
    res = import_program(gm, (x, t, p))
    got = run_imported(res, tmp_path)
    for i, (g, w) in enumerate(zip(got, losses(x, t, p))):
        np.testing.assert_allclose(g, w.numpy(), rtol=1e-4, atol=1e-5, err_msg=f"output {i}")


# ---------------------------------------------------------------------------
# What stays unsupported, with its reason
# ---------------------------------------------------------------------------

INDICES = "return_indices: the positions of each window's maximum are not computed (kgen.max_pool gives the values)"
F_ = "torch.nn.functional."

UNSUPPORTED = [
    (Wrap(F.max_pool2d, 2, return_indices=True), 1, f"{F_}max_pool2d_with_indices ({INDICES})"),
    (Wrap(nn.MaxPool2d(2, return_indices=True)), 1, f"nn.MaxPool2d ({INDICES})"),
    (Wrap(nn.AdaptiveMaxPool2d(2, return_indices=True)), 1, f"nn.AdaptiveMaxPool2d ({INDICES})"),
    (Wrap(F.hinge_embedding_loss), 2, None),  # a select on the target, now kgen.where
    (Wrap(nn.HingeEmbeddingLoss()), 2, None),
    (Wrap(F.pairwise_distance, p=3.0), 2, f"{F_}pairwise_distance (norm with p=3.0)"),
    (Wrap(torch.xlogy), 2, "torch.xlogy (xlogy of two different operands needs a select on "
                           "x == 0; only xlogy(t, t) decomposes)"),
    (Wrap(F.kl_div, reduction="batchmean"), 2, None),  # supported: a control
]


@pytest.mark.parametrize("module,n_inputs,expected", UNSUPPORTED,
                         ids=[(e or "supported").split(" (")[0] + f"-{i}"
                              for i, (_, _, e) in enumerate(UNSUPPORTED)])
def test_unsupported_cases_name_the_reason(module, n_inputs, expected):
    inputs = [torch.randn(2, 3, 6, 7) for _ in range(n_inputs)]
    if expected is None:
        import_module(module, inputs)
        return
    with pytest.raises(UnsupportedOpsError) as ei:
        import_module(module, inputs)
    assert [op for op, _ in ei.value.unsupported] == [expected]


def test_int64_targets_of_float_losses_are_refused():
    """A hinge loss whose target is an int64 tensor (a module call) is
    refused by the importer with the reason, not emitted as a kgen op on
    i64 that the verifier would reject later."""
    m = Wrap(nn.HingeEmbeddingLoss())
    with pytest.raises(UnsupportedOpsError) as ei:
        import_module(m, (torch.randn(3, 5), torch.ones(3, 5, dtype=torch.int64)))
    assert [op for op, _ in ei.value.unsupported] == [
        "nn.HingeEmbeddingLoss (reads an int64 tensor (positions or indices); kgen computes "
        "on f32, f16 and bf16 and reads int64 only as gather indices, class-index targets "
        "and in reshapes)"]
