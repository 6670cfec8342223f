"""Every op kgen has compiles for every GPU chip kgen targets.

For each kgen op and each variant of it (rank, ceil mode, strides,
groups, masks...), the first op case using it is compiled (f32, heuristic
schedules) by `kgen-opt -kgen-gpu-pipeline` for sm_90a, sm_80, gfx942 and
gfx90a, and the device code must hold the kernels: PTX entries for NVIDIA,
AMDGPU kernel descriptors for AMD. Running is checked elsewhere (the GPU op
suite, `KGEN_DEVICE=gpu`, on an H200); this covers the chips we cannot run.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from op_cases import CASES

ROOT = Path(__file__).resolve().parents[2]
ROCM_BITCODE = Path("/usr/lib/x86_64-linux-gnu/amdgcn/bitcode")


def _kgen_opt() -> Path:
    if os.environ.get("KGEN_OPT"):
        return Path(os.environ["KGEN_OPT"])
    build = Path(os.environ.get("KGEN_BUILD", ROOT / "build"))
    return build / "bin" / "kgen-opt"


def _require_kgen_opt() -> Path:
    """kgen-opt, or a skip (a failure in CI, where it must have been built)."""
    kgen_opt = _kgen_opt()
    if not kgen_opt.exists():
        if os.environ.get("CI") or os.environ.get("KGEN_OPT"):
            pytest.fail(f"{kgen_opt} not found")
        pytest.skip(f"{kgen_opt} not built")
    return kgen_opt


# Attributes that send an op down another lowering or schedule (a ceil_mode
# window, a strided or dilated or grouped convolution, a causal or masked
# attention, a reversed or exclusive scan), unless they hold their default.
_VARIANT_WORDS = ("ceil_mode", "causal", "mask", "groups", "dilation", "exclusive",
                  "reverse", "stride", "output_padding", "count_include_pad", "keepdim")


def _variants(text: str) -> set:
    """(op, rank of its first tensor type, the variant attributes it sets)
    for each kgen op of a case's program."""
    keys = set()
    for line in text.splitlines():
        op = re.search(r"kgen\.(\w+)", line)
        if not op:
            continue
        tensor = re.search(r"tensor<([^>]*)>", line)
        rank = tensor.group(1).count("x") if tensor else None
        words = tuple(w for w in _VARIANT_WORDS
                      if w in line and not re.search(w + r" (\[1(, 1)*\]|1\b)", line))
        keys.add((op.group(1), rank, words))
    return keys


def _one_case_per_op_variant():
    """The first f32 case of each op in each variant (`_variants`): every
    op, and the 1-D/2-D/3-D, ceil-mode, strided, grouped, dilated, masked
    and causal forms whose code differs."""
    chosen, seen = [], set()
    for case in CASES:
        if "f32" not in case.dtypes:
            continue
        keys = _variants(case.build("f32")[0]) - seen
        if keys:
            chosen.append(case)
            seen |= keys
    return chosen


CHIPS = ["sm_90a", "sm_80", "gfx942", "gfx90a"]


@pytest.mark.parametrize("chip", CHIPS)
@pytest.mark.parametrize("case", _one_case_per_op_variant(), ids=lambda c: c.name)
def test_op_compiles_for_chip(case, chip, tmp_path):
    kgen_opt = _require_kgen_opt()
    if chip.startswith("gfx") and not ROCM_BITCODE.is_dir():
        pytest.skip("AMD code generation needs Debian's rocm-device-libs")
    source = tmp_path / "case.mlir"
    source.write_text(case.build("f32")[0])
    env = dict(os.environ)
    if shutil.which("ptxas") is None and Path("/usr/local/cuda").is_dir():
        env.setdefault("CUDA_HOME", "/usr/local/cuda")
    result = subprocess.run(
        [str(kgen_opt), str(source), f"-kgen-gpu-pipeline=chip={chip} format=isa"],
        capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    if "gpu.launch_func" not in result.stdout:
        # Nothing to compute: a reshape is a view, a constant a copy, a
        # concat of one tensor that tensor.
        for line in source.read_text().splitlines():
            op = re.search(r"kgen\.(\w+) ([^:]*)", line)
            if op and op.group(1) not in ("reshape", "constant"):
                assert op.group(1) == "concat" and "," not in op.group(2), line
        return
    kernels = result.stdout.count("gpu.binary @")
    assert kernels >= 1, "no gpu.binary in the output"
    if chip.startswith("sm_"):
        assert result.stdout.count(".entry") >= kernels
        assert f".target {chip}" in result.stdout
    else:
        assert ".amdhsa_kernel" in result.stdout
        assert chip in result.stdout


def _gemm_cases():
    """Every case of a matmul-like op, in each of its dtypes: the schedules
    that stage operands in shared memory (pipelined with cp.async) and use
    tensor cores (f16) depend on the shapes and the element type."""
    return [(case, dtype) for case in CASES for dtype in case.dtypes
            if re.search(r"kgen\.(matmul|linear|bmm)\b", case.build(dtype)[0])]


@pytest.mark.parametrize("case,dtype", _gemm_cases(),
                         ids=lambda v: getattr(v, "name", v))
def test_gemm_compiles_for_sm90a_in_every_dtype(case, dtype, tmp_path):
    kgen_opt = _require_kgen_opt()
    source = tmp_path / "case.mlir"
    source.write_text(case.build(dtype)[0])
    result = subprocess.run(
        [str(kgen_opt), str(source), "-kgen-gpu-pipeline=chip=sm_90a format=isa"],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert ".entry" in result.stdout
