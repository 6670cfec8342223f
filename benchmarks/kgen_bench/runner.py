"""Runs benchmark problems: import, compile with kgen, check, and time kgen,
PyTorch eager and torch.compile in one process with one method."""

from __future__ import annotations

import dataclasses
import time
import traceback
from pathlib import Path
from typing import Any, Dict, List, Optional

import torch

from . import harness
from .kgen_backend import KgenCandidate, KgenError, KgenFunction

from kgen_import import KgenImportError, import_program, load_problem

# Roofline inputs: (fp32 flop/s, bytes/s, where the numbers come from).
ROOFLINES = {
    "H200": (51e12, 4.24e12,
             "measured on an H200 with PyTorch 2.11: cuBLAS fp32 matmul (TF32 off), "
             "copy bandwidth (bytes read plus bytes written)"),
    "H100": (51e12 * 3.35 / 4.8, 3.35e12,
             "H100 SXM: bandwidth from its data sheet, fp32 rate scaled from the H200 "
             "measurement (same SM count and clocks); not measured"),
}


@dataclasses.dataclass
class Options:
    chip: str = "sm_90a"
    schedule_options: str = ""
    check_seeds: int = 3
    trials: int = 5
    rotations: int = 4
    budget_s: float = 2.0
    torch_compile: bool = True
    device: str = "cuda"
    # A file locked while this problem times anything, so that problems run
    # in parallel (kgen-bench --jobs) prepare concurrently but time alone.
    gpu_lock: Optional[str] = None
    peak_flops: Optional[float] = None
    bandwidth: Optional[float] = None


# The f16/bf16 tensor-core rate of the same devices: cuBLAS's f16 matmul,
# 4096^3, measured with PyTorch 2.11 (benchmarks/results/2026-11-21-h200-wgmma
# on the H200: 0.183 ms; benchmarks/results/2026-12-07-h100-suite-7d6986d on
# the H100: 0.181 ms).
HALF_PEAKS = {"H200": 751e12, "H100": 760e12}


def roofline(device_name: str, options: Options, dtype=torch.float32):
    """(flop/s, bytes/s, source) of the device's floor. Problems in f16 or
    bf16 are measured against the tensor cores' rate (the rate PyTorch's
    and kgen's matmuls reach on them), others against fp32 FMAs."""
    if dtype in (torch.float16, torch.bfloat16) and not options.peak_flops:
        peak, bw, source = roofline(device_name, options)
        for key, half in HALF_PEAKS.items():
            if key in device_name:
                return half, bw, (f"{key}: f16 tensor-core rate of a cuBLAS matmul; "
                                  f"{source}")
        return HALF_PEAKS["H200"], bw, f"no f16 rate for {device_name}; the H200's"
    for key, value in ROOFLINES.items():
        if key in device_name:
            peak, bw, source = value
            break
    else:
        peak, bw, source = ROOFLINES["H200"]
        source = f"no numbers for {device_name}; using the H200's ({ROOFLINES['H200'][2]})"
    if options.peak_flops:
        peak, source = options.peak_flops, "given on the command line"
    if options.bandwidth:
        bw, source = options.bandwidth, "given on the command line"
    return peak, bw, source


def use_true_fp32() -> None:
    """fp32 problems are computed in fp32 by the reference and both
    baselines: cuDNN convolutions default to TF32 (10-bit mantissa), which
    would make the reference wrong by ~1e-3 and the baselines faster than
    an fp32 computation can be."""
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False


