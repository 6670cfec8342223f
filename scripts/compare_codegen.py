#!/usr/bin/env python3
"""Snapshots the device code one kgen-opt build generates, and compares two
snapshots: the check that a refactoring leaves generated code unchanged.

    python3 scripts/compare_codegen.py snapshot --kgen-opt build/bin/kgen-opt --out A
    ... rebuild ...
    python3 scripts/compare_codegen.py snapshot --kgen-opt build/bin/kgen-opt --out B
    python3 scripts/compare_codegen.py compare A B

A snapshot holds, per program and schedule source, the PTX (sm_90a, sm_80)
and AMDGCN (gfx942) text of every kernel, or the error the build gave. The
programs: every example, every case of the op suite in every dtype, and
every benchmark problem at its full size (imported once, see
scripts/suite_programs.py). The schedule sources: the heuristic, and the
random proposer with fixed seeds (a deterministic spread of tile sizes,
fusion, promotion, split reductions, vector widths and matrix instructions
that the heuristic alone does not reach). Schedules are verified with
check-seeds=0 so that full-size problems compile in seconds; the numerical
rung has its own tests.

`compare` prints one line per differing file and ends with
"N same, N different, N only in one"; its exit status is 0 when nothing
differs. `snapshot --heuristic-only` leaves out the random schedules (a
quicker check) and `compare --allow-missing` then compares what both
snapshots hold.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "test" / "numerical"))
sys.path.insert(0, str(REPO / "scripts"))

from suite_programs import DEFAULT_CACHE, suite_programs  # noqa: E402

CHIPS = ("sm_90a", "sm_80", "gfx942")
RANDOM_SEEDS = (1, 2)
_ASSEMBLY = re.compile(r'assembly = "((?:[^"\\]|\\.)*)"')


def programs(cache: Path, with_suite: bool) -> dict[str, str]:
    """Name -> MLIR text of every program the snapshot covers."""
    from op_cases import CASES  # needs torch; imported only here
    result = {}
    for example in sorted((REPO / "examples").glob("*.mlir")):
        result[f"example-{example.stem}"] = example.read_text()
    for case in CASES:
        for dtype in case.dtypes:
            result[f"op-{case.name}-{dtype}"] = case.build(dtype)[0]
    if with_suite:
        for name, path in suite_programs(cache).items():
            result[f"suite-{name}"] = path.read_text()
    return result


def schedule_sources(name: str, chip: str, heuristic_only: bool = False) -> dict[str, str]:
    """Label -> extra kgen-schedule-kernels options. Random schedules only
    for the small programs on sm_90a (the expansion does not depend on the
    chip; the checks that do are rung 2's): the suite's full sizes would
    mostly be refused by rung 2 and would not add coverage."""
    sources = {"heuristic": ""}
    if not heuristic_only and not name.startswith("suite-") and chip == "sm_90a":
        for seed in RANDOM_SEEDS:
            sources[f"random{seed}"] = f" proposer=random seed={seed} rounds=4"
    return sources


def device_code(kgen_opt: str, source: str, chip: str, options: str) -> str:
    schedule = f"target={chip} check-seeds=0{options}"
    result = subprocess.run(
        [kgen_opt, "-", "--kgen-linalg", "--kgen-form-kernels",
         f"--kgen-schedule-kernels={schedule}",
         f"--kgen-gpu-codegen=chip={chip} format=isa"],
        input=source, capture_output=True, text=True)
    if result.returncode != 0:
        # The program comes from stdin, so the diagnostics name no paths.
        return "error (exit status %d):\n%s" % (result.returncode, result.stderr)
    kernels = _ASSEMBLY.findall(result.stdout)
    return "\n".join(f"// kernel {i}\n{k}" for i, k in enumerate(kernels))


def snapshot(args) -> int:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    jobs = []
    for name, source in programs(Path(args.cache), not args.no_suite).items():
        for chip in CHIPS:
            for label, options in schedule_sources(name, chip, args.heuristic_only).items():
                jobs.append((out / f"{name}.{label}.{chip}.s", source, chip, options))

    def run(job):
        path, source, chip, options = job
        text = device_code(args.kgen_opt, source, chip, options)
        partial = path.with_suffix(".partial")
        partial.write_text(text)
        partial.replace(path)

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        list(pool.map(run, jobs))
    print(f"{len(jobs)} files in {out}")
    return 0


def compare(args) -> int:
    a, b = Path(args.a), Path(args.b)
    names_a = {p.name for p in a.glob("*.s")}
    names_b = {p.name for p in b.glob("*.s")}
    same = different = 0
    for name in sorted(names_a & names_b):
        if (a / name).read_bytes() == (b / name).read_bytes():
            same += 1
        else:
            different += 1
            print("different:", name)
    only = sorted(names_a ^ names_b)
    for name in only if not args.allow_missing else []:
        print("only in", a if name in names_a else b, ":", name)
    print(f"{same} same, {different} different, {len(only)} only in one")
    return 0 if different == 0 and (args.allow_missing or not only) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    snap = sub.add_parser("snapshot")
    snap.add_argument("--kgen-opt", default=str(REPO / "build" / "bin" / "kgen-opt"))
    snap.add_argument("--out", required=True)
    snap.add_argument("--cache", default=str(DEFAULT_CACHE))
    snap.add_argument("--no-suite", action="store_true",
                      help="leave out the benchmark problems")
    snap.add_argument("--heuristic-only", action="store_true",
                      help="leave out the random proposer's schedules")
    snap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    cmp = sub.add_parser("compare")
    cmp.add_argument("a")
    cmp.add_argument("b")
    cmp.add_argument("--allow-missing", action="store_true",
                     help="files in one snapshot only do not fail the comparison")
    args = parser.parse_args()
    return snapshot(args) if args.command == "snapshot" else compare(args)


if __name__ == "__main__":
    sys.exit(main())
