"""kgen's kernels as a harness candidate, through libkgen_c (ctypes).

The library compiles a kgen program for a GPU chip and launches it on
PyTorch's device pointers and current stream, so kgen, eager and
torch.compile are timed by the same events on the same stream. It also
compiles a program with the CPU pipeline and runs it on host tensors.
"""

from __future__ import annotations

import ctypes
from typing import List, Sequence

import torch

# One binding of libkgen_c, the torch.compile backend's (frontend/kgen_torch,
# on the path through kgen_bench/__init__.py): the library's lookup
# ($KGEN_C_LIBRARY, else $KGEN_BUILD/lib, else this checkout's build/lib),
# its ctypes declarations and the checks of the buffers passed to it.
from kgen_torch.runtime import KgenRuntimeError as KgenError  # noqa: E402
from kgen_torch.runtime import check_buffers, library_path, load_library, take_error  # noqa: E402,F401


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
            raise KgenError(take_error(self.lib, error))
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
        pointers = check_buffers(buffers, self.buffer_bytes)
        error = ctypes.c_void_p()
        if self.lib.kgenLaunch(self.handle, pointers, len(buffers),
                               ctypes.c_void_p(stream), ctypes.byref(error)):
            raise KgenError(take_error(self.lib, error))

    def __del__(self):
        handle = getattr(self, "handle", None)
        if handle is not None and handle.value:
            self.lib.kgenDestroyGpuFunction(handle)
            self.handle = None


class KgenCpuFunction:
    """One function of a kgen program, compiled with the CPU pipeline."""

    def __init__(self, mlir: str, function_name: str = "main"):
        self.lib = load_library()
        error = ctypes.c_void_p()
        handle = self.lib.kgenCompileCpuFunction(mlir.encode(), function_name.encode(),
                                                 ctypes.byref(error))
        if not handle:
            raise KgenError(take_error(self.lib, error))
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
        pointers = check_buffers(buffers, self.buffer_bytes)
        error = ctypes.c_void_p()
        if self.lib.kgenRunCpuFunction(self.handle, pointers, len(buffers),
                                       ctypes.byref(error)):
            raise KgenError(take_error(self.lib, error))

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
