//===- GpuRunner.cpp - compile and run a kgen function on the GPU ---------===//

#include "kgen/Execution/GpuRunner.h"

#include "kgen/Conversion/KernelAttrs.h"
#include "kgen/Conversion/Passes.h"
#include "kgen/Runtime/CudaDriver.h"
#include "kgen/Runtime/MgpuRuntime.h"
#include "kgen/Schedule/Schedule.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>

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

  for (const auto *sigs : {&result->inputSigs, &result->outputSigs})
    for (const TensorSignature &sig : *sigs) {
      double elements = 1;
      for (int64_t d : sig.shape)
        elements *= d;
      result->totalBytes += elements * elementSize(sig.elementType);
    }
  {
    // The roofline counts each kernel's arithmetic once.
    OwningOpRef<ModuleOp> formed(module.clone());
    PassManager pm(ctx);
    pm.addPass(createConvertKgenToLinalgPass());
    pm.addPass(createFormKernelsPass());
    ScopedDiagnosticHandler quiet(ctx, [](Diagnostic &) { return success(); });
    if (succeeded(pm.run(*formed)))
      for (auto kernel : formed->getOps<func::FuncOp>())
        if (kernel->hasAttr(kKernelAttr))
          if (auto info = describeKernel(kernel))
            result->totalFlops += info->flops;
          else
            llvm::consumeError(info.takeError());
  }

  // The scheduling pass comes from its textual options, so that any of them
  // can be passed through; they are checked before anything is compiled.
  std::string scheduleOptions =
      llvm::formatv("target={0} check-seeds={1} {2}", options.chip,
                    options.scheduleCheckSeeds, options.scheduleOptions)
          .str();
  const PassInfo *scheduleInfo = PassInfo::lookup("kgen-schedule-kernels");
  if (!scheduleInfo)
    return makeError("kgen-schedule-kernels is not registered: call "
                     "registerAllKgen first");
  {
    std::string message;
    OpPassManager probe("builtin.module");
    if (failed(scheduleInfo->addToPipeline(
            probe, scheduleOptions, [&](const llvm::Twine &msg) {
              message = msg.str();
              return failure();
            })))
      return makeError("bad scheduling options '" + options.scheduleOptions +
                       "': " + message);
  }

  auto engine = detail::lowerAndJit(
      module, functionName,
      [&](OpPassManager &pm) {
        pm.addPass(createConvertKgenToLinalgPass());
        pm.addPass(createFormKernelsPass());
        (void)scheduleInfo->addToPipeline(
            pm, scheduleOptions,
            [](const llvm::Twine &) { return failure(); });
        GpuCodegenOptions codegen = options;
        codegen.resultsAsOutParams = true;
        buildGpuCodegenPipeline(pm, codegen);
      },
      "GPU code generation");
  if (!engine)
    return engine.takeError();
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

llvm::Error GpuFunction::launch(llvm::ArrayRef<void *> buffers,
                                void *stream) const {
  if (buffers.size() != inputSigs.size() + outputSigs.size())
    return makeError("expected " +
                     llvm::Twine(inputSigs.size() + outputSigs.size()) +
                     " buffers (inputs then outputs), got " +
                     llvm::Twine(buffers.size()));
  auto driver = cuda::Driver::get();
  if (!driver)
    return driver.takeError();
  std::vector<std::pair<void *, llvm::ArrayRef<int64_t>>> described;
  for (auto [i, pointer] : llvm::enumerate(buffers)) {
    const TensorSignature &sig = i < inputSigs.size()
                                     ? inputSigs[i]
                                     : outputSigs[i - inputSigs.size()];
    if (!pointer)
      return makeError("buffer " + llvm::Twine(i) + " is null");
    described.push_back({pointer, sig.shape});
  }
  runtime::clearError();
  runtime::borrowStream(stream);
  llvm::Error err = detail::invokeWithBuffers(*engine, entryPoint, described);
  runtime::endStreamBorrow();
  if (!err && !runtime::lastError().empty())
    err = makeError(runtime::lastError());
  return err;
}

