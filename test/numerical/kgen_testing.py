"""Shared helpers of kgen's numerical tests (see docs/testing.md).

Everything a numerical test of kgen needs, in one place:

* where `kgen-run` is (`kgen_run_path`),
* MLIR type strings and a small builder for `func.func` text (`FuncBuilder`),
* dtype rounding and the .npy storage convention of kgen-run (`round_to`,
  `to_npy`, `check_output_dtype`),
* THE tolerance policy (`tolerance`, `assert_close`),
* a subprocess runner for kgen-run (`run_kgen`), and the heuristic's
  scheduling of a program by kgen-opt (`schedule`),
* a parser for the signature of a function in an .mlir file
  (`parse_signature`), used by the examples check.

Only numpy and torch (Debian's python3-numpy / python3-torch) are needed.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import shlex
import subprocess
import zlib
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[2]

DTYPES = ("f32", "f16", "bf16")

# Seeds every (case, dtype) is checked with.
SEEDS = (0, 1, 2)

TORCH_DTYPE = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}

# The numpy dtype kgen-run reads and writes for an element type: bf16 travels
# as float32 (numpy has no bfloat16), holding bf16-representable values.
NPY_DTYPE = {"f32": np.dtype("<f4"), "f16": np.dtype("<f2"), "bf16": np.dtype("<f4")}

# Machine epsilon (distance from 1.0 to the next value), = torch.finfo().eps.
EPS = {"f32": 2.0 ** -23, "f16": 2.0 ** -10, "bf16": 2.0 ** -7}


# ---------------------------------------------------------------------------
# kgen-run location
# ---------------------------------------------------------------------------

def kgen_run_path() -> Path:
    """$KGEN_RUN, or <repo>/build/bin/kgen-run."""
    env = os.environ.get("KGEN_RUN")
    return Path(env) if env else REPO / "build" / "bin" / "kgen-run"


def kgen_run_available() -> bool:
    p = kgen_run_path()
    return p.is_file() and os.access(p, os.X_OK)


# ---------------------------------------------------------------------------
# MLIR text
# ---------------------------------------------------------------------------

def tensor_type(shape: Sequence[int], dtype: str) -> str:
    """tensor_type((4, 5), 'f32') -> 'tensor<4x5xf32>'; () -> 'tensor<f32>'."""
    return "tensor<" + "".join(f"{d}x" for d in shape) + dtype + ">"


def fmt_float(v: float) -> str:
    """A float literal MLIR parses back to the same double (for the values
    the tests use: short decimals), e.g. 0.2 -> '2.000000e-01'."""
    s = "%.6e" % v
    assert float(s) == float(v), f"{v!r} does not round-trip through {s!r}"
    return s


def fmt_ints(xs: Sequence[int]) -> str:
    return "[" + ", ".join(str(int(x)) for x in xs) + "]"


class FuncBuilder:
    """Builds the text of one `func.func` with kgen ops.

    ``arg(shape)`` adds a tensor argument, ``scalar(v)`` an `arith.constant`
    of the element type, ``op(text, shape)`` a line ``%N = text`` whose
    result is a tensor of ``shape`` and ``ret(name, shape)`` a returned value.
    ``t(shape)`` spells a tensor type of the builder's element type.
    """

    def __init__(self, dtype: str, name: str = "main"):
        self.dtype = dtype
        self.name = name
        self.args: list[tuple[str, tuple, str]] = []
        self.lines: list[str] = []
        self.results: list[tuple[str, tuple, str]] = []
        self._n = 0

    def t(self, shape: Sequence[int]) -> str:
        return tensor_type(shape, self.dtype)

    def arg(self, shape: Sequence[int], element: Optional[str] = None) -> str:
        """A tensor argument of the builder's element type, or of `element`
        (i64 for positions)."""
        name = f"%arg{len(self.args)}"
        self.args.append((name, tuple(shape), element or self.dtype))
        return name

    def _fresh(self) -> str:
        self._n += 1
        return f"%v{self._n}"

    def scalar(self, value: float) -> str:
        name = self._fresh()
        self.lines.append(f"{name} = arith.constant {fmt_float(value)} : {self.dtype}")
        return name

    def op(self, text: str, shape: Sequence[int], element: Optional[str] = None) -> "Value":
        name = self._fresh()
        self.lines.append(f"{name} = {text}")
        return Value(name, tuple(shape), element)

    def ret(self, name: str, shape: Sequence[int], element: Optional[str] = None) -> None:
        self.results.append((name, tuple(shape), element or self.dtype))

    def text(self) -> str:
        args = ", ".join(f"{n}: {tensor_type(s, e)}" for n, s, e in self.args)
        rtypes = ", ".join(tensor_type(s, e) for _, s, e in self.results)
        rnames = ", ".join(n for n, _, _ in self.results)
        body = "".join(f"    {line}\n" for line in self.lines)
        return (f"func.func @{self.name}({args}) -> ({rtypes}) {{\n{body}"
                f"    return {rnames} : {rtypes}\n}}\n")


@dataclasses.dataclass(frozen=True)
class Value:
    name: str
    shape: tuple
    element: Optional[str] = None  # i64 for positions; None: the builder's dtype

    def __str__(self) -> str:
        return self.name


_TENSOR_RE = re.compile(r"tensor<((?:\d+x)*)(f32|f16|bf16|i64|i8)>")
_FUNC_RE = re.compile(r"func\.func\s+@([\w$.]+)\s*\((.*?)\)\s*->\s*(\(.*?\)|tensor<[^>]*>)",
                      re.S)


def parse_tensor_type(s: str) -> tuple[tuple, str]:
    m = _TENSOR_RE.fullmatch(s.strip())
    if not m:
        raise ValueError(f"not a static f32/f16/bf16/i64/i8 tensor type: {s!r}")
    dims = tuple(int(d) for d in m.group(1).split("x") if d)
    return dims, m.group(2)


def parse_signature(mlir_text: str, function: str = "main"):
    """Returns ([(shape, dtype)] of the arguments, [(shape, dtype)] of the
    results) of `func.func @function` in mlir_text (tensor types only)."""
    for m in _FUNC_RE.finditer(mlir_text):
        if m.group(1) != function:
            continue
        args = [parse_tensor_type(t.group(0)) for t in _TENSOR_RE.finditer(m.group(2))]
        res = [parse_tensor_type(t.group(0)) for t in _TENSOR_RE.finditer(m.group(3))]
        return args, res
    raise ValueError(f"no func.func @{function} in the MLIR text")


# ---------------------------------------------------------------------------
# Dtype rounding and .npy storage
# ---------------------------------------------------------------------------

def round_to(x, dtype: str) -> np.ndarray:
    """The values of x rounded (to nearest even) to `dtype`, as float64.

    f32 and f16 round with numpy (correctly rounded from float64); bf16 with
    torch's float32 -> bfloat16 conversion, after a float32 rounding (a double
    rounding for float64 data: at most one bf16 ulp off, which the tolerance
    policy allows for; inputs are generated in float32 so are rounded once).
    """
    x = np.asarray(x, dtype=np.float64)
    if dtype == "f32":
        return x.astype(np.float32).astype(np.float64)
    if dtype == "f16":
        with np.errstate(over="ignore"):  # beyond 65504: inf, as intended
            return x.astype(np.float16).astype(np.float64)
    if dtype == "bf16":
        # (np.ascontiguousarray would turn a 0-d array into a 1-d one.)
        t = torch.from_numpy(np.array(x, dtype=np.float32, order="C", ndmin=0))
        return t.to(torch.bfloat16).to(torch.float64).numpy().reshape(x.shape)
    raise ValueError(dtype)


def to_npy(x, dtype: str) -> np.ndarray:
    """Array to hand kgen-run for an argument of element type `dtype`
    (int64 positions and bools keep their type)."""
    if np.asarray(x).dtype == np.int64:
        return np.asarray(x).astype("<i8")
    if np.asarray(x).dtype == np.bool_:
        return np.asarray(x)
    return np.asarray(round_to(x, dtype)).astype(NPY_DTYPE[dtype])


def is_representable(x: np.ndarray, dtype: str) -> np.ndarray:
    """Elementwise: is x exactly a value of `dtype` (NaN counts as yes)?"""
    x = np.asarray(x, dtype=np.float64)
    r = round_to(x, dtype)
    return (r == x) | np.isnan(x)


def check_output_dtype(arr: np.ndarray, dtype: str, what: str = "output") -> None:
    """The .npy storage contract of kgen-run's outputs."""
    want = NPY_DTYPE[dtype]
    assert arr.dtype == want, (
        f"{what}: .npy dtype {arr.dtype.str} but a {dtype} result must be written "
        f"as {want.str}")
    if dtype == "bf16":
        bad = ~is_representable(arr, "bf16")
        assert not bad.any(), (
            f"{what}: bf16 result written as float32 holds {int(bad.sum())} values that "
            f"are not bf16 values (e.g. {arr[bad].ravel()[:3]}): expected an exact widening")


