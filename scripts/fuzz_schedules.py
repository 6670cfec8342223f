#!/usr/bin/env python3
"""Adversarial run of the schedule verifier: the random proposer supplies
schedules for every kernel of the examples and of every benchmark problem
(benchmarks/problems/*.py at its SMALL_SIZES) in every dtype.

The random proposer draws most schedules within the rules (tiles dividing
their loops, staging, pipelining, matrix instructions, split reductions and
vectors where they apply) and breaks the others on purpose, one rule at a
time. The run checks that
  * kgen-opt never crashes and every candidate gets a verdict;
  * every rejected candidate carries a documented reason code;
  * every accepted schedule is numerically correct end to end: it is replayed
    alone into the whole program, which kgen-run executes on the CPU and
    compares with the unscheduled program on the same inputs;
  * every accepted schedule also compiles for the GPU (-kgen-gpu-codegen to
    PTX for the target): a schedule the verifier accepts but GPU code
    generation refuses is a false acceptance.
It ends with a coverage report: which schedule features the accepted
schedules used, per op kind, program and dtype, and the rejections by reason.

With --groupings N it also feeds N random kernel groupings (fusion
rewrites) of the examples to kgen-form-kernels: each is either rejected with
a warning or used, and a used one must leave the program's results
unchanged.

    fuzz_schedules.py [--count N] [--groupings N] [--seed S] [--build DIR]
                      [--jobs N] [--examples a,b] [--problems a,b|all|none]
                      [--dtypes f32,f16,bf16] [--target CHIP]
                      [--no-gpu-codegen] [--report FILE]

Runs with a Python that has torch 2.x and numpy (the repository's .venv/bin/python):
the problems are imported in-process. Exit status 0 when all checks hold;
prints a summary either way.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
PROBLEMS = REPO / "benchmarks" / "problems"
EXAMPLES = "mlp,attention,residual_layernorm,conv_bias_relu"
DTYPES = ("f32", "f16", "bf16")

# Problems also fuzzed at sizes where the matrix instructions apply: wgmma
# takes M and N multiples of 64 and steps of 64 along K (with B's N
# contiguous, which the linear layers' weights are not), mma_sync multiples
# of 16, 8 and 16. Most SMALL_SIZES are too small or too odd for them. Only
# in the dtypes they take (f16; bf16 for wgmma).
MATRIX_DTYPES = ("f16", "bf16")
# Rows of whole vectors for lanes (reduction_lanes): a block's lanes each
# take vectors of the row, which SMALL_SIZES' odd rows never split into.
ROW_DTYPES = ("f32", "f16", "bf16")
WIDE_SIZES = {
    "matmul_square": ({"M": 64, "N": 128, "K": 128}, MATRIX_DTYPES),
    "bmm": ({"BATCH": 2, "M": 64, "N": 64, "K": 128}, MATRIX_DTYPES),
    "gemm_bias_relu": ({"BATCH": 64, "IN": 64, "OUT": 32}, MATRIX_DTYPES),
    # An implicit GEMM: 64 output channels (M), 8x8 output pixels (N) and
    # 64 input channels times 9 taps (K), its im2col tile gathered per step.
    "conv2d_3x3": ({"N": 1, "C": 64, "H": 8, "W": 8, "F": 64}, MATRIX_DTYPES),
    "softmax": ({"ROWS": 4, "COLS": 256}, ROW_DTYPES),
    "layer_norm": ({"ROWS": 4, "COLS": 256}, ROW_DTYPES),
    "sum_rows": ({"ROWS": 8, "COLS": 512}, ROW_DTYPES),
    "cosine_similarity_loss": ({"BATCH": 4, "DIM": 256}, ROW_DTYPES),
}

# The reason codes of docs/schedules.md, by rung.
RUNGS = {
    1: {"no_json", "schema", "version", "rank_mismatch", "nonpositive_tile",
        "tile_exceeds_dim", "vector_width", "pipeline_depth", "split_reduction",
        "reduction_lanes"},
    2: {"too_many_mapped_dims", "illegal_fusion", "promote_operand", "pipeline_depth",
        "matrix_instruction", "vector_width", "threads_per_block", "grid_size",
        "shared_memory", "registers", "reduction_lanes"},
    3: {"transform_failed", "verifier_failed"},
    4: {"lowering_failed", "run_failed", "reference_failed", "numerical_mismatch"},
}
REASONS = set().union(*RUNGS.values()) | {"replay_exhausted"}

# kgen computes every dtype in f32 and rounds once when storing; a schedule
# changes the summation order, so f16 and bf16 results may differ from the
# unscheduled program's by an ulp or two of the dtype, also in the
# intermediates between kernels. A wrong index or a lost tile is far larger.
TOLERANCE = {"f32": 1e-4, "f16": 4e-3, "bf16": 3e-2}

# The pipelines' own front (kgen-to-linalg, elementwise fusion, whole
# reductions split), registered as one pipeline.
LINALG = ["-kgen-linalg"]
PIPELINE = LINALG + ["-kgen-form-kernels"]


def run(cmd, **kw):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)


@dataclass
class Kernel:
    """What the coverage report says about a kernel: its root op's kind,
    its op count and its result shape (the sink's parallel loops for the
    kernels kgen forms, which the partial-tile count compares tiles with)."""
    kind: str
    ops: int
    shape: list


@dataclass
class Program:
    name: str          # e.g. "softmax", "matmul_square@wide", "example-mlp"
    dtype: str
    path: Path
    kernels: dict = field(default_factory=dict)  # kernel name -> Kernel

    @property
    def label(self) -> str:
        return f"{self.name} ({self.dtype})"


# ---------------------------------------------------------------- programs

def import_problems(names, dtypes, outdir: Path, skipped: list) -> list:
    """The problems at their SMALL_SIZES (and WIDE_SIZES) in each dtype, as
    kgen programs in `outdir`. Imports the importer refuses are listed in
    `skipped`, not fuzzed."""
    sys.path.insert(0, str(REPO / "frontend"))
    from kgen_import import import_program, load_problem
    from kgen_import.problem import load_source
    jobs = []
    for name in names:
        jobs += [(name, name, dtype, load_source(PROBLEMS / f"{name}.py").SMALL_SIZES)
                 for dtype in dtypes]
        if name in WIDE_SIZES:
            sizes, wide_dtypes = WIDE_SIZES[name]
            jobs += [(f"{name}@wide", name, dtype, sizes)
                     for dtype in dtypes if dtype in wide_dtypes]
    programs = []
    for label, name, dtype, sizes in jobs:
        try:
            problem = load_problem(PROBLEMS / f"{name}.py", seed=0, sizes=sizes)
            mlir = import_program(problem.model, problem.inputs, dtype=dtype,
                                  source=f"{name}.py").mlir
        except Exception as e:  # the importer's refusals, whatever their type
            skipped.append(f"{label} ({dtype}): {type(e).__name__}: {str(e)[:200]}")
            continue
        path = outdir / f"{label.replace('@', '-')}-{dtype}.mlir"
        path.write_text(mlir)
        programs.append(Program(label, dtype, path))
    return programs


_OP = re.compile(r"^    %\S+ = ([a-z_]+\.[a-z_0-9]+)")
_KERNEL = re.compile(r"func\.func private @(\w+)\(.*\) -> tensor<([0-9x]*)x?\w+>"
                     r" attributes \{kgen\.kernel\}")


def kernels_of(kgen_opt: Path, program: Program) -> dict:
    """Kernel name -> Kernel, from the program's kgen-form-kernels output."""
    out = run([kgen_opt, program.path, *PIPELINE])
    kernels, current, last_op = {}, None, ""
    for line in out.stdout.splitlines():
        if m := _KERNEL.search(line):
            shape = [int(d) for d in m.group(2).split("x") if d]
            current = kernels[m.group(1)] = Kernel("?", 0, shape)
        elif current and (m := _OP.match(line)):
            last_op = m.group(1)
        if current and "kgen.op = " in line:
            current.ops += 1
        if current and "kgen.root" in line:  # on the op's first or last line
            current.kind = root_kind(last_op, line)
    return kernels


