"""kgen's benchmark harness: KernelBench-format problems, kgen against
PyTorch eager and torch.compile, checked and timed the same way in one
process. See benchmarks/README.md.
"""

import sys as _sys
from pathlib import Path as _Path

# The harness imports problems with the frontend (frontend/kgen_import).
_FRONTEND = _Path(__file__).resolve().parents[2] / "frontend"
if str(_FRONTEND) not in _sys.path:
    _sys.path.insert(0, str(_FRONTEND))
