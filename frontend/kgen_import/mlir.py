"""MLIR text for the kgen dialect: types, float literals, dense attributes.

Everything the importer writes goes through these helpers, so that every
number in the output parses back to exactly the value PyTorch used.
"""

from __future__ import annotations

import math
import re
from typing import Sequence

import numpy as np
import torch

# Element types kgen accepts, and the torch dtypes they come from.
TORCH_TO_KGEN = {torch.float32: "f32", torch.float16: "f16", torch.bfloat16: "bf16"}
KGEN_TO_TORCH = {v: k for k, v in TORCH_TO_KGEN.items()}

_SSA_BAD = re.compile(r"[^A-Za-z0-9_$.\-]")


def tensor_type(shape: Sequence[int], dtype: str) -> str:
    """tensor_type((4, 5), 'f32') -> 'tensor<4x5xf32>'; () -> 'tensor<f32>'."""
    return "tensor<" + "".join(f"{int(d)}x" for d in shape) + dtype + ">"


def ints(xs: Sequence[int]) -> str:
    """'[1, 2]', the syntax of a DenseI64ArrayAttr."""
    return "[" + ", ".join(str(int(x)) for x in xs) + "]"


def f64(value: float) -> str:
    """A decimal literal that MLIR parses back to exactly this double.

    Python's repr is the shortest round-tripping decimal; MLIR's lexer wants
    a '.' in a float literal, so '1e-05' becomes '1.0e-05'. Used for F64
    attributes (eps, negative_slope, clamp bounds), which must be finite.
    """
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"non-finite attribute value {value!r}")
    s = repr(value)
    if "e" in s and "." not in s:
        s = s.replace("e", ".0e", 1)
    return s


def _bits_hex(value: float, dtype: str) -> str:
    """The bit pattern of `value` in `dtype`, as MLIR's 0x float literal."""
    if math.isnan(value):
        return {"f32": "0x7FC00000", "f16": "0x7E00", "bf16": "0x7FC0"}[dtype]
    if dtype == "f32":
        return "0x%08X" % np.array(value, dtype=np.float32).view(np.uint32)
    if dtype == "f16":
        with np.errstate(over="ignore"):
            return "0x%04X" % np.array(value, dtype=np.float16).view(np.uint16)
    t = torch.tensor([value], dtype=torch.float32).to(torch.bfloat16)
    return "0x%04X" % (int(t.view(torch.int16).item()) & 0xFFFF)


def scalar_literal(value: float, dtype: str) -> str:
    """A literal for `arith.constant <literal> : dtype` that denotes exactly
    the dtype-rounded value: the shortest decimal that MLIR (which parses a
    double, then rounds it to the type) reads back as that value, or the bit
    pattern for inf and NaN."""
    value = float(value)
    if math.isfinite(value):
        rounded = float(round_scalar(value, dtype))
        if math.isfinite(rounded):
            return _shortest(rounded, dtype)
    return _bits_hex(value, dtype)


def _shortest(rounded: float, dtype: str) -> str:
    if rounded == 0.0 or float(rounded).is_integer() and abs(rounded) < 1e16:
        return f64(rounded)
    for digits in range(1, 18):
        s = f"{rounded:.{digits}g}"
        if round_scalar(float(s), dtype) == rounded:
            return f64(float(s)) if float(s) == rounded else _lexable(s)
    return f64(rounded)


def _lexable(s: str) -> str:
    """'1e-06' -> '1.0e-06' (MLIR wants a '.' in a float literal)."""
    mantissa, _, exp = s.partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    return mantissa + ("e" + exp if exp else "")


def round_scalar(value: float, dtype: str) -> float:
    """`value` rounded to nearest-even in `dtype` (as a Python float)."""
    t = torch.tensor([float(value)], dtype=torch.float64).to(KGEN_TO_TORCH[dtype])
    return float(t.to(torch.float64).item())


def dense(t: torch.Tensor, dtype: str, max_literal: int = 64) -> str:
    """A `dense<...>` attribute holding tensor `t` converted to `dtype`.

    Splats print as one value, small tensors as nested decimal lists (exact:
    each is the repr of the dtype value), larger ones as the hex string of
    the little-endian raw data, which MLIR reads back bit for bit.
    """
    t = t.detach().to("cpu").to(KGEN_TO_TORCH[dtype]).contiguous()
    flat = t.reshape(-1)
    if flat.numel() == 0:
        return "dense<>" if t.dim() > 0 else "dense<0.0>"
    values64 = flat.to(torch.float64)
    first = values64[0]
    same = bool(torch.all(values64 == first)) or bool(torch.all(torch.isnan(values64)))
    if same:
        return f"dense<{_element(float(first), dtype)}>"
    if flat.numel() <= max_literal:
        return "dense<" + _nested(values64.reshape(t.shape).tolist(), dtype) + ">"
    if dtype == "bf16":
        raw = t.view(torch.int16).numpy().astype("<i2").tobytes()
    elif dtype == "f16":
        raw = t.numpy().astype("<f2").tobytes()
    else:
        raw = t.numpy().astype("<f4").tobytes()
    return 'dense<"0x' + raw.hex().upper() + '">'


def _element(v: float, dtype: str) -> str:
    if math.isfinite(v):
        return _shortest(v, dtype)
    return _bits_hex(v, dtype)


def _nested(x, dtype: str) -> str:
    if isinstance(x, list):
        return "[" + ", ".join(_nested(e, dtype) for e in x) + "]"
    return _element(x, dtype)


def ssa_name(hint: str) -> str:
    """A legal MLIR value name (without '%') derived from `hint`."""
    s = _SSA_BAD.sub("_", hint) or "v"
    if s[0].isdigit() or s[0] in "$.-":
        s = "v" + s
    return s
