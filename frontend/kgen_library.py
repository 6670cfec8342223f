"""Where libkgen_c is and how it is loaded, shared by kgen_torch (running
kernels on tensors) and kgen_tune (the schedule search).

Kept free of torch so that kgen_tune's processes (verification workers, a
search driven from another tool) load the library without importing
PyTorch. The library is `$KGEN_C_LIBRARY`, else
`$KGEN_BUILD/lib/libkgen_c.so`, else `build/lib/libkgen_c.so` of this
checkout.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path
from typing import Dict, Type

_LIBS: Dict[str, ctypes.CDLL] = {}


def library_path() -> Path:
    """$KGEN_C_LIBRARY, else $KGEN_BUILD/lib/libkgen_c.so, else
    <repo>/build/lib/libkgen_c.so."""
    env = os.environ.get("KGEN_C_LIBRARY")
    if env:
        return Path(env)
    build = os.environ.get("KGEN_BUILD")
    if build:
        return Path(build) / "lib" / "libkgen_c.so"
    return Path(__file__).resolve().parents[1] / "build" / "lib" / "libkgen_c.so"


def build_identity() -> str:
    """What identifies the kgen build that compiles: the library's real path,
    size and modification time (a rebuilt library invalidates caches)."""
    path = library_path()
    try:
        st = os.stat(path)
    except OSError:
        return f"{path}:missing"
    return f"{os.path.realpath(path)}:{st.st_size}:{st.st_mtime_ns}"


def open_library(error: Type[Exception] = OSError) -> ctypes.CDLL:
    """The library, loaded once per path, with kgenFreeString typed (every
    API returns strings the caller frees). A missing or unloadable library
    raises `error` with a one-line message."""
    path = library_path()
    key = str(path)
    if key in _LIBS:
        return _LIBS[key]
    if not path.is_file():
        raise error(f"libkgen_c not found at {path}: build kgen "
                    "(scripts/examples.sh) or set KGEN_C_LIBRARY")
    try:
        lib = ctypes.CDLL(str(path))
    except OSError as e:
        raise error(f"cannot load {path}: {e}") from None
    lib.kgenFreeString.argtypes = [ctypes.c_void_p]
    lib.kgenFreeString.restype = None
    _LIBS[key] = lib
    return lib
