#!/usr/bin/env python3
"""README command 1, after the build: every program in examples/ goes through
kgen's default pipeline (kgen-to-linalg, elementwise fusion, kernel formation, verified
heuristic schedules), with a one-line summary per kernel; the scheduled
program then runs on the CPU with kgen-run and is checked against PyTorch
(examples/reference.py) with the tolerance policy of docs/testing.md. Where a
CUDA driver is present, each example also runs on the GPU and is checked
against the CPU (kgen-run --device=gpu --check).

Exit status: 0 if every example compiles, runs and matches.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "test" / "numerical"))
sys.path.insert(0, str(REPO / "examples"))

import numpy as np  # noqa: E402

import reference  # noqa: E402
from kgen_testing import (InputSpec, parse_signature, rng_for, to_npy,  # noqa: E402
                          tolerance)

_KERNEL = re.compile(r"func\.func private @(\w+)\(.*attributes \{kgen\.kernel\}")
_OP = re.compile(r"(linalg\.\w+|tensor\.pad)\b")


def schedule(kgen_opt: Path, program: Path, workdir: Path):
    """Runs kgen's default pipeline (kgen-linalg, kernel formation,
    verified heuristic scheduling); returns the scheduled program and, per
    kernel, (name, ops, root op, schedule)."""
    formed = subprocess.run([str(kgen_opt), str(program), "--kgen-linalg",
                             "--kgen-form-kernels"],
                            check=True, capture_output=True, text=True).stdout
    kernels, current = {}, None
    for line in formed.splitlines():
        m = _KERNEL.search(line)
        if m:
            current = m.group(1)
            kernels[current] = {"ops": [], "root": None}
            continue
        if current and "kgen.op" in line:
            op = _OP.search(line)
            name = op.group(1) if op else "?"
            kernels[current]["ops"].append(name)
            if "kgen.root" in line:
                kernels[current]["root"] = name
    decisions = workdir / f"{program.stem}.decisions.json"
    scheduled = workdir / f"{program.stem}.scheduled.mlir"
    subprocess.run([str(kgen_opt), str(program), "--kgen-linalg",
                    "--kgen-form-kernels",
                    f"--kgen-schedule-kernels=decisions={decisions}", "-o",
                    str(scheduled)], check=True, capture_output=True, text=True)
    entries = json.loads(decisions.read_text())["entries"].values()
    chosen = {e["kernel"]: e for e in entries}
    return scheduled, [(k, v["ops"], v["root"], chosen.get(k)) for k, v in kernels.items()]


def check(name: str, build: Path, workdir: Path, seed: int, gpu: bool) -> bool:
    ex = reference.EXAMPLES[name]
    text = ex.path.read_text()
    args, results = parse_signature(text)
    (_, dtype), = results
    print(f"{name} ({ex.path.relative_to(REPO)})")
    scheduled, kernels = schedule(build / "bin" / "kgen-opt", ex.path, workdir)
    for kernel, ops, root, decision in kernels:
        if decision:
            s = decision["schedule"]
            plan = (f"wg {s['workgroup_tile']} thread {s['thread_tile']} "
                    f"red {s['reduction_tile']} ({decision['proposer']})")
        else:
            plan = "unscheduled"
        print(f"  {kernel}: {len(ops)} ops, root {root:<20} {plan}")

    rng = rng_for(name, seed)
    inputs = [to_npy(InputSpec(shape, scale=ex.scales[arg]).sample(rng), dt)
              for arg, (shape, dt) in zip(ex.args, args)]
    paths = []
    for i, array in enumerate(inputs):
        paths.append(workdir / f"{name}-in{i}.npy")
        np.save(paths[-1], array)
    out = workdir / f"{name}-out.npy"
    run = subprocess.run([str(build / "bin" / "kgen-run"), str(scheduled),
                          *[f"--input={p}" for p in paths], f"--output={out}"],
                         capture_output=True, text=True)
    if run.returncode != 0:
        print(f"  FAILED to run: {run.stderr.strip()}")
        return False
    got = np.load(out).astype(np.float64)
    ref = reference.reference(name, inputs)
    tol = tolerance(dtype, ex.reduce_len)
    err = np.abs(got - ref)
    ok = got.shape == ref.shape and bool(np.all(err <= tol.atol + tol.rtol * np.abs(ref)))
    print(f"  cpu run: {run.stdout.strip()}")
    print(f"  vs PyTorch: max |diff| {err.max():.3g} (atol {tol.atol:.2g}, rtol "
          f"{tol.rtol:.2g}): {'match' if ok else 'MISMATCH'}")
    if gpu:
        run = subprocess.run([str(build / "bin" / "kgen-run"), str(ex.path),
                              "--device=gpu", "--check",
                              *[f"--input={p}" for p in paths]],
                             capture_output=True, text=True)
        lines = (run.stdout + run.stderr).strip().splitlines()
        print(f"  gpu run vs cpu: {lines[0] if lines else '(no output)'}")
        ok = ok and run.returncode == 0
    return ok


def have_gpu() -> bool:
    """A CUDA driver is installed (the GPU run then also checks itself)."""
    return any(Path(d, "libcuda.so.1").exists() for d in
               ("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/local/nvidia/lib64"))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build", type=Path, default=REPO / "build")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("names", nargs="*", help="examples to run (default: all)")
    a = p.parse_args()
    names = a.names or sorted(reference.EXAMPLES)
    unknown = [n for n in names if n not in reference.EXAMPLES]
    if unknown:
        print(f"unknown example(s): {', '.join(unknown)}; available: "
              f"{', '.join(sorted(reference.EXAMPLES))}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        gpu = have_gpu()
        results = [check(n, a.build, Path(tmp), a.seed, gpu) for n in names]
    where = "on the CPU and the GPU" if gpu else "on the CPU (no CUDA driver here: GPU runs skipped)"
    print(f"{sum(results)} of {len(results)} examples match PyTorch {where}")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
