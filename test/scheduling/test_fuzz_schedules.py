"""The adversarial scheduling run of CI: 1,000 random schedules over the
example kernels and 100 random kernel groupings; no crash, every rejection
has a reason code, every accepted schedule or grouping is correct end to end
(scripts/fuzz_schedules.py does the checks)."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_random_schedules_are_verified():
    build = Path(os.environ.get("KGEN_BUILD", REPO / "build"))
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "fuzz_schedules.py"), "--count", "1000", "--groupings", "100",
         "--seed", "1", "--build", str(build)],
        capture_output=True, text=True, timeout=1800)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "random schedules over" in result.stdout
    assert "random kernel groupings" in result.stdout
