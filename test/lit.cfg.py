# -*- Python -*-
# lit configuration for kgen's regression tests (FileCheck on kgen-opt output,
# -verify-diagnostics for invalid input, kgen-run error paths).

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "KGEN"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "extract_binaries.py", "install", "numerical", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.kgen_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%kgen_src_root", config.kgen_src_root))
config.substitutions.append(("%kgen_obj_root", config.kgen_obj_root))
config.substitutions.append(("%python", "/usr/bin/python3"))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

tool_dirs = [config.kgen_tools_dir, config.llvm_tools_dir]
tools = ["kgen-opt", "kgen-run", "kgen-schedule-schema", "mlir-opt", "FileCheck", "not", "count", "llvm-readelf"]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# GPU code generation through ptxas needs the CUDA toolkit (not a GPU).
import shutil
cuda_bin = "/usr/local/cuda/bin"
if shutil.which("ptxas") or os.path.exists(os.path.join(cuda_bin, "ptxas")):
    config.available_features.add("ptxas")
    config.environment["PATH"] = cuda_bin + os.pathsep + config.environment["PATH"]

# A machine with the CUDA driver runs the GPU paths instead of reporting that
# there is none.
if any(os.path.exists(os.path.join(d, "libcuda.so.1"))
       for d in ["/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/local/nvidia/lib64"]):
    config.available_features.add("cuda-driver")

# A machine with ROCm's HIP runtime runs AMD kernels instead of reporting
# that there is none.
if any(os.path.exists(os.path.join(d, "libamdhip64.so"))
       for d in ["/opt/rocm/lib", "/usr/lib/x86_64-linux-gnu", "/usr/lib64"]):
    config.available_features.add("hip-runtime")

# AMD code generation links Debian's ROCm device libraries (rocm-device-libs).
if os.path.isdir("/usr/lib/x86_64-linux-gnu/amdgcn/bitcode"):
    config.available_features.add("rocm-device-libs")
