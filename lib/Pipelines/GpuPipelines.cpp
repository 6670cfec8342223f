//===- GpuPipelines.cpp - kgen's GPU code generation pipelines ------------===//

#include "kgen/Conversion/Passes.h"
#include "kgen/Pipelines/Pipelines.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/GPUCommon/GPUCommonPass.h"
#include "mlir/Conversion/GPUToROCDL/GPUToROCDLPass.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/GPU/Pipelines/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::kgen;

namespace {

/// Rows staged into workgroup memory, then one-shot bufferization.
void addBufferization(OpPassManager &pm, const GpuCodegenOptions &options) {
  // Rows that the schedule stages are copied into workgroup memory once.
  pm.addPass(createStageRowsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Writes into tensor.empty become writes into the loop's shared output, so
  // tiles do not allocate.
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  pm.addPass(bufferization::createEmptyTensorToAllocTensorPass());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  if (options.resultsAsOutParams) {
    bufferization::BufferResultsToOutParamsPassOptions outParams;
    outParams.hoistStaticAllocs = true;
    outParams.modifyPublicFunctions = true;
    pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  }
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

/// Per-thread code on buffers: vector copies and transfers, tensor-core
/// instructions, padded shared tiles and lane combines, then every
/// workgroup loop becomes a gpu.launch.
void addKernelMapping(OpPassManager &pm, bool amd) {
  // Tile copies into shared memory become aligned vector loads and stores
  // (bufferization leaves them as memref.copy, which would be scalar).
  VectorizeCopiesPassOptions copies;
  copies.alignment = kKernelBufferAlignment;
  pm.addPass(createVectorizeCopiesPass(copies));
  addVectorLowering(pm);
  // Warp tiles marked for tensor cores become mma.sync while they are
  // still linalg ops on buffers inside their warp loops.
  LowerMatrixInstructionsPassOptions matrix;
  matrix.target = amd ? "rocdl" : "nvvm";
  pm.addPass(createLowerMatrixInstructionsPass(matrix));
  // Shared tiles with rows of whole 64-byte chunks get padded rows (no bank
  // conflicts when warps read them down the columns).
  pm.addPass(createPadSharedBuffersPass());
  // Each output of a reduction with lanes is combined by its lanes
  // (shuffles), not by one thread.
  LowerLaneCombinesPassOptions laneCombines;
  laneCombines.subgroupSize = amd ? 64 : 32;
  pm.addPass(createLowerLaneCombinesPass(laneCombines));
  MapKernelsToGpuPassOptions mapping;
  // AMDGPU keeps stack memory in address space 5.
  mapping.privateAddressSpace = amd ? 5 : 0;
  pm.addPass(createMapKernelsToGpuPass(mapping));
}

/// Inside each launch: pipelined copies, accumulators in registers, fewer
/// barriers and shared buffers placed in dynamic shared memory.
void addLaunchOptimizations(OpPassManager &pm, bool amd) {
  // pipeline_depth > 1: multi-buffered cp.async copies (NVIDIA only; the
  // verifier rejects deeper pipelines for AMD targets).
  if (!amd)
    pm.addPass(createPipelineSharedCopiesPass());
  // Staged gemms' accumulators stay in registers across reduction steps
  // (the loop is per-thread code now, and pipelined).
  pm.addPass(createHoistAccumulatorsPass());
  // Hoisted accumulators start from their fill's constant: the shared
  // accumulator tile is then free until the loop ends.
  pm.addPass(createForwardAccumulatorFillsPass());
  // Thread loops that write only the kernel's outputs need no barrier.
  pm.addPass(createElideBarriersPass());
  // Past 48 KB, a launch's shared buffers move to dynamic shared memory
  // (NVIDIA; AMD's 64 KB of LDS are all static).
  if (!amd) {
    UseDynamicSharedMemoryPassOptions dynamic;
    dynamic.bufferAlignment = kKernelBufferAlignment;
    pm.addPass(createUseDynamicSharedMemoryPass(dynamic));
  }
}

/// Launches outlined into gpu.func kernels, linalg to loops, memory spaces
/// and vector ops lowered for the device conversions.
void addOutlining(OpPassManager &pm, bool amd) {
  // Constants used inside a launch move into it rather than becoming kernel
  // arguments (vector constants could not be passed at all).
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  AlignKernelArgumentsPassOptions alignment;
  alignment.alignment = kKernelBufferAlignment;
  pm.addPass(createAlignKernelArgumentsPass(alignment));
  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(createCanonicalizerPass());
  // The device conversions (NVVM, ROCDL) take vector arithmetic but not
  // vector transfers: lower those to loads and stores, and the rest of the
  // vector dialect to LLVM, in the kernels first.
  LowerGpuMemorySpacesPassOptions spaces;
  spaces.target = amd ? "rocdl" : "nvvm";
  pm.addPass(createLowerGpuMemorySpacesPass(spaces));
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertVectorToLLVMPass());
}

/// ROCDL lowering and serialization to hsaco for `gfx*` chips.
void addRocdlLowering(OpPassManager &pm, const GpuCodegenOptions &options) {
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  GpuROCDLAttachTargetOptions target;
  target.chip = options.chip;
  target.optLevel = options.optLevel;
  if (!options.features.empty())
    target.features = options.features;
  pm.addPass(createGpuROCDLAttachTarget(target));
  ConvertGpuOpsToROCDLOpsOptions rocdl;
  rocdl.chipset = options.chip;
  OpPassManager &device = pm.nest<gpu::GPUModuleOp>();
  // math.tanh would become llvm.tanh, which the AMDGPU backend cannot
  // select (and the ROCDL lowering does not map to OCML): expand it into
  // exponentials first.
  math::MathExpandOpsPassOptions expand;
  expand.opMnemonics = {"tanh"};
  device.addPass(math::createMathExpandOpsPass(expand));
  device.addPass(createConvertGpuOpsToROCDLOps(rocdl));
  device.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = options.format;
  binary.toolkitPath =
      options.rocmPath.empty() ? KGEN_DEFAULT_ROCM_PATH : options.rocmPath;
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

/// NVVM lowering, serialization and host code for `sm_*` chips.
void addNvvmLowering(OpPassManager &pm, const GpuCodegenOptions &options) {
  gpu::GPUToNVVMPipelineOptions nvvm;
  nvvm.cubinChip = options.chip;
  nvvm.cubinFeatures = options.features.empty() ? "+ptx80" : options.features;
  nvvm.cubinFormat = options.format;
  nvvm.optLevel = options.optLevel;
  gpu::buildLowerToNVVMPassPipeline(pm, nvvm);
}

} // namespace

void mlir::kgen::buildGpuCodegenPipeline(OpPassManager &pm,
                                         const GpuCodegenOptions &options) {
  bool amd = llvm::StringRef(options.chip).starts_with("gfx");
  addBufferization(pm, options);
  addKernelMapping(pm, amd);
  pm.addPass(createPlaceHostBuffersOnDevicePass());
  addLaunchOptimizations(pm, amd);
  addOutlining(pm, amd);
  if (amd)
    addRocdlLowering(pm, options);
  else
    addNvvmLowering(pm, options);
}

void mlir::kgen::buildGpuPipeline(OpPassManager &pm,
                                  const ScheduleKernelsPassOptions &schedule,
                                  const GpuCodegenOptions &codegen) {
  addKgenToLinalg(pm, kgenToLinalgOptionsFor(codegen.chip));
  pm.addPass(createFormKernelsPass());
  pm.addPass(createScheduleKernelsPass(schedule));
  buildGpuCodegenPipeline(pm, codegen);
}

namespace {
struct GpuPipelineCliOptions
    : public PassPipelineOptions<GpuPipelineCliOptions> {
  Option<std::string> chip{
      *this, "chip",
      llvm::cl::desc("GPU chip: sm_90a, sm_80 (NVIDIA), gfx942, gfx90a (AMD)"),
      llvm::cl::init("sm_90a")};
  Option<std::string> rocmPath{
      *this, "rocm-path",
      llvm::cl::desc("AMD: a directory with amdgcn/bitcode (ROCm device "
                     "libraries) and llvm/bin/ld.lld"),
      llvm::cl::init(KGEN_DEFAULT_ROCM_PATH)};
  Option<std::string> features{
      *this, "features",
      llvm::cl::desc("Target features (default: +ptx80 for NVIDIA chips)"),
      llvm::cl::init("")};
  Option<std::string> format{
      *this, "format",
      llvm::cl::desc("isa (PTX text), bin (cubin via ptxas) or fatbin"),
      llvm::cl::init("bin")};
  Option<int> optLevel{*this, "opt-level",
                       llvm::cl::desc("Optimization level of the device code"),
                       llvm::cl::init(3)};

  GpuCodegenOptions toOptions() const {
    GpuCodegenOptions options;
    options.chip = chip;
    options.features = features;
    options.format = format;
    options.optLevel = optLevel;
    options.rocmPath = rocmPath;
    return options;
  }
};
} // namespace

void mlir::kgen::registerKgenGpuPipelines() {
  PassPipelineRegistration<GpuPipelineCliOptions>(
      "kgen-gpu-codegen",
      "Scheduled kernels to GPU binaries and host code (after "
      "kgen-schedule-kernels)",
      [](OpPassManager &pm, const GpuPipelineCliOptions &options) {
        buildGpuCodegenPipeline(pm, options.toOptions());
      });
  PassPipelineRegistration<GpuPipelineCliOptions>(
      "kgen-gpu-pipeline",
      "A kgen program to GPU binaries and host code with verified heuristic "
      "schedules: kgen-to-linalg, kgen-fuse-elementwise, kgen-form-kernels, "
      "kgen-schedule-kernels, "
      "kgen-gpu-codegen",
      [](OpPassManager &pm, const GpuPipelineCliOptions &options) {
        ScheduleKernelsPassOptions schedule;
        schedule.target = options.chip;
        buildGpuPipeline(pm, schedule, options.toOptions());
      });
}
