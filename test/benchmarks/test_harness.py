"""The benchmark harness's loophole defences, each shown by a deliberately
dishonest candidate that must be caught, plus an honest one that must pass.

They run on the CPU (the harness's checks do not depend on the device); the
stream test needs a GPU and reports itself skipped elsewhere.
"""

import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from kgen_bench import harness  # noqa: E402
from kgen_bench.harness import Incorrect, check_and_time  # noqa: E402

FAST = dict(warmup=1, min_runs=3, max_runs=3, budget_s=0.01)


def softmax_problem(rows=4, cols=64, device="cpu"):
    def make_inputs(k):
        g = torch.Generator().manual_seed(1000 + k)
        return [torch.randn(rows, cols, generator=g).to(device)]

    def reference(x):
        return torch.softmax(x, dim=-1)

    return reference, make_inputs


class Honest:
    output_shapes = [(4, 64)]

    def __call__(self, inputs, outputs):
        outputs[0].copy_(torch.softmax(inputs[0], dim=-1))


def run(candidate, reference=None, make_inputs=None, device="cpu", **kw):
    if reference is None:
        reference, make_inputs = softmax_problem(device=device)
    return check_and_time(reference, candidate, make_inputs, harness.Device(device),
                          **{**FAST, **kw})


def test_honest_candidate_passes_and_is_timed():
    result = run(Honest())
    assert result.trials == 5
    assert result.timing.runs == 3 and result.timing.median_ms > 0


def test_cached_output_is_caught_by_fresh_inputs():
    class Cached(Honest):
        cache = None

        def __call__(self, inputs, outputs):
            if self.cache is None:
                self.cache = torch.softmax(inputs[0], dim=-1)
            outputs[0].copy_(self.cache)

    with pytest.raises(Incorrect, match="trial 1"):
        run(Cached())


def test_skipped_work_is_caught_by_poisoned_outputs():
    class Partial(Honest):
        def __call__(self, inputs, outputs):
            outputs[0][:2].copy_(torch.softmax(inputs[0][:2], dim=-1))  # rows 2-3 skipped

    with pytest.raises(Incorrect, match="NaN/inf"):
        run(Partial())


def argmax_problem():
    def make_inputs(k):
        g = torch.Generator().manual_seed(2000 + k)
        return [torch.randn(4, 64, generator=g)]

    return (lambda x: (torch.amax(x, dim=-1), torch.argmax(x, dim=-1))), make_inputs


class HonestArgmax:
    output_shapes = [(4,), (4,)]

    def __call__(self, inputs, outputs):
        values, indices = torch.max(inputs[0], dim=-1)
        outputs[0].copy_(values)
        outputs[1].copy_(indices)


def test_integer_outputs_are_poisoned_and_exact():
    reference, make_inputs = argmax_problem()
    assert run(HonestArgmax(), reference, make_inputs).trials == 5

    class SkipsPositions(HonestArgmax):
        def __call__(self, inputs, outputs):
            outputs[0].copy_(torch.amax(inputs[0], dim=-1))  # positions left poisoned

    with pytest.raises(Incorrect, match="output 1: 4 of 4 elements differ; first "
                                        "-9223372036854775808"):
        run(SkipsPositions(), reference, make_inputs)

    class OffByOne(HonestArgmax):
        def __call__(self, inputs, outputs):
            super().__call__(inputs, outputs)
            outputs[1][3] += 1

    with pytest.raises(Incorrect, match="output 1: 1 of 4 elements differ"):
        run(OffByOne(), reference, make_inputs)


def test_tiny_outputs_cannot_pass_as_zeros():
    # A softmax over 10^5 columns: every value is ~1e-5, inside atol of 0.
    def make_inputs(k):
        g = torch.Generator().manual_seed(k)
        return [torch.rand(2, 100_000, generator=g)]  # softmax values <= 3e-5

    class Zeros:
        output_shapes = [(2, 100_000)]

        def __call__(self, inputs, outputs):
            outputs[0].zero_()

    with pytest.raises(Incorrect, match="relative error norm"):
        run(Zeros(), lambda x: torch.softmax(x, dim=-1), make_inputs)


def test_elementwise_error_is_caught():
    class Sloppy(Honest):
        def __call__(self, inputs, outputs):
            outputs[0].copy_(torch.softmax(inputs[0], dim=-1) * 1.01)

    with pytest.raises(Incorrect, match="elements off"):
        run(Sloppy())


