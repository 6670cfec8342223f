"""benchmarks/tune_compare.py end to end on the static measurer (no GPU,
seconds): the comparison table, each run's own decisions file, and the
merged file that holds every kernel's fastest winner for the harness."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = """\
func.func @main(%x: tensor<64x256xf32>, %y: tensor<64x256xf32>) -> tensor<64x256xf32> {
  %0 = kgen.softmax %x dim 1 : tensor<64x256xf32>
  %1 = kgen.softmax %y dim 1 : tensor<64x256xf32>
  %2 = kgen.add %0, %1 : (tensor<64x256xf32>, tensor<64x256xf32>) -> tensor<64x256xf32>
  %3 = kgen.softmax %2 dim 0 : tensor<64x256xf32>
  return %3 : tensor<64x256xf32>
}
"""


def _build() -> Path:
    build = Path(os.environ.get("KGEN_BUILD", ROOT / "build"))
    if not (build / "lib").exists():
        pytest.skip(f"{build} not built")
    return build


def test_merged_decisions_hold_each_kernels_fastest_winner(tmp_path):
    build = _build()
    program = tmp_path / "two_softmaxes.mlir"
    program.write_text(PROGRAM)
    out, merged = tmp_path / "out", tmp_path / "tuned.decisions.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "tune_compare.py"), str(program),
         "--measurer", "static", "--evaluations", "4", "--strategies", "random,evolution",
         "--decisions", str(merged), "--out", str(out)],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, "KGEN_BUILD": str(build)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "| two_softmaxes | main_kernel_0 | evolution |" in (out / "compare.md").read_text()
    runs = {}
    for strategy in ("random", "evolution"):
        entries = json.loads((out / "two_softmaxes" / strategy / "decisions.json")
                             .read_text())["entries"]
        runs[strategy] = entries
    entries = json.loads(merged.read_text())["entries"]
    assert entries and set(entries) == set(runs["random"]) == set(runs["evolution"])
    for key, entry in entries.items():
        assert entry["milliseconds"] == min(r[key]["milliseconds"] for r in runs.values())
        assert entry["measurer"] == "static" and "schedule" in entry
