"""libkgen_c through ctypes: compile a kgen program for the CPU (JIT) or a
GPU chip, keep the compiled function as bytes and load it again, and run it
on PyTorch tensors.

The library is `$KGEN_C_LIBRARY`, else `$KGEN_BUILD/lib/libkgen_c.so`, else
`build/lib/libkgen_c.so` of this checkout. Its C interface is include/kgen-c/Runtime.h.
"""

from __future__ import annotations

import ctypes
from typing import Optional, Sequence, Tuple

import torch

from kgen_library import build_identity, library_path, open_library  # noqa: F401


class KgenRuntimeError(Exception):
    """libkgen_c is missing, lacks a function, or failed (message: one line
    first, then the library's own text)."""


def load_library() -> ctypes.CDLL:
    lib = open_library(KgenRuntimeError)
    if getattr(lib, "_kgen_runtime_typed", False):
        return lib
    if hasattr(lib, "kgenCompileGpuFunction"):
        lib.kgenCompileGpuFunction.restype = ctypes.c_void_p
        lib.kgenCompileGpuFunction.argtypes = [ctypes.c_char_p, ctypes.c_char_p,
                                               ctypes.c_char_p, ctypes.c_char_p,
                                               ctypes.c_uint, ctypes.POINTER(ctypes.c_void_p)]
        for name in ("kgenNumInputs", "kgenNumOutputs"):
            getattr(lib, name).restype = ctypes.c_size_t
            getattr(lib, name).argtypes = [ctypes.c_void_p]
        for name in ("kgenFlops", "kgenBytes"):
            getattr(lib, name).restype = ctypes.c_double
            getattr(lib, name).argtypes = [ctypes.c_void_p]
        lib.kgenBufferBytes.restype = ctypes.c_size_t
        lib.kgenBufferBytes.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
        lib.kgenReleaseCachedMemory.argtypes = []
        lib.kgenLaunch.restype = ctypes.c_int
        lib.kgenLaunch.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p),
                                   ctypes.c_size_t, ctypes.c_void_p,
                                   ctypes.POINTER(ctypes.c_void_p)]
        lib.kgenDestroyGpuFunction.argtypes = [ctypes.c_void_p]
        lib.kgenDestroyGpuFunction.restype = None
        if hasattr(lib, "kgenLoadGpuFunction"):
            lib.kgenLoadGpuFunction.restype = ctypes.c_void_p
            lib.kgenLoadGpuFunction.argtypes = [ctypes.c_char_p, ctypes.c_size_t,
                                                ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
    if hasattr(lib, "kgenCompileCpuFunction"):
        lib.kgenCompileCpuFunction.restype = ctypes.c_void_p
        lib.kgenCompileCpuFunction.argtypes = [ctypes.c_char_p, ctypes.c_char_p,
                                               ctypes.POINTER(ctypes.c_void_p)]
        for name in ("kgenCpuNumInputs", "kgenCpuNumOutputs"):
            getattr(lib, name).restype = ctypes.c_size_t
            getattr(lib, name).argtypes = [ctypes.c_void_p]
        lib.kgenCpuBufferBytes.restype = ctypes.c_size_t
        lib.kgenCpuBufferBytes.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
        lib.kgenRunCpuFunction.restype = ctypes.c_int
        lib.kgenRunCpuFunction.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p),
                                           ctypes.c_size_t, ctypes.POINTER(ctypes.c_void_p)]
        lib.kgenDestroyCpuFunction.argtypes = [ctypes.c_void_p]
        lib.kgenDestroyCpuFunction.restype = None
        if hasattr(lib, "kgenLoadCpuFunction"):
            lib.kgenLoadCpuFunction.restype = ctypes.c_void_p
            lib.kgenLoadCpuFunction.argtypes = [ctypes.c_char_p, ctypes.c_size_t,
                                                ctypes.POINTER(ctypes.c_void_p)]
    for name in ("kgenSerializeGpuFunction", "kgenSerializeCpuFunction"):
        if hasattr(lib, name):
            getattr(lib, name).restype = ctypes.c_int
            getattr(lib, name).argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p),
                                           ctypes.POINTER(ctypes.c_size_t),
                                           ctypes.POINTER(ctypes.c_void_p)]
    lib._kgen_runtime_typed = True
    return lib