llvm::Expected<GpuFunction::Profile>
GpuFunction::profile(llvm::ArrayRef<HostTensor> inputs, unsigned runs,
                     unsigned warmup, unsigned rotations) const {
  if (inputs.size() != inputSigs.size())
    return makeError("expected " + llvm::Twine(inputSigs.size()) +
                     " inputs, got " + llvm::Twine(inputs.size()));
  auto driver = cuda::Driver::get();
  if (!driver)
    return driver.takeError();
  const cuda::DriverApi &api = driver->api();
  std::vector<cuda::CUdeviceptr> device;
  auto release = [&]() {
    for (cuda::CUdeviceptr p : device)
      (void)api.cuMemFree(p);
  };
  auto allocate = [&](size_t bytes, bool managed,
                      cuda::CUdeviceptr &p) -> llvm::Error {
    bytes = std::max<size_t>(bytes, 4);
    llvm::Error err =
        managed ? driver->check(api.cuMemAllocManaged(&p, bytes, 1),
                                "cuMemAllocManaged")
                : driver->check(api.cuMemAlloc(&p, bytes), "cuMemAlloc");
    if (!err)
      device.push_back(p);
    return err;
  };
  // One set of buffers per rotation.
  std::vector<std::vector<std::pair<void *, llvm::ArrayRef<int64_t>>>> sets(
      rotations);
  for (unsigned r = 0; r < rotations; ++r) {
    for (const HostTensor &t : inputs) {
      cuda::CUdeviceptr p;
      if (llvm::Error err = allocate(t.bytes.size(), true, p)) {
        release();
        return std::move(err);
      }
      std::memcpy(reinterpret_cast<void *>(p), t.bytes.data(), t.bytes.size());
      sets[r].push_back({reinterpret_cast<void *>(p), t.shape});
    }
    for (const TensorSignature &sig : outputSigs) {
      HostTensor t(sig.elementType, sig.shape);
      cuda::CUdeviceptr p;
      if (llvm::Error err = allocate(t.bytes.size(), true, p)) {
        release();
        return std::move(err);
      }
      sets[r].push_back({reinterpret_cast<void *>(p), sig.shape});
    }
  }
  constexpr size_t kFlushBytes = size_t(256) << 20; // > L2 of any GPU we target
  cuda::CUdeviceptr flush;
  if (llvm::Error err = allocate(kFlushBytes, false, flush)) {
    release();
    return std::move(err);
  }

  Profile result;
  std::map<std::string, std::vector<double>> perKernel;
  std::vector<std::string> order;
  runtime::clearError();
  for (unsigned i = 0; i < warmup + runs; ++i) {
    llvm::Error err = driver->check(
        api.cuMemsetD8Async(flush, i & 0xff, kFlushBytes, nullptr),
        "cuMemsetD8Async");
    if (!err)
      err = driver->check(api.cuCtxSynchronize(), "cuCtxSynchronize");
    runtime::setProfiling(i >= warmup);
    if (!err)
      err = detail::invokeWithBuffers(*engine, entryPoint, sets[i % rotations]);
    runtime::setProfiling(false);
    if (!err)
      err = driver->check(api.cuCtxSynchronize(), "cuCtxSynchronize");
    if (!err && !runtime::lastError().empty())
      err = makeError(runtime::lastError());
    std::vector<runtime::LaunchRecord> launches = runtime::takeLaunches();
    if (err) {
      release();
      return std::move(err);
    }
    if (i < warmup)
      continue;
    double total = 0;
    for (runtime::LaunchRecord &l : launches) {
      total += l.milliseconds;
      if (!perKernel.count(l.kernel)) {
        order.push_back(l.kernel);
        result.kernels.push_back(l);
      }
      perKernel[l.kernel].push_back(l.milliseconds);
    }
    result.runMilliseconds.push_back(total);
  }
  release();
  for (runtime::LaunchRecord &k : result.kernels) {
    std::vector<double> &times = perKernel[k.kernel];
    std::nth_element(times.begin(), times.begin() + times.size() / 2,
                     times.end());
    k.milliseconds = times[times.size() / 2];
  }
  return result;
}