def root_kind(op: str, line: str) -> str:
    if op == "linalg.generic":
        return "generic (reduction)" if '"reduction"' in line else "generic (elementwise)"
    return op


# ------------------------------------------------------------------ fuzzing

def program_seed(seed: int, program: Program) -> int:
    """A seed per program that does not change when programs are added."""
    return seed * 1_000_003 + zlib.crc32(f"{program.name}-{program.dtype}".encode())


def fuzz_program(a, kgen_opt, program: Program, share: float, tmp: Path):
    """The random proposer's candidates for every kernel of `program`, with
    their verdicts (trajectory entries), or a problem. The program's share
    of --count is spread over its kernels, at least one each; a kernel
    identical to an earlier one reuses its schedule and gets none."""
    per_kernel = max(1, math.ceil(share / max(len(program.kernels), 1)))
    log = tmp / f"{program.path.stem}.jsonl"
    out = run([kgen_opt, program.path, *PIPELINE,
               f"-kgen-schedule-kernels=proposer=random target={a.target} "
               f"seed={program_seed(a.seed, program)} candidates={per_kernel} rounds=1 "
               f"exhaustive trajectory={log}", "-o", tmp / f"{program.path.stem}.out.mlir"])
    if out.returncode != 0 or "PLEASE submit a bug report" in out.stderr:
        return [], f"{program.label}: kgen-opt failed:\n{out.stderr[-2000:]}"
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    return [e for e in entries if e["proposer"] == "random"], None


