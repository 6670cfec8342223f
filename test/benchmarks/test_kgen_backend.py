"""libkgen_c through the harness's ctypes binding, on a machine without a
GPU: compiling needs none; launching says clearly that there is none. With
a GPU, an imported module runs on PyTorch's tensors and stream."""

import os
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from kgen_bench import kgen_backend  # noqa: E402
from kgen_bench.kgen_backend import KgenCpuFunction, KgenError, KgenFunction  # noqa: E402

if os.environ.get("KGEN_BUILD") and not os.environ.get("KGEN_C_LIBRARY"):
    os.environ["KGEN_C_LIBRARY"] = str(Path(os.environ["KGEN_BUILD"]) / "lib" / "libkgen_c.so")

PROGRAM = """
func.func @main(%x: tensor<8x32xf32>, %w: tensor<32x16xf32>) -> tensor<8x16xf32> {
  %y = kgen.matmul %x, %w : (tensor<8x32xf32>, tensor<32x16xf32>) -> tensor<8x16xf32>
  %z = kgen.relu %y : tensor<8x16xf32>
  return %z : tensor<8x16xf32>
}
"""


@pytest.fixture(scope="module")
def lib():
    path = kgen_backend.library_path()
    if not path.is_file():
        if os.environ.get("CI") or os.environ.get("KGEN_BUILD"):
            pytest.fail(f"{path} is missing")
        pytest.skip(f"{path} not built")
    return kgen_backend.load_library()


def test_compiles_without_a_gpu_and_reports_the_roofline_inputs(lib):
    f = KgenFunction(PROGRAM, chip="sm_90a")
    assert (f.num_inputs, f.num_outputs) == (2, 1)
    assert f.flops == 2 * 8 * 16 * 32
    assert f.bytes == 4 * (8 * 32 + 32 * 16 + 8 * 16)


def test_syntax_error_is_a_located_message(lib):
    with pytest.raises(KgenError, match=r"cannot parse the program: .*:4:8\): custom op 'kgen.nosuchop' is unknown"):
        KgenFunction(PROGRAM.replace("kgen.relu", "kgen.nosuchop"))


def test_unknown_function_and_bad_schedule_options_are_clear(lib):
    with pytest.raises(KgenError, match="no function named 'other'|'other'"):
        KgenFunction(PROGRAM, function_name="other")
    with pytest.raises(KgenError, match="bad scheduling options 'nonsense=1'"):
        KgenFunction(PROGRAM, schedule_options="nonsense=1")
    with pytest.raises(KgenError, match="unknown proposer 'nonsense'"):
        KgenFunction(PROGRAM, schedule_options="proposer=nonsense")


def test_wrong_buffer_count_is_refused(lib):
    f = KgenFunction(PROGRAM)
    with pytest.raises(KgenError, match="expected 3 buffers"):
        f.launch([torch.zeros(1)], 0)


