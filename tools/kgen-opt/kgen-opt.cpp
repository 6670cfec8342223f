//===- kgen-opt.cpp - the kgen pass driver --------------------------------===//
//
// mlir-opt with kgen: every upstream dialect, extension, pass and LLVM IR
// translation (what users of kgen's output need) plus kgen's own.
//
//===----------------------------------------------------------------------===//

#include "kgen/Registration/Registration.h"
#include "kgen/Support/AtomicFile.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

static int fail(llvm::Error err) {
  llvm::errs() << "kgen-opt: error: " << llvm::toString(std::move(err))
               << "\n";
  return 1;
}

/// Runs MlirOptMain without ever giving it the user's -o path: upstream
/// truncates that file before compiling and deletes it when compilation
/// fails, so `-o` naming the input lost the input. MlirOptMain writes a
/// temporary file instead, and only a successful run's output goes to -o,
/// under the policy of every kgen output (kgen/Support/AtomicFile.h): an
/// existing file is replaced atomically, a device or FIFO written in place.
static int runWithSafeOutput(int argc, char **argv, llvm::StringRef input,
                             llvm::StringRef output,
                             mlir::DialectRegistry &registry) {
  auto config = mlir::MlirOptMainConfig::createFromCLOptions();
  // These print to stdout and never open the output.
  if (output == "-" || config.shouldShowDialects() ||
      config.shouldListPasses())
    return mlir::asMainReturnCode(
        mlir::MlirOptMain(argc, argv, input, output, registry));
  // Refuse an unwritable -o before compiling, as upstream does.
  if (auto target = mlir::kgen::resolveOutput(output.str()); !target)
    return fail(target.takeError());
  llvm::SmallString<128> temp;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("kgen-opt", "out", temp))
    return fail(llvm::createStringError(ec, "cannot create a temporary file: " +
                                                ec.message()));
  llvm::FileRemover removeTemp(temp);
  if (mlir::failed(mlir::MlirOptMain(argc, argv, input, temp, registry)))
    return 1;
  auto result = llvm::MemoryBuffer::getFile(temp, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!result)
    return fail(llvm::createStringError(result.getError(),
                                        temp + ": " +
                                            result.getError().message()));
  if (llvm::Error err = mlir::kgen::writeFileAtomically(
          output.str(), (*result)->getBuffer()))
    return fail(std::move(err));
  return 0;
}

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
  auto [input, output] = mlir::registerAndParseCLIOptions(
      argc, argv, "kgen optimizer driver\n", registry);
  return runWithSafeOutput(argc, argv, input, output, registry);
}