def take_error(lib, handle: ctypes.c_void_p) -> str:
    if not handle.value:
        return "unknown error"
    message = ctypes.string_at(handle.value).decode(errors="replace")
    lib.kgenFreeString(handle)
    return message.strip() or "unknown error"


def check_buffers(buffers: Sequence[torch.Tensor], expected_bytes: Sequence[int]):
    """The buffers' data pointers (a ctypes array), once their number,
    layout and sizes are what the function reads and writes: it writes
    whole outputs, so a short tensor would be overrun."""
    if len(buffers) != len(expected_bytes):
        raise KgenRuntimeError(f"expected {len(expected_bytes)} buffers, got {len(buffers)}")
    for i, (b, expected) in enumerate(zip(buffers, expected_bytes)):
        if not b.is_contiguous():
            raise KgenRuntimeError(f"buffer {i} is not contiguous")
        if b.numel() * b.element_size() != expected:
            raise KgenRuntimeError(f"buffer {i} has {b.numel() * b.element_size()} bytes; "
                                   f"the function expects {expected}")
    return (ctypes.c_void_p * len(buffers))(*[b.data_ptr() for b in buffers])


def chip_for(device: torch.device) -> str:
    """kgen's chip for a CUDA device: sm_90a for compute capability 9.0,
    sm_80 for 8.x; KgenRuntimeError for anything else."""
    major, minor = torch.cuda.get_device_capability(device)
    if (major, minor) == (9, 0):
        return "sm_90a"
    if major == 8:
        return "sm_80"
    raise KgenRuntimeError(f"kgen has no target for compute capability {major}.{minor} "
                           "(it generates sm_90a and sm_80)")


