"""benchmarks/kernel_resources.py: ptxas's report parsed per kernel, the
dynamic shared memory read from the host code, and a real program's
kernels through kgen-opt and ptxas."""

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
import kernel_resources as kr  # noqa: E402

PTXAS_OUTPUT = """\
ptxas info    : 0 bytes gmem
ptxas info    : Compiling entry function 'main_kernel_0_kernel' for 'sm_90a'
ptxas info    : Function properties for main_kernel_0_kernel
    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Used 32 registers, used 1 barriers, 1 bytes smem, 400 bytes cmem[0]
ptxas info    : Compiling entry function 'main_kernel_1_kernel' for 'sm_90a'
ptxas info    : Function properties for main_kernel_1_kernel
    24 bytes stack frame, 16 bytes spill stores, 8 bytes spill loads
ptxas info    : Used 255 registers, used 1 barriers, 36352 bytes smem, 532 bytes cmem[0]
"""


def test_ptxas_report_per_kernel():
    kernels = kr.parse_ptxas(PTXAS_OUTPUT)
    assert kernels["main_kernel_0_kernel"] == {
        "registers": 32, "spill_stores": 0, "spill_loads": 0, "stack": 0, "shared": 1}
    assert kernels["main_kernel_1_kernel"] == {
        "registers": 255, "spill_stores": 16, "spill_loads": 8, "stack": 24,
        "shared": 36352}


def test_dynamic_shared_memory_from_each_host_function():
    module = """
  llvm.func @main_kernel_0(%arg0: !llvm.ptr) {
    %6 = llvm.mlir.constant(49344 : i32) : i32
    gpu.launch_func  @main_kernel_0_kernel::@main_kernel_0_kernel blocks in (%1, %1, %1) threads in (%2, %1, %1) : i64 dynamic_shared_memory_size %6 args(%arg0 : !llvm.ptr)
  }
  llvm.func @main_kernel_1(%arg0: !llvm.ptr) {
    %6 = llvm.mlir.constant(7 : i32) : i32
    gpu.launch_func  @main_kernel_1_kernel::@main_kernel_1_kernel blocks in (%1, %1, %1) threads in (%2, %1, %1) : i64 args(%arg0 : !llvm.ptr)
  }
"""
    assert kr.dynamic_shared(module) == {"main_kernel_0_kernel": 49344}


def test_ptx_unescaped_from_the_binary_attribute():
    module = r'gpu.binary @k [#gpu.object<#nvvm.target, assembly = "//\0A.version 8.0\0A.entry k(\22x\22)\0A">]'
    assert kr.ptx_of(module) == ['//\n.version 8.0\n.entry k("x")\n']


def test_schedule_shape_names_lanes_staging_and_tensor_cores():
    assert kr.schedule_shape({"reduction_lanes": 32, "promote_operands": [0],
                              "vector_width": 4}) == "lanes 32 staged v4"
    assert kr.schedule_shape({"promote_operands": [0, 1], "matrix_instruction": "wgmma",
                              "vector_width": 8}) == "staged wgmma v8"


def test_rate_text_names_the_bound():
    assert kr.rate_text(None) == "-"
    assert kr.rate_text({"flops_per_s": 32.44e12, "limit": "shared_memory"}) == "32.4 smem"
    assert kr.rate_text({"flops_per_s": 959e12, "limit": "arithmetic"}) == "959.0 peak"


def _ptxas():
    return shutil.which("ptxas") or (
        "/usr/local/cuda/bin/ptxas" if Path("/usr/local/cuda/bin/ptxas").exists() else None)


@pytest.fixture
def tools():
    """(kgen-opt, ptxas), or the test is skipped."""
    kgen_opt = os.environ.get("KGEN_OPT", str(ROOT / "build" / "bin" / "kgen-opt"))
    if not Path(kgen_opt).exists():
        pytest.skip("kgen-opt not built")
    ptxas = _ptxas()
    if ptxas is None:
        pytest.skip("no ptxas (CUDA toolkit)")
    return kgen_opt, ptxas


def compiled(tools, tmp_path, name, body, signature):
    """kernel_resources' record of `func.func @main<signature> {body}`,
    compiled for sm_90a; fails the test if it did not compile."""
    kgen_opt, ptxas = tools
    program = tmp_path / f"{name}.mlir"
    program.write_text(f"func.func @main{signature} {{\n{body}\n}}\n")
    result = kr.compile_problem(kgen_opt, ptxas, program, "sm_90a", timeout=300)
    assert "error" not in result, result
    return result


def test_a_softmax_program_through_kgen_opt_and_ptxas(tmp_path, tools):
    result = compiled(
        tools, tmp_path, "softmax",
        "  %0 = kgen.softmax %x dim 1 : tensor<64x4096xf32>\n"
        "  return %0 : tensor<64x4096xf32>",
        "(%x: tensor<64x4096xf32>) -> tensor<64x4096xf32>")
    (name, kernel), = result["kernels"].items()
    assert name == "main_kernel_0_kernel"
    assert kernel["schedule"].startswith("lanes ")
    assert 0 < kernel["registers"] <= 255
    assert kernel["spill_stores"] == kernel["spill_loads"] == 0
    assert kernel["shared"] > 0
    assert kernel["traffic_over_floor"] == pytest.approx(1.0)


def test_a_gemm_program_reports_its_attainable_flop_rate(tmp_path, tools):
    """A staged f32 gemm of 4x4 register tiles reads 2 bytes of shared
    memory per multiply-add: on an H100 that caps it below the f32 peak."""
    result = compiled(
        tools, tmp_path, "gemm",
        "  %0 = kgen.matmul %a, %b : (tensor<1024x1024xf32>, tensor<1024x1024xf32>)"
        " -> tensor<1024x1024xf32>\n"
        "  return %0 : tensor<1024x1024xf32>",
        "(%a: tensor<1024x1024xf32>, %b: tensor<1024x1024xf32>) -> tensor<1024x1024xf32>")
    (kernel,) = result["kernels"].values()
    rate = kernel["flop_rate"]
    assert rate["shared_bytes_per_fma"] == pytest.approx(2.0)
    assert rate["limit"] == "shared_memory"
    assert 0 < rate["flops_per_s"] < rate["peak_flops_per_s"]
    assert rate["blocks_per_multiprocessor"] >= 1


def test_column_lanes_fold_their_partials_without_spilling(tmp_path, tools):
    """torch.min over the middle dimension: 128 lanes per column block.
    Folded all at once, the lanes' partials took more registers than a
    block of 1024 threads leaves a thread, and ptxas spilled them."""
    result = compiled(
        tools, tmp_path, "min",
        "  %0 = kgen.min %x dims [1] : tensor<16x1024x1024xf32> -> tensor<16x1024xf32>\n"
        "  return %0 : tensor<16x1024xf32>",
        "(%x: tensor<16x1024x1024xf32>) -> tensor<16x1024xf32>")
    (kernel,) = result["kernels"].values()
    assert kernel["schedule"].startswith("lanes 128")
    assert kernel["spill_stores"] == kernel["spill_loads"] == 0
    assert kernel["registers"] <= 64
