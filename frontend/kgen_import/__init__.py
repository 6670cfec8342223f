"""kgen's PyTorch frontend: imports an nn.Module (or a KernelBench-style
problem file) as a kgen dialect function.

    from kgen_import import import_module
    text = import_module(model, (x,))               # MLIR text
    res = import_program(model, (x,))                # + argument names/tensors

See docs/frontend.md.
"""

from .builder import Unsupported
from .importer import (Argument, ImportResult, KgenImportError, UnsupportedOpsError,
                       import_module, import_program)
from .problem import Problem, load_problem

__all__ = ["import_module", "import_program", "load_problem", "Problem", "ImportResult",
           "Argument", "KgenImportError", "UnsupportedOpsError", "Unsupported"]
