"""A run's report: `report.md` (a table over the kernels, then each kernel's
winner and rejections) and `best_so_far.png` (best-so-far time against
evaluations, one line per strategy, a panel per kernel).

Works from a TuneResult or its JSON (result.json), so a report can be
redrawn from a finished run. Files are written atomically
(kgen_import.files.write_output); without matplotlib the plot is skipped
with a note, never an error.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

__all__ = ["to_markdown", "plot_best_so_far", "write_report"]


def _as_dict(result: Any) -> Dict[str, Any]:
    return result.to_json() if hasattr(result, "to_json") else dict(result)


def _ms(v: Optional[float]) -> str:
    return "" if v is None else f"{v:.4g}"


def _rejects(rejects: Dict[str, int]) -> str:
    if not rejects:
        return "0"
    why = ", ".join(f"{k} {v}" for k, v in sorted(rejects.items()))
    return f"{sum(rejects.values())} ({why})"


def _row(k: Dict[str, Any]) -> str:
    if k.get("same_as"):
        return f"| {k['name']} | same kernel as {k['same_as']} | | | | | | | |"
    speedup = f"{k['speedup']:.2f}x" if k.get("speedup") else ""
    agreement = "" if k.get("rank_agreement") is None else f"{k['rank_agreement']:+.2f}"
    return (f"| {k['name']} | {k['evaluations']} | {k['measured']} | {_rejects(k['rejects'])} "
            f"| {_ms(k.get('heuristic_ms'))} | {_ms(k.get('best_ms'))} | {speedup} "
            f"| {k.get('best_strategy') or ''} | {agreement} |")


def to_markdown(result: Any) -> str:
    """The report as Markdown. The cost model's rank agreement is Spearman's
    correlation between static estimates and measured medians of a
    kernel's schedules (1: the model orders them as measured)."""
    r = _as_dict(result)
    budget = r.get("budget") or {}
    lines = ["# kgen-tune run", "",
             f"- **target**: {r['target']}; **measurer**: {r['measurer']}; "
             f"**strategies**: {', '.join(r['strategies'])}; **seed**: {r['seed']}",
             "- **budget**: " + ", ".join(f"{k} {v}" for k, v in budget.items() if v is not None),
             f"- **wall time**: {r.get('seconds', 0):.1f} s", ""]
    for w in r.get("warnings") or []:
        lines.append(f"- warning: {w}")
    lines += ["## Kernels (milliseconds: medians on the measurer)", "",
              "| kernel | evaluations | measured | rejected | heuristic | best | speedup "
              "| strategy | cost-model rank agreement |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    lines += [_row(k) for k in r["kernels"]]
    for k in r["kernels"]:
        if k.get("best_schedule") is None:
            continue
        lines += ["", f"### {k['name']} (`{k['fingerprint']}`)", "",
                  f"Best schedule, from {k['best_strategy']}:", "", "```json",
                  json.dumps(k["best_schedule"], sort_keys=True), "```"]
    return "\n".join(lines) + "\n"


def _step(points: List[List[float]], last: int):
    """A best-so-far curve's x and y, held flat to evaluation `last`."""
    xs = [p[0] for p in points] + [last]
    ys = [p[1] for p in points] + [points[-1][1]]
    return xs, ys


def plot_best_so_far(result: Any, path: Union[str, Path]) -> Optional[str]:
    """Writes the plot; returns why not when matplotlib is missing or no
    kernel has a time."""
    r = _as_dict(result)
    kernels = [k for k in r["kernels"] if k.get("strategy_curves")]
    if not kernels:
        return "no kernel was measured: no plot"
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed: no plot"
    cols = min(3, len(kernels))
    rows = math.ceil(len(kernels) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.6 * rows), squeeze=False)
    for ax, k in zip(axes.flat, kernels):
        for strategy, points in sorted(k["strategy_curves"].items()):
            xs, ys = _step(points, max(k["evaluations"], points[-1][0]))
            ax.step(xs, ys, where="post", label=strategy, marker="o", markersize=3)
        ax.set_title(k["name"], fontsize=9)
        ax.set_xlabel("evaluations")
        ax.set_ylabel(f"best so far (ms, {r['measurer']})")
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(kernels):]:
        ax.axis("off")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    from kgen_import.files import write_output
    write_output(Path(path), buf.getvalue())
    return None


def write_report(result: Any, out_dir: Union[str, Path]) -> List[str]:
    """Writes report.md and best_so_far.png into `out_dir`; returns notes
    (why the plot is missing)."""
    from kgen_import.files import write_output
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    note = plot_best_so_far(result, out / "best_so_far.png")
    text = to_markdown(result)
    if note:
        text += f"\n{note}\n"
    write_output(out / "report.md", text)
    return [note] if note else []