def outputs_of(kgen_run: Path, program: Path, outdir: Path, seed: int):
    out = run([kgen_run, program, f"--seed={seed}", f"--output-dir={outdir}"])
    if out.returncode != 0:
        return None, out.stderr.strip()[-1000:]
    return [np.load(p) for p in sorted(outdir.glob("output*.npy"))], ""


def describe(program: Program, entry) -> str:
    return (f"{program.label} {entry['kernel']}: accepted schedule "
            f"{json.dumps(entry['schedule'])}")


def replayed(a, kgen_opt, program: Program, entries, work: Path, *extra):
    """kgen-opt on `program` with `entries` (at most one per kernel)
    replayed, the other kernels on the heuristic; check-seeds=0: the
    schedules passed rung 4 already, the checks below are independent."""
    work.mkdir(parents=True, exist_ok=True)
    replay = work / "replay.jsonl"
    replay.write_text("".join(json.dumps({"kernel": e["fingerprint"],
                                          "schedule": e["schedule"]}) + "\n"
                              for e in entries))
    return run([kgen_opt, program.path, *PIPELINE,
                f"-kgen-schedule-kernels=proposer=replay replay={replay} rounds=1 "
                f"target={a.target} check-seeds=0 print-schedules", *extra])


def check_on_cpu(a, tools, program: Program, entry, reference, work: Path) -> list:
    """Problems of one accepted schedule replayed alone into the program
    and run on the CPU against the unscheduled program."""
    kgen_opt, kgen_run = tools
    scheduled = work / "scheduled.mlir"
    out = replayed(a, kgen_opt, program, [entry], work, "-o", scheduled)
    if out.returncode != 0 or "schedule from replay" not in out.stderr:
        return [f"{describe(program, entry)} did not replay: {out.stderr[-500:]}"]
    got, err = outputs_of(kgen_run, scheduled, work / "out", 5)
    if err:
        return [f"{describe(program, entry)}: the scheduled program failed: {err}"]
    tol, problems = TOLERANCE[program.dtype], []
    for i, (g, r) in enumerate(zip(got, reference)):
        if not np.allclose(g, r, rtol=tol, atol=tol, equal_nan=True):
            worst = float(np.nanmax(np.abs(g.astype(np.float64) - r)))
            problems.append(f"MISCOMPILE {describe(program, entry)} changes output {i} "
                            f"(max |diff| {worst:.3g})")
    return problems


def gpu_codegen_error(a, kgen_opt, program: Program, entries, work: Path):
    """The first error of -kgen-gpu-codegen on the program with `entries`
    replayed, or None."""
    out = replayed(a, kgen_opt, program, entries, work,
                   f"--kgen-gpu-codegen=chip={a.target} format=isa", "-o", os.devnull)
    if out.returncode == 0:
        return None
    return next((line for line in out.stderr.splitlines() if "error:" in line),
                out.stderr[-300:])


