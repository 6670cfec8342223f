"""The adversarial scheduling run of CI, and the false acceptances it found.

CI's run (scripts/fuzz_schedules.py does the checks): one random schedule
per kernel of the examples and of every benchmark problem at its
SMALL_SIZES in f32, f16 and bf16, and 100 random kernel groupings of the
examples. No crash, every rejection has a reason code, every accepted
schedule or grouping computes what the unscheduled program computes, every
accepted schedule compiles for the GPU; most schedules (drawn within the
rules) are accepted, and the coverage report counts what they used.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("KGEN_BUILD", REPO / "build"))
KGEN_OPT = BUILD / "bin" / "kgen-opt"


def test_random_schedules_are_verified(tmp_path):
    report = tmp_path / "coverage.md"
    # --count 1: the minimum, one schedule per kernel (about 300); bounded
    # to keep this test near two minutes on two cores.
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "fuzz_schedules.py"), "--count", "1",
         "--groupings", "100", "--seed", "1", "--build", str(BUILD), "--report", str(report)],
        capture_output=True, text=True, timeout=1800)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    m = re.search(r"(\d+) random schedules over (\d+) kernels of (\d+) programs .*: "
                  r"(\d+) accepted", result.stdout)
    assert m, result.stdout
    total, kernels, programs, accepted = map(int, m.groups())
    # Every problem in three dtypes, the examples, the wide sizes (3 gemms
    # and a conv in f16 and bf16, 4 row reductions in all three dtypes).
    # (Kernels identical to an earlier one reuse its schedule: no candidates.
    # Elementwise fusion merges chains before kernels form, and row
    # statistics join their normalization's kernel: about 236.)
    assert programs >= 3 * 60 + 4 + 20 and kernels >= 230 and total >= 215
    # Most schedules are drawn within the rules; a share is broken on
    # purpose (15%).
    assert 0.7 * total <= accepted <= 0.95 * total, result.stdout
    assert "miscompiles: 0; false acceptances (GPU code generation fails): 0" in result.stdout
    assert "random kernel groupings" in result.stdout
    text = report.read_text()
    # Some split_reduction factor and some lanes per output (which depend
    # on the kernels drawn): the cooperative reductions were accepted, so
    # they computed what the unscheduled program computes.
    assert re.search(r"\| split_reduction \| \d+ \|", text), text
    lanes = re.findall(r"\| reduction_lanes \| (\d+) \| (\d+) \|", text)
    assert any(int(n) > 1 and int(k) > 0 for n, k in lanes), text
    # Some tensor-core schedule was accepted and checked (the wide gemms
    # and the implicit-GEMM conv each draw one about a quarter of the time;
    # which of them does depends on the seed).
    assert re.search(r"\| linalg\.\w+ \| (wgmma|mma_sync) \| [1-9]", text), text
    for row in ("| promote_operands | A and B |",
                "| vector_width | 2 |", "| generic (reduction) |", "| linalg.batch_matmul |",
                "| rung | reason | candidates |"):
        assert row in text, f"{row} missing from the coverage report:\n{text}"


# A bias added over 2x5x17 (a conv1d's epilogue, as the op suite has it).
BIAS_ADD = """
func.func @main(%x: tensor<2x5x17xf32>, %b: tensor<5x1xf32>) -> (tensor<2x5x17xf32>) {
    %v1 = kgen.add %x, %b : (tensor<2x5x17xf32>, tensor<5x1xf32>) -> tensor<2x5x17xf32>
    return %v1 : tensor<2x5x17xf32>
}
"""
RELU = """
func.func @main(%x: tensor<33x17xf32>) -> tensor<33x17xf32> {
  %0 = kgen.relu %x : tensor<33x17xf32>
  return %0 : tensor<33x17xf32>
}
"""
SOFTMAX = """
func.func @main(%x: tensor<12x41xf32>) -> tensor<12x41xf32> {
  %0 = kgen.softmax %x dim 1 : tensor<12x41xf32>
  return %0 : tensor<12x41xf32>
}
"""
GEMM_F16 = """
func.func @main(%a: tensor<64x128xf16>, %b: tensor<128x128xf16>) -> tensor<64x128xf16> {
  %0 = kgen.matmul %a, %b : (tensor<64x128xf16>, tensor<128x128xf16>) -> tensor<64x128xf16>
  return %0 : tensor<64x128xf16>
}
"""


def schedule(wg, th, red, **more):
    return {"version": 1, "workgroup_tile": wg, "thread_tile": th, "reduction_tile": red,
            **more}


# Schedules rungs 1-3 accepted (check-seeds=0) that -kgen-gpu-codegen then
# refused, and the reason rung 2 now gives.
FALSE_ACCEPTANCES = [
    # "thread loops with dynamic trip counts cannot be mapped to a block":
    # a workgroup tile of 4 on a loop of 5 (the random proposer's seed 1
    # gave it before it drew tiles dividing their loops).
    pytest.param(BIAS_ADD, "main_kernel_0", schedule([2, 4, 0], [2, 5, 16], []),
                 "tile_exceeds_dim", id="partial-workgroup-tile"),
    # "a dynamically sized buffer inside a GPU launch is not supported": a
    # thread tile of 5 rows in 12, for the row statistics fused into
    # softmax's kernel.
    pytest.param(SOFTMAX, "main_kernel_0", schedule([12, 1], [5, 1], [0]),
                 "tile_exceeds_dim", id="partial-thread-tile"),
    # "this op ... is outside the scheduled loops and cannot run on the GPU".
    pytest.param(RELU, "main_kernel_0", schedule([0, 0], [1, 1], []), "grid_size",
                 id="no-loop-on-the-grid"),
    # "cannot lower this op to wgmma: A is staged in shared memory that
    # 'memref.copy' also uses".
    pytest.param(GEMM_F16, "main_kernel_0",
                 schedule([64, 64], [64, 64], [64], promote_operands=[0, 1],
                          matrix_instruction="wgmma", vector_width=1),
                 "matrix_instruction", id="wgmma-unvectorized-copies"),
]


@pytest.mark.parametrize("program, kernel, bad, reason", FALSE_ACCEPTANCES)
def test_schedules_gpu_code_generation_refuses_are_rejected(tmp_path, program, kernel, bad,
                                                            reason):
    source, replay, log = tmp_path / "p.mlir", tmp_path / "replay.jsonl", tmp_path / "t.jsonl"
    source.write_text(program)
    replay.write_text(json.dumps({"kernel": kernel, "schedule": bad}) + "\n")
    result = subprocess.run(
        [str(KGEN_OPT), str(source), "-kgen-to-linalg", "-kgen-form-kernels",
         f"-kgen-schedule-kernels=proposer=replay replay={replay} rounds=1 check-seeds=0 "
         f"trajectory={log}", "--kgen-gpu-codegen=chip=sm_90a format=isa", "-o", os.devnull],
        capture_output=True, text=True, timeout=300)
    # The rejected schedule falls back to the heuristic's, which compiles.
    assert result.returncode == 0, result.stderr
    verdicts = [json.loads(line)["verdict"] for line in log.read_text().splitlines()
                if json.loads(line)["proposer"] == "replay" and
                json.loads(line)["kernel"] == kernel]
    assert [v.get("reason") for v in verdicts] == [reason], verdicts
