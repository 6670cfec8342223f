"""pytest setup of kgen's numerical tests: the `kgen_run` fixture.

Tests that run kgen-run take the `kgen_run` fixture. When the binary is
missing they are skipped, unless CI is set or KGEN_RUN names the binary
explicitly: then a missing binary is an error.

KGEN_TEST_SHARD=I/N (0 <= I < N) runs one shard of the selected tests: the
items whose index in collection order is I modulo N, after -k/-m selection;
the others are deselected. scripts/gpu_run.sh --ops-shards runs the N shards
in parallel. Unset or empty: every test.
"""

import os
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kgen_testing import kgen_run_available, kgen_run_path  # noqa: E402


@pytest.fixture(scope="session")
def kgen_run():
    path = kgen_run_path()
    if not kgen_run_available():
        msg = f"kgen-run not found at {path} (build it, or set KGEN_RUN)"
        if os.environ.get("CI") or os.environ.get("KGEN_RUN"):
            pytest.fail(msg)
        pytest.skip(msg)
    return path


SHARD_ENV = "KGEN_TEST_SHARD"


def parse_shard(value):
    """'I/N' -> (I, N) with 0 <= I < N; anything else is a usage error."""
    m = re.fullmatch(r"([0-9]+)/([0-9]+)", value)
    if not m or not int(m[1]) < int(m[2]):
        raise pytest.UsageError(f"{SHARD_ENV} must be I/N with 0 <= I < N, got {value!r}")
    return int(m[1]), int(m[2])


@pytest.hookimpl(trylast=True)  # after -k/-m deselection: shards of what is selected
def pytest_collection_modifyitems(config, items):
    value = os.environ.get(SHARD_ENV, "")
    if not value:
        return
    shard, shards = parse_shard(value)
    kept = [item for i, item in enumerate(items) if i % shards == shard]
    dropped = [item for i, item in enumerate(items) if i % shards != shard]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = kept
