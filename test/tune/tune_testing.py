"""Shared by kgen-tune's tests: where the repository and tools are, whether
libkgen_c has the tuning API, and small real kgen programs whose kernels
the CPU measurer times in well under a millisecond."""

from __future__ import annotations

import ctypes
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO / "frontend") not in sys.path:
    sys.path.insert(0, str(REPO / "frontend"))

# One kernel: a 64x128 by 128x64 f32 matmul.
MATMUL = """\
func.func @main(%a: tensor<64x128xf32>, %b: tensor<128x64xf32>) -> tensor<64x64xf32> {
  %c = kgen.matmul %a, %b : (tensor<64x128xf32>, tensor<128x64xf32>) -> tensor<64x64xf32>
  return %c : tensor<64x64xf32>
}
"""

# The same structure at other sizes (for the nearest-kernel memory).
MATMUL_96 = MATMUL.replace("64x128", "96x128").replace("128x64", "128x48") \
    .replace("64x64", "96x48")

# Two kernels: a matmul, then a softmax of its rows.
MATMUL_SOFTMAX = """\
func.func @main(%a: tensor<32x64xf32>, %b: tensor<64x32xf32>) -> tensor<32x32xf32> {
  %c = kgen.matmul %a, %b : (tensor<32x64xf32>, tensor<64x32xf32>) -> tensor<32x32xf32>
  %s = kgen.softmax %c dim 1 : tensor<32x32xf32>
  return %s : tensor<32x32xf32>
}
"""

# A schedule for MATMUL that the ladder accepts and that runs about three
# times slower than the heuristic's on the CPU: 1x1 thread tiles, no
# vectors, no staging, the reduction untiled.
BAD_MATMUL_SCHEDULE = {"fuse": [0], "matrix_instruction": "none", "pipeline_depth": 1,
                       "promote_operands": [], "reduction_lanes": 1, "reduction_tile": [0],
                       "split_reduction": 0, "thread_tile": [1, 1], "vector_width": 1,
                       "version": 1, "workgroup_tile": [16, 16]}


def tool(name: str) -> Path:
    """$KGEN_OPT / $KGEN_RUN, else <repo>/build/bin/<name>."""
    env = os.environ.get(name.upper().replace("-", "_"))
    return Path(env) if env else REPO / "build" / "bin" / name


def library_path() -> Path:
    env = os.environ.get("KGEN_C_LIBRARY")
    if env:
        return Path(env)
    return Path(os.environ.get("KGEN_BUILD") or REPO / "build") / "lib" / "libkgen_c.so"


def tune_library_missing():
    """Why the tuning API cannot be used (None when it can)."""
    try:
        lib = ctypes.CDLL(str(library_path()))
    except OSError as e:
        return f"cannot load {library_path()}: {e}"
    if not hasattr(lib, "kgenTuneOpen"):
        return f"{library_path()} lacks kgenTuneOpen (include/kgen-c/Tune.h)"
    return None


def need_tune_library():
    """Skips the module without the tuning API, except under CI or with
    KGEN_RUN set (the test scripts), where a missing build is a failure."""
    missing = tune_library_missing()
    if missing:
        if os.environ.get("CI") or os.environ.get("KGEN_RUN"):
            pytest.fail(missing, pytrace=False)
        pytest.skip(missing, allow_module_level=True)


def has_gpu() -> bool:
    """Whether the GPU measurer can find a CUDA driver here."""
    try:
        ctypes.CDLL("libcuda.so.1")
        return True
    except OSError:
        return False


REMARK = re.compile(r"remark: schedule from (\S+): (\{.*\})")


def printed_schedules(mlir: Path, decisions: Path, target: str = "sm_90a"):
    """kgen-opt's scheduling of `mlir` with `decisions`: [(source, schedule
    text)] from its print-schedules remarks, in kernel order."""
    proc = subprocess.run(
        [str(tool("kgen-opt")), str(mlir), "-kgen-linalg", "-kgen-form-kernels",
         f"-kgen-schedule-kernels=target={target} decisions={decisions} print-schedules",
         "-o", os.devnull], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return [(m.group(1), m.group(2)) for m in REMARK.finditer(proc.stderr)]
