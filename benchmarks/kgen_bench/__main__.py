"""python3 -m kgen_bench (from benchmarks/): run the benchmark suite.

    python3 -m kgen_bench --out DIR [problem.py | directory]...
        [--chip sm_90a] [--schedule-options "proposer=..."] [--check-seeds N]
        [--trials 5] [--budget 2.0] [--no-torch-compile] [--no-isolate] [--jobs N]

Each problem runs in its own process (unless --no-isolate), so a crash
costs one row, not the run. With --jobs N, N problems run at once: they
import, compile and warm up torch.compile concurrently, and take turns on
a lock for everything they time (kgen's checked runs, eager, torch.compile),
so no timed run shares the GPU with another's. Writes DIR/results.{json,csv}, DIR/summary.md
and DIR/speedups.png. Exit status: 0 when the run completed (whatever the
problems' outcomes), 2 on bad usage or when no GPU is present.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import json
import os
import platform
import shlex
import subprocess
import sys
from pathlib import Path

DEFAULT_PROBLEMS = Path(__file__).resolve().parents[1] / "problems"


def _problems(paths):
    found = []
    for p in paths or [DEFAULT_PROBLEMS]:
        p = Path(p)
        if p.is_dir():
            found += sorted(p.glob("*.py"))
        elif p.is_file():
            found.append(p)
        else:
            raise SystemExit(f"kgen-bench: error: {p}: no such file or directory")
    return found


def _meta(args):
    import torch
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "command": "python3 -m kgen_bench " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
        "chip": args.chip,
        "schedule_options": args.schedule_options or "(heuristic)",
        "check_seeds": args.check_seeds,
        "trials": args.trials,
        "jobs": args.jobs,
        "tf32": "off (fp32 problems run in fp32 in the reference and both baselines)",
    }
    try:
        import triton
        meta["triton"] = triton.__version__
    except ImportError:
        meta["triton"] = "not installed"
    if torch.cuda.is_available():
        meta["device"] = torch.cuda.get_device_name()
        meta["cuda_runtime"] = torch.version.cuda
        try:
            meta["driver"] = subprocess.run(
                ["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                capture_output=True, text=True, timeout=20).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            meta["driver"] = "unknown"
    # A copy of the tree on a GPU machine may carry a stale .git: the
    # commit can be given explicitly.
    root = Path(__file__).resolve().parents[2]
    meta["kgen_commit"] = os.environ.get("KGEN_COMMIT", "")
    if not meta["kgen_commit"]:
        try:
            meta["kgen_commit"] = subprocess.run(
                ["git", "-C", str(root), "describe", "--always", "--dirty"],
                capture_output=True, text=True, timeout=20).stdout.strip() or "unknown"
        except (OSError, subprocess.SubprocessError):
            meta["kgen_commit"] = "unknown"
    return meta


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="kgen-bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("problems", nargs="*", help="problem files or directories "
                    "(default: benchmarks/problems)")
    ap.add_argument("--out", required=True, help="directory for the results")
    ap.add_argument("--chip", default="sm_90a")
    ap.add_argument("--schedule-options", default="",
                    help='kgen-schedule-kernels options, e.g. "proposer=llm ..."')
    ap.add_argument("--check-seeds", type=int, default=3,
                    help="input sets of the schedule verifier's CPU check, which runs "
                         "a reduced instance of each kernel (default 3; 0 skips it)")
    ap.add_argument("--trials", type=int, default=5)
    ap.add_argument("--budget", type=float, default=2.0,
                    help="seconds of timed runs per backend and problem (20-200 runs)")
    ap.add_argument("--no-torch-compile", action="store_true")
    ap.add_argument("--no-isolate", action="store_true")
    ap.add_argument("--jobs", type=int, default=1,
                    help="problems run at once (each times alone under a lock)")
    ap.add_argument("--gpu-lock", help=argparse.SUPPRESS)  # internal: the lock of --jobs
    ap.add_argument("--peak-flops", type=float)
    ap.add_argument("--bandwidth", type=float)
    ap.add_argument("--timeout", type=float, default=300,
                    help="seconds per problem before it is recorded as timed out "
                         "(with --jobs, waiting for the lock counts)")
    ap.add_argument("--merge", nargs="+", metavar="DIR",
                    help="combine the rows of earlier (partial) runs into --out; "
                         "runs nothing")
    ap.add_argument("--one", help=argparse.SUPPRESS)  # internal: one problem -> JSON file
    args = ap.parse_args(argv)
    if args.trials < 1:
        ap.error("--trials must be at least 1")
    if args.jobs < 1:
        ap.error("--jobs must be at least 1")
    if args.jobs > 1 and args.no_isolate:
        ap.error("--jobs needs isolated problems; drop --no-isolate")

    from .report import write_run, write_atomically
    out = Path(args.out)
    if args.merge:
        return merge(args.merge, out, write_run)

    import torch
    from .runner import Options, roofline, run_problem_safely

    if not torch.cuda.is_available():
        print("kgen-bench: error: no CUDA GPU is visible to PyTorch; run this on a GPU machine",
              file=sys.stderr)
        return 2
    options = Options(chip=args.chip, schedule_options=args.schedule_options,
                      check_seeds=args.check_seeds, trials=args.trials, budget_s=args.budget,
                      torch_compile=not args.no_torch_compile, peak_flops=args.peak_flops,
                      bandwidth=args.bandwidth, gpu_lock=args.gpu_lock)
    if args.one:
        row = run_problem_safely(Path(args.one), options)
        write_atomically(out, json.dumps(row, default=str).encode())
        return 0

    meta = _meta(args)
    meta["roofline"] = roofline(meta.get("device", ""), options)
    meta["roofline_f16_bf16"] = roofline(meta.get("device", ""), options, torch.float16)
    write_atomically(out / "meta.json", json.dumps(meta, default=str).encode())
    lock = str(out / "gpu.lock") if args.jobs > 1 else None

    def run_one(path):
        if args.no_isolate:
            return run_problem_safely(path, options)
        return _run_isolated(path, out / "rows" / f"{path.stem}.json", args, lock)

    rows = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for row in pool.map(run_one, _problems(args.problems)):
            rows.append(row)
            print(f"{row['problem']:28s} {row['status']:14s} "
                  + " ".join(f"{k}={row[k]:.4g}" for k in ("kgen_ms", "eager_ms", "compile_ms",
                                                          "floor_ms") if k in row)
                  + (f"  {row['message'][:120]}" if row.get("message") else ""), flush=True)
    if lock:
        Path(lock).unlink(missing_ok=True)
    summary = write_run(out, rows, meta)
    print(f"correct {summary['correct']}/{summary['problems']}; "
          f"fast_1 vs eager {summary['fast_1_vs_eager']:.3g}, "
          f"vs torch.compile {summary['fast_1_vs_compile']:.3g}; results in {out}")
    return 0


def _run_isolated(path: Path, one: Path, args, lock) -> dict:
    """One problem in its own process, with this run's options; its row,
    or a 'timeout' or 'crashed' row."""
    from .report import write_atomically
    cmd = [sys.executable, "-m", "kgen_bench", "--one", str(path), "--out", str(one)]
    # The same options as this run, minus the problem list and --out.
    for flag, value in (("--chip", args.chip), ("--schedule-options", args.schedule_options),
                        ("--check-seeds", args.check_seeds), ("--trials", args.trials),
                        ("--budget", args.budget)):
        cmd += [flag, str(value)]
    if args.no_torch_compile:
        cmd.append("--no-torch-compile")
    if lock:
        cmd += ["--gpu-lock", lock]
    try:
        proc = subprocess.run(cmd, cwd=Path(__file__).resolve().parents[1],
                              capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        row = {"problem": path.stem, "status": "timeout",
               "message": f"no result within {args.timeout:g} s"}
        write_atomically(one, json.dumps(row).encode())
        return row
    if one.is_file():
        return json.loads(one.read_text())
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [""]
    return {"problem": path.stem, "status": "crashed",
            "message": f"exit {proc.returncode}: {tail[0][:300]}"}


def merge(dirs, out: Path, write_run) -> int:
    """One run from the rows of several partial runs on the same device."""
    metas, rows = [], {}
    for d in map(Path, dirs):
        if not (d / "meta.json").is_file():
            print(f"kgen-bench: error: {d}/meta.json not found: not a kgen-bench run",
                  file=sys.stderr)
            return 2
        metas.append(json.loads((d / "meta.json").read_text()))
        # A finished run's results.json, else the rows of an interrupted one.
        # Later runs replace earlier rows of the same problem.
        if (d / "results.json").is_file():
            for row in json.loads((d / "results.json").read_text())["problems"]:
                rows[row["problem"]] = row
        else:
            for f in sorted((d / "rows").glob("*.json")):
                rows[f.stem] = json.loads(f.read_text())
    devices = {m.get("device") for m in metas}
    if len(devices) != 1:
        print(f"kgen-bench: error: the runs are from different devices: {sorted(map(str, devices))}",
              file=sys.stderr)
        return 2
    meta = dict(metas[0])
    meta["command"] = " ; ".join(m["command"] for m in metas)
    meta["date"] = " / ".join(sorted({m["date"] for m in metas}))
    summary = write_run(out, [rows[k] for k in sorted(rows)], meta)
    print(f"merged {len(rows)} problems from {len(dirs)} runs: correct "
          f"{summary['correct']}/{summary['problems']}; results in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
