"""torch.compile(model, backend="kgen"): kgen as a PyTorch 2 backend.

Importing this package registers the backend under the name "kgen" with
torch._dynamo; an installed frontend (`pip install -e frontend`) also
declares it as a `torch_dynamo_backends` entry point, so that
`torch.compile(model, backend="kgen")` finds it without an import.

    import kgen_torch
    compiled = torch.compile(model, backend="kgen", dynamic=False)
    y = compiled(x)
    print(kgen_torch.last_report())    # what went to kgen, what did not and why

See docs/torch-compile.md.
"""

from .backend import (KgenOptionError, Report, LeftOut, kgen_backend, last_report,
                      parse_options, reports, clear_compiled, reset_statistics, statistics)

__all__ = ["kgen_backend", "KgenOptionError", "Report", "LeftOut", "last_report", "reports",
           "statistics", "reset_statistics", "clear_compiled", "parse_options", "register"]

BACKEND_NAME = "kgen"


def register() -> None:
    """Registers `kgen_backend` as "kgen" with torch._dynamo (idempotent).

    When dynamo loads this package through the entry point it registers the
    backend itself, right after the import: registering here too would be a
    duplicate, so this steps aside when the entry point is what is loading."""
    from torch._dynamo.backends import registry
    if BACKEND_NAME in registry._COMPILER_FNS:
        return
    if registry._BACKENDS.get(BACKEND_NAME) is not None:
        return  # an entry point that lookup_backend is loading (or will load)
    registry.register_backend(kgen_backend, name=BACKEND_NAME)


register()
