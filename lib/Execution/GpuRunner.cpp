//===- GpuRunner.cpp - compile and run a kgen function on the GPU ---------===//

#include "kgen/Execution/GpuRunner.h"

#include "kgen/Conversion/Passes.h"
#include "kgen/Runtime/CudaDriver.h"
#include "kgen/Runtime/MgpuRuntime.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"

#include <cstring>
#include <limits>

using namespace mlir;
using namespace mlir::kgen;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

GpuFunction::~GpuFunction() = default;

llvm::Expected<std::unique_ptr<GpuFunction>>
GpuFunction::compile(ModuleOp module, llvm::StringRef functionName,
                     const GpuCodegenOptions &options) {
  auto func = detail::prepareFunction(module, functionName);
  if (!func)
    return func.takeError();
  std::unique_ptr<GpuFunction> result(new GpuFunction());
  if (llvm::Error err =
          detail::readSignatures(*func, result->inputSigs, result->outputSigs))
    return std::move(err);
  MLIRContext *ctx = module.getContext();

  OwningOpRef<ModuleOp> clone(module.clone());
  auto entry = clone->lookupSymbol<func::FuncOp>(functionName);
  entry->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                 UnitAttr::get(ctx));
  detail::giveEachResultItsOwnTensor(entry);

  std::string diagnostics;
  {
    llvm::raw_string_ostream os(diagnostics);
    ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &diag) {
      if (diag.getSeverity() == DiagnosticSeverity::Error)
        os << diag.getLocation() << ": " << diag << "\n";
      return success();
    });
    PassManager pm(ctx);
    pm.addPass(createConvertKgenToLinalgPass());
    pm.addPass(createFormKernelsPass());
    ScheduleKernelsPassOptions schedule;
    schedule.target = options.chip;
    pm.addPass(createScheduleKernelsPass(schedule));
    GpuCodegenOptions codegen = options;
    codegen.resultsAsOutParams = true;
    buildGpuCodegenPipeline(pm, codegen);
    if (failed(pm.run(*clone)))
      return makeError("GPU code generation failed:\n" + diagnostics);
  }

  auto optimize = makeOptimizingTransformer(2, 0, nullptr);
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = optimize;
  auto engine = ExecutionEngine::create(*clone, engineOptions);
  if (!engine)
    return makeError("JIT compilation of the host code failed: " +
                     llvm::toString(engine.takeError()));
  // The host code calls kgen's runtime, not MLIR's CUDA wrappers.
  (*engine)->registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    auto add = [&](const char *name, auto *function) {
      symbols[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(function),
                                 llvm::JITSymbolFlags::Exported};
    };
    add("mgpuModuleLoad", &mgpuModuleLoad);
    add("mgpuModuleLoadJIT", &mgpuModuleLoadJIT);
    add("mgpuModuleUnload", &mgpuModuleUnload);
    add("mgpuModuleGetFunction", &mgpuModuleGetFunction);
    add("mgpuLaunchKernel", &mgpuLaunchKernel);
    add("mgpuStreamCreate", &mgpuStreamCreate);
    add("mgpuStreamDestroy", &mgpuStreamDestroy);
    add("mgpuStreamSynchronize", &mgpuStreamSynchronize);
    add("mgpuStreamWaitEvent", &mgpuStreamWaitEvent);
    add("mgpuEventCreate", &mgpuEventCreate);
    add("mgpuEventDestroy", &mgpuEventDestroy);
    add("mgpuEventSynchronize", &mgpuEventSynchronize);
    add("mgpuEventRecord", &mgpuEventRecord);
    add("mgpuMemAlloc", &mgpuMemAlloc);
    add("mgpuMemFree", &mgpuMemFree);
    add("mgpuMemcpy", &mgpuMemcpy);
    add("mgpuMemset32", &mgpuMemset32);
    add("mgpuSetDefaultDevice", &mgpuSetDefaultDevice);
    return symbols;
  });
  result->engine = std::move(*engine);
  result->entryPoint = ("_mlir_ciface_" + functionName).str();
  return result;
}

llvm::Expected<std::vector<HostTensor>>
GpuFunction::run(llvm::ArrayRef<HostTensor> inputs) const {
  if (inputs.size() != inputSigs.size())
    return makeError("expected " + llvm::Twine(inputSigs.size()) +
                     " inputs, got " + llvm::Twine(inputs.size()));
  auto driver = cuda::Driver::get();
  if (!driver)
    return driver.takeError();
  const cuda::DriverApi &api = driver->api();

  std::vector<HostTensor> outputs;
  for (const TensorSignature &sig : outputSigs) {
    outputs.emplace_back(sig.elementType, sig.shape);
    outputs.back().poison();
  }
  // Managed buffers: the inputs and the poisoned outputs are copied in.
  std::vector<cuda::CUdeviceptr> device;
  auto release = [&]() {
    for (cuda::CUdeviceptr p : device)
      (void)api.cuMemFree(p);
  };
  std::vector<std::pair<void *, llvm::ArrayRef<int64_t>>> buffers;
  auto stage = [&](const HostTensor &t) -> llvm::Error {
    cuda::CUdeviceptr p = 0;
    size_t bytes = std::max<size_t>(t.bytes.size(), 4);
    if (llvm::Error err = driver->check(
            api.cuMemAllocManaged(&p, bytes, /*CU_MEM_ATTACH_GLOBAL=*/1),
            "cuMemAllocManaged"))
      return err;
    device.push_back(p);
    std::memcpy(reinterpret_cast<void *>(p), t.bytes.data(), t.bytes.size());
    buffers.push_back({reinterpret_cast<void *>(p), t.shape});
    return llvm::Error::success();
  };
  for (const HostTensor &t : inputs)
    if (llvm::Error err = stage(t)) {
      release();
      return std::move(err);
    }
  for (const HostTensor &t : outputs)
    if (llvm::Error err = stage(t)) {
      release();
      return std::move(err);
    }

  runtime::clearError();
  llvm::Error err = detail::invokeWithBuffers(*engine, entryPoint, buffers);
  if (!err)
    err = driver->check(api.cuCtxSynchronize(), "cuCtxSynchronize");
  if (!err && !runtime::lastError().empty())
    err = makeError(runtime::lastError());
  if (err) {
    release();
    return std::move(err);
  }
  for (auto [i, t] : llvm::enumerate(outputs))
    std::memcpy(t.bytes.data(),
                reinterpret_cast<void *>(device[inputs.size() + i]),
                t.bytes.size());
  release();
  return outputs;
}
