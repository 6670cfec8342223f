#!/usr/bin/env python3
"""Equal-budget comparison of kgen-tune's strategies on suite kernels.

For each program (a kgen .mlir file or a KernelBench-format problem .py)
and each strategy, one tuning run with the same budget: the heuristic
schedule first (the baseline every speedup is relative to), then
candidates from that strategy alone until the run has used its
evaluations. The runs share nothing (each has its own output folder), so
no strategy profits from another's measurements. Writes, under --out:

  <program>/<strategy>/...   each run's evaluations, result and report
  compare.json               every run's per-kernel results
  compare.md                 a table per kernel: best time and speedup over
                             the heuristic per strategy, rejects, and the
                             cost model's rank agreement with measurements
  best_so_far.png            the best time so far as a speedup over the
                             run's heuristic, against evaluations, one panel
                             per kernel, one line per strategy

With --decisions FILE, each run also keeps its winners in its own folder
(<program>/<strategy>/decisions.json, so no run reads another's through
the tuner's memory), and at the end every kernel's fastest winner over
all strategies goes into FILE: the tuned build that the benchmark
harness replays with --schedule-options "decisions=FILE".

The scripted LLM (strategy llm with --llm-replies) is kgen's LLM proposer
talking to test/llm/mock_openai_server.py, which answers with the replies
of a fixed file per program (DIR/<program>.jsonl) in turn: it exercises the LLM path of the loop (prompts
with measured history, parsing, verdicts, a reply that repeats a schedule)
at the same budget, not any model's skill.

usage: tune_compare.py PROGRAM... --measurer cpu|gpu|static --evaluations N
       [--strategies random,evolution,llm] [--llm-replies DIR]
       [--target sm_90a] [--runs 5] [--seed 0] [--workers N] [--check-seeds N]
       [--set NAME=VALUE ...] [--decisions FILE]
       (a --set applies to every problem that has the constant)
       --out DIR
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import math
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "frontend"))

from kgen_import.files import write_output  # noqa: E402
from kgen_tune.store import DecisionsStore  # noqa: E402
from kgen_tune.tuner import Budget, tune  # noqa: E402

MOCK_SERVER = ROOT / "test" / "llm" / "mock_openai_server.py"


def read_program(path: Path, sizes: Dict[str, Any], seed: int) -> str:
    """The program's MLIR: the file's text, or the problem imported."""
    if path.suffix != ".py":
        return path.read_text(encoding="utf-8")
    from kgen_import import import_program, load_problem
    text = path.read_text(encoding="utf-8")
    # --set names constants of several problems: each takes its own.
    own = {k: v for k, v in sizes.items() if re.search(rf"^{k}\s*=", text, re.M)}
    problem = load_problem(path, seed=seed, sizes=own, fake_inputs=True)
    return import_program(problem.model, problem.inputs,
                          source=f"{type(problem.model).__name__} from {path}").mlir


class MockLlm:
    """The scripted chat-completions server, answering with `replies` in
    turn, round after round, for the llm strategy."""

    def __init__(self, replies: List[str], folder: Path, rounds: int = 50):
        script = [{"content": r} for r in replies] * rounds
        self.script = folder / "llm-script.json"
        self.script.write_text(json.dumps(script))
        self.log = folder / "llm-requests.jsonl"
        self.process = subprocess.Popen(
            [sys.executable, str(MOCK_SERVER), str(self.script), str(self.log)],
            stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline().split()
        if len(line) != 2 or line[0] != "PORT":
            raise RuntimeError("the mock LLM server did not start")
        self.endpoint = f"http://127.0.0.1:{line[1]}/v1"

    def close(self):
        self.process.terminate()
        self.process.wait()


@contextlib.contextmanager
def scripted_llm(strategy: str, program: Path, args, scratch: Path):
    """The LLM options of a run: for the llm strategy, a mock server
    answering with the program's replies (--llm-replies DIR/<stem>.jsonl,
    one JSON string per line), else None."""
    if strategy != "llm":
        yield None
        return
    path = args.llm_replies / f"{program.stem}.jsonl"
    replies = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    folder = scratch / program.stem
    folder.mkdir(exist_ok=True)
    mock = MockLlm(replies, folder)
    try:
        yield {"endpoint": mock.endpoint, "model": "scripted", "max_requests": 1000}
    finally:
        mock.close()


def run_one(source: str, strategy: str, args, out: Path,
            llm: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    strategies = ("heuristic",) if strategy == "heuristic" else ("heuristic", strategy)
    result = tune(source, target=args.target, strategies=strategies,
                  budget=Budget(evaluations=args.evaluations), measurer=args.measurer,
                  runs=args.runs, out_dir=out, seed=args.seed, llm=llm,
                  decisions=out / "decisions.json" if args.decisions else None,
                  workers=args.workers, check_seeds=args.check_seeds,
                  progress=lambda line: print(f"  [{strategy}] {line}", flush=True))
    return result.to_json()


def table(name: str, runs: Dict[str, Dict[str, Any]]) -> List[str]:
    """Markdown rows of one program: one row per kernel and strategy."""
    rows = []
    for strategy, result in runs.items():
        for k in result["kernels"]:
            if k.get("same_as"):
                continue
            rejects = ", ".join(f"{r} {n}" for r, n in sorted(k["rejects"].items())) or "-"
            agree = k.get("rank_agreement")
            rows.append(
                f"| {name} | {k['name']} | {strategy} | {fmt(k['heuristic_ms'])} | "
                f"{fmt(k['best_ms'])} | {speedup(k)} | {k['evaluations']} | "
                f"{k['measured']} | {rejects} | "
                f"{'-' if agree is None else f'{agree:.2f}'} |")
    return rows


def fmt(ms: Optional[float]) -> str:
    return "-" if ms is None else f"{ms:.4f}"


def speedup(k: Dict[str, Any]) -> str:
    s = k.get("speedup")
    return "-" if s is None else f"{s:.2f}x"


def plot(all_runs: Dict[str, Dict[str, Dict[str, Any]]], path: Path) -> Optional[str]:
    """best_so_far.png: a panel per kernel, a step line per strategy."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed: no plot"
    panels = [(prog, k["name"]) for prog, runs in all_runs.items()
              for k in next(iter(runs.values()))["kernels"] if not k.get("same_as")]
    cols = min(3, len(panels))
    rows = math.ceil(len(panels) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.4 * rows), squeeze=False)
    for ax, (prog, kernel) in zip(axes.flat, panels):
        for strategy, result in all_runs[prog].items():
            k = next(k for k in result["kernels"] if k["name"] == kernel)
            # Over the run's own heuristic time: the runs measure it
            # separately, and a loaded machine moves every time together.
            points = [(n, k["heuristic_ms"] / ms) for n, ms in k["curve"]
                      if ms is not None and k["heuristic_ms"]]
            if points:
                ax.step([p[0] for p in points], [p[1] for p in points], where="post",
                        label=strategy)
        ax.set_title(f"{prog}: {kernel}", fontsize=9)
        ax.set_xlabel("evaluations")
        ax.set_ylabel("best so far: speedup over the heuristic")
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return None


