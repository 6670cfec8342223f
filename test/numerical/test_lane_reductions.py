"""Reductions and normalizations under the heuristic's lane schedules.

kgen-run on the CPU runs kernels unscheduled; these tests schedule the
program first (kgen-opt ... -kgen-schedule-kernels, as the GPU pipeline
does), so the kernels run in the form the schedule gives them: lanes
reading interleaved vectors into partials, and the partials combined
(docs/schedules.md, reduction_lanes). The scheduled program then runs on
the CPU against PyTorch's float64 reference, in every dtype, with the op
suite's inputs and tolerances. The lengths that split evenly must get lanes
(checked from the printed schedules); the others show the fallback.
"""

from __future__ import annotations

import numpy as np
import pytest

from kgen_testing import DTYPES, SEEDS, run_kgen, schedule
from op_cases import CASES
from test_ops import check_outputs, make_inputs

# Case name -> whether the heuristic gives its reduction kernels lanes, or
# how many.
LANE_CASES = {
    "sum_3x1_dims1": False,
    "sum_3x7_dims1": False,
    "sum_3x256_dims1": True,
    # Rows of 1000 get lanes only where their rows fill a warp (8 lanes of
    # single elements, 4 rows to a block): 3 rows would make a block that
    # ends mid-subgroup, where shuffles hang, so one thread per row.
    "sum_3x1000_dims1": False,
    "sum_16x1000_dims1": True,
    "sum_3x4097_dims1": False,
    "sum_3x8192_dims1": True,
    "sum_3x12000_dims1": 800,
    "sum_1x8192_dims1_keepdim": True,
    "sum_8192x1_dims1": False,
    "mean_2x4x1000_dims2": True,
    "max_3x8192_dims1_nan_propagation": True,
    "min_4x1000_dims1_keepdim_nan_propagation": True,
    "sum_7x13_dims0": False,
    "sum_64x96_dims0": True,
    "mean_256x40_dims0_keepdim": True,
    "max_2x128x33_dims1_nan_propagation": True,
    "min_1000x24_dims0": True,
    "sum_256x1024_dims01": True,
    "mean_4x128x600_dims012_keepdim": True,
    "max_256x1024_dims01_nan_propagation": True,
    "softmax_2x8192_dim1": True,
    "log_softmax_2x8192_dim1": True,
    "softmax_2x32000_dim1": 800,
    "log_softmax_2x32000_dim1": 800,
    "softmax_6x256_dim1_large": True,
    # Streamed in f32: the chunks' statistics combined by lanes.
    "softmax_2x65536_dim1_streamed": True,
    "log_softmax_2x65536_dim1_streamed": True,
    "softmax_3x65536_dim1_streamed_nan_inf": True,
    "softmax_2x131072_dim1_streamed": True,
    "log_softmax_2x100000_dim1_streamed": True,
    "layer_norm_2x131072_streamed": True,
    "layer_norm_2x100000_streamed": True,
    "log_softmax_6x256_dim1_large": True,
    "layer_norm_3x8192_lanes": True,
    "layer_norm_16x1000_lanes_offset_mean": True,
    "cosine_rows_8x1024": True,
    "cosine_rows_4x1024_zero": True,
    "written_layer_norm_16x4096": True,
    "layer_norm_2x65536_streamed": True,
    "layer_norm_2x65536_streamed_offset_mean": True,
    "layer_norm_3x65536_streamed_nan_inf": True,
    "rms_norm_3x8192_lanes": True,
    "rms_norm_4x256_lanes": True,
    # Positions: the maximum's butterflies, then the first position's.
    "argmax_3x8192_dim1": True,
    "argmin_3x8192_dim1": True,
    "argmax_16x1000_dim1_nan_inf": True,
    "argmin_3x4097_dim1": False,
}

BY_NAME = {c.name: c for c in CASES}
PARAMS = [pytest.param(BY_NAME[n], d, id=f"{n}-{d}")
          for n in LANE_CASES for d in DTYPES if d in BY_NAME[n].dtypes]


def test_every_case_exists():
    assert not [n for n in LANE_CASES if n not in BY_NAME]