def check_on_gpu(a, kgen_opt, program: Program, entries, work: Path) -> list:
    """False acceptances among `entries` (one per kernel): schedules that
    GPU code generation refuses. They are compiled together; only when
    that fails is each compiled alone to find which."""
    if not gpu_codegen_error(a, kgen_opt, program, entries, work / "all"):
        return []
    problems = []
    for n, entry in enumerate(entries):
        if error := gpu_codegen_error(a, kgen_opt, program, [entry], work / str(n)):
            problems.append(f"FALSE ACCEPTANCE {describe(program, entry)} fails GPU code "
                            f"generation: {error}")
    return problems or [f"{program.label}: GPU code generation fails with the schedules "
                        f"{[e['schedule'] for e in entries]} together, with none alone"]


def gpu_batches(accepted) -> list:
    """The accepted schedules of each program in batches of at most one per
    kernel (fingerprint): batch i holds each kernel's i-th schedule."""
    batches = collections.defaultdict(list)  # (program, i) -> entries
    seen = collections.Counter()
    for program, entry in accepted:
        key = (id(program), entry["fingerprint"])
        batches[(id(program), seen[key])].append((program, entry))
        seen[key] += 1
    return [(group[0][0], [e for _, e in group]) for group in batches.values()]


# ----------------------------------------------------------------- coverage

def divides(tiles, sizes) -> bool:
    return all(t == 0 or s % t == 0 for t, s in zip(tiles, sizes))


def features(schedule: dict, kernel: Kernel) -> dict:
    """The schedule features the coverage report counts (defaults where a
    field is left out, as the parser fills them in)."""
    wg, th = schedule["workgroup_tile"], schedule["thread_tile"]
    red = schedule["reduction_tile"]
    promote = sorted(schedule.get("promote_operands", []))
    fused = len(schedule["fuse"]) if "fuse" in schedule else kernel.ops - 1
    effective = [w or s for w, s in zip(wg, kernel.shape)]
    if len(wg) != len(kernel.shape):
        partial = "unknown (the sink's loops are not its result's)"
    elif divides(wg, kernel.shape) and divides(th, effective):
        partial = "none: every tile divides its loop"
    else:
        partial = "some tile does not divide its loop"
    split = schedule.get("split_reduction", 0)
    return {
        "matrix_instruction": schedule.get("matrix_instruction", "none"),
        "promote_operands": {(): "none", (0,): "A", (1,): "B", (0, 1): "A and B"}.get(
            tuple(promote), str(promote)),
        "pipeline_depth": schedule.get("pipeline_depth", 1),
        "split_reduction": split if split > 1 else "none",
        "reduction_lanes": schedule.get("reduction_lanes", 1),
        "vector_width": schedule.get("vector_width", 1),
        "fused ops": "none" if fused == 0 else str(fused) if fused < 3 else "3 or more",
        "fuse field": "listed" if "fuse" in schedule else "left out (default: all)",
        "reduction_tile": ("no reduction loop" if not red else
                           "whole loops (0)" if not any(red) else "tiled"),
        "loops on the grid": sum(1 for t in wg if t),
        "loops on the block": sum(1 for t in th if t),
        "partial tiles": partial,
    }


class Coverage:
    def __init__(self):
        self.features = collections.defaultdict(collections.Counter)
        self.kinds = collections.defaultdict(collections.Counter)  # kind -> dtype
        # kind -> matrix instruction of the accepted schedules
        self.instructions = collections.defaultdict(collections.Counter)
        self.programs = collections.defaultdict(collections.Counter)
        self.reasons = collections.Counter()
        self.late = []  # rejections by rungs 3 and 4, whose messages matter
        self.total = self.accepted = 0

    def add(self, program: Program, entry: dict):
        self.total += 1
        kernel = program.kernels.get(entry["kernel"], Kernel("?", 1, []))
        verdict = entry["verdict"]
        if not verdict["accepted"]:
            self.reasons[verdict.get("reason")] += 1
            if rung_of(verdict.get("reason")) >= 3:
                self.late.append(f"{program.label} {entry['kernel']} "
                                 f"[{verdict.get('reason')}] {verdict['message'][:300]}: "
                                 f"{json.dumps(entry['schedule'])}")
            self.programs[program.name][f"{program.dtype} proposed"] += 1
            return
        self.accepted += 1
        self.kinds[kernel.kind][program.dtype] += 1
        self.instructions[kernel.kind][entry["schedule"].get("matrix_instruction", "none")] += 1
        self.programs[program.name][f"{program.dtype} proposed"] += 1
        self.programs[program.name][program.dtype] += 1
        for name, value in features(entry["schedule"], kernel).items():
            self.features[name][str(value)] += 1