# ---------------------------------------------------------------------------
# Random inputs
# ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class InputSpec:
    """A random tensor argument: uniform in [low, high) (or drawn from
    ``choices``); with
    ``away_from_zero`` the magnitude is uniform in [low, high) (0 <= low) and
    the sign random; ``nan`` is the fraction of elements set to NaN, ``inf``
    the fraction set to +inf or -inf (drawn after the NaNs)."""
    shape: tuple
    low: float = -1.0
    high: float = 1.0
    away_from_zero: bool = False
    nan: float = 0.0
    inf: float = 0.0
    scale: float = 1.0  # multiplies the result (e.g. 1/sqrt(fan_in) for weights)
    choices: tuple = ()  # if given: each element drawn from these values instead
    # If > 0: int64 positions uniform in [0, positions), a fraction `nan`
    # of them -100 (outside every extent: cross-entropy's ignore_index).
    positions: int = 0
    # If > 0: a bool tensor (kgen's i8), True with this probability.
    true_fraction: float = 0.0

    @property
    def element(self) -> Optional[str]:
        return "i64" if self.positions else "i8" if self.true_fraction else None

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        if self.true_fraction:
            return rng.uniform(size=self.shape) < self.true_fraction
        if self.positions:
            p = rng.integers(0, self.positions, size=self.shape, dtype=np.int64)
            if self.nan:
                p = np.where(rng.uniform(size=self.shape) < self.nan, -100, p)
            return np.asarray(p, dtype=np.int64)
        if self.choices:
            x = rng.choice(np.asarray(self.choices, np.float64), size=self.shape)
        else:
            x = rng.uniform(self.low, self.high, size=self.shape)
            if self.away_from_zero:
                x = x * rng.choice([-1.0, 1.0], size=self.shape)
            x = x * self.scale
        if self.nan:
            mask = rng.uniform(size=self.shape) < self.nan
            x = np.where(mask, np.nan, x)
        if self.inf:
            mask = rng.uniform(size=self.shape) < self.inf
            x = np.where(mask, rng.choice([-np.inf, np.inf], size=self.shape), x)
        return np.asarray(x, dtype=np.float32)


