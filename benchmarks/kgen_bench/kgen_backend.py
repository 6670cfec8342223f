"""kgen's kernels as a harness candidate, through libkgen_c (ctypes).

The library compiles a kgen program for a GPU chip and launches it on
PyTorch's device pointers and current stream, so kgen, eager and
torch.compile are timed by the same events on the same stream. It also
compiles a program with the CPU pipeline and runs it on host tensors.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path
from typing import List, Optional, Sequence

import torch

_LIB: Optional[ctypes.CDLL] = None


class KgenError(Exception):
    pass


def library_path() -> Path:
    """$KGEN_C_LIBRARY, else build/lib/libkgen_c.so of this checkout."""
    env = os.environ.get("KGEN_C_LIBRARY")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "build" / "lib" / "libkgen_c.so"


def load_library() -> ctypes.CDLL:
    global _LIB
    if _LIB is not None:
        return _LIB
    path = library_path()
    if not path.is_file():
        raise KgenError(f"{path} not found: build kgen (scripts/examples.sh) or set "
                        "KGEN_C_LIBRARY")
    lib = ctypes.CDLL(str(path))
    lib.kgenCompileGpuFunction.restype = ctypes.c_void_p
    lib.kgenCompileGpuFunction.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                                           ctypes.c_char_p, ctypes.c_uint,
                                           ctypes.POINTER(ctypes.c_void_p)]
    for name in ("kgenNumInputs", "kgenNumOutputs", "kgenCpuNumInputs", "kgenCpuNumOutputs"):
        getattr(lib, name).restype = ctypes.c_size_t
        getattr(lib, name).argtypes = [ctypes.c_void_p]
    for name in ("kgenBufferBytes", "kgenCpuBufferBytes"):
        getattr(lib, name).restype = ctypes.c_size_t
        getattr(lib, name).argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    for name in ("kgenFlops", "kgenBytes"):
        getattr(lib, name).restype = ctypes.c_double
        getattr(lib, name).argtypes = [ctypes.c_void_p]
    lib.kgenLaunch.restype = ctypes.c_int
    lib.kgenLaunch.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p),
                               ctypes.c_size_t, ctypes.c_void_p,
                               ctypes.POINTER(ctypes.c_void_p)]
    lib.kgenDestroyGpuFunction.argtypes = [ctypes.c_void_p]
    lib.kgenCompileCpuFunction.restype = ctypes.c_void_p
    lib.kgenCompileCpuFunction.argtypes = [ctypes.c_char_p, ctypes.c_char_p,
                                           ctypes.POINTER(ctypes.c_void_p)]
    lib.kgenRunCpuFunction.restype = ctypes.c_int
    lib.kgenRunCpuFunction.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p),
                                       ctypes.c_size_t, ctypes.POINTER(ctypes.c_void_p)]
    lib.kgenDestroyCpuFunction.argtypes = [ctypes.c_void_p]
    lib.kgenFreeString.argtypes = [ctypes.c_void_p]
    lib.kgenReleaseCachedMemory.argtypes = []
    _LIB = lib
    return lib


def _take_error(lib, handle: ctypes.c_void_p) -> str:
    if not handle.value:
        return "unknown error"
    message = ctypes.string_at(handle.value).decode(errors="replace")
    lib.kgenFreeString(handle)
    return message


class KgenFunction:
    """One compiled function of a kgen program."""

    def __init__(self, mlir: str, function_name: str = "main", chip: str = "sm_90a",
                 schedule_options: str = "", check_seeds: int = 3):
        self.lib = load_library()
        error = ctypes.c_void_p()
        handle = self.lib.kgenCompileGpuFunction(mlir.encode(), function_name.encode(),
                                                 chip.encode(), schedule_options.encode(),
                                                 check_seeds, ctypes.byref(error))
        if not handle:
            raise KgenError(_take_error(self.lib, error))
        self.handle = ctypes.c_void_p(handle)
        self.num_inputs = self.lib.kgenNumInputs(self.handle)
        self.num_outputs = self.lib.kgenNumOutputs(self.handle)
        self.buffer_bytes = [self.lib.kgenBufferBytes(self.handle, i)
                             for i in range(self.num_inputs + self.num_outputs)]
        self.flops = self.lib.kgenFlops(self.handle)
        self.bytes = self.lib.kgenBytes(self.handle)

    def launch(self, buffers: Sequence[torch.Tensor], stream: int) -> None:
        """Runs on `buffers` (inputs then outputs) with all work on `stream`
        (a CUstream handle; 0 is the legacy default stream)."""
        pointers = _pointers(buffers, self.buffer_bytes)
        error = ctypes.c_void_p()
        if self.lib.kgenLaunch(self.handle, pointers, len(buffers),
                               ctypes.c_void_p(stream), ctypes.byref(error)):
            raise KgenError(_take_error(self.lib, error))

    def __del__(self):
        handle = getattr(self, "handle", None)
        if handle is not None and handle.value:
            self.lib.kgenDestroyGpuFunction(handle)
            self.handle = None


def _pointers(buffers: Sequence[torch.Tensor], expected_bytes: Sequence[int]):
    """The buffers' data pointers, once their number, layout and sizes are
    what the function reads and writes (it writes whole outputs: a short
    tensor would be overrun)."""
    if len(buffers) != len(expected_bytes):
        raise KgenError(f"expected {len(expected_bytes)} buffers, got {len(buffers)}")
    for i, (b, expected) in enumerate(zip(buffers, expected_bytes)):
        if not b.is_contiguous():
            raise KgenError(f"buffer {i} is not contiguous")
        if b.numel() * b.element_size() != expected:
            raise KgenError(f"buffer {i} has {b.numel() * b.element_size()} bytes; "
                            f"the function expects {expected}")
    return (ctypes.c_void_p * len(buffers))(*[b.data_ptr() for b in buffers])


class KgenCpuFunction:
    """One function of a kgen program, compiled with the CPU pipeline."""

    def __init__(self, mlir: str, function_name: str = "main"):
        self.lib = load_library()
        error = ctypes.c_void_p()
        handle = self.lib.kgenCompileCpuFunction(mlir.encode(), function_name.encode(),
                                                 ctypes.byref(error))
        if not handle:
            raise KgenError(_take_error(self.lib, error))
        self.handle = ctypes.c_void_p(handle)
        self.num_inputs = self.lib.kgenCpuNumInputs(self.handle)
        self.num_outputs = self.lib.kgenCpuNumOutputs(self.handle)
        self.buffer_bytes = [self.lib.kgenCpuBufferBytes(self.handle, i)
                             for i in range(self.num_inputs + self.num_outputs)]

    def run(self, buffers: Sequence[torch.Tensor]) -> None:
        """Runs on host tensors `buffers` (inputs then outputs), each shaped
        and typed as the function's arguments and results."""
        for i, b in enumerate(buffers):
            if b.device.type != "cpu":
                raise KgenError(f"buffer {i} is on {b.device}, not the CPU")
        pointers = _pointers(buffers, self.buffer_bytes)
        error = ctypes.c_void_p()
        if self.lib.kgenRunCpuFunction(self.handle, pointers, len(buffers),
                                       ctypes.byref(error)):
            raise KgenError(_take_error(self.lib, error))

    def __del__(self):
        handle = getattr(self, "handle", None)
        if handle is not None and handle.value:
            self.lib.kgenDestroyCpuFunction(handle)
            self.handle = None


class KgenCandidate:
    """A harness candidate: the imported program's function run on the
    harness's inputs (plus the model's parameters, passed as arguments)."""

    def __init__(self, function: KgenFunction, parameters: List[torch.Tensor],
                 output_shapes: List[Sequence[int]]):
        self.function = function
        self.parameters = [p.contiguous() for p in parameters]
        self.output_shapes = [tuple(s) for s in output_shapes]

    def __call__(self, inputs: List[torch.Tensor], outputs: List[torch.Tensor]) -> None:
        # PyTorch's default stream is the legacy NULL stream (handle 0): kgen
        # runs on it rather than on a stream of its own, which would not be
        # ordered with PyTorch's work.
        stream = torch.cuda.current_stream().cuda_stream if inputs and inputs[0].is_cuda else 0
        self.function.launch([x.contiguous() for x in inputs] + self.parameters + list(outputs),
                             stream)