def test_unaligned_buffer_is_refused(lib):
    # Kernels assume 16-byte aligned buffers (vector loads): a contiguous
    # view 4 bytes into its storage is refused before anything runs.
    f = KgenFunction(PROGRAM)
    x = torch.zeros(8 * 32 + 1)[1:].view(8, 32)
    assert x.is_contiguous() and x.data_ptr() % 16 != 0
    with pytest.raises(KgenError, match="buffer 0 is not 16-byte aligned"):
        f.launch([x, torch.zeros(32, 16), torch.zeros(8, 16)], 0)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_launch_without_a_gpu_says_so(lib):
    f = KgenFunction(PROGRAM)
    buffers = [torch.zeros(8, 32), torch.zeros(32, 16), torch.zeros(8, 16)]
    with pytest.raises(KgenError, match="no CUDA driver|no CUDA device"):
        f.launch(buffers, 0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("stream_kind", ["default", "side"])
def test_runs_on_pytorch_tensors_in_stream_order(lib, stream_kind):
    f = KgenFunction(PROGRAM)
    stream = torch.cuda.current_stream() if stream_kind == "default" else torch.cuda.Stream()
    with torch.cuda.stream(stream):
        for seed in range(3):
            g = torch.Generator().manual_seed(seed)
            x, w = (torch.randn(*s, generator=g).cuda() for s in ((8, 32), (32, 16)))
            out = torch.empty(8, 16, device="cuda")
            # The poison lands late on PyTorch's stream: a kernel not ordered
            # after it would have its result overwritten with NaN.
            torch.cuda._sleep(20_000_000)
            out.fill_(float("nan"))
            f.launch([x, w, out], stream.cuda_stream)
            torch.testing.assert_close(out, torch.relu(x @ w), rtol=1e-4, atol=1e-4)


# The CPU pipeline through the same library: what an embedder without a
# GPU (torch.compile on CPU tensors) runs.

def test_cpu_function_runs_on_host_tensors(lib):
    f = KgenCpuFunction(PROGRAM)
    assert (f.num_inputs, f.num_outputs) == (2, 1)
    for seed in range(3):
        g = torch.Generator().manual_seed(seed)
        x, w = torch.randn(8, 32, generator=g), torch.randn(32, 16, generator=g)
        out = torch.full((8, 16), float("nan"))
        f.run([x, w, out])
        torch.testing.assert_close(out, torch.relu(x @ w), rtol=1e-5, atol=1e-5)


def test_cpu_function_takes_half_precision_and_unaligned_views(lib):
    program = """
func.func @main(%x: tensor<4x33xbf16>) -> tensor<4x33xbf16> {
  %y = kgen.softmax %x dim 1 : tensor<4x33xbf16>
  return %y : tensor<4x33xbf16>
}
"""
    f = KgenCpuFunction(program)
    x = torch.randn(4 * 33 + 1, dtype=torch.bfloat16)[1:].view(4, 33)
    assert x.is_contiguous() and x.data_ptr() % 16 != 0
    out = torch.full((4, 33), float("nan"), dtype=torch.bfloat16)
    f.run([x, out])
    torch.testing.assert_close(out.float(), torch.softmax(x.float(), 1), rtol=2e-2, atol=2e-2)


def test_cpu_function_errors_are_one_line(lib):
    with pytest.raises(KgenError, match=r"cannot parse the program: .*custom op 'kgen.nosuchop' is unknown"):
        KgenCpuFunction(PROGRAM.replace("kgen.relu", "kgen.nosuchop"))
    with pytest.raises(KgenError, match="'other'"):
        KgenCpuFunction(PROGRAM, function_name="other")
    f = KgenCpuFunction(PROGRAM)
    with pytest.raises(KgenError, match="expected 3 buffers, got 1"):
        f.run([torch.zeros(1)])
    with pytest.raises(KgenError, match="buffer 1 is not contiguous"):
        f.run([torch.zeros(8, 32), torch.zeros(16, 32).t(), torch.zeros(8, 16)])
    # The function writes its whole output: a short one is refused, not
    # overrun.
    with pytest.raises(KgenError, match="buffer 2 has 256 bytes; the function expects 512"):
        f.run([torch.zeros(8, 32), torch.zeros(32, 16), torch.zeros(4, 16)])
    assert f.buffer_bytes == [4 * 8 * 32, 4 * 32 * 16, 4 * 8 * 16]


def test_gpu_function_reports_its_buffer_sizes(lib):
    f = KgenFunction(PROGRAM)
    assert f.buffer_bytes == [4 * 8 * 32, 4 * 32 * 16, 4 * 8 * 16]
    assert f.lib.kgenBufferBytes(f.handle, 3) == 0
    with pytest.raises(KgenError, match="buffer 0 has 4 bytes; the function expects 1024"):
        f.launch([torch.zeros(1), torch.zeros(32, 16), torch.zeros(8, 16)], 0)