def rng_for(name: str, seed: int) -> np.random.Generator:
    """A generator that depends on the case name and the seed."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


# ---------------------------------------------------------------------------
# Tolerance policy (docs/testing.md explains the numbers)
# ---------------------------------------------------------------------------

# Error of kgen's own float32 computation against a float64 reference, the
# same for every dtype since f16/bf16 are computed in f32: accumulation order
# of reductions/contractions and libm/approximated transcendental functions
# (a few f32 ulps each). 4e-6 is about 34 f32 ulps (2**-23 = 1.19e-7).
COMPUTE_RTOL = 4e-6
# Absolute part of it, for results near zero (cancellation). Scaled by
# sqrt(reduce_len), the number of terms accumulated into one output element:
# rounding errors of a sum grow like a random walk. With inputs of magnitude
# <= 1 this is ~30x the typical f32 accumulation error (sqrt(K) * 2**-24 * |terms|).
COMPUTE_ATOL = 2e-6
# f16/bf16 results are rounded once from f32 to the dtype, the reference from
# float64 to the dtype: the two can differ by one ulp of the dtype near a
# rounding boundary; one more ulp of margin for binade edges / double rounding.
STORE_ULPS = {"f32": 0, "f16": 2, "bf16": 2}


@dataclasses.dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float

    def allowed(self, expected: np.ndarray) -> np.ndarray:
        return self.atol + self.rtol * np.abs(expected)


def tolerance(dtype: str, reduce_len: int = 1) -> Tolerance:
    """|actual - expected| <= atol + rtol * |expected|, elementwise, where
    `expected` is the float64 reference rounded to `dtype` (f16/bf16)."""
    return Tolerance(rtol=COMPUTE_RTOL + STORE_ULPS[dtype] * EPS[dtype],
                     atol=COMPUTE_ATOL * math.sqrt(max(1, reduce_len)))


def reference_to_dtype(ref, dtype: str) -> np.ndarray:
    """A float64 reference as the dtype stores it: rounded for f16/bf16, kept
    in float64 for f32 (the f32 rounding is within COMPUTE_RTOL)."""
    ref = np.asarray(ref, dtype=np.float64)
    return ref if dtype == "f32" else round_to(ref, dtype)


def assert_close(actual, expected, tol: Tolerance, what: str) -> None:
    """Elementwise check with NaNs required at the same places."""
    actual = np.asarray(actual)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, (
        f"{what}: shape {actual.shape}, expected {expected.shape}")
    a = actual.astype(np.float64)
    nan_a, nan_e = np.isnan(a), np.isnan(expected)
    if (nan_a != nan_e).any():
        idx = np.argwhere(nan_a != nan_e)[0]
        raise AssertionError(
            f"{what}: NaN mismatch at {tuple(idx)} ({int((nan_a != nan_e).sum())} places): "
            f"got {a[tuple(idx)]!r}, expected {expected[tuple(idx)]!r}")
    with np.errstate(invalid="ignore"):  # inf - inf
        ok = nan_e | (np.abs(a - expected) <= tol.allowed(expected))
    # inf == inf counts as close.
    ok |= np.isinf(expected) & (a == expected)
    if not ok.all():
        with np.errstate(invalid="ignore"):
            err = np.where(ok, 0.0, np.abs(a - expected) - tol.allowed(expected))
        err = np.where(np.isnan(err), np.inf, err)
        idx = tuple(np.unravel_index(np.argmax(err), err.shape)) if err.ndim else ()
        raise AssertionError(
            f"{what}: {int((~ok).sum())} of {ok.size} elements out of tolerance "
            f"(rtol={tol.rtol:.3g}, atol={tol.atol:.3g}); worst at index {idx}: "
            f"got {a[idx]!r}, expected {expected[idx]!r}, |diff|={abs(a[idx] - expected[idx]):.3g}, "
            f"max |diff| overall {np.nanmax(np.abs(a - expected)):.3g}")


# ---------------------------------------------------------------------------
# Running kgen-run
# ---------------------------------------------------------------------------

@dataclasses.dataclass
class RunResult:
    cmd: list
    returncode: int
    stdout: str
    stderr: str
    outputs: list

    def describe(self) -> str:
        return (f"command: {' '.join(shlex.quote(str(c)) for c in self.cmd)}\n"
                f"exit code: {self.returncode}\nstdout:\n{self.stdout[-3000:]}\n"
                f"stderr:\n{self.stderr[-3000:]}")


def run_kgen(program, workdir: Path, inputs: Optional[Sequence[np.ndarray]] = None,
             n_outputs: Optional[int] = None, function: Optional[str] = None,
             seed: Optional[int] = None, extra_args: Sequence[str] = (),
             tag: str = "run", check: bool = True, timeout: float = 300) -> RunResult:
    """Runs kgen-run on `program` (MLIR text, or a Path to an .mlir file).

    `inputs` are written to workdir/<tag>.in<i>.npy and passed as --input
    (None: no --input, kgen-run draws random ones). With `n_outputs`, results
    go to --output files; otherwise to --output-dir (all output<i>.npy read
    back). With check=True a non-zero exit fails the calling test, with the
    command and its output in the message.
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    if isinstance(program, Path):
        mlir_path = program
    else:
        mlir_path = workdir / f"{tag}.mlir"
        mlir_path.write_text(program)
    cmd = [str(kgen_run_path()), str(mlir_path)]
    # KGEN_DEVICE=gpu runs the same checks against kgen's GPU code (the
    # schedule verifier's CPU check is skipped there: PyTorch is the judge).
    if os.environ.get("KGEN_DEVICE") == "gpu":
        cmd += ["--device=gpu", "--check-seeds=0"]
    if function is not None:
        cmd.append(f"--function={function}")
    if seed is not None:
        cmd.append(f"--seed={seed}")
    for i, arr in enumerate(inputs or ()):
        p = workdir / f"{tag}.in{i}.npy"
        np.save(p, arr, allow_pickle=False)
        cmd.append(f"--input={p}")
    out_paths = []
    out_dir = None
    if n_outputs is not None:
        for i in range(n_outputs):
            p = workdir / f"{tag}.out{i}.npy"
            if p.exists():
                p.unlink()
            out_paths.append(p)
            cmd.append(f"--output={p}")
    else:
        out_dir = workdir / f"{tag}.outputs"
        out_dir.mkdir(exist_ok=True)
        for p in out_dir.glob("*.npy"):
            p.unlink()
        cmd.append(f"--output-dir={out_dir}")
    cmd.extend(extra_args)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    res = RunResult(cmd, proc.returncode, proc.stdout, proc.stderr, [])
    if proc.returncode != 0:
        if check:
            raise AssertionError(f"kgen-run failed\n{res.describe()}")
        return res
    if out_dir is not None:
        i = 0
        while (out_dir / f"output{i}.npy").exists():
            out_paths.append(out_dir / f"output{i}.npy")
            i += 1
    for p in out_paths:
        if not p.exists():
            raise AssertionError(f"kgen-run exited 0 but wrote no {p.name}\n{res.describe()}")
        res.outputs.append(np.load(p, allow_pickle=False))
    return res


