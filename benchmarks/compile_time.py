#!/usr/bin/env python3
"""Compile time of every benchmark problem at its full size, per kernel.

    python3 benchmarks/compile_time.py [--kgen-opt build/bin/kgen-opt]
        [--chip sm_90a] [--format isa] [--only NAME ...] [--out FILE.json]

Each problem (imported once and cached, see scripts/suite_programs.py) is
compiled by kgen-opt with default options: kgen-to-linalg, kernel formation,
heuristic schedules with the whole verification ladder (rung 4 included, at
its reduced instance), GPU code generation. Printed per problem: its
kernels, the wall time of the whole compilation and its share per kernel,
the slowest kernel's verification (from the trajectory log's
verify_seconds), and each kernel's global-memory traffic over the
roofline floor's (the trajectory's bytes_moved / bytes_floor, the
scheduler's passes model: 1.00 reads every element once; "-" for
contractions and convolutions, whose tile re-reads it does not model).
The last line says whether every kernel stayed under --limit seconds
(default 1) by both measures; the exit status is 0 if so.
This is a CPU timing of the compiler; it needs no GPU.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from suite_programs import DEFAULT_CACHE, compile_program, suite_programs  # noqa: E402


def compile_report(kgen_opt: str, program: Path, chip: str, fmt: str,
                   timeout: float) -> dict:
    compiled = compile_program(kgen_opt, program, chip, fmt, timeout)
    if "error" in compiled:
        return compiled
    verify = defaultdict(float)
    candidates = defaultdict(int)
    traffic = {}
    for record in compiled["records"]:
        verify[record["kernel"]] += record.get("verify_seconds", 0.0)
        candidates[record["kernel"]] += 1
        if record.get("bytes_floor"):
            traffic[record["kernel"]] = record["bytes_moved"] / record["bytes_floor"]
    seconds = compiled["seconds"]
    kernels = max(len(verify), 1)
    return {"seconds": seconds, "kernels": len(verify),
            "seconds_per_kernel": seconds / kernels,
            "verify_seconds": dict(verify), "candidates": dict(candidates),
            "traffic_over_floor": traffic}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kgen-opt", default=str(REPO / "build" / "bin" / "kgen-opt"))
    parser.add_argument("--chip", default="sm_90a")
    parser.add_argument("--format", default="isa", choices=["isa", "bin"])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--limit", type=float, default=1.0,
                        help="seconds allowed per kernel")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--out", type=Path, help="write the results as JSON")
    args = parser.parse_args()

    results = {}
    over = []
    print(f"{'problem':28} {'kernels':>7} {'total s':>8} {'s/kernel':>8} "
          f"{'slowest verify s':>16}  traffic / floor per kernel")
    for name, program in suite_programs(args.cache, args.only).items():
        r = compile_report(args.kgen_opt, program, args.chip, args.format,
                           args.timeout)
        results[name] = r
        if "error" in r:
            print(f"{name:28} error: {r['error']}")
            over.append(name)
            continue
        slowest = max(r["verify_seconds"].values(), default=0.0)
        traffic = " ".join(f"{r['traffic_over_floor'][k]:.2f}"
                           if k in r["traffic_over_floor"] else "-"
                           for k in sorted(r["verify_seconds"]))
        print(f"{name:28} {r['kernels']:7d} {r['seconds']:8.2f} "
              f"{r['seconds_per_kernel']:8.2f} {slowest:16.2f}  {traffic}")
        if slowest > args.limit or r["seconds_per_kernel"] > args.limit:
            over.append(name)
    if args.out:
        partial = args.out.with_suffix(".partial")
        partial.write_text(json.dumps(results, indent=1) + "\n")
        partial.replace(args.out)
    print(f"{len(results) - len(over)} of {len(results)} problems under "
          f"{args.limit:g} s per kernel" + (f"; over: {', '.join(over)}" if over else ""))
    return 0 if not over else 1


if __name__ == "__main__":
    sys.exit(main())
