"""The run summary (correctness rate, fast_p, geometric means), the files a
run writes, and merging partial runs."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from kgen_bench import report  # noqa: E402
from kgen_bench.__main__ import main  # noqa: E402

ROWS = [
    {"problem": "a", "status": "ok", "kgen_ms": 1.0, "eager_ms": 3.0, "compile_ms": 1.5,
     "floor_ms": 0.5, "speedup_vs_eager": 3.0, "speedup_vs_compile": 1.5, "floor_multiple": 2.0},
    {"problem": "b", "status": "ok", "kgen_ms": 2.0, "eager_ms": 1.0, "compile_ms": 0.5,
     "floor_ms": 0.5, "speedup_vs_eager": 0.5, "speedup_vs_compile": 0.25, "floor_multiple": 4.0},
    {"problem": "c", "status": "incorrect", "message": "trial 1: 3 elements off",
     "eager_ms": 1.0, "compile_ms": 1.0},
    {"problem": "d", "status": "run_error", "message": "cuLaunchKernel failed"},
]


def test_summary_counts_failures_against_every_fast_p():
    s = report.summarize(ROWS)
    assert (s["problems"], s["correct"], s["correctness_rate"]) == (4, 2, 0.5)
    # fast_p is over all problems: failures count as not fast.
    assert s["fast_0_vs_eager"] == 0.5
    assert s["fast_1_vs_eager"] == 0.25
    assert s["fast_2_vs_eager"] == 0.25
    assert s["fast_1_vs_compile"] == 0.25 and s["fast_2_vs_compile"] == 0
    assert s["geomean_speedup_vs_eager"] == pytest.approx((3.0 * 0.5) ** 0.5)
    assert s["geomean_floor_multiple"] == pytest.approx(8 ** 0.5)
    assert s["status_counts"] == {"ok": 2, "incorrect": 1, "run_error": 1}


def test_run_files_and_merge(tmp_path):
    meta = {"device": "NVIDIA H200", "date": "d1", "command": "python3 -m kgen_bench x"}
    first, second = tmp_path / "first", tmp_path / "second"
    report.write_run(first, ROWS[:3], meta)
    (first / "meta.json").write_text(json.dumps(meta))
    # An interrupted run: meta and rows only. Its rows replace earlier ones.
    (second / "rows").mkdir(parents=True)
    (second / "meta.json").write_text(json.dumps({**meta, "date": "d2"}))
    fixed = {**ROWS[2], "status": "ok", "kgen_ms": 0.5, "speedup_vs_eager": 2.0,
             "speedup_vs_compile": 2.0, "floor_multiple": 1.0}
    (second / "rows" / "c.json").write_text(json.dumps(fixed))
    (second / "rows" / "d.json").write_text(json.dumps(ROWS[3]))

    merged = tmp_path / "merged"
    assert main(["--out", str(merged), "--merge", str(first), str(second)]) == 0
    data = json.loads((merged / "results.json").read_text())
    assert [r["problem"] for r in data["problems"]] == ["a", "b", "c", "d"]
    assert data["summary"]["correct"] == 3
    assert data["meta"]["date"] == "d1 / d2"
    csv_lines = (merged / "results.csv").read_text().splitlines()
    assert csv_lines[0].startswith("problem,status,kgen_ms,eager_ms,compile_ms,floor_ms")
    assert len(csv_lines) == 5
    summary = (merged / "summary.md").read_text()
    assert "correct: 3 of 4" in summary and "**d** (run_error): cuLaunchKernel failed" in summary


def test_merge_refuses_runs_from_different_devices(tmp_path, capsys):
    for name, device in (("x", "NVIDIA H200"), ("y", "NVIDIA H100")):
        (tmp_path / name / "rows").mkdir(parents=True)
        (tmp_path / name / "meta.json").write_text(
            json.dumps({"device": device, "date": "d", "command": "c"}))
    assert main(["--out", str(tmp_path / "m"), "--merge", str(tmp_path / "x"),
                 str(tmp_path / "y")]) == 2
    assert "different devices" in capsys.readouterr().err
