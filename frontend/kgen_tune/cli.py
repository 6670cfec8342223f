"""The kgen-tune command line (tools/kgen-tune and `python -m kgen_tune`).

The only module of kgen_tune that prints: a line per kernel as it is
tuned, the files written, and errors as one line on stderr with exit
status 2 (bad usage) or 1 (a file that cannot be read or written, a
program kgen rejects, no GPU for --measurer gpu).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

from .native import KgenTuneError
from .store import DecisionsError
from .strategies import STRATEGIES
from .tuner import MEASURERS, Budget, TuneUsageError, tune

EPILOG = """\
PROGRAM is a kgen program (.mlir) or a PyTorch problem file in KernelBench's
format (.py: Model, get_inputs, get_init_inputs), imported with kgen-import.

Each kernel is measured with its heuristic schedule first, then with
candidates from the strategies (taking turns) until the budget is spent:
--evaluations per kernel, --seconds for the whole run. Evaluations are
logged in OUT/evaluations.jsonl; rerunning the same command resumes (what
was measured is not measured again). The fastest schedule per kernel goes
to --decisions (kgen's decisions file: kgen-opt and the runners then use
it) and OUT/result.json; OUT/report.md and OUT/best_so_far.png summarize.

exit status: 0 tuned; 1 a file, the program or the measurer failed; 2 bad usage.
"""


class UsageError(Exception):
    """A bad command line, found after parsing."""


class ProgramError(Exception):
    """A problem file kgen-import cannot import (one line)."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kgen-tune", epilog=EPILOG,
                                description="Measured schedule search for kgen's kernels.",
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("program", help="kgen program (.mlir) or KernelBench-format problem (.py)")
    p.add_argument("--target", default="sm_90a", help="sm_90a (default), sm_80, gfx942, gfx90a")
    p.add_argument("--function", help="the function the GPU measurer builds (default: the "
                                      "program's only public one)")
    p.add_argument("--measurer", choices=MEASURERS, default="gpu",
                   help="where schedules are timed: gpu (default, device 0), cpu (the "
                        "kernel JIT-compiled for this host, threads as loops) or static "
                        "(the cost model's estimate; nothing runs)")
    p.add_argument("--runs", type=int, default=5, help="timed runs per measurement (median)")
    p.add_argument("--strategies", default="heuristic,evolution",
                   help="comma-separated, taking turns: " + ", ".join(STRATEGIES)
                        + " (default heuristic,evolution)")
    p.add_argument("--evaluations", type=int, help="evaluations per kernel (default 20 "
                                                   "unless --seconds is given)")
    p.add_argument("--seconds", type=float, help="wall-time budget of the whole run")
    p.add_argument("--llm-tokens", type=int, help="token budget of the LLM for the run")
    p.add_argument("--out", help="output directory (default: PROGRAM's name + .tune)")
    p.add_argument("--decisions", help="kgen decisions file to add the winners to")
    p.add_argument("--kernels", help="comma-separated kernel names or indices (default: all)")
    p.add_argument("--seed", type=int, default=0, help="seed of the search (default 0)")
    p.add_argument("--check-seeds", type=int, default=3,
                   help="input sets of the ladder's numerical check (default 3)")
    p.add_argument("--workers", type=int, default=0,
                   help="processes verifying candidates in parallel (default: none)")
    g = p.add_argument_group("LLM (strategy llm, or evolution with --llm-rate)")
    g.add_argument("--llm-endpoint", help="OpenAI-compatible endpoint URL")
    g.add_argument("--llm-model", help="model name")
    g.add_argument("--llm-temperature", type=float)
    g.add_argument("--llm-max-tokens", type=int, help="tokens per reply")
    g.add_argument("--llm-timeout", type=float, help="seconds per request")
    g.add_argument("--llm-api-key-env", help="environment variable holding the API key")
    g.add_argument("--llm-rate", type=float, default=0.0,
                   help="share of evolution rounds that ask the LLM for a child (default 0)")
    g = p.add_argument_group("problem files (.py)")
    g.add_argument("--dtype", choices=("f32", "f16", "bf16"),
                   help="element type of the imported program")
    g.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override a module-level size of the problem file; repeatable")
    p.add_argument("-q", "--quiet", action="store_true", help="no per-kernel lines")
    return p