class CompiledFunction:
    """One compiled function: `run(inputs, outputs)` on tensors of one
    device, dense and in the program's element type."""

    def __init__(self, source: str, function_name: str, target: str,
                 schedule_options: str = "", check_seeds: int = 3):
        lib = load_library()
        error = ctypes.c_void_p()
        if target != "cpu":
            if not hasattr(lib, "kgenCompileGpuFunction"):
                raise KgenRuntimeError(f"{library_path()} has no kgenCompileGpuFunction")
            handle = lib.kgenCompileGpuFunction(
                source.encode(), function_name.encode(), target.encode(),
                schedule_options.encode(), check_seeds, ctypes.byref(error))
        else:
            if not hasattr(lib, "kgenCompileCpuFunction"):
                raise KgenRuntimeError(f"{library_path()} has no CPU execution "
                                       "(kgenCompileCpuFunction): rebuild kgen")
            handle = lib.kgenCompileCpuFunction(source.encode(), function_name.encode(),
                                                ctypes.byref(error))
        self._adopt(lib, target, handle, error)

    @classmethod
    def load(cls, image: bytes, target: str) -> "CompiledFunction":
        """The function whose `serialize()` gave `image`, loaded without
        compiling; KgenRuntimeError (saying why) if the bytes are not an
        image for `target` and this kind of host, or are damaged."""
        lib = load_library()
        name = "kgenLoadGpuFunction" if target != "cpu" else "kgenLoadCpuFunction"
        if not hasattr(lib, name):
            raise KgenRuntimeError(f"{library_path()} has no {name}")
        error = ctypes.c_void_p()
        if target != "cpu":
            handle = lib.kgenLoadGpuFunction(image, len(image), target.encode(),
                                             ctypes.byref(error))
        else:
            handle = lib.kgenLoadCpuFunction(image, len(image), ctypes.byref(error))
        function = cls.__new__(cls)
        function._adopt(lib, target, handle, error)
        return function

    def serialize(self) -> bytes:
        """The compiled function as bytes (a kgen function image) that
        `load` turns back into it in another process."""
        name = "kgenSerializeGpuFunction" if self.gpu else "kgenSerializeCpuFunction"
        if not hasattr(self.lib, name):
            raise KgenRuntimeError(f"{library_path()} has no {name}")
        data, size, error = ctypes.c_void_p(), ctypes.c_size_t(), ctypes.c_void_p()
        if getattr(self.lib, name)(self.handle, ctypes.byref(data), ctypes.byref(size),
                                   ctypes.byref(error)):
            raise KgenRuntimeError(take_error(self.lib, error))
        image = ctypes.string_at(data.value, size.value)
        self.lib.kgenFreeString(data)
        return image

    def _adopt(self, lib, target: str, handle, error: ctypes.c_void_p) -> None:
        if not handle:
            raise KgenRuntimeError(take_error(lib, error))
        self.lib = lib
        self.target = target
        self.gpu = target != "cpu"
        self.handle = ctypes.c_void_p(handle)
        if self.gpu:
            self.num_inputs = self.lib.kgenNumInputs(self.handle)
            self.num_outputs = self.lib.kgenNumOutputs(self.handle)
            buffer_bytes = self.lib.kgenBufferBytes
        else:
            self.num_inputs = self.lib.kgenCpuNumInputs(self.handle)
            self.num_outputs = self.lib.kgenCpuNumOutputs(self.handle)
            buffer_bytes = self.lib.kgenCpuBufferBytes
        self.buffer_bytes = [buffer_bytes(self.handle, i)
                             for i in range(self.num_inputs + self.num_outputs)]

    def run(self, inputs: Sequence[torch.Tensor], outputs: Sequence[torch.Tensor]) -> None:
        buffers = list(inputs) + list(outputs)
        if len(inputs) != self.num_inputs or len(outputs) != self.num_outputs:
            raise KgenRuntimeError(f"expected {self.num_inputs} inputs and {self.num_outputs} "
                                   f"outputs, got {len(inputs)} and {len(outputs)}")
        pointers = check_buffers(buffers, self.buffer_bytes)
        error = ctypes.c_void_p()
        if self.gpu:
            device = buffers[0].device if buffers else torch.device("cuda")
            stream = torch.cuda.current_stream(device).cuda_stream
            rc = self.lib.kgenLaunch(self.handle, pointers, len(buffers),
                                     ctypes.c_void_p(stream), ctypes.byref(error))
        else:
            rc = self.lib.kgenRunCpuFunction(self.handle, pointers, len(buffers),
                                             ctypes.byref(error))
        if rc:
            raise KgenRuntimeError(take_error(self.lib, error))

    def __del__(self):
        handle = getattr(self, "handle", None)
        if handle is not None and handle.value:
            if self.gpu:
                self.lib.kgenDestroyGpuFunction(handle)
            else:
                self.lib.kgenDestroyCpuFunction(handle)
            self.handle = None


def prepare(t: torch.Tensor, gpu: bool) -> torch.Tensor:
    """`t` dense and row-major; on the GPU also 16-byte aligned (the kernels
    use vector loads): a copy only when it is not already."""
    if not t.is_contiguous():
        t = t.contiguous()
    if gpu and t.data_ptr() % 16:
        t = t.clone()
    return t


def target_of(device: torch.device) -> Tuple[str, Optional[str]]:
    """(target, None) or (None-ish '', reason) for a tensor device."""
    if device.type == "cpu":
        return "cpu", None
    if device.type == "cuda":
        try:
            return chip_for(device), None
        except KgenRuntimeError as e:
            return "", str(e)
    return "", f"kgen runs on CPU and CUDA tensors, not {device.type}"
