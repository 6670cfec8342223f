//===- Pipelines.cpp - kgen's named pass pipelines ------------------------===//

#include "kgen/Pipelines/Pipelines.h"

#include "kgen/Conversion/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ConvertToLLVM/ToLLVMPass.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::kgen;

void mlir::kgen::addVectorLowering(OpPassManager &pm) {
  // Vectorized schedules leave n-D transfers that read or write memory
  // (their tensor forms could not be unrolled before bufferization): unroll
  // them into 1-D transfers, which become vector loads and stores.
  VectorTransferToSCFOptions options;
  options.enableFullUnroll();
  options.targetRank = 1;
  pm.addNestedPass<func::FuncOp>(createConvertVectorToSCFPass(options));
}

void mlir::kgen::addKgenToLinalg(
    OpPassManager &pm, const ConvertKgenToLinalgPassOptions &options) {
  pm.addPass(createRecognizeAttentionPass());
  pm.addPass(createConvertKgenToLinalgPass(options));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createFuseElementwisePass());
  pm.addPass(createCollapseReductionLoopsPass());
  pm.addPass(createMaterializeReductionIndicesPass());
  pm.addPass(createSplitWholeReductionsPass());
}

ConvertKgenToLinalgPassOptions
mlir::kgen::kgenToLinalgOptionsFor(llvm::StringRef chip) {
  ConvertKgenToLinalgPassOptions options;
  options.target = chip.str();
  return options;
}

void mlir::kgen::buildCpuLoweringPipeline(OpPassManager &pm) {
  addKgenToLinalg(pm);
  // Loops of unscheduled reductions accumulate in interleaved partials,
  // as the GPU kernels' lanes do, not in one running value.
  pm.addPass(createInterleaveReductionsPass());
  // Scheduled kernels that stage rows in workgroup memory get the copies
  // here too, so that rung 4 checks the kernel the GPU runs.
  pm.addPass(createStageRowsPass());

  // Tensors to buffers. Function results become caller-allocated
  // out-parameters, so the runner owns (and poisons) every output buffer.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  // A loop carrying a tensor (scf.for iter_args) yields a new buffer each
  // iteration; the deallocation pipeline below frees the old ones.
  bufferize.allowReturnAllocsFromLoops = true;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // Shared-memory tiles of scheduled kernels are host memory here.
  pm.addPass(createLowerGpuMemorySpacesPass());
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.hoistStaticAllocs = true;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  bufferization::buildBufferDeallocationPipeline(pm);
  // Scheduled kernels hold scf.forall loops; on the CPU they run as ordinary
  // loops. This must follow bufferization: on tensor foralls with shared_outs
  // the conversion crashes (MLIR 22.1).
  pm.addPass(createForallToForLoopPass());
  addVectorLowering(pm);

  // Loops, then LLVM. bf16 conversions are expanded to integer arithmetic
  // because the host may lack native bf16 support.
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expand));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

namespace {
/// kgen-linalg's options: kgen-to-linalg's.
struct KgenLinalgCliOptions : PassPipelineOptions<KgenLinalgCliOptions> {
  Option<std::string> target{
      *this, "target",
      llvm::cl::desc("GPU chip the kernels are formed for (sm_90a, sm_80, "
                     "gfx942, gfx90a); empty: rows stream where no known "
                     "chip's block stages them"),
      llvm::cl::init("")};
  Option<RowStreaming> streamRows{
      *this, "stream-rows",
      llvm::cl::desc("Which rows take streaming statistics"),
      llvm::cl::init(RowStreaming::Auto),
      llvm::cl::values(
          clEnumValN(RowStreaming::Auto, "auto",
                     "rows longer than a block of the target stages"),
          clEnumValN(RowStreaming::Always, "always",
                     "every row that splits into chunks"),
          clEnumValN(RowStreaming::Never, "never",
                     "none: each statistic reads its row"))};
};
} // namespace

void mlir::kgen::registerKgenPipelines() {
  PassPipelineRegistration<KgenLinalgCliOptions>(
      "kgen-linalg",
      "A kgen program to the linalg that kernels are formed from: "
      "kgen-recognize-attention, kgen-to-linalg, canonicalize, "
      "kgen-fuse-elementwise, "
      "kgen-collapse-reduction-loops, kgen-split-whole-reductions",
      [](OpPassManager &pm, const KgenLinalgCliOptions &cli) {
        ConvertKgenToLinalgPassOptions options;
        options.target = cli.target;
        options.streamRows = cli.streamRows;
        addKgenToLinalg(pm, options);
      });
  PassPipelineRegistration<>(
      "kgen-cpu-pipeline",
      "Lower a kgen program to the LLVM dialect for execution on the host CPU",
      buildCpuLoweringPipeline);
}