def report(cov: Coverage, header: list, problems: list, skipped: list) -> str:
    lines = ["# Schedule fuzzing: coverage report", "", *header, ""]
    lines += ["## Accepted schedules by feature", "",
              "| feature | value | accepted schedules |", "| --- | --- | ---: |"]
    for name, counts in cov.features.items():
        for value, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"| {name} | {value} | {n} |")
    lines += ["", "## Accepted schedules by root op and dtype", "",
              "| root op | " + " | ".join(DTYPES) + " |", "| --- |" + " ---: |" * len(DTYPES)]
    for kind, counts in sorted(cov.kinds.items()):
        lines.append(f"| {kind} | " + " | ".join(str(counts[d]) for d in DTYPES) + " |")
    lines += ["", "## Accepted schedules with a matrix instruction, by root op", "",
              "| root op | matrix_instruction | accepted schedules |", "| --- | --- | ---: |"]
    for kind, counts in sorted(cov.instructions.items()):
        lines += [f"| {kind} | {name} | {n} |" for name, n in sorted(counts.items())
                  if name != "none"]
    lines += ["", "## Accepted / proposed by program and dtype", "",
              "| program | " + " | ".join(DTYPES) + " |", "| --- |" + " ---: |" * len(DTYPES)]
    for name, counts in sorted(cov.programs.items()):
        cells = [f"{counts[d]}/{counts[d + ' proposed']}" if counts[d + " proposed"] else "-"
                 for d in DTYPES]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "## Rejections by reason", "", "| rung | reason | candidates |",
              "| ---: | --- | ---: |"]
    for reason, n in sorted(cov.reasons.items(), key=lambda kv: (rung_of(kv[0]), kv[0])):
        lines.append(f"| {rung_of(reason)} | {reason} | {n} |")
    if cov.late:
        lines += ["", "## Rejected by rungs 3 and 4", "",
                  "Schedules the static checks let through and the transforms or the "
                  "numerical check refused (the first 30):", ""]
        lines += [f"- {line}" for line in cov.late[:30]]
    lines += ["", "## Problems", ""] + [f"- {p}" for p in problems or ["none"]]
    if skipped:
        lines += ["", "## Not fuzzed (the importer refuses them)", ""]
        lines += [f"- {s}" for s in skipped]
    return "\n".join(lines) + "\n"


def rung_of(reason) -> int:
    # pipeline_depth and vector_width are rung 1 or 2: listed under 1.
    return next((r for r, names in RUNGS.items() if reason in names), 0)


# ---------------------------------------------------------------- groupings

