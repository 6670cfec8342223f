"""Every kgen op against a PyTorch float64 reference, in f32, f16 and bf16.

One test per (case, dtype); each checks the seeds in kgen_testing.SEEDS.
By default one kgen-run call checks all seeds: @main applies the op once per
seed to that seed's own arguments (compiling dominates the run time). With
KGEN_TEST_SEPARATE_SEEDS=1 each seed is its own program and kgen-run call.
"""

from __future__ import annotations

import os
import subprocess

import numpy as np
import pytest

from kgen_testing import (DTYPES, SEEDS, Tolerance, assert_close, check_output_dtype, reference_to_dtype,
                          kgen_opt_path, rng_for, round_to, run_kgen, to_npy, tolerance)
from op_cases import CASES

SEPARATE_SEEDS = os.environ.get("KGEN_TEST_SEPARATE_SEEDS", "") not in ("", "0")

EXACT = Tolerance(rtol=0.0, atol=0.0)

# Case name -> reason, for known kgen bugs that should not break CI while
# they are being fixed: those tests are marked xfail(strict=True), so they
# start failing again (XPASS) once the bug is gone.
KNOWN_BUGS: dict = {}


def _param(case, dtype):
    marks = ()
    if case.name in KNOWN_BUGS:
        marks = (pytest.mark.xfail(reason=KNOWN_BUGS[case.name], strict=True),)
    return pytest.param(case, dtype, id=f"{case.name}-{dtype}", marks=marks)


PARAMS = [_param(c, d) for c in CASES for d in DTYPES if d in c.dtypes]


def make_inputs(case, dtype, seed):
    """Seeded inputs already rounded to the dtype, in kgen-run's .npy form."""
    rng = rng_for(case.name, seed)
    return [to_npy(spec.sample(rng), dtype) for spec in case.inputs]


def check_outputs(case, dtype, seed, inputs, outputs, run):
    expected = case.reference(dtype, inputs)
    assert len(outputs) == len(expected), f"{len(outputs)} outputs, expected {len(expected)}"
    tol = EXACT if case.exact else tolerance(dtype, case.reduce_len)
    for i, (got, want) in enumerate(zip(outputs, expected)):
        what = f"{case.name} [{dtype}] seed {seed} output {i}"
        if want.dtype in (np.int64, np.bool_):  # positions and bools: exact
            assert got.dtype == want.dtype, \
                f"{what}: .npy dtype {got.dtype.str}, expected {want.dtype.str}"
            bad = np.flatnonzero(got != want)
            assert bad.size == 0, (f"{what}: {bad.size} of {want.size} elements differ, first "
                                   f"at {bad[:1]}: {got.ravel()[bad[:1]]} vs {want.ravel()[bad[:1]]}"
                                   f"\nrepro: {' '.join(map(str, run.cmd))}")
            continue
        check_output_dtype(got, dtype, what)
        try:
            # An exact check compares with the reference rounded to the
            # dtype, f32 included.
            want = round_to(want, dtype) if case.exact else reference_to_dtype(want, dtype)
            assert_close(got, want, tol, what)
        except AssertionError as e:
            raise AssertionError(f"{e}\nrepro: {' '.join(map(str, run.cmd))}") from None


@pytest.mark.parametrize("case,dtype", PARAMS)
def test_op(case, dtype, tmp_path, kgen_run):
    if SEPARATE_SEEDS:
        for seed in SEEDS:
            text, _ = case.build(dtype)
            inputs = make_inputs(case, dtype, seed)
            n_out = len(case.reference(dtype, inputs))
            run = run_kgen(text, tmp_path, inputs, n_outputs=n_out, tag=f"seed{seed}")
            check_outputs(case, dtype, seed, inputs, run.outputs, run)
        return
    text, per_copy = case.build(dtype, copies=len(SEEDS))
    all_inputs = [make_inputs(case, dtype, s) for s in SEEDS]
    run = run_kgen(text, tmp_path, [x for xs in all_inputs for x in xs],
                   n_outputs=per_copy * len(SEEDS), tag="all_seeds")
    for k, (seed, inputs) in enumerate(zip(SEEDS, all_inputs)):
        check_outputs(case, dtype, seed, inputs, run.outputs[k * per_copy:(k + 1) * per_copy], run)


WRITTEN_ATTENTION = [c for c in CASES if c.name.startswith("attention_written_")]


@pytest.mark.parametrize("case", WRITTEN_ATTENTION, ids=[c.name for c in WRITTEN_ATTENTION])
def test_written_attention_is_recognized(case, kgen_run):
    """The written-out attention cases above check numbers only, which the
    written-out form would also meet in f32: their programs must become
    kgen.attention (kgen-recognize-attention), in every dtype."""
    for dtype in case.dtypes:
        text, _ = case.build(dtype)
        out = subprocess.run([str(kgen_opt_path()), "-", "-kgen-recognize-attention"],
                             input=text, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert "kgen.attention" in out.stdout and "kgen.softmax" not in out.stdout, out.stdout
