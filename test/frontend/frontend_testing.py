"""Helpers shared by the importer's tests: where kgen's tools are, running
kgen-opt and kgen-run on an imported module, and comparing its results with
the module's PyTorch output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

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


def run_imported(res, tmp_path: Path, tag: str = "m"):
    """Verifies res.mlir with kgen-opt, runs it with kgen-run on its
    arguments and returns the outputs (numpy arrays)."""
    need_tools()
    mlir_path = tmp_path / f"{tag}.mlir"
    mlir_path.write_text(res.mlir)
    kgen_opt(mlir_path)
    kgen_opt(mlir_path, "--kgen-to-linalg")
    paths = res.save_arguments(tmp_path / f"{tag}.args")
    outs = [tmp_path / f"{tag}.out{i}.npy" for i in range(len(res.result_shapes))]
    cmd = [str(tool("kgen-run")), str(mlir_path), *[f"--input={p}" for p in paths],
           *[f"--output={p}" for p in outs]]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"kgen-run failed: {' '.join(cmd)}\n{proc.stderr}\n{res.mlir}"
    return [np.load(p) for p in outs]


def reference(module, inputs, eval_mode: bool = True):
    """The module's outputs as numpy arrays, float32 for floating-point ones
    (int64 positions stay int64): in eval mode, or with eval_mode=False in
    the mode it is in (batch norm's batch statistics)."""
    if eval_mode:
        module.eval()
    with torch.no_grad():
        out = module(*inputs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [(o.detach().float() if o.is_floating_point() else o.detach()).numpy()
            for o in outs]


def check_module(module, inputs, tmp_path, params_as="arguments", rtol=RTOL, atol=ATOL,
                 eval_mode: bool = True):
    """Imports `module`, runs it with kgen-run and compares with PyTorch
    (see `reference` for eval_mode); returns the ImportResult."""
    from kgen_import import import_program
    res = import_program(module, inputs, params_as=params_as)
    got = run_imported(res, tmp_path)
    want = reference(module, inputs, eval_mode)
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        assert g.shape == w.shape, f"output {i}: shape {g.shape}, expected {w.shape}"
        if w.dtype in (np.int64, np.bool_):  # positions and masks: exact
            assert g.dtype == w.dtype, f"output {i}: {g.dtype}, expected {w.dtype}"
            np.testing.assert_array_equal(g, w, err_msg=f"output {i} of\n{res.mlir}")
            continue
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol,
                                   err_msg=f"output {i} of\n{res.mlir}")
    return res