def merge_decisions(run_folders: List[Path], path: Path) -> int:
    """Every kernel's fastest entry among the runs' decisions files, saved
    into `path`; returns how many kernels it holds."""
    best: Dict[str, Dict[str, Any]] = {}
    for folder in run_folders:
        for key, entry in DecisionsStore(folder / "decisions.json").load().items():
            if key not in best or entry["milliseconds"] < best[key]["milliseconds"]:
                best[key] = entry
    DecisionsStore(path).save(best)
    return len(best)


def write_comparison(all_runs: Dict[str, Dict[str, Dict[str, Any]]], args) -> List[str]:
    """compare.md, compare.json and best_so_far.png under --out; returns
    compare.md's lines."""
    header = ["| program | kernel | strategy | heuristic ms | best ms | speedup | "
              "evaluations | measured | rejects | cost-model rank agreement |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    lines = [f"# kgen-tune strategies at equal budget ({args.evaluations} evaluations "
             f"per kernel, {args.measurer} measurer, target {args.target})", ""] + header
    for prog, runs in all_runs.items():
        lines += table(prog, runs)
    note = plot(all_runs, args.out / "best_so_far.png")
    if note:
        lines += ["", note]
    write_output(args.out / "compare.md", "\n".join(lines) + "\n")
    write_output(args.out / "compare.json", json.dumps(all_runs, indent=1) + "\n")
    return lines


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("programs", nargs="+", type=Path)
    p.add_argument("--measurer", choices=("cpu", "gpu", "static"), required=True)
    p.add_argument("--evaluations", type=int, required=True)
    p.add_argument("--strategies", default="random,evolution")
    p.add_argument("--llm-replies", type=Path,
                   help="folder of PROGRAM-STEM.jsonl files, one reply text (a JSON "
                        "string) per line, for the scripted LLM (strategy llm)")
    p.add_argument("--target", default="sm_90a")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--workers", type=int, default=0,
                   help="processes verifying candidates in parallel: the ladder's "
                        "numerical rung at full-size rows takes seconds per candidate")
    p.add_argument("--check-seeds", type=int, default=3,
                   help="input sets of the ladder's numerical rung (default 3)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="a problem file's size constant")
    p.add_argument("--decisions", type=Path,
                   help="decisions file that gets every kernel's fastest winner")
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args()
    strategies = [s for s in args.strategies.split(",") if s]
    if "llm" in strategies and not args.llm_replies:
        p.error("the llm strategy needs --llm-replies (no LLM is reachable here)")
    sizes = {k: ast.literal_eval(v) for k, v in (s.split("=", 1) for s in args.set)}
    args.out.mkdir(parents=True, exist_ok=True)
    all_runs: Dict[str, Dict[str, Dict[str, Any]]] = {}
    lines: List[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        for program in args.programs:
            print(f"{program}:", flush=True)
            source = read_program(program, sizes, args.seed)
            runs = {}
            for s in strategies:
                with scripted_llm(s, program, args, Path(scratch)) as llm:
                    runs[s] = run_one(source, s, args, args.out / program.stem / s, llm)
            all_runs[program.stem] = runs
            # After every program, so a run cut short keeps what it did.
            lines = write_comparison(all_runs, args)
            if args.decisions:
                n = merge_decisions([args.out / program.stem / s for s in strategies],
                                    args.decisions)
                print(f"{args.decisions}: {n} kernels of {program.stem}", flush=True)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
