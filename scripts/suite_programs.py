#!/usr/bin/env python3
"""The benchmark suite's problems as kgen programs at their full sizes.

Importing a problem runs its model once on the CPU, which takes seconds to
minutes for the full-size problems, so the programs are cached: a problem is
imported again only when its file is newer than its cached program.

    python3 scripts/suite_programs.py [--cache DIR] [--only NAME ...]

prints the path of each cached program (default cache: build/suite-programs).
Used by scripts/compare_codegen.py and benchmarks/compile_time.py.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PROBLEMS = REPO / "benchmarks" / "problems"
DEFAULT_CACHE = REPO / "build" / "suite-programs"


def problem_names() -> list[str]:
    return sorted(p.stem for p in PROBLEMS.glob("*.py"))


def suite_programs(cache: Path = DEFAULT_CACHE, only=None) -> dict[str, Path]:
    """Name -> cached full-size program; imports what is missing or stale.
    Problems the importer refuses are left out with a line on stderr."""
    cache.mkdir(parents=True, exist_ok=True)
    programs = {}
    for name in problem_names():
        if only and name not in only:
            continue
        source, program = PROBLEMS / f"{name}.py", cache / f"{name}.mlir"
        if not program.exists() or program.stat().st_mtime < source.stat().st_mtime:
            partial = program.with_suffix(".mlir.partial")
            result = subprocess.run(
                [sys.executable, str(REPO / "tools" / "kgen-import"), str(source),
                 "-o", str(partial)], capture_output=True, text=True)
            if result.returncode != 0:
                print(f"{name}: import failed: {result.stderr.strip()[-300:]}",
                      file=sys.stderr)
                continue
            partial.replace(program)  # atomic: a killed import leaves no program
        programs[name] = program
    return programs


def compile_program(kgen_opt: str, program: Path, chip: str, fmt: str, timeout: float,
                    schedule_options: str = "", keep_output: bool = False) -> dict:
    """`program` through kgen-opt's default pipeline for `chip` (kernel
    formation, heuristic schedules with `schedule_options`, GPU code in
    `fmt`). Returns {"seconds": wall time, "records": the trajectory's
    records, "output": the module text when `keep_output`}, or {"error":
    the first line kgen-opt printed, or the timeout}."""
    with tempfile.TemporaryDirectory() as tmp:
        trajectory = Path(tmp) / "trajectory.jsonl"
        options = f"target={chip} trajectory={trajectory} {schedule_options}".strip()
        command = [kgen_opt, str(program), "--kgen-linalg", "--kgen-form-kernels",
                   f"--kgen-schedule-kernels={options}",
                   f"--kgen-gpu-codegen=chip={chip} format={fmt}"]
        if not keep_output:
            command += ["-o", "/dev/null"]
        start = time.perf_counter()
        try:
            result = subprocess.run(command, capture_output=True, text=True,
                                    timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"error": f"kgen-opt timed out after {timeout:.0f} s"}
        seconds = time.perf_counter() - start
        if result.returncode != 0:
            return {"error": result.stderr.strip().split("\n")[0]}
        records = ([json.loads(line) for line in trajectory.read_text().splitlines()]
                   if trajectory.exists() else [])
    compiled = {"seconds": seconds, "records": records}
    if keep_output:
        compiled["output"] = result.stdout
    return compiled


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--only", nargs="*", help="problem names (default: all)")
    args = parser.parse_args()
    for program in suite_programs(args.cache, args.only).values():
        print(program)
    return 0


if __name__ == "__main__":
    sys.exit(main())