def run_problem(path: Path, options: Options) -> Dict[str, Any]:
    """One problem, end to end. Never raises: failures are the row's status
    ('import_error', 'compile_error', 'run_error', 'incorrect') and message."""
    use_true_fp32()
    row: Dict[str, Any] = {"problem": path.stem, "status": "ok", "message": ""}
    device = harness.Device(options.device)
    try:
        # Fake inputs: the import needs only their shapes and dtypes (the
        # timed inputs are made on the device by make_inputs below).
        problem = load_problem(path, seed=0, fake_inputs=True)
        imported = import_program(problem.model, problem.inputs, source=path.name)
    except KgenImportError as e:
        return {**row, "status": "import_error", "message": str(e).splitlines()[0]}

    model = problem.model.to(options.device).eval()
    namespace = problem.namespace
    num_inputs = sum(1 for a in imported.arguments if a.kind == "input")
    if num_inputs != len(problem.inputs):
        return {**row, "status": "import_error",
                "message": f"kgen's function takes {num_inputs} of the "
                           f"{len(problem.inputs)} forward inputs"}
    floats = [x.dtype for x in problem.inputs if x.is_floating_point()]
    dtype = floats[0] if floats else torch.float32  # int64 targets do not set it

    def make_inputs(k: int) -> List[torch.Tensor]:
        # Drawn on the device: a problem draws 18 input sets, and drawing
        # full-size sets on the host was most of a problem's wall time.
        torch.manual_seed(1000 + k)
        with torch.device(options.device):
            return [x.to(options.device) for x in namespace.get_inputs()]

    t0 = time.perf_counter()
    try:
        function = KgenFunction(imported.mlir, imported.function_name, options.chip,
                                options.schedule_options, options.check_seeds)
    except KgenError as e:
        return {**row, "status": "compile_error", "message": str(e).splitlines()[0][:500]}
    row["kgen_compile_s"] = time.perf_counter() - t0
    parameters = [a.tensor.to(options.device, dtype) for a in imported.arguments
                  if a.kind != "input"]
    candidate = KgenCandidate(function, parameters, imported.result_shapes)

    peak, bw, _ = roofline(torch.cuda.get_device_name() if device.type == "cuda" else "cpu",
                           options, dtype)
    row["flops"], row["bytes"] = function.flops, function.bytes
    row["floor_ms"] = max(function.flops / peak, function.bytes / bw) * 1e3
    timing = dict(budget_s=options.budget_s)
    compiled = _torch_compiled(model, make_inputs, device, row) if options.torch_compile else None
    with harness.exclusive(options.gpu_lock):
        try:
            checked = harness.check_and_time(model, candidate, make_inputs, device,
                                             trials=options.trials,
                                             rotations=options.rotations, **timing)
            row["kgen_ms"] = checked.timing.median_ms
            row["kgen_runs"] = checked.timing.runs
        except harness.Incorrect as e:
            row.update(status="incorrect", message=str(e))
        except KgenError as e:
            row.update(status="run_error", message=str(e).splitlines()[0][:500])

        eager = harness.time_baseline(device, model, make_inputs,
                                      rotations=options.rotations, **timing)
        row["eager_ms"], row["eager_runs"] = eager.median_ms, eager.runs
        if compiled is not None:
            try:
                timed = harness.time_baseline(device, compiled, make_inputs,
                                              rotations=options.rotations, **timing)
                row["compile_ms"], row["compile_runs"] = timed.median_ms, timed.runs
            except Exception as e:  # recorded like a failed torch.compile
                row["compile_message"] = f"{type(e).__name__}: {str(e).splitlines()[0][:300]}"
    if row["status"] == "ok":
        row["speedup_vs_eager"] = row["eager_ms"] / row["kgen_ms"]
        if "compile_ms" in row:
            row["speedup_vs_compile"] = row["compile_ms"] / row["kgen_ms"]
        row["floor_multiple"] = row["kgen_ms"] / row["floor_ms"] if row["floor_ms"] else None
    function.lib.kgenReleaseCachedMemory()
    return row


def _torch_compiled(model, make_inputs, device: harness.Device, row: Dict[str, Any]):
    """torch.compile(model), compiled by one call outside the timed section;
    None (with the reason in the row) when torch.compile fails."""
    try:
        compiled = torch.compile(model)
        t0 = time.perf_counter()
        with torch.no_grad():
            compiled(*make_inputs(0))
        device.synchronize()
        row["torch_compile_s"] = time.perf_counter() - t0
        return compiled
    except Exception as e:  # torch.compile failing is recorded, not fatal
        row["compile_message"] = f"{type(e).__name__}: {str(e).splitlines()[0][:300]}"
        return None


def run_problem_safely(path: Path, options: Options) -> Dict[str, Any]:
    try:
        return run_problem(path, options)
    except Exception as e:  # a harness bug must not lose the other problems
        return {"problem": path.stem, "status": "harness_error",
                "message": f"{type(e).__name__}: {e}",
                "traceback": traceback.format_exc(limit=5)}