def torch64(x: np.ndarray) -> torch.Tensor:
    """float64 for the reference's arithmetic; int64 positions and bools
    keep their type."""
    if np.asarray(x).dtype in (np.int64, np.bool_):
        return torch.from_numpy(np.asarray(x).copy())
    return torch.from_numpy(np.asarray(x, dtype=np.float64).copy())


def kgen_opt_path():
    return kgen_run_path().with_name("kgen-opt")


def schedule(text, tmp_path, target=None, linalg_options=""):
    """The program with every kernel scheduled (for `target`, the scheduler's
    default without one), and the schedules used. `linalg_options` are more
    options of kgen-linalg (e.g. "stream-rows=always")."""
    src, out = tmp_path / "program.mlir", tmp_path / "scheduled.mlir"
    src.write_text(text)
    chip = f"target={target}" if target else ""
    linalg = " ".join(o for o in (chip, linalg_options) if o)
    cmd = [str(kgen_opt_path()), str(src),
           f"-kgen-linalg={linalg}" if linalg else "-kgen-linalg",
           "-kgen-form-kernels",
           f"-kgen-schedule-kernels=print-schedules {chip}".strip(),
           "-o", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stderr[-3000:]}"
    assert "warning" not in proc.stderr, proc.stderr[-3000:]
    schedules = [json.loads(m) for m in
                 re.findall(r"remark: schedule from heuristic: (\{.*\})", proc.stderr)]
    return out, schedules
