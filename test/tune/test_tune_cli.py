"""kgen-tune's command line: a run writes its files and prints a line per
kernel; bad usage exits 2 and failures 1, each with one line on stderr and
no traceback."""

import json
import os
import subprocess
import sys

import pytest

from tune_testing import MATMUL, REPO, has_gpu, library_path, need_tune_library

need_tune_library()

from kgen_tune import cli  # noqa: E402

WRAPPER = REPO / "tools" / "kgen-tune" / "kgen-tune"
PROBLEM = '''\
import torch
import torch.nn as nn

ROWS, COLS = 16, 64


class Model(nn.Module):
    def forward(self, x):
        return torch.relu(x) * 2.0


def get_inputs():
    return [torch.randn(ROWS, COLS)]
'''


@pytest.fixture
def program(tmp_path):
    path = tmp_path / "mm.mlir"
    path.write_text(MATMUL)
    return path


def run_wrapper(*args, cwd):
    """tools/kgen-tune in `cwd`, on this build's library (KGEN_BUILD may be
    relative to the repository)."""
    env = dict(os.environ, KGEN_C_LIBRARY=str(library_path().resolve()))
    return subprocess.run([sys.executable, str(WRAPPER), *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_a_run_writes_its_files(program, tmp_path):
    out, decisions = tmp_path / "out", tmp_path / "d.json"
    proc = run_wrapper(program, "--measurer", "cpu", "--evaluations", "3", "--runs", "2",
                       "--check-seeds", "1", "--out", out, "--decisions", decisions,
                       "--strategies", "heuristic,random", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("main_kernel_0: 3 evaluations, ")
    assert "x over the heuristic" in lines[0]
    assert lines[-1].startswith("wrote ") and str(decisions) in lines[-1]
    result = json.loads((out / "result.json").read_text())
    assert result["kernels"][0]["evaluations"] == 3 and result["measurer"] == "cpu"
    assert (out / "evaluations.jsonl").read_text().count("\n") == 3
    report = (out / "report.md").read_text()
    assert "| main_kernel_0 | 3 |" in report
    png = out / "best_so_far.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" or "matplotlib" in report
    assert json.loads(decisions.read_text())["entries"]


def test_a_problem_file_is_imported(tmp_path):
    problem = tmp_path / "relu.py"
    problem.write_text(PROBLEM)
    proc = run_wrapper(problem, "--measurer", "cpu", "--evaluations", "2", "--runs", "1",
                       "--check-seeds", "1", "--set", "COLS=32", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    result = json.loads((tmp_path / "relu.tune" / "result.json").read_text())
    assert [k["evaluations"] for k in result["kernels"]] == [2]


def one_line_error(capsys, argv, status):
    assert cli.main([str(a) for a in argv]) == status
    err = capsys.readouterr().err
    assert err.startswith("kgen-tune: error: ") and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize("args,message", [
    (["--strategies", "heuristic,annealing"], "unknown strategy 'annealing'"),
    (["--evaluations", "0"], "--evaluations must be at least 1"),
    (["--seconds", "-1"], "--seconds must be positive"),
    (["--strategies", "llm"], "needs --llm-endpoint"),
    (["--llm-rate", "2"], "--llm-rate"),
    (["--kernels", "nope"], "no kernel named 'nope'"),
    (["--kernels", ","], "comma-separated"),
])
def test_bad_usage_exits_2(capsys, program, tmp_path, args, message):
    err = one_line_error(capsys, [program, "--measurer", "cpu", "--out", tmp_path / "o", *args],
                         2)
    assert message in err


def test_argparse_errors_exit_2(capsys, program):
    with pytest.raises(SystemExit) as e:
        cli.main([str(program), "--measurer", "tpu"])
    assert e.value.code == 2


def test_failures_exit_1(capsys, program, tmp_path):
    err = one_line_error(capsys, [tmp_path / "missing.mlir", "--measurer", "cpu"], 1)
    assert "cannot read" in err and "missing.mlir" in err
    bad = tmp_path / "bad.mlir"
    bad.write_text("func.func @main( {")
    assert "cannot parse the program" in one_line_error(
        capsys, [bad, "--measurer", "cpu", "--out", tmp_path / "o"], 1)
    corrupt = tmp_path / "d.json"
    corrupt.write_text("{not json")
    err = one_line_error(capsys, [program, "--measurer", "cpu", "--out", tmp_path / "o",
                                  "--decisions", corrupt], 1)
    assert "not a kgen decisions file" in err and corrupt.read_text() == "{not json"
    read_only = tmp_path / "ro.json"
    read_only.write_text(json.dumps({"format": "kgen-decisions", "version": 1, "entries": {}}))
    os.chmod(read_only, 0o444)
    err = one_line_error(capsys, [program, "--measurer", "cpu", "--out", tmp_path / "o2",
                                  "--decisions", read_only], 1)
    assert "read-only" in err and not (tmp_path / "o2" / "evaluations.jsonl").exists()
    problem = tmp_path / "broken.py"
    problem.write_text("raise ValueError('no')\n")
    assert "failed to load" in one_line_error(capsys, [problem, "--measurer", "cpu"], 1)


@pytest.mark.skipif(has_gpu(), reason="a GPU is present")
def test_missing_gpu_is_one_line_and_no_traceback(program, tmp_path):
    proc = run_wrapper(program, "--evaluations", "1", "--out", tmp_path / "o", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith("kgen-tune: error: ") and proc.stderr.count("\n") == 1
    assert "--measurer cpu" in proc.stderr and "Traceback" not in proc.stderr
