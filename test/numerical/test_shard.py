"""KGEN_TEST_SHARD=I/N of conftest.py, which scripts/gpu_run.sh --ops-shards uses.

A tiny generated test file is collected (`pytest --collect-only -q`) in a
subprocess that loads this directory's conftest.py as a plugin: the shards
must be disjoint and together cover every test, -k selection must come before
sharding, and a malformed value must be a usage error that says the form.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent

# This directory's conftest.py by path, whatever else is named "conftest".
_spec = importlib.util.spec_from_file_location("kgen_numerical_conftest", HERE / "conftest.py")
_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_conftest)
parse_shard = _conftest.parse_shard

TESTS = """
import pytest

@pytest.mark.parametrize("n", range(7))
def test_f32(n):
    pass

@pytest.mark.parametrize("n", range(4))
def test_f16(n):
    pass

def test_plain():
    pass
"""
EVERY = ({f"test_tiny.py::test_f32[{n}]" for n in range(7)}
         | {f"test_tiny.py::test_f16[{n}]" for n in range(4)} | {"test_tiny.py::test_plain"})


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    d = tmp_path_factory.mktemp("shard")
    (d / "pytest.ini").write_text("[pytest]\n")  # no configuration from above
    (d / "test_tiny.py").write_text(TESTS)
    return d


def collect(tiny: Path, shard: str | None, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("KGEN_TEST_SHARD", None)
    if shard is not None:
        env["KGEN_TEST_SHARD"] = shard
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "-p", "conftest", "test_tiny.py", *args],
        cwd=tiny, env=env, capture_output=True, text=True, timeout=60)


def ids(result: subprocess.CompletedProcess) -> set[str]:
    assert result.returncode == 0, result.stdout + result.stderr
    return {line for line in result.stdout.splitlines() if line.startswith("test_tiny.py::")}


def test_shards_partition_the_tests(tiny):
    shards = [ids(collect(tiny, f"{i}/2")) for i in range(2)]
    assert not shards[0] & shards[1]
    assert shards[0] | shards[1] == EVERY
    assert len(shards[0]) == len(shards[1]) == len(EVERY) // 2  # items interleave


def test_shards_after_keyword_selection(tiny):
    # Sharded after -k: shard 1 of the four f16 tests is the second and fourth.
    assert ids(collect(tiny, "1/2", "-k", "f16")) == {
        "test_tiny.py::test_f16[1]", "test_tiny.py::test_f16[3]"}


def test_malformed_shard_is_a_usage_error(tiny):
    r = collect(tiny, "3/2")
    assert r.returncode == pytest.ExitCode.USAGE_ERROR, r.stdout + r.stderr
    assert "KGEN_TEST_SHARD must be I/N with 0 <= I < N, got '3/2'" in r.stdout + r.stderr


@pytest.mark.parametrize("value", ["2/2", "1", "a/b", "-1/2", "0/0", "1/2/3", " 0/2", "0/2 "])
def test_parse_shard_rejects(value):
    with pytest.raises(pytest.UsageError, match="must be I/N with 0 <= I < N"):
        parse_shard(value)


def test_parse_shard_accepts():
    assert parse_shard("0/1") == (0, 1)
    assert parse_shard("3/4") == (3, 4)


@pytest.mark.parametrize("bad", ["3-4", "2-1", "x", "1"])
def test_gpu_run_refuses_a_shard_range_outside_the_shards(bad, tmp_path):
    """scripts/gpu_run.sh --ops-shard-range A-B must name shards of
    --ops-shards N (0 <= A <= B < N); anything else is a usage error that
    says so, before anything runs."""
    script = HERE.parents[1] / "scripts" / "gpu_run.sh"
    run = subprocess.run(["bash", str(script), "--ops", "f32", "--ops-shards", "4",
                          "--ops-shard-range", bad, "--out", str(tmp_path / "r")],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert (f"--ops-shard-range needs A-B with A <= B < --ops-shards (4), got '{bad}'"
            in run.stderr)
    assert not (tmp_path / "r").exists()


def test_gpu_run_refuses_bench_tuned_without_tune(tmp_path):
    """--bench-tuned benchmarks what --tune tuned: alone it is a usage
    error, before anything runs."""
    script = HERE.parents[1] / "scripts" / "gpu_run.sh"
    run = subprocess.run(["bash", str(script), "--bench-tuned", "--out", str(tmp_path / "r")],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert "--bench-tuned runs the --tune problems; pass --tune" in run.stderr
    assert not (tmp_path / "r").exists()