def _split(text: Optional[str]) -> Optional[List[str]]:
    if text is None:
        return None
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        raise UsageError("expected a comma-separated list, got nothing")
    return items


def _llm_options(args) -> Optional[Dict[str, Any]]:
    pairs = {"endpoint": args.llm_endpoint, "model": args.llm_model,
             "temperature": args.llm_temperature, "max_tokens": args.llm_max_tokens,
             "timeout": args.llm_timeout, "api_key_env": args.llm_api_key_env}
    options = {k: v for k, v in pairs.items() if v is not None}
    return options or None


def _check(args) -> None:
    strategies = _split(args.strategies)
    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown:
        raise UsageError(f"unknown strategy '{unknown[0]}'; expected some of "
                         + ", ".join(STRATEGIES))
    for name in ("runs", "evaluations", "check_seeds", "llm_tokens"):
        value = getattr(args, name)
        if value is not None and value < (0 if name == "check_seeds" else 1):
            raise UsageError(f"--{name.replace('_', '-')} must be "
                             + ("0 or more" if name == "check_seeds" else "at least 1"))
    if args.seconds is not None and not args.seconds > 0:
        raise UsageError("--seconds must be positive")
    if not 0 <= args.llm_rate <= 1:
        raise UsageError("--llm-rate must be between 0 and 1")
    if "llm" in strategies and not args.llm_endpoint:
        raise UsageError("strategy llm needs --llm-endpoint")


def _read_program(args) -> str:
    """The program's MLIR: the file's text, or a problem file imported."""
    path = Path(args.program)
    if path.suffix != ".py":
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise OSError(f"cannot read {path}: {getattr(e, 'strerror', None) or e}") from None
    from kgen_import import KgenImportError, import_program, load_problem  # torch: only here
    from kgen_import.problem import parse_sizes
    try:
        sizes = parse_sizes(args.set)
    except KgenImportError as e:
        raise UsageError(str(e)) from None
    try:
        problem = load_problem(path, seed=args.seed, sizes=sizes, fake_inputs=True)
        return import_program(problem.model, problem.inputs, dtype=args.dtype,
                              source=f"{type(problem.model).__name__} from {path}").mlir
    except KgenImportError as e:
        raise ProgramError(" ".join(str(e).split())) from None


def _run(args) -> int:
    _check(args)
    source = _read_program(args)
    evaluations = args.evaluations
    if evaluations is None and args.seconds is None:
        evaluations = 20
    out = Path(args.out) if args.out else Path(Path(args.program).stem + ".tune")
    quiet = args.quiet
    result = tune(source, target=args.target, function=args.function,
                  strategies=_split(args.strategies),
                  budget=Budget(evaluations=evaluations, seconds=args.seconds,
                                llm_tokens=args.llm_tokens),
                  measurer=args.measurer, runs=args.runs, out_dir=out,
                  kernels=_split(args.kernels), seed=args.seed, llm=_llm_options(args),
                  decisions=args.decisions, check_seeds=args.check_seeds,
                  workers=args.workers, llm_rate=args.llm_rate,
                  progress=None if quiet else (lambda line: print(line, flush=True)))
    for w in result.warnings:
        print(f"kgen-tune: warning: {w}", file=sys.stderr)
    from .report import write_report
    notes = write_report(result, out)
    for note in notes:
        print(f"kgen-tune: note: {note}", file=sys.stderr)
    if not quiet:
        wrote = [out / "result.json", out / "report.md"] + (
            [] if notes else [out / "best_so_far.png"])
        wrote += [Path(args.decisions)] if args.decisions else []
        print("wrote " + ", ".join(str(p) for p in wrote))
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except (UsageError, TuneUsageError) as e:
        print(f"kgen-tune: error: {e}", file=sys.stderr)
        return 2
    except KgenTuneError as e:
        hint = ("; use --measurer cpu on a machine without a GPU"
                if args.measurer == "gpu" and "GPU" in str(e) else "")
        print(f"kgen-tune: error: {e}{hint}", file=sys.stderr)
        return 1
    except (DecisionsError, ProgramError, OSError) as e:
        print(f"kgen-tune: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("kgen-tune: interrupted; the same command resumes the run", file=sys.stderr)
        return 130
