#!/usr/bin/env python3
"""Adversarial run of the schedule verifier: the random proposer supplies
schedules (many deliberately invalid) for every kernel of the examples.

Checks that
  * kgen-opt never crashes and every candidate gets a verdict;
  * every rejected candidate carries a documented reason code;
  * every accepted schedule is numerically correct end to end: it is replayed
    alone into the whole program, which kgen-run executes on the CPU and
    compares with the unscheduled program on the same inputs.

With --groupings N it also feeds N random kernel groupings (fusion
rewrites) to kgen-form-kernels: each is either rejected with a warning or
used, and a used one must leave the program's results unchanged.

    fuzz_schedules.py [--count N] [--groupings N] [--seed S] [--build DIR]
                      [--examples a,b]

Exit status 0 when all checks hold; prints a summary either way.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]

# The reason codes of docs/schedules.md.
REASONS = {
    "schema", "version", "rank_mismatch", "nonpositive_tile", "tile_exceeds_dim",
    "vector_width", "pipeline_depth", "too_many_mapped_dims", "illegal_fusion",
    "promote_operand", "matrix_instruction", "threads_per_block", "grid_size", "shared_memory",
    "registers", "split_reduction", "transform_failed", "verifier_failed", "lowering_failed",
    "run_failed", "reference_failed", "numerical_mismatch", "no_json",
    "replay_exhausted",
}

PIPELINE = ["-kgen-to-linalg", "-kgen-form-kernels"]


def run(cmd, **kw):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)


def kernels_of(kgen_opt: Path, example: Path) -> int:
    out = run([kgen_opt, example, *PIPELINE])
    if out.returncode != 0:
        raise SystemExit(f"kgen-opt failed on {example}:\n{out.stderr}")
    return out.stdout.count("attributes {kgen.kernel}")


def outputs_of(kgen_run: Path, program: Path, outdir: Path, seed: int):
    out = run([kgen_run, program, f"--seed={seed}", f"--output-dir={outdir}"])
    if out.returncode != 0:
        return None, out.stderr.strip()
    return [np.load(p) for p in sorted(outdir.glob("output*.npy"))], ""


def kernel_op_count(kgen_opt: Path, example: Path) -> int:
    """Linalg and pad ops at the top level of @main after kgen-to-linalg."""
    out = run([kgen_opt, example, "-kgen-to-linalg"]).stdout
    return sum(1 for line in out.splitlines()
               if line.startswith("    %") and not line.startswith("     ")
               and ("= linalg." in line or "= tensor.pad" in line))


def fuzz_groupings(a, kgen_opt, kgen_run, examples, problems):
    rng = np.random.default_rng(a.seed)
    per_example = math.ceil(a.groupings / len(examples))
    used = rejected = 0
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for example in examples:
            n = kernel_op_count(kgen_opt, example)
            reference, err = outputs_of(kgen_run, example, tmp / f"gref-{example.stem}", 3)
            if err:
                problems.append(f"{example.name}: reference run failed: {err}")
                continue
            for i in range(per_example):
                k = int(rng.integers(1, n + 1))
                if i % 2:
                    owner = rng.integers(0, k, size=n)  # any partition
                else:  # runs of consecutive ops: legal more often
                    owner = np.cumsum(rng.random(n) < k / max(n, 1))
                groups = [[j for j in range(n) if owner[j] == g] for g in range(k)]
                groups = [g for g in groups if g]
                grouping = tmp / "grouping.json"
                grouping.write_text(json.dumps({"main": groups}))
                program = tmp / f"g{i}.mlir"
                out = run([kgen_opt, example, "-kgen-to-linalg",
                           f"-kgen-form-kernels=grouping={grouping}",
                           "-kgen-schedule-kernels", "-o", program])
                if out.returncode != 0 or "PLEASE submit a bug report" in out.stderr:
                    problems.append(f"{example.name}: grouping {groups} crashed kgen-opt:"
                                    f" {out.stderr[-800:]}")
                    continue
                if "proposed kernel grouping rejected" in out.stderr:
                    rejected += 1
                    continue
                used += 1
                got, err = outputs_of(kgen_run, program, tmp / f"gout{i}", 3)
                if err:
                    problems.append(f"{example.name}: grouping {groups}: {err}")
                    continue
                for g, r in zip(got, reference):
                    if not np.allclose(g, r, rtol=1e-4, atol=1e-4, equal_nan=True):
                        problems.append(f"{example.name}: accepted grouping {groups} "
                                        "changes the result")
    print(f"{used + rejected} random kernel groupings: {used} legal and checked end "
          f"to end, {rejected} rejected")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--count", type=int, default=1000,
                   help="random schedules in total (spread over all kernels)")
    p.add_argument("--groupings", type=int, default=0,
                   help="random kernel groupings in total")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--build", type=Path, default=REPO / "build")
    p.add_argument("--examples", default="mlp,attention,residual_layernorm,conv_bias_relu")
    a = p.parse_args()
    kgen_opt, kgen_run = a.build / "bin" / "kgen-opt", a.build / "bin" / "kgen-run"
    examples = [REPO / "examples" / f"{n}.mlir" for n in a.examples.split(",")]
    kernel_counts = {e: kernels_of(kgen_opt, e) for e in examples}
    per_kernel = math.ceil(a.count / sum(kernel_counts.values()))

    reasons = collections.Counter()
    problems, accepted = [], []
    total = 0
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for i, example in enumerate(examples):
            log = tmp / f"{example.stem}.jsonl"
            out = run([kgen_opt, example, *PIPELINE,
                       f"-kgen-schedule-kernels=proposer=random seed={a.seed + i} "
                       f"candidates={per_kernel} rounds=1 exhaustive "
                       f"trajectory={log}", "-o", tmp / f"{example.stem}.out.mlir"])
            if out.returncode != 0 or "PLEASE submit a bug report" in out.stderr:
                problems.append(f"{example.name}: kgen-opt failed:\n{out.stderr[-2000:]}")
                continue
            for line in log.read_text().splitlines():
                entry = json.loads(line)
                if entry["proposer"] != "random":
                    continue
                total += 1
                verdict = entry["verdict"]
                if verdict["accepted"]:
                    accepted.append((example, entry))
                    reasons["accepted"] += 1
                elif verdict.get("reason") not in REASONS:
                    problems.append(f"{example.name}: rejection without a known "
                                    f"reason code: {verdict}")
                else:
                    reasons[verdict["reason"]] += 1

        # Independent end-to-end check of every accepted schedule.
        references = {}
        for n, (example, entry) in enumerate(accepted):
            replay = tmp / f"accepted{n}.jsonl"
            replay.write_text(json.dumps({"kernel": entry["fingerprint"],
                                          "schedule": entry["schedule"]}) + "\n")
            program = tmp / f"accepted{n}.mlir"
            out = run([kgen_opt, example, *PIPELINE,
                       f"-kgen-schedule-kernels=proposer=replay replay={replay} rounds=1 "
                       "print-schedules", "-o", program])
            if out.returncode != 0 or "schedule from replay" not in out.stderr:
                problems.append(f"{example.name}: accepted schedule {entry['schedule']} "
                                f"did not replay: {out.stderr[-500:]}")
                continue
            if example not in references:
                references[example], err = outputs_of(kgen_run, example,
                                                       tmp / f"ref-{example.stem}", 5)
                if err:
                    problems.append(f"{example.name}: reference run failed: {err}")
                    continue
            got, err = outputs_of(kgen_run, program, tmp / f"out{n}", 5)
            if err:
                problems.append(f"{example.name}: scheduled program failed: {err}")
                continue
            for g, r in zip(got, references[example]):
                if not np.allclose(g, r, rtol=1e-4, atol=1e-4, equal_nan=True):
                    worst = float(np.nanmax(np.abs(g.astype(np.float64) - r)))
                    problems.append(f"{example.name}: accepted schedule "
                                    f"{entry['schedule']} changes the result "
                                    f"(max |diff| {worst:.3g})")

    if a.groupings:
        fuzz_groupings(a, kgen_opt, kgen_run, examples, problems)
    print(f"{total} random schedules over {sum(kernel_counts.values())} kernels of "
          f"{len(examples)} examples (seed {a.seed}): {reasons['accepted']} accepted "
          f"and checked end to end, {total - reasons['accepted']} rejected")
    for reason, count in sorted(reasons.items()):
        if reason != "accepted":
            print(f"  {reason}: {count}")
    if total < a.count:
        problems.append(f"only {total} schedules were produced, {a.count} asked")
    for problem in problems:
        print("PROBLEM:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
