"""pytest setup of kgen's numerical tests: the `kgen_run` fixture.

Tests that run kgen-run take the `kgen_run` fixture. When the binary is
missing they are skipped, unless CI is set or KGEN_RUN names the binary
explicitly: then a missing binary is an error.
"""

import os
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
