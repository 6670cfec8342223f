//===- kgen-opt.cpp - the kgen pass driver --------------------------------===//
//
// mlir-opt with kgen: every upstream dialect, extension, pass and LLVM IR
// translation (what users of kgen's output need) plus kgen's own.
//
//===----------------------------------------------------------------------===//

#include "kgen/Registration/Registration.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/FileSystem.h"

#include <cstdlib>

int main(int argc, char **argv) {
  // NVVM serialization finds ptxas and libdevice (needed by math functions
  // such as erf) through these variables; default to the standard CUDA
  // install so `-kgen-gpu-pipeline` works out of the box.
  if (!std::getenv("CUDA_ROOT") && !std::getenv("CUDA_HOME") &&
      !std::getenv("CUDA_PATH") && llvm::sys::fs::exists("/usr/local/cuda"))
    ::setenv("CUDA_HOME", "/usr/local/cuda", /*overwrite=*/0);
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
  mlir::registerAllPasses();
  mlir::kgen::registerAllKgen(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "kgen optimizer driver\n", registry));
}
