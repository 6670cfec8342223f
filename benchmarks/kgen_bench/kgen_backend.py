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
from kgen_torch.runtime import CompiledFunction, check_buffers, take_error  # noqa: E402
from kgen_torch.runtime import library_path, load_library  # noqa: E402,F401


class KgenFunction(CompiledFunction):
    """One function of a kgen program compiled for a GPU chip, launched on
    an explicit stream (the harness times it on PyTorch's)."""

    def __init__(self, mlir: str, function_name: str = "main", chip: str = "sm_90a",
                 schedule_options: str = "", check_seeds: int = 3):
        super().__init__(mlir, function_name, chip, schedule_options, check_seeds)
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


class KgenCpuFunction(CompiledFunction):
    """One function of a kgen program compiled with the CPU pipeline, run on
    one list of host tensors (inputs then outputs), as `launch` takes them."""

    def __init__(self, mlir: str, function_name: str = "main"):
        super().__init__(mlir, function_name, "cpu")

    def run(self, buffers: Sequence[torch.Tensor]) -> None:
        for i, b in enumerate(buffers):
            if b.device.type != "cpu":
                raise KgenError(f"buffer {i} is on {b.device}, not the CPU")
        if len(buffers) != len(self.buffer_bytes):
            raise KgenError(f"expected {len(self.buffer_bytes)} buffers, got {len(buffers)}")
        super().run(buffers[:self.num_inputs], buffers[self.num_inputs:])


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
