"""The programs in examples/ against examples/reference.py, 3 seeds each."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys

import numpy as np
import pytest

from kgen_testing import (REPO, SEEDS, InputSpec, assert_close, check_output_dtype,
                          parse_signature, rng_for, run_kgen, to_npy, tolerance)

_spec = importlib.util.spec_from_file_location("kgen_examples_reference",
                                               REPO / "examples" / "reference.py")
reference_py = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = reference_py
_spec.loader.exec_module(reference_py)
EXAMPLES = reference_py.EXAMPLES


def example_inputs(ex, seed):
    args, _ = parse_signature(ex.path.read_text())
    assert len(args) == len(ex.args), f"{ex.path.name} takes {len(args)} arguments"
    rng = rng_for(ex.name, seed)
    return [to_npy(InputSpec(shape, scale=ex.scales[name]).sample(rng), dtype)
            for name, (shape, dtype) in zip(ex.args, args)]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example(name, tmp_path, kgen_run):
    ex = EXAMPLES[name]
    _, results = parse_signature(ex.path.read_text())
    (out_shape, dtype), = results
    for seed in SEEDS:
        inputs = example_inputs(ex, seed)
        run = run_kgen(ex.path, tmp_path, inputs, n_outputs=1, tag=f"seed{seed}")
        got = run.outputs[0]
        what = f"examples/{name}.mlir seed {seed}"
        check_output_dtype(got, dtype, what)
        assert got.shape == out_shape, f"{what}: shape {got.shape}, expected {out_shape}"
        want = reference_py.reference(name, inputs)
        assert_close(got, want, tolerance(dtype, ex.reduce_len), what)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_random_inputs_run(name, tmp_path, kgen_run):
    """kgen-run's own seeded random inputs (no --input) run every example."""
    run = run_kgen(EXAMPLES[name].path, tmp_path, None, n_outputs=1, seed=7)
    assert np.isfinite(run.outputs[0]).all()
    assert "output 0" in run.stdout


def test_reference_cli(tmp_path):
    """examples/reference.py's command line writes and compares a reference."""
    ex = EXAMPLES["residual_layernorm"]
    paths = []
    for i, arr in enumerate(example_inputs(ex, 0)):
        paths.append(tmp_path / f"in{i}.npy")
        np.save(paths[-1], arr)
    out = tmp_path / "ref.npy"
    proc = subprocess.run([sys.executable, str(REPO / "examples" / "reference.py"),
                           "residual_layernorm", *map(str, paths), "-o", str(out),
                           "--compare", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    # The reference is written as float32: it differs from float64 by rounding.
    m = re.search(r"max \|diff\|/\|ref\| = (\S+)", proc.stdout)
    assert m and float(m.group(1)) < 1e-6, proc.stdout
    ref = np.load(out)
    assert ref.dtype == np.float32 and ref.shape == (4, 32, 256)
