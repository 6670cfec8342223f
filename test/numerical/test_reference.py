"""Checks of the test machinery itself; they need no kgen-run.

The PyTorch references are checked against independent numpy
implementations, the dtype rounding against bit manipulation, and every
case's declared MLIR result types against its reference's shapes.
"""

from __future__ import annotations

import importlib.util
import math
import sys

import numpy as np
import pytest
import torch

from kgen_testing import (DTYPES, EPS, REPO, assert_close, is_representable,
                          parse_signature, reference_to_dtype, rng_for, round_to, to_npy,
                          tolerance)
from op_cases import CASES, cases_by_name, rms_norm_ref


# ---------------------------------------------------------------------------
# Rounding and tolerances
# ---------------------------------------------------------------------------

def bf16_round_bits(x: np.ndarray) -> np.ndarray:
    """float32 -> bf16 (round to nearest even) by bit manipulation."""
    u = np.ascontiguousarray(x, np.float32).view(np.uint32).astype(np.uint64)
    rounded = (u + 0x7FFF + ((u >> 16) & 1)) & 0xFFFF0000
    return rounded.astype(np.uint32).view(np.float32)


def test_bf16_rounding_matches_bit_rounding():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-4, 4, 10000), rng.standard_normal(10000) * 1e-20,
                        [1 + 2.0 ** -8, 1 + 3 * 2.0 ** -8, -(1 + 2.0 ** -8)]]).astype(np.float32)
    np.testing.assert_array_equal(round_to(x, "bf16"), bf16_round_bits(x).astype(np.float64))
    # Ties go to even.
    assert round_to(np.float32(1 + 2.0 ** -8), "bf16") == 1.0
    assert round_to(np.float32(1 + 3 * 2.0 ** -8), "bf16") == 1 + 2.0 ** -6


def test_f16_rounding_and_storage():
    x = np.array([0.1, 1 + 2.0 ** -11, 65504.0, 1e-7], np.float64)
    np.testing.assert_array_equal(round_to(x, "f16"), x.astype(np.float16).astype(np.float64))
    assert to_npy(x, "f16").dtype == np.dtype("<f2")
    assert to_npy(x, "bf16").dtype == np.dtype("<f4")
    assert is_representable(to_npy(x, "bf16"), "bf16").all()
    assert not is_representable(np.float32(0.1), "bf16")


def test_eps_is_torch_finfo_eps():
    for d in DTYPES:
        from kgen_testing import TORCH_DTYPE
        assert EPS[d] == torch.finfo(TORCH_DTYPE[d]).eps


def test_tolerance_catches_five_percent_and_allows_rounding():
    x = np.random.default_rng(1).uniform(-2, 2, 1000)
    for d in DTYPES:
        ref = reference_to_dtype(x, d)
        # The next representable value (one ulp off) passes for f16/bf16 ...
        if d != "f32":
            nxt = np.nextafter(ref.astype(np.float16 if d == "f16" else np.float32),
                               np.float32(np.inf)).astype(np.float64)
            if d == "bf16":
                nxt = ref + np.abs(ref) * 2.0 ** -8  # well within one bf16 ulp step
            assert_close(nxt, ref, tolerance(d), d)
        # ... a 5 % error fails in every dtype.
        with pytest.raises(AssertionError):
            assert_close(ref * 1.05, ref, tolerance(d), d)
    with pytest.raises(AssertionError, match="NaN mismatch"):
        assert_close(np.array([np.nan, 1.0]), np.array([0.0, 1.0]), tolerance("f32"), "nan")


# ---------------------------------------------------------------------------
# References against numpy
# ---------------------------------------------------------------------------

def np_layer_norm(x, nd, w, b, eps):
    axes = tuple(range(x.ndim - nd, x.ndim))
    mu = x.mean(axis=axes, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=axes, keepdims=True)
    y = (x - mu) / np.sqrt(var + eps)
    return y * (w if w is not None else 1.0) + (b if b is not None else 0.0)