@pytest.mark.parametrize("case,dtype", PARAMS)
def test_lane_schedule(case, dtype, tmp_path, kgen_run):
    text, per_copy = case.build(dtype, copies=len(SEEDS))
    scheduled, schedules = schedule(text, tmp_path)
    lanes = [s.get("reduction_lanes", 1) for s in schedules]
    expected = LANE_CASES[case.name]
    if expected is True:
        assert any(n > 1 for n in lanes), schedules
    elif expected:
        assert lanes == [expected] * len(lanes), schedules
    else:
        assert all(n == 1 for n in lanes), schedules
    all_inputs = [make_inputs(case, dtype, s) for s in SEEDS]
    run = run_kgen(scheduled, tmp_path, [x for xs in all_inputs for x in xs],
                   n_outputs=per_copy * len(SEEDS), function="main", tag="scheduled")
    for k, (seed, inputs) in enumerate(zip(SEEDS, all_inputs)):
        check_outputs(case, dtype, seed, inputs, run.outputs[k * per_copy:(k + 1) * per_copy], run)


# Which rows stream follows the target's shared memory per block, or the
# user's stream-rows: rows a gfx942 block (64 KB) cannot stage stream there
# though an H100's block stages them, and stream-rows=always streams rows
# any block stages. The kernels the GPU pipeline makes then, run on the CPU
# (a streamed softmax or layer_norm is four kernels: the chunks'
# statistics, two combinations, the normalization; a staged one is one).
STREAMED_BY_CHOICE = [
    ("softmax_2x32000_dim1", "gfx942", "", ("f32",)),
    ("log_softmax_2x32000_dim1", "gfx942", "", ("f32",)),
    ("layer_norm_2x65536_streamed", "gfx942", "", ("f16", "bf16")),
    ("softmax_16x1000_dim1_nan_inf", None, "stream-rows=always", DTYPES),
    ("layer_norm_16x1000_nan_inf", None, "stream-rows=always", DTYPES),
]


@pytest.mark.parametrize("name,target,options,dtypes", STREAMED_BY_CHOICE,
                         ids=[f"{n}-{t or o}" for n, t, o, _ in STREAMED_BY_CHOICE])
def test_streamed_by_target_or_choice(name, target, options, dtypes, tmp_path,
                                      kgen_run):
    case = BY_NAME[name]
    for dtype in dtypes:
        text, per_copy = case.build(dtype, copies=1)
        _, staged = schedule(text, tmp_path)
        scheduled, streamed = schedule(text, tmp_path, target, options)
        assert len(staged) == 1 and len(streamed) == 4, (staged, streamed)
        inputs = make_inputs(case, dtype, SEEDS[0])
        run = run_kgen(scheduled, tmp_path, inputs, n_outputs=per_copy,
                       function="main", tag=f"streamed-{dtype}")
        check_outputs(case, dtype, SEEDS[0], inputs, run.outputs, run)


# Long rows, against float64. A sequential float32 sum's error grows with
# the row (each addition rounds at the size of the running total); lanes
# give each lane a 1/(lanes x vector) share of the row and combine the
# partials, so the error stays close to float32's rounding of the result.
# Positive inputs: no cancellation, so the error is the summation's own.
# (Rows of 1e8 elements, 400 MB each, are left to the GPU runs.)
@pytest.mark.parametrize("length", [1 << 20, 1 << 23, 10_000_000])
@pytest.mark.parametrize("seed", [1, 2])
def test_long_row_sum_accuracy(length, seed, tmp_path, kgen_run):
    rows = 2
    shape = f"{rows}x{length}xf32"
    text = (f"func.func @main(%x: tensor<{shape}>) -> tensor<{rows}xf32> {{\n"
            f"  %r = kgen.sum %x dims [1] : tensor<{shape}> -> tensor<{rows}xf32>\n"
            f"  return %r : tensor<{rows}xf32>\n}}\n")
    scheduled, schedules = schedule(text, tmp_path)
    assert schedules and schedules[0]["reduction_lanes"] > 1, schedules
    x = np.random.default_rng(seed).random((rows, length), dtype=np.float32)
    run = run_kgen(scheduled, tmp_path, [x], n_outputs=1, function="main")
    reference = x.astype(np.float64).sum(axis=1)
    error = np.abs(run.outputs[0].astype(np.float64) - reference) / reference
    sequential = np.cumsum(x, axis=1, dtype=np.float32)[:, -1].astype(np.float64)
    sequential_error = np.abs(sequential - reference) / reference
    assert error.max() < 1e-5, (error, sequential_error, schedules[0])
    assert np.all(error <= sequential_error), (error, sequential_error)
