"""Helpers shared by the importer's tests: where kgen's tools are, and
running kgen-opt on an imported module."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO / "frontend") not in sys.path:
    sys.path.insert(0, str(REPO / "frontend"))

RTOL, ATOL = 1e-4, 1e-5


def tool(name: str) -> Path:
    """$KGEN_OPT / $KGEN_RUN (from the tool's name), else <repo>/build/bin."""
    env = os.environ.get(name.upper().replace("-", "_"))
    return Path(env) if env else REPO / "build" / "bin" / name


def need_tools():
    missing = [n for n in ("kgen-opt", "kgen-run") if not os.access(tool(n), os.X_OK)]
    if missing:
        msg = f"{', '.join(missing)} not built ({tool(missing[0])})"
        if os.environ.get("CI") or os.environ.get("KGEN_RUN"):
            pytest.fail(msg)
        pytest.skip(msg)


def kgen_opt(mlir_path: Path, *flags: str) -> str:
    """Runs kgen-opt on `mlir_path`; fails the test (showing the input) if it
    rejects it, else returns its output."""
    proc = subprocess.run([str(tool("kgen-opt")), str(mlir_path), *flags],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (f"kgen-opt {' '.join(flags)} rejected {mlir_path}:\n"
                                  f"{proc.stderr}\n--- input ---\n{mlir_path.read_text()}")
    return proc.stdout
