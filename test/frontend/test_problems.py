"""Every benchmark problem (benchmarks/problems/*.py) imports cleanly.

Each problem is loaded at its SMALL_SIZES (module-level size constants
overridden before the model and inputs are built), imported with kgen-import's
Python API, checked by kgen-opt (verify and --kgen-to-linalg) and run by
kgen-run against the problem's own PyTorch output (f32: rtol 1e-4, atol 1e-5;
f16 and bf16 problems: 1e-2 and 2e-2).

Each problem is also imported at its full size, from fake inputs (shapes and
dtypes, no values: nothing runs, so it takes a fraction of a second), and
the result is verified with kgen-opt.

Run: .venv/bin/python -m pytest -q test/frontend/test_problems.py
"""

from __future__ import annotations

import ast
import subprocess

import numpy as np
import pytest
import torch

from frontend_testing import ATOL, REPO, RTOL, kgen_opt, need_tools, tool  # noqa: E402,F401

from kgen_import import import_program, load_problem  # noqa: E402
from kgen_import.problem import load_source  # noqa: E402

PROBLEMS_DIR = REPO / "benchmarks" / "problems"
# Problems in f16 or bf16 (their inputs' type) against PyTorch computing in
# that type: a few units in the last place of the stored type.
TOLERANCES = {torch.float16: (1e-2, 1e-2), torch.bfloat16: (2e-2, 2e-2)}
PROBLEMS = sorted(p.stem for p in PROBLEMS_DIR.glob("*.py"))


def test_suite_size():
    assert len(PROBLEMS) >= 30, PROBLEMS


@pytest.mark.parametrize("name", PROBLEMS)
def test_problem_format(name):
    """KernelBench format, a docstring saying what it measures, and small
    sizes that name real module-level constants."""
    path = PROBLEMS_DIR / f"{name}.py"
    tree = ast.parse(path.read_text())
    doc = ast.get_docstring(tree)
    assert doc and "Measures:" in doc and "Shapes:" in doc, f"{name}: module docstring"
    mod = load_source(path)
    for attr in ("Model", "get_inputs", "get_init_inputs", "SMALL_SIZES"):
        assert hasattr(mod, attr), f"{name}: missing {attr}"
    for k, v in mod.SMALL_SIZES.items():
        assert isinstance(getattr(mod, k, None), int), f"{name}: {k} is not a size constant"
        assert v <= getattr(mod, k), f"{name}: SMALL_SIZES[{k!r}] is larger than {k}"


@pytest.mark.parametrize("name", PROBLEMS)
def test_problem_imports_and_runs_small(name, tmp_path):
    path = PROBLEMS_DIR / f"{name}.py"
    prob = load_problem(path, seed=0, sizes=load_source(path).SMALL_SIZES)
    res = import_program(prob.model, prob.inputs, source=f"{name}.py")
    assert res.arguments[:len(prob.inputs)] and all(
        a.kind == "input" for a in res.arguments[:len(prob.inputs)])
    need_tools()
    mlir_path = tmp_path / f"{name}.mlir"
    mlir_path.write_text(res.mlir)
    kgen_opt(mlir_path)
    kgen_opt(mlir_path, "--kgen-to-linalg")

    args = res.save_arguments(tmp_path / "args")
    outs = [tmp_path / f"out{i}.npy" for i in range(len(res.result_shapes))]
    cmd = [str(tool("kgen-run")), str(mlir_path), *[f"--input={p}" for p in args],
           *[f"--output={p}" for p in outs]]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stderr}"

    prob.model.eval()
    with torch.no_grad():
        want = prob.model(*prob.inputs)
    want = want if isinstance(want, (tuple, list)) else (want,)
    for i, (p, w) in enumerate(zip(outs, want)):
        rtol, atol = TOLERANCES.get(w.dtype, (RTOL, ATOL))
        np.testing.assert_allclose(np.load(p).astype(np.float32), w.float().numpy(),
                                   rtol=rtol, atol=atol, err_msg=f"{name}: output {i}")


@pytest.mark.parametrize("name", PROBLEMS)
def test_problem_imports_full_size(name, tmp_path):
    prob = load_problem(PROBLEMS_DIR / f"{name}.py", seed=0, fake_inputs=True)
    res = import_program(prob.model, prob.inputs, source=f"{name}.py")
    need_tools()
    mlir_path = tmp_path / f"{name}.mlir"
    mlir_path.write_text(res.mlir)
    kgen_opt(mlir_path)
