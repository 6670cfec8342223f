//===- Pipelines.cpp - kgen's named pass pipelines ------------------------===//

#include "kgen/Execution/Pipelines.h"

#include "kgen/Conversion/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

// Upstream passes are spelled as a textual pipeline: it reads like the
// mlir-opt command line that reproduces it.
static constexpr const char *kCpuLowering =
    "canonicalize,"
    "one-shot-bufferize{bufferize-function-boundaries=true "
    "function-boundary-type-conversion=identity-layout-map},"
    "buffer-results-to-out-params{hoist-static-allocs=true},"
    "buffer-deallocation-pipeline,"
    "func.func(convert-linalg-to-loops),"
    "lower-affine,"
    "convert-scf-to-cf,"
    "expand-strided-metadata,"
    "lower-affine,"
    "arith-expand{include-bf16=true},"
    "convert-math-to-llvm,"
    "convert-math-to-libm,"
    "finalize-memref-to-llvm,"
    "convert-to-llvm,"
    "reconcile-unrealized-casts";

void mlir::kgen::buildCpuLoweringPipeline(OpPassManager &pm) {
  pm.addPass(createConvertKgenToLinalgPass());
  // The string is a compile-time constant covered by tests; a parse failure
  // is a kgen bug, reported through the pipeline's own diagnostics.
  std::string error;
  llvm::raw_string_ostream os(error);
  if (failed(parsePassPipeline(kCpuLowering, pm, os)))
    llvm::report_fatal_error(llvm::Twine("kgen: invalid built-in CPU "
                                         "pipeline: ") +
                             error);
}

void mlir::kgen::registerKgenPipelines() {
  PassPipelineRegistration<>(
      "kgen-cpu-pipeline",
      "Lower a kgen program to the LLVM dialect for execution on the host CPU",
      buildCpuLoweringPipeline);
}