def kernel_op_count(kgen_opt: Path, example: Path) -> int:
    """Linalg and pad ops at the top level of @main before kernel formation."""
    out = run([kgen_opt, example, *LINALG]).stdout
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
                out = run([kgen_opt, example, *LINALG,
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


# --------------------------------------------------------------------- main

def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--count", type=int, default=1000,
                   help="random schedules in total: the same share for each program, "
                        "spread over its kernels (at least one each)")
    p.add_argument("--groupings", type=int, default=0,
                   help="random kernel groupings of the examples in total")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--build", type=Path, default=REPO / "build")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="kgen-opt and kgen-run processes at a time")
    p.add_argument("--examples", default=EXAMPLES, help="examples/*.mlir names, or none")
    p.add_argument("--problems", default="all",
                   help="benchmarks/problems names, all or none")
    p.add_argument("--dtypes", default=",".join(DTYPES), help="dtypes of the problems")
    p.add_argument("--target", default="sm_90a",
                   help="the chip schedules are verified and compiled for")
    p.add_argument("--no-gpu-codegen", dest="gpu_codegen", action="store_false",
                   help="skip compiling accepted schedules for the GPU")
    p.add_argument("--report", type=Path, help="also write the coverage report here")
    return p.parse_args()


def gather_programs(a, kgen_opt, tmp: Path, skipped: list, pool) -> list:
    """The programs to fuzz, with their kernels; those kgen-opt cannot
    form kernels of are fuzzed anyway: the fuzzing run reports the failure."""
    examples = [] if a.examples == "none" else a.examples.split(",")
    programs = [Program(f"example-{n}", "f32", REPO / "examples" / f"{n}.mlir")
                for n in examples]
    names = ([] if a.problems == "none" else
             sorted(p.stem for p in PROBLEMS.glob("*.py")) if a.problems == "all" else
             a.problems.split(","))
    programs += import_problems(names, a.dtypes.split(","), tmp, skipped)
    for program, kernels in zip(programs, pool.map(lambda p: kernels_of(kgen_opt, p),
                                                   programs)):
        program.kernels = kernels
    return programs


def fuzz_all(a, tools, programs, tmp: Path, pool, cov: Coverage, problems: list):
    """Every program's candidates, then the checks of every accepted one."""
    kgen_opt, kgen_run = tools
    # Each program (a problem in a dtype, an example) gets the same share:
    # spread over kernels instead, the programs of many kernels (a
    # transformer block has 22), whose end-to-end runs cost the most, would
    # take most of the run.
    share = a.count / len(programs)
    accepted = []
    for program, (entries, problem) in zip(programs, pool.map(
            lambda p: fuzz_program(a, kgen_opt, p, share, tmp), programs)):
        if problem:
            problems.append(problem)
        for entry in entries:
            cov.add(program, entry)
            if entry["verdict"]["accepted"]:
                accepted.append((program, entry))
            elif entry["verdict"].get("reason") not in REASONS:
                problems.append(f"{program.label}: rejection without a known reason "
                                f"code: {entry['verdict']}")
    check_accepted(a, tools, accepted, tmp, pool, problems)


def check_accepted(a, tools, accepted, tmp: Path, pool, problems: list):
    """Each accepted schedule alone on the CPU against its unscheduled
    program; then (unless --no-gpu-codegen) all of them through GPU code
    generation, a batch per program and round."""
    kgen_opt, kgen_run = tools
    with_accepted = list({id(p): p for p, _ in accepted}.values())
    references = dict(zip(map(id, with_accepted), pool.map(
        lambda p: outputs_of(kgen_run, p.path, tmp / f"ref-{p.path.stem}", 5), with_accepted)))
    for p in with_accepted:
        if references[id(p)][1]:
            problems.append(f"{p.label}: the unscheduled program failed: {references[id(p)][1]}")

    def on_cpu(job):
        n, (program, entry) = job
        reference, err = references[id(program)]
        return [] if err else check_on_cpu(a, tools, program, entry, reference,
                                            tmp / f"cpu{n}")
    for found in pool.map(on_cpu, enumerate(accepted)):
        problems.extend(found)
    if a.gpu_codegen:
        for found in pool.map(lambda job: check_on_gpu(a, kgen_opt, *job[1], tmp / f"gpu{job[0]}"),
                              enumerate(gpu_batches(accepted))):
            problems.extend(found)


def main() -> int:
    a = parse_args()
    tools = (a.build / "bin" / "kgen-opt", a.build / "bin" / "kgen-run")
    cov, problems, skipped = Coverage(), [], []
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(a.jobs) as pool:
        programs = gather_programs(a, tools[0], Path(tmp), skipped, pool)
        fuzz_all(a, tools, programs, Path(tmp), pool, cov, problems)
    examples = [p.path for p in programs if p.name.startswith("example-")]
    if a.groupings and examples:
        fuzz_groupings(a, *tools, examples, problems)
    kernels = sum(len(p.kernels) for p in programs)
    header = [f"{cov.total} random schedules over {kernels} kernels of {len(programs)} "
              f"programs (seed {a.seed}, target {a.target}): {cov.accepted} accepted and "
              f"checked end to end, {cov.total - cov.accepted} rejected",
              f"miscompiles: {sum('MISCOMPILE' in p for p in problems)}; false acceptances "
              f"(GPU code generation fails): {sum('FALSE ACCEPTANCE' in p for p in problems)}"
              + ("" if a.gpu_codegen else " (not checked: --no-gpu-codegen)")]
    print(*header, sep="\n")
    for reason, count in sorted(cov.reasons.items()):
        print(f"  {reason}: {count}")
    # Rounding gives a little more than --count, identical kernels less.
    if cov.total < a.count / 2:
        problems.append(f"only {cov.total} schedules were produced, {a.count} asked")
    if a.report:
        a.report.write_text(report(cov, header, problems, skipped))
    for problem in problems:
        print("PROBLEM:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
