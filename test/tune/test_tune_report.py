"""kgen_tune.report from a run's JSON: the Markdown table, the plot, and a
note instead of a crash without matplotlib. Pure Python."""

import sys

from tune_testing import REPO  # noqa: F401  (puts frontend/ on sys.path)

from kgen_tune import report

RESULT = {
    "target": "sm_90a", "measurer": "cpu", "strategies": ["heuristic", "evolution"],
    "budget": {"evaluations": 6, "seconds": None, "llm_tokens": None}, "seed": 0,
    "out_dir": "x", "warnings": ["x/evaluations.jsonl: line 3 is truncated"], "seconds": 3.2,
    "kernels": [
        {"name": "main_kernel_0", "index": 0, "fingerprint": "0xaa", "key": "0xaa@sm_90a",
         "heuristic_ms": 0.2, "best_ms": 0.1, "best_schedule": {"version": 1, "workgroup_tile": [8]},
         "best_strategy": "evolution", "evaluations": 6, "measured": 4,
         "rejects": {"shared_memory": 1, "registers": 1},
         "curve": [[1, 0.2], [2, 0.2], [3, 0.15], [4, 0.15], [5, 0.1], [6, 0.1]],
         "strategy_curves": {"heuristic": [[1, 0.2]], "evolution": [[3, 0.15], [5, 0.1]]},
         "rank_agreement": 0.5, "same_as": None, "speedup": 2.0},
        {"name": "main_kernel_1", "index": 1, "fingerprint": "0xaa", "key": "0xaa@sm_90a",
         "heuristic_ms": None, "best_ms": None, "best_schedule": None, "best_strategy": None,
         "evaluations": 0, "measured": 0, "rejects": {}, "curve": [], "strategy_curves": {},
         "rank_agreement": None, "same_as": "main_kernel_0", "speedup": None},
    ],
}


def test_markdown_table():
    text = report.to_markdown(RESULT)
    assert ("| main_kernel_0 | 6 | 4 | 2 (registers 1, shared_memory 1) | 0.2 | 0.1 | 2.00x "
            "| evolution | +0.50 |") in text
    assert "| main_kernel_1 | same kernel as main_kernel_0 |" in text
    assert "warning: x/evaluations.jsonl: line 3 is truncated" in text
    assert '{"version": 1, "workgroup_tile": [8]}' in text


def test_report_files(tmp_path):
    notes = report.write_report(RESULT, tmp_path)
    assert (tmp_path / "report.md").read_text().startswith("# kgen-tune run")
    if notes:  # no matplotlib here: said in the report, not raised
        assert "matplotlib" in notes[0]
    else:
        assert (tmp_path / "best_so_far.png").read_bytes()[:4] == b"\x89PNG"


def test_no_matplotlib_is_a_note(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails
    notes = report.write_report(RESULT, tmp_path)
    assert notes == ["matplotlib is not installed: no plot"]
    assert not (tmp_path / "best_so_far.png").exists()
    assert "matplotlib is not installed" in (tmp_path / "report.md").read_text()