def np_conv(x, w, b, stride, padding, dilation, groups):
    """Direct N-d cross-correlation loops (numpy, float64)."""
    nd = x.ndim - 2
    n, c = x.shape[:2]
    f = w.shape[0]
    xp = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in padding])
    ks = w.shape[2:]
    outs = [(x.shape[2 + i] + 2 * padding[i] - dilation[i] * (ks[i] - 1) - 1) // stride[i] + 1
            for i in range(nd)]
    y = np.zeros((n, f, *outs))
    cg, fg = c // groups, f // groups
    for fo in range(f):
        g = fo // fg
        for o in np.ndindex(*outs):
            for k in np.ndindex(*ks):
                idx = tuple(o[i] * stride[i] + k[i] * dilation[i] for i in range(nd))
                patch = xp[(slice(None), slice(g * cg, (g + 1) * cg)) + idx]  # [n, cg]
                y[(slice(None), fo) + o] += patch @ w[(fo, slice(None)) + k]
    if b is not None:
        y += b.reshape((1, f) + (1,) * nd)
    return y


def np_softmax(x, dim):
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


def np_gelu(x):
    return 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


def np_gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


NUMPY_REFS = {
    # case name: numpy function of the float64 inputs
    "rms_norm_7x13_ns13_weight_eps1e-6":
        lambda d, x, w: x / np.sqrt((x * x).mean(-1, keepdims=True) + 1e-6) * w,
    "rms_norm_3x5x7_ns5x7_weight_eps1e-5":
        lambda d, x, w: x / np.sqrt((x * x).mean((-2, -1), keepdims=True) + 1e-5) * w,
    "rms_norm_4x16_ns16_small_default_eps":
        lambda d, x: x / np.sqrt((x * x).mean(-1, keepdims=True) + EPS[d]),
    "layer_norm_3x5x7_ns5x7_weight_bias": lambda d, x, w, b: np_layer_norm(x, 2, w, b, 1e-5),
    "layer_norm_3x5x7_ns5x7_bias_only": lambda d, x, b: np_layer_norm(x, 2, None, b, 1e-5),
    "layer_norm_7x13_ns13_plain": lambda d, x: np_layer_norm(x, 1, None, None, 1e-5),
    "layer_norm_3x5x7_ns7_eps0.01": lambda d, x, w, b: np_layer_norm(x, 1, w, b, 1e-2),
    "conv2d_basic_bias": lambda d, x, w, b: np_conv(x, w, b, (1, 1), (1, 1), (1, 1), 1),
    "conv2d_groups2_bias": lambda d, x, w, b: np_conv(x, w, b, (1, 1), (1, 1), (1, 1), 2),
    "conv2d_depthwise": lambda d, x, w, b: np_conv(x, w, b, (1, 1), (1, 1), (1, 1), 4),
    "conv2d_rect_kernel_mixed": lambda d, x, w, b: np_conv(x, w, b, (2, 1), (0, 1), (1, 2), 1),
    "conv2d_stride_pad_dil_groups": lambda d, x, w, b: np_conv(x, w, b, (2, 3), (2, 1), (2, 1), 2),
    "conv1d_stride2_dil3_nobias": lambda d, x, w: np_conv(x, w, None, (2,), (3,), (3,), 1),
    "conv3d_groups2_dil2_nobias":
        lambda d, x, w: np_conv(x, w, None, (1, 1, 2), (0, 1, 1), (2, 1, 1), 2),
    "linear_2x3x13_to6_bias": lambda d, x, w, b: x @ w.T + b,
    "linear_13_to4_bias": lambda d, x, w, b: x @ w.T + b,
    "batch_matmul_3x7x13x5": lambda d, x, y: np.einsum("bmk,bkn->bmn", x, y),
    "softmax_3x5x7_dim2_large": lambda d, x: np_softmax(x, 2),
    "log_softmax_7x13_dim0": lambda d, x: np.log(np_softmax(x, 0)),
    "gelu_exact_7x13": lambda d, x: np_gelu(x),
    "gelu_tanh_7x13": lambda d, x: np_gelu_tanh(x),
    "hardswish_7x13": lambda d, x: x * np.minimum(np.maximum(x + 3, 0), 6) / 6,
    "silu_7x13": lambda d, x: x / (1 + np.exp(-x)),
    "leaky_relu_slope0.2_3x4x5": lambda d, x: np.where(x >= 0, x, 0.2 * x),
    "clamp_min_gt_max": lambda d, x: np.full_like(x, -1.0),
    "mean_3x5x7_dims20": lambda d, x: x.mean(axis=(0, 2)),
    "max_7x13_dims1_nan_propagation": lambda d, x: np.max(x, axis=1),
    "minimum_nan_propagation": lambda d, x, y: np.minimum(x, y),
    "pow_bcast_row_7x13_13": lambda d, x, y: x ** y,
    "div_scalar_lhs": lambda d, x: 1.5 / x,
    "permute_2x3x4x5_3102": lambda d, x: np.transpose(x, (3, 1, 0, 2)),
    "broadcast_to_6x1_to_2x6x7": lambda d, x: np.broadcast_to(x, (2, 6, 7)),
}


