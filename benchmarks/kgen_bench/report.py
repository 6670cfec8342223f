"""Run results: CSV, JSON, a Markdown summary and a PNG plot of speedups."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any, Dict, List, Optional

from kgen_import.files import write_output as _write_atomically

from .harness import geometric_mean

COLUMNS = ["problem", "status", "kgen_ms", "eager_ms", "compile_ms", "floor_ms",
           "speedup_vs_eager", "speedup_vs_compile", "floor_multiple", "kgen_runs",
           "eager_runs", "compile_runs", "kgen_compile_s", "torch_compile_s", "flops",
           "bytes", "message", "compile_message"]


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(path, data)


def fast_p(rows: List[Dict[str, Any]], key: str, p: float) -> float:
    """KernelBench's fast_p: the fraction of all problems whose kernel is
    correct and more than p times faster than the baseline."""
    if not rows:
        return float("nan")
    good = sum(1 for r in rows if r.get("status") == "ok" and (r.get(key) or 0) > p)
    return good / len(rows)


def summarize(rows: List[Dict[str, Any]]) -> Dict[str, Any]:
    correct = [r for r in rows if r.get("status") == "ok"]
    summary = {
        "problems": len(rows),
        "correct": len(correct),
        "correctness_rate": len(correct) / len(rows) if rows else float("nan"),
        "status_counts": {},
    }
    for r in rows:
        summary["status_counts"][r["status"]] = summary["status_counts"].get(r["status"], 0) + 1
    for key, name in (("speedup_vs_eager", "eager"), ("speedup_vs_compile", "compile")):
        for p in (0, 1, 2):
            summary[f"fast_{p}_vs_{name}"] = fast_p(rows, key, p)
        summary[f"geomean_speedup_vs_{name}"] = geometric_mean(
            [r[key] for r in correct if r.get(key)])
    summary["geomean_floor_multiple"] = geometric_mean(
        [r["floor_multiple"] for r in correct if r.get("floor_multiple")])
    return summary


def _fmt(v: Any, digits: int = 3) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        return f"{v:.{digits}g}"
    return str(v)


def to_csv(rows: List[Dict[str, Any]]) -> str:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: r.get(k, "") for k in COLUMNS})
    return out.getvalue()


def to_markdown(rows: List[Dict[str, Any]], summary: Dict[str, Any],
                meta: Dict[str, Any]) -> str:
    lines = ["# kgen benchmark run", ""]
    for k in ("date", "device", "driver", "torch", "triton", "python", "kgen_commit",
              "roofline", "roofline_f16_bf16", "command"):
        if k in meta:
            lines.append(f"- **{k}**: `{meta[k]}`" if k == "command" else f"- **{k}**: {meta[k]}")
    lines += ["", "## Summary", "",
              f"- correct: {summary['correct']} of {summary['problems']} "
              f"({_fmt(summary['correctness_rate'])}); statuses: "
              + ", ".join(f"{k} {v}" for k, v in sorted(summary['status_counts'].items())),
              "- fast_p = share of all problems correct and more than p times faster:"]
    for name in ("eager", "compile"):
        lines.append(f"  - vs {'PyTorch eager' if name == 'eager' else 'torch.compile'}: "
                     + ", ".join(f"fast_{p} {_fmt(summary[f'fast_{p}_vs_{name}'])}"
                                 for p in (0, 1, 2))
                     + f"; geometric-mean speedup {_fmt(summary[f'geomean_speedup_vs_{name}'])}")
    lines.append(f"- geometric-mean multiple of the roofline floor (correct problems): "
                 f"{_fmt(summary['geomean_floor_multiple'])}")
    lines += ["", "## Problems (times in ms, medians)", "",
              "| problem | status | kgen | eager | torch.compile | floor | vs eager | vs compile | × floor |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append("| " + " | ".join([
            r["problem"], r["status"], _fmt(r.get("kgen_ms")), _fmt(r.get("eager_ms")),
            _fmt(r.get("compile_ms")), _fmt(r.get("floor_ms")),
            _fmt(r.get("speedup_vs_eager")), _fmt(r.get("speedup_vs_compile")),
            _fmt(r.get("floor_multiple"))]) + " |")
    failures = [r for r in rows if r["status"] != "ok"]
    if failures:
        lines += ["", "## Failures", ""]
        for r in failures:
            lines.append(f"- **{r['problem']}** ({r['status']}): {r.get('message', '')}")
    return "\n".join(lines) + "\n"


def plot(rows: List[Dict[str, Any]], path: Path) -> Optional[str]:
    """A PNG of kgen's speedup over eager and torch.compile per problem (log
    scale); returns why not if matplotlib is missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed: no plot"
    names = [r["problem"] for r in rows]
    # Failed problems get no bar (NaN), only their status in the label.
    eager = [r.get("speedup_vs_eager") or float("nan") for r in rows]
    comp = [r.get("speedup_vs_compile") or float("nan") for r in rows]
    fig, ax = plt.subplots(figsize=(10, max(4, 0.28 * len(rows))))
    ys = range(len(rows))
    ax.barh([y - 0.2 for y in ys], eager, height=0.4,
            label="vs PyTorch eager")
    ax.barh([y + 0.2 for y in ys], comp, height=0.4,
            label="vs torch.compile")
    ax.set_yticks(list(ys))
    ax.set_yticklabels([n + ("" if r["status"] == "ok" else f" ({r['status']})")
                        for n, r in zip(names, rows)], fontsize=7)
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xlabel("speedup of kgen (>1: kgen faster; failed problems show none)")
    ax.invert_yaxis()
    ax.legend(loc="lower right")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    write_atomically(path, buf.getvalue())
    return None


def write_run(out: Path, rows: List[Dict[str, Any]], meta: Dict[str, Any]) -> Dict[str, Any]:
    summary = summarize(rows)
    note = plot(rows, out / "speedups.png")
    if note:
        meta = {**meta, "plot": note}
    write_atomically(out / "results.json", json.dumps(
        {"meta": meta, "summary": summary, "problems": rows}, indent=1, default=str).encode())
    write_atomically(out / "results.csv", to_csv(rows).encode())
    write_atomically(out / "summary.md", to_markdown(rows, summary, meta).encode())
    return summary
