"""Checking and timing a candidate kernel against a PyTorch reference.

A *candidate* writes a problem's outputs into buffers the harness owns:
`candidate.output_shapes` names their shapes and `candidate(inputs, outputs)`
fills them. The harness closes the loopholes that published LLM-kernel
benchmarks fell into:

- fresh inputs for every correctness trial (a kernel that caches its first
  result fails the second trial);
- outputs poisoned with NaN (integer outputs, argmax's positions, with
  the most negative value) before every run, checked or timed (a kernel
  that skips work, or writes part of its output, leaves the poison);
- integer outputs must match exactly;
- elementwise tolerances plus a bound on the relative error norm
  ||out - ref|| / ||ref|| (outputs whose values are all tiny, such as a
  softmax over 10^5 columns, cannot pass as zeros);
- the candidate's inputs must be left unchanged;
- the shapes checked are the shapes timed, and the output shapes are the
  reference's exactly (no broadcasting);
- every timed run is poisoned and its outputs are checked after timing
  (a kernel that behaves only while being checked is caught);
- on the GPU, everything runs on one stream, and the outputs checked are
  snapshots taken in that stream's order right after the run (work left on
  another stream is not finished when the snapshot is taken).
Failures are reported as `Incorrect` with the reason; nothing is printed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import math
import statistics
import time
from typing import Callable, List, Optional, Sequence

import torch

# Tolerances of the check (issue #5): fp32 1e-4, fp16/bf16 1e-2, plus the
# relative error norm.
TOLERANCES = {
    torch.float32: dict(atol=1e-4, rtol=1e-4, rel_norm=1e-3),
    torch.float16: dict(atol=1e-2, rtol=1e-2, rel_norm=1e-2),
    torch.bfloat16: dict(atol=1e-2, rtol=1e-2, rel_norm=2e-2),
}

L2_FLUSH_BYTES = 256 << 20  # more than the L2 of any GPU we target


class Incorrect(Exception):
    """The candidate produced a wrong, incomplete or unverifiable result."""


@dataclasses.dataclass
class Timing:
    median_ms: float
    runs: int
    min_ms: float
    max_ms: float


def poison_value(dtype: torch.dtype):
    """What an output holds before a run: NaN, for integers (positions,
    never negative) the most negative value, for bools True (no value is
    impossible there)."""
    if dtype.is_floating_point:
        return float("nan")
    return True if dtype == torch.bool else torch.iinfo(dtype).min


def compare(out: torch.Tensor, ref: torch.Tensor, what: str) -> None:
    """Raises Incorrect unless `out` matches `ref` (shape, dtype, every
    element within atol + rtol*|ref|, and the relative error norm; integer
    outputs exactly)."""
    if tuple(out.shape) != tuple(ref.shape):
        raise Incorrect(f"{what}: shape {tuple(out.shape)}, expected {tuple(ref.shape)}")
    if out.dtype != ref.dtype:
        raise Incorrect(f"{what}: dtype {out.dtype}, expected {ref.dtype}")
    if not ref.dtype.is_floating_point:
        wrong = out != ref
        if bool(wrong.any()):
            i = int(torch.nonzero(wrong.flatten())[0])
            raise Incorrect(f"{what}: {int(wrong.sum())} of {out.numel()} elements differ; "
                            f"first {int(out.flatten()[i])} vs {int(ref.flatten()[i])}")
        return
    tol = TOLERANCES.get(ref.dtype, TOLERANCES[torch.float32])
    o = out.detach().double()
    r = ref.detach().double()
    finite_ref = torch.isfinite(r)
    # Non-finite reference values must be matched exactly (same inf, NaN).
    mismatched_special = (~finite_ref) & ~((o == r) | (torch.isnan(o) & torch.isnan(r)))
    if bool(mismatched_special.any()):
        raise Incorrect(f"{what}: {int(mismatched_special.sum())} non-finite reference "
                        "values not reproduced")
    if bool((finite_ref & ~torch.isfinite(o)).any()):
        bad = int((finite_ref & ~torch.isfinite(o)).sum())
        raise Incorrect(f"{what}: {bad} of {o.numel()} elements are NaN/inf "
                        "(unwritten or overflowed)")
    o, r = o[finite_ref], r[finite_ref]
    err = (o - r).abs()
    limit = tol["atol"] + tol["rtol"] * r.abs()
    if bool((err > limit).any()):
        i = int(torch.argmax(err - limit))
        raise Incorrect(f"{what}: {int((err > limit).sum())} of {o.numel()} elements off; "
                        f"worst {float(o[i]):.6g} vs {float(r[i]):.6g}")
    ref_norm = float(torch.linalg.vector_norm(r))
    if ref_norm > 0:
        rel = float(torch.linalg.vector_norm(o - r)) / ref_norm
        if rel > tol["rel_norm"]:
            raise Incorrect(f"{what}: relative error norm {rel:.3g} > {tol['rel_norm']:g}")


class Device:
    """Where runs happen: streams, events and the L2 flush on a GPU; plain
    synchronous execution and a wall clock on the CPU (used by the tests)."""

    def __init__(self, name: str):
        self.type = torch.device(name).type
        self.name = name
        if self.type == "cuda":
            self.stream = torch.cuda.current_stream()
            self._flush = torch.empty(L2_FLUSH_BYTES, dtype=torch.uint8, device=name)

    def synchronize(self) -> None:
        if self.type == "cuda":
            torch.cuda.synchronize()

    def flush_l2(self) -> None:
        if self.type == "cuda":
            self._flush.fill_(0)

    def time_runs(self, run: Callable[[int], None], runs: int,
                  before: Optional[Callable[[int], None]] = None) -> List[float]:
        """Milliseconds of `run(i)` for i in range(runs); `before(i)` and an
        L2 flush precede each run, outside the timed window but on the same
        stream."""
        times = []
        if self.type == "cuda":
            events = []
            for i in range(runs):
                if before:
                    before(i)
                self.flush_l2()
                start = torch.cuda.Event(enable_timing=True)
                stop = torch.cuda.Event(enable_timing=True)
                start.record(self.stream)
                run(i)
                stop.record(self.stream)
                events.append((start, stop))
            torch.cuda.synchronize()
            return [s.elapsed_time(e) for s, e in events]
        for i in range(runs):
            if before:
                before(i)
            t0 = time.perf_counter()
            run(i)
            times.append((time.perf_counter() - t0) * 1e3)
        return times


@contextlib.contextmanager
def exclusive(lock_path: Optional[str]):
    """Holds an exclusive lock on `lock_path` (created if missing) for the
    duration; nothing when it is None. Problems run in parallel take it
    around everything they time, so no timed run shares the GPU with
    another problem's timed runs."""
    if lock_path is None:
        yield
        return
    with open(lock_path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def time_function(device: Device, run: Callable[[int], None], *, warmup: int = 5,
                  min_runs: int = 20, max_runs: int = 200, budget_s: float = 2.0,
                  before: Optional[Callable[[int], None]] = None) -> Timing:
    """Median over many runs: warm-up runs first, then as many runs as fit
    in `budget_s` within [min_runs, max_runs]. The same method times every
    backend."""
    for i in range(warmup):
        if before:
            before(i)
        run(i)
    device.synchronize()
    probe = device.time_runs(run, 3, before)
    estimate = max(statistics.median(probe), 1e-3)
    runs = int(min(max_runs, max(min_runs, budget_s * 1e3 / estimate)))
    times = device.time_runs(run, runs, before)
    return Timing(statistics.median(times), runs, min(times), max(times))


@dataclasses.dataclass
class CheckedRun:
    trials: int
    timing: Optional[Timing] = None


def _same_shapes(a: Sequence[torch.Tensor], b: Sequence[torch.Tensor]) -> bool:
    return [tuple(x.shape) for x in a] == [tuple(x.shape) for x in b]


def check_and_time(reference: Callable[..., Sequence[torch.Tensor]], candidate,
                   make_inputs: Callable[[int], List[torch.Tensor]], device: Device,
                   *, trials: int = 5, rotations: int = 4, time_it: bool = True,
                   **timing_options) -> CheckedRun:
    """Checks `candidate` against `reference` on `trials` fresh input sets,
    then times it on `rotations` more (checking the timed outputs too).

    `make_inputs(k)` returns the k-th input set (fresh random tensors on the
    device); `reference(*inputs)` returns the expected outputs. Raises
    Incorrect on any failed check.
    """
    shapes = None

    def fresh(k: int):
        nonlocal shapes
        inputs = make_inputs(k)
        if shapes is None:
            shapes = [tuple(x.shape) for x in inputs]
        elif [tuple(x.shape) for x in inputs] != shapes:
            raise Incorrect(f"input set {k} has shapes {[tuple(x.shape) for x in inputs]}, "
                            f"the first had {shapes}: the shapes timed must be the shapes checked")
        return inputs

    def expected(inputs):
        with torch.no_grad():
            refs = reference(*inputs)
        refs = [refs] if isinstance(refs, torch.Tensor) else list(refs)
        if [tuple(s) for s in candidate.output_shapes] != [tuple(r.shape) for r in refs]:
            raise Incorrect(f"the candidate's outputs have shapes {list(candidate.output_shapes)}, "
                            f"the reference's {[tuple(r.shape) for r in refs]}")
        return [r.contiguous() for r in refs]

    def poisoned_outputs(refs):
        return [torch.full_like(r, poison_value(r.dtype)) for r in refs]

    def run_checked(inputs, refs, what):
        saved = [x.clone() for x in inputs]
        outputs = poisoned_outputs(refs)
        candidate(inputs, outputs)
        # Snapshots in the stream's order: work the candidate left running on
        # another stream is not part of them.
        snapshots = [o.clone() for o in outputs]
        device.synchronize()
        for i, (s, r) in enumerate(zip(snapshots, refs)):
            compare(s, r, f"{what}, output {i}")
        for i, (x, s) in enumerate(zip(inputs, saved)):
            if not bool(((x == s) | (torch.isnan(x) & torch.isnan(s))).all()):
                raise Incorrect(f"{what}: input {i} was modified")

    for k in range(trials):
        inputs = fresh(k)
        run_checked(inputs, expected(inputs), f"trial {k}")
    result = CheckedRun(trials=trials)
    if not time_it:
        return result

    sets = [fresh(trials + r) for r in range(rotations)]
    refs = [expected(s) for s in sets]
    outputs = [poisoned_outputs(r) for r in refs]

    def before(i):
        for o in outputs[i % rotations]:
            o.fill_(poison_value(o.dtype))

    ran = set()

    def timed(i):
        candidate(sets[i % rotations], outputs[i % rotations])
        ran.add(i % rotations)

    # The timed window holds the candidate's call alone.
    result.timing = time_function(device, timed, before=before, **timing_options)
    # The last timed run of each rotation left its outputs: check them.
    device.synchronize()
    for r in sorted(ran):
        for i, (o, ref) in enumerate(zip(outputs[r], refs[r])):
            compare(o, ref, f"timed run on input set {trials + r}, output {i}")
    # Once more per rotation, checking snapshots taken in stream order.
    for r in range(rotations):
        run_checked(sets[r], refs[r], f"stream-ordered run on input set {trials + r}")
    return result


def time_baseline(device: Device, fn: Callable[..., object],
                  make_inputs: Callable[[int], List[torch.Tensor]], *, rotations: int = 4,
                  first_set: int = 100, **timing_options) -> Timing:
    """Times `fn(*inputs)` (PyTorch eager or torch.compile) with the same
    method as the candidate: same flush, warm-up, run count rule, rotation."""
    sets = [make_inputs(first_set + r) for r in range(rotations)]

    def run(i):
        with torch.no_grad():
            fn(*sets[i % rotations])

    return time_function(device, run, **timing_options)


def geometric_mean(values: Sequence[float]) -> float:
    values = [v for v in values if v and v > 0 and math.isfinite(v)]
    if not values:
        return float("nan")
    return math.exp(sum(math.log(v) for v in values) / len(values))
