"""Loading a problem file in KernelBench's format.

A problem file defines `class Model(nn.Module)`, `get_inputs()` (the
forward inputs) and optionally `get_init_inputs()` (the constructor's
arguments, default none). Module-level size constants may be overridden
before the model and inputs are made (the tests import every benchmark
problem at small sizes that way).

With `fake_inputs=True` the inputs are made under a FakeTensorMode:
`get_inputs()` runs, but `torch.randn(...)` and the like give FakeTensors
with shapes and dtypes and no data, so a problem whose inputs would need
tens of GB loads in milliseconds; `import_program` takes them as they are.
The model itself is always built for real: its parameters are the values
the import captures.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import importlib.util
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

import torch
from torch._subclasses.fake_tensor import FakeTensorMode

from .importer import KgenImportError


@dataclasses.dataclass
class Problem:
    path: Path
    namespace: Any          # the loaded Python module
    model: torch.nn.Module
    inputs: List[Any]       # FakeTensors where load_problem(fake_inputs=True)


def _why(e: BaseException) -> str:
    """What went wrong, for an error message. The problem file's own code
    may call sys.exit: caught like any error, so that it cannot end
    kgen-import with its status (0 for sys.exit()) and no output."""
    if isinstance(e, SystemExit):
        return f"it called sys.exit({e.code!r})"
    return f"{type(e).__name__}: {e}"


def load_source(path) -> Any:
    """Executes the problem file as a fresh Python module and returns it."""
    path = Path(path)
    if not path.is_file():
        raise KgenImportError(f"{path}: no such file")
    name = "kgen_problem_" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise KgenImportError(f"{path}: not a Python file")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod  # dataclasses and pickling look modules up by name
    try:
        spec.loader.exec_module(mod)
    except (Exception, SystemExit) as e:
        sys.modules.pop(name, None)
        raise KgenImportError(f"{path}: failed to load: {_why(e)}") from e
    for required in ("Model", "get_inputs"):
        if not hasattr(mod, required):
            raise KgenImportError(f"{path}: a problem file must define {required} "
                                  "(KernelBench format: Model, get_inputs, get_init_inputs)")
    return mod


def parse_sizes(items: List[str]) -> Dict[str, Any]:
    """`NAME=VALUE` command-line items (`--set`) as the `sizes` of
    load_problem, each VALUE a Python literal. Raises KgenImportError with
    a one-line message for a malformed item."""
    sizes = {}
    for item in items:
        if "=" not in item:
            raise KgenImportError(f"--set expects NAME=VALUE, got '{item}'")
        k, v = item.split("=", 1)
        try:
            sizes[k.strip()] = ast.literal_eval(v.strip())
        except (ValueError, SyntaxError):
            raise KgenImportError(f"--set {k}: '{v}' is not a Python literal") from None
    return sizes


def load_problem(path, seed: int = 0, sizes: Optional[Dict[str, Any]] = None, *,
                 fake_inputs: bool = False) -> Problem:
    """Loads `path`, applies `sizes` (module-level constants to override),
    seeds torch with `seed`, then builds `Model(*get_init_inputs())` and
    calls `get_inputs()`, under a FakeTensorMode when `fake_inputs` (the
    inputs then have shapes and dtypes but no values)."""
    mod = load_source(path)
    for k, v in (sizes or {}).items():
        if not hasattr(mod, k):
            raise KgenImportError(f"{path}: no module-level constant {k} to override")
        setattr(mod, k, v)
    torch.manual_seed(seed)
    try:
        init = list(mod.get_init_inputs()) if hasattr(mod, "get_init_inputs") else []
        model = mod.Model(*init)
        if fake_inputs:
            with FakeTensorMode(allow_non_fake_inputs=True):
                inputs = list(mod.get_inputs())
        else:
            inputs = list(mod.get_inputs())
    except (Exception, SystemExit) as e:
        raise KgenImportError(f"{path}: building the model or its inputs failed: "
                              f"{_why(e)}") from e
    return Problem(Path(path), mod, model, inputs)
