#!/usr/bin/env python3
"""Registers, spills and shared memory of every kernel of the suite, from ptxas.

    python3 benchmarks/kernel_resources.py [--kgen-opt build/bin/kgen-opt]
        [--ptxas PTXAS] [--chip sm_90a] [--only NAME ...] [--out FILE.json]

Each problem (imported once and cached, see scripts/suite_programs.py) is
compiled by kgen-opt at its full size with default options (heuristic
schedules, verified with check-seeds=0: the numerical rung has its own
tests and does not change what is generated) to PTX, and every kernel's PTX
goes through CUDA's `ptxas -v` for the chip. Printed per kernel: the
schedule's shape (lanes, staging, matrix instruction), the registers per
thread, the bytes of local-memory spill stores and loads, the stack frame,
the shared memory per block (ptxas's static size plus the dynamic size
the host code launches the kernel with), the scheduler's traffic over the floor
(the trajectory's bytes_moved / bytes_floor; "-" where the model has none),
and, for contractions, the FLOP rate the static model says the schedule
can reach (the trajectory's flop_rate, in TFLOP/s) with what bounds it:
"peak" (the instructions' peak rate) or "smem" (the threads' shared-memory
reads per multiply-add against the target's shared bandwidth), before
the grid's and the warps' fill.
The last line counts the kernels that spill; the exit status is 0 when none
does. A CPU report: it needs ptxas (the CUDA toolkit), no GPU.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from suite_programs import DEFAULT_CACHE, compile_program, suite_programs  # noqa: E402

_ENTRY = re.compile(r"Compiling entry function '([^']+)'")
_FRAME = re.compile(r"(\d+) bytes stack frame, (\d+) bytes spill stores, "
                    r"(\d+) bytes spill loads")
_USED = re.compile(r"Used (\d+) registers")
_SMEM = re.compile(r"(\d+) bytes smem")


def unescape_mlir_string(text: str) -> str:
    """The value of an MLIR string attribute's body (`\\0A`, `\\22`, `\\\\`)."""
    return re.sub(r"\\([0-9A-Fa-f]{2}|\\)",
                  lambda m: "\\" if m.group(1) == "\\" else chr(int(m.group(1), 16)),
                  text)


def ptx_of(module_text: str) -> list[str]:
    """The PTX of every gpu.binary of a module compiled with format=isa."""
    return [unescape_mlir_string(body)
            for body in re.findall(r'assembly = "((?:[^"\\]|\\.)*)"', module_text)]


def dynamic_shared(module_text: str) -> dict[str, int]:
    """Per kernel, the dynamic shared memory its launch asks for (bytes):
    kgen-use-dynamic-shared-memory moves buffers past 48 KB there, where
    ptxas does not see them."""
    sizes = {}
    for function in module_text.split("llvm.func @")[1:]:
        constants = dict(re.findall(
            r"(%\w+) = llvm\.mlir\.constant\((\d+) : i32\)", function))
        for kernel, value in re.findall(
                r"gpu\.launch_func\s+@\w+::@(\w+)[^\n]*?"
                r"dynamic_shared_memory_size (%\w+)", function):
            if value in constants:
                sizes[kernel] = int(constants[value])
    return sizes


def parse_ptxas(output: str) -> dict[str, dict]:
    """Per entry function: registers, spill stores and loads, stack frame,
    shared memory (bytes), from `ptxas -v` output."""
    kernels: dict[str, dict] = {}
    current = None
    for line in output.splitlines():
        if m := _ENTRY.search(line):
            current = kernels.setdefault(m.group(1), {
                "registers": 0, "spill_stores": 0, "spill_loads": 0,
                "stack": 0, "shared": 0})
        elif current is None:
            continue
        elif m := _FRAME.search(line):
            current["stack"], current["spill_stores"], current["spill_loads"] = (
                int(m.group(1)), int(m.group(2)), int(m.group(3)))
        elif m := _USED.search(line):
            current["registers"] = int(m.group(1))
            if s := _SMEM.search(line):
                current["shared"] = int(s.group(1))
    return kernels


def schedule_shape(schedule: dict) -> str:
    """A few words on what a schedule does: lanes, staging, tensor cores."""
    parts = []
    if schedule.get("reduction_lanes", 1) > 1:
        parts.append(f"lanes {schedule['reduction_lanes']}")
    if schedule.get("split_reduction", 0) > 1:
        parts.append(f"split {schedule['split_reduction']}")
    if schedule.get("promote_operands"):
        parts.append("staged")
    if schedule.get("matrix_instruction", "none") != "none":
        parts.append(schedule["matrix_instruction"])
    parts.append(f"v{schedule.get('vector_width', 1)}")
    return " ".join(parts)