@pytest.mark.parametrize("name", sorted(NUMPY_REFS))
def test_reference_matches_numpy(name):
    case = cases_by_name()[name]
    for d in ("f32", "bf16"):
        rng = rng_for(name, 0)
        inputs = [to_npy(s.sample(rng), d) for s in case.inputs]
        got, = case.reference(d, inputs)
        want = NUMPY_REFS[name](d, *[x.astype(np.float64) for x in inputs])
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, equal_nan=True)


def test_rms_norm_default_eps_matters():
    """The small-input case really distinguishes the dtype's eps."""
    case = cases_by_name()["rms_norm_4x16_ns16_small_default_eps"]
    x = to_npy(case.inputs[0].sample(rng_for(case.name, 0)), "f16")
    t = torch.from_numpy(x.astype(np.float64))
    a = rms_norm_ref(t, [16], None, EPS["f16"]).numpy()
    b = rms_norm_ref(t, [16], None, 1e-6).numpy()
    with pytest.raises(AssertionError):
        assert_close(reference_to_dtype(b, "f16"), reference_to_dtype(a, "f16"),
                     tolerance("f16", 16), "eps")


# ---------------------------------------------------------------------------
# The case table and the examples
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_case_declares_reference_shapes(case):
    """The MLIR result types of every case match its reference's shapes,
    and its random inputs are finite where they should be."""
    text, _ = case.build("f32")
    args, results = parse_signature(text)
    assert [s for s, _ in args] == [s.shape for s in case.inputs]
    inputs = [to_npy(s.sample(rng_for(case.name, 0)), "f32") for s in case.inputs]
    outs = case.reference("f32", inputs)
    assert [o.shape for o in outs] == [s for s, _ in results]
    for o in outs:
        if not any(s.nan or s.choices for s in case.inputs):
            assert np.isfinite(o).all(), case.name


def test_case_names_are_unique_and_all_ops_covered():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))
    ops = ["matmul", "batch_matmul", "linear", "conv", "add", "sub", "mul", "div", "maximum",
           "minimum", "pow", "neg", "abs", "exp", "log", "sqrt", "rsqrt", "tanh", "sigmoid",
           "relu", "silu", "hardswish", "leaky_relu", "gelu", "clamp", "sum", "mean", "max",
           "min", "softmax", "log_softmax", "layer_norm", "rms_norm", "permute", "reshape",
           "broadcast_to", "constant"]
    texts = "\n".join(c.build("f32")[0] for c in CASES)
    for op in ops:
        assert f"kgen.{op} " in texts, op


def _load_reference_py():
    spec = importlib.util.spec_from_file_location("kgen_examples_reference_t",
                                                  REPO / "examples" / "reference.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_example_references_against_numpy():
    ref = _load_reference_py()
    rng = np.random.default_rng(3)
    for name, ex in ref.EXAMPLES.items():
        args, results = parse_signature(ex.path.read_text())
        xs = [rng.uniform(-1, 1, s) * ex.scales[a] for a, (s, _) in zip(ex.args, args)]
        got = ref.reference(name, xs)
        assert got.shape == results[0][0], name
        if name == "mlp":
            x, w1, b1, w2, b2 = xs
            want = np_gelu(x @ w1.T + b1) @ w2.T + b2
        elif name == "attention":
            q, k, v = xs
            want = np_softmax(np.einsum("bqd,bkd->bqk", q, k) * ref.ATTENTION_SCALE, 2) @ v
        elif name == "residual_layernorm":
            x, r, w, b = xs
            want = np_layer_norm(x + r, 1, w, b, 1e-5)
        else:
            x, w, b = xs
            want = np.maximum(np_conv(x, w, None, (1, 1), (1, 1), (1, 1), 1) + b, 0)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10, err_msg=name)
    assert ref.ATTENTION_SCALE == pytest.approx(1 / math.sqrt(32), rel=1e-7)