def test_modified_inputs_are_caught():
    class InPlace(Honest):
        def __call__(self, inputs, outputs):
            torch.softmax(inputs[0], dim=-1, out=inputs[0])
            outputs[0].copy_(inputs[0])

    with pytest.raises(Incorrect, match="input 0 was modified"):
        run(InPlace())


def test_wrong_output_shape_is_caught():
    class Transposed(Honest):
        output_shapes = [(64, 4)]

    with pytest.raises(Incorrect, match="shapes"):
        run(Transposed())


def test_shapes_timed_must_be_the_shapes_checked():
    reference, make_inputs = softmax_problem()

    def shifting(k):  # small shapes while checked, large ones later
        return make_inputs(k) if k < 5 else [torch.randn(8, 64)]

    with pytest.raises(Incorrect, match="shapes timed must be the shapes checked"):
        run(Honest(), reference, shifting)


def test_kernel_that_cheats_only_while_timed_is_caught():
    class CheatsWhenTimed(Honest):
        calls = 0

        def __call__(self, inputs, outputs):
            self.calls += 1
            if self.calls <= 5:  # the correctness trials
                super().__call__(inputs, outputs)

    with pytest.raises(Incorrect, match="timed run"):
        run(CheatsWhenTimed())


def test_non_finite_reference_values_must_be_reproduced():
    ref = torch.tensor([1.0, float("inf"), float("nan")])
    harness.compare(ref.clone(), ref, "same")
    with pytest.raises(Incorrect, match="non-finite"):
        harness.compare(torch.tensor([1.0, 0.0, float("nan")]), ref, "lost inf")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_work_left_on_another_stream_is_caught():
    side = torch.cuda.Stream()

    class SideStream:
        output_shapes = [(4, 64)]

        def __call__(self, inputs, outputs):
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                torch.cuda._sleep(50_000_000)  # the timed stream does not wait
                outputs[0].copy_(torch.softmax(inputs[0], dim=-1))

    with pytest.raises(Incorrect, match="NaN/inf"):
        run(SideStream(), device="cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_honest_candidate_passes_on_the_gpu():
    result = run(Honest(), device="cuda")
    assert result.timing.median_ms > 0


def test_exclusive_lock_keeps_other_processes_out(tmp_path):
    """Problems run with --jobs time under this lock: while one holds it,
    another process cannot take it."""
    import subprocess
    lock = tmp_path / "gpu.lock"
    probe = ("import fcntl, sys\n"
             "f = open(sys.argv[1], 'a')\n"
             "try:\n"
             "    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
             "except BlockingIOError:\n"
             "    sys.exit(3)\n")
    with harness.exclusive(str(lock)):
        held = subprocess.run([sys.executable, "-c", probe, str(lock)]).returncode
    free = subprocess.run([sys.executable, "-c", probe, str(lock)]).returncode
    assert (held, free) == (3, 0)


def test_no_lock_is_a_no_op():
    with harness.exclusive(None):
        pass


@pytest.mark.parametrize("args, message", [
    (["--jobs", "0"], "--jobs must be at least 1"),
    (["--jobs", "2", "--no-isolate"], "--jobs needs isolated problems"),
])
def test_bad_jobs_options_are_refused(tmp_path, capsys, args, message):
    from kgen_bench.__main__ import main
    with pytest.raises(SystemExit) as e:
        main(["--out", str(tmp_path), *args])
    assert e.value.code == 2
    assert message in capsys.readouterr().err


def test_roofline_rate_follows_the_problem_dtype():
    """f16/bf16 problems are held to the tensor cores' rate, f32 ones to
    fp32 FMAs; the bandwidth is the device's either way; a rate given on
    the command line wins."""
    from kgen_bench.runner import HALF_PEAKS, ROOFLINES, Options, roofline
    options = Options()
    peak, bw, _ = roofline("NVIDIA H100 80GB HBM3", options)
    assert (peak, bw) == ROOFLINES["H100"][:2]
    for dtype in (torch.float16, torch.bfloat16):
        half, half_bw, source = roofline("NVIDIA H100 80GB HBM3", options, dtype)
        assert (half, half_bw) == (HALF_PEAKS["H100"], bw)
        assert "tensor-core" in source
    assert roofline("NVIDIA H200", options, torch.float16)[0] == HALF_PEAKS["H200"]
    given = Options(peak_flops=1e12)
    assert roofline("NVIDIA H100 80GB HBM3", given, torch.float16)[0] == 1e12