def rate_text(rate: dict | None) -> str:
    """A flop_rate record as "TFLOP/s limit", or "-" without one."""
    if not rate:
        return "-"
    limit = "smem" if rate["limit"] == "shared_memory" else "peak"
    return f"{rate['flops_per_s'] / 1e12:.1f} {limit}"


def compile_problem(kgen_opt: str, ptxas: str, program: Path, chip: str,
                    timeout: float) -> dict:
    compiled = compile_program(kgen_opt, program, chip, "isa", timeout,
                               schedule_options="check-seeds=0", keep_output=True)
    if "error" in compiled:
        return compiled
    schedules = {r["kernel"]: r for r in compiled["records"]
                 if r.get("verdict", {}).get("accepted")}
    kernels = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, ptx in enumerate(ptx_of(compiled["output"])):
            path = Path(tmp) / f"k{i}.ptx"
            path.write_text(ptx)
            ran = subprocess.run([ptxas, "-v", f"--gpu-name={chip}", str(path),
                                  "-o", str(Path(tmp) / f"k{i}.cubin")],
                                 capture_output=True, text=True)
            if ran.returncode != 0:
                return {"error": "ptxas: " + ran.stderr.strip().split("\n")[0]}
            kernels.update(parse_ptxas(ran.stderr + ran.stdout))
    for name, size in dynamic_shared(compiled["output"]).items():
        if name in kernels:
            kernels[name]["shared"] += size
    for name, resources in kernels.items():
        record = schedules.get(name.removesuffix("_kernel"))
        if record:
            resources["schedule"] = schedule_shape(record["schedule"])
            if record.get("bytes_floor"):
                resources["traffic_over_floor"] = (record["bytes_moved"]
                                                   / record["bytes_floor"])
            if record.get("flop_rate"):
                resources["flop_rate"] = record["flop_rate"]
    return {"kernels": kernels}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kgen-opt", default=str(REPO / "build" / "bin" / "kgen-opt"))
    parser.add_argument("--ptxas", default=shutil.which("ptxas")
                        or "/usr/local/cuda/bin/ptxas")
    parser.add_argument("--chip", default="sm_90a")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--out", type=Path, help="write the results as JSON")
    args = parser.parse_args()
    if not Path(args.ptxas).exists():
        print(f"kernel_resources: no ptxas at {args.ptxas}; install the CUDA "
              "toolkit or pass --ptxas", file=sys.stderr)
        return 2

    results, spilling, failed = {}, [], []
    print(f"{'problem':26} {'kernel':24} {'schedule':26} {'regs':>4} "
          f"{'spill st/ld':>11} {'stack':>5} {'smem':>6} {'traffic':>7} "
          f"{'est TFLOP/s':>11}")
    for name, program in suite_programs(args.cache, args.only).items():
        r = compile_problem(args.kgen_opt, args.ptxas, program, args.chip,
                            args.timeout)
        results[name] = r
        if "error" in r:
            print(f"{name:26} error: {r['error']}")
            failed.append(name)
            continue
        for kernel, k in sorted(r["kernels"].items()):
            traffic = k.get("traffic_over_floor")
            print(f"{name:26} {kernel.removesuffix('_kernel'):24} "
                  f"{k.get('schedule', '-'):26} {k['registers']:4d} "
                  f"{k['spill_stores']:5d}/{k['spill_loads']:<5d} {k['stack']:5d} "
                  f"{k['shared']:6d} {'-' if traffic is None else f'{traffic:.2f}':>7} "
                  f"{rate_text(k.get('flop_rate')):>11}")
            if k["spill_stores"] or k["spill_loads"]:
                spilling.append(f"{name}/{kernel}")
    if args.out:
        partial = args.out.with_suffix(".partial")
        partial.write_text(json.dumps(results, indent=1) + "\n")
        partial.replace(args.out)
    count = sum(len(r.get("kernels", {})) for r in results.values())
    print(f"{count} kernels of {len(results)} problems; {len(spilling)} spill"
          + (f": {', '.join(spilling)}" if spilling else "")
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 0 if not spilling and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
