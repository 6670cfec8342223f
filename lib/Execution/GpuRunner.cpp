//===- GpuRunner.cpp - compile and run a kgen function on the GPU ---------===//

#include "kgen/Execution/GpuRunner.h"

#include "kgen/Execution/FunctionImage.h"
#include "kgen/Execution/NativeCode.h"

#include "kgen/Schedule/KernelAttrs.h"
#include "kgen/Conversion/Passes.h"
#include "kgen/Runtime/CudaDriver.h"
#include "kgen/Runtime/HipRuntime.h"
#include "kgen/Runtime/MgpuRuntime.h"
#include "kgen/Schedule/Schedule.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
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
    addKgenToLinalg(pm, kgenToLinalgOptionsFor(options.chip));
    pm.addPass(createFormKernelsPass());
    ScopedDiagnosticHandler quiet(ctx, [](Diagnostic &) { return success(); });
    if (succeeded(pm.run(*formed)))
      for (auto kernel : formed->getOps<func::FuncOp>()) {
        if (!kernel->hasAttr(kKernelAttr))
          continue;
        if (auto info = describeKernel(kernel))
          result->totalFlops += info->flops;
        else
          llvm::consumeError(info.takeError());
      }
  }

  // Users give extra scheduling options as text (kgen-run
  // --schedule-options, the C API); they are checked before anything is
  // compiled.
  ScheduleKernelsPassOptions defaults;
  defaults.target = options.chip;
  defaults.checkSeeds = options.scheduleCheckSeeds;
  auto schedule = parseScheduleKernelsOptions(options.scheduleOptions, defaults);
  if (!schedule)
    return makeError("bad scheduling options '" + options.scheduleOptions +
                     "': " + llvm::toString(schedule.takeError()));
  GpuCodegenOptions codegen = options;
  codegen.resultsAsOutParams = true;
  auto object = detail::lowerToObject(
      module, functionName,
      [&](OpPassManager &pm) { buildGpuPipeline(pm, *schedule, codegen); },
      "GPU code generation");
  if (!object)
    return object.takeError();
  result->vendor = runtime::vendorOfChip(options.chip);
  result->chip = options.chip;
  if (llvm::Error err =
          result->loadObject(std::move(*object),
                             detail::entryPointOf(functionName)))
    return std::move(err);
  return result;
}

llvm::Error GpuFunction::loadObject(std::string object,
                                    llvm::StringRef entry) {
  // The host code calls kgen's runtime (over the CUDA driver or HIP), not
  // MLIR's wrappers.
  std::vector<RuntimeSymbol> symbols;
  for (const runtime::MgpuSymbol &s : runtime::mgpuSymbols(vendor))
    symbols.push_back({s.name, s.address});
  auto loaded = NativeCode::load(std::move(object), entry, symbols);
  if (!loaded)
    return loaded.takeError();
  code = std::move(*loaded);
  return llvm::Error::success();
}

std::string GpuFunction::serialize() const {
  return serializeImage({chip, code->entry().str(), inputSigs, outputSigs,
                         totalFlops, totalBytes, code->object().str()});
}

llvm::Expected<std::unique_ptr<GpuFunction>>
GpuFunction::load(llvm::StringRef image, llvm::StringRef chip) {
  auto parsed = deserializeImage(image, chip);
  if (!parsed)
    return parsed.takeError();
  std::unique_ptr<GpuFunction> result(new GpuFunction());
  result->inputSigs = parsed->inputs;
  result->outputSigs = parsed->outputs;
  result->totalFlops = parsed->flops;
  result->totalBytes = parsed->bytes;
  result->vendor = runtime::vendorOfChip(chip);
  result->chip = chip.str();
  if (llvm::Error err = result->loadObject(std::move(parsed->object),
                                          parsed->entryPoint))
    return std::move(err);
  return result;
}

namespace {
/// Managed memory and device-wide synchronization of one vendor's runtime:
/// what run() stages host tensors in.
class ManagedMemory {
public:
  static llvm::Expected<ManagedMemory> open(runtime::Vendor vendor) {
    ManagedMemory m;
    m.vendor = vendor;
    if (vendor == runtime::Vendor::Amd) {
      auto r = hip::Runtime::get();
      if (!r)
        return r.takeError();
      m.hipRuntime = &*r;
    } else {
      auto d = cuda::Driver::get();
      if (!d)
        return d.takeError();
      m.cudaDriver = &*d;
    }
    return m;
  }
  llvm::Expected<void *> allocate(size_t bytes) {
    bytes = std::max<size_t>(bytes, 4);
    if (hipRuntime) {
      void *p = nullptr;
      if (llvm::Error err = hipRuntime->check(
              hipRuntime->api().hipMallocManaged(&p, bytes, 1),
              "hipMallocManaged"))
        return std::move(err);
      return p;
    }
    cuda::CUdeviceptr p = 0;
    if (llvm::Error err = cudaDriver->check(
            cudaDriver->api().cuMemAllocManaged(&p, bytes, 1),
            "cuMemAllocManaged"))
      return std::move(err);
    return reinterpret_cast<void *>(p);
  }
  void release(void *p) {
    if (hipRuntime)
      (void)hipRuntime->api().hipFree(p);
    else
      (void)cudaDriver->api().cuMemFree(reinterpret_cast<cuda::CUdeviceptr>(p));
  }
  llvm::Error synchronize() {
    if (hipRuntime)
      return hipRuntime->check(hipRuntime->api().hipDeviceSynchronize(),
                               "hipDeviceSynchronize");
    return cudaDriver->check(cudaDriver->api().cuCtxSynchronize(),
                             "cuCtxSynchronize");
  }

private:
  runtime::Vendor vendor = runtime::Vendor::Nvidia;
  const cuda::Driver *cudaDriver = nullptr;
  const hip::Runtime *hipRuntime = nullptr;
};
} // namespace

llvm::Expected<std::vector<HostTensor>>
GpuFunction::run(llvm::ArrayRef<HostTensor> inputs) const {
  if (inputs.size() != inputSigs.size())
    return makeError("expected " + llvm::Twine(inputSigs.size()) +
                     " inputs, got " + llvm::Twine(inputs.size()));
  auto memory = ManagedMemory::open(vendor);
  if (!memory)
    return memory.takeError();

  std::vector<HostTensor> outputs;
  for (const TensorSignature &sig : outputSigs) {
    outputs.emplace_back(sig.elementType, sig.shape);
    outputs.back().poison();
  }
  // Managed buffers: the inputs and the poisoned outputs are copied in.
  std::vector<void *> device;
  auto release = [&]() {
    for (void *p : device)
      memory->release(p);
  };
  std::vector<std::pair<void *, llvm::ArrayRef<int64_t>>> buffers;
  auto stage = [&](const HostTensor &t) -> llvm::Error {
    auto p = memory->allocate(t.bytes.size());
    if (!p)
      return p.takeError();
    device.push_back(*p);
    std::memcpy(*p, t.bytes.data(), t.bytes.size());
    buffers.push_back({*p, t.shape});
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
  detail::invokeWithBuffers(*code, buffers);
  llvm::Error err = memory->synchronize();
  if (!err && !runtime::lastError().empty())
    err = makeError(runtime::lastError());
  if (err) {
    release();
    return std::move(err);
  }
  for (auto [i, t] : llvm::enumerate(outputs))
    std::memcpy(t.bytes.data(), device[inputs.size() + i], t.bytes.size());
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
  if (vendor == runtime::Vendor::Amd)
    return makeError("launching on a caller's buffers and stream is "
                     "implemented for NVIDIA GPUs only");
  std::vector<std::pair<void *, llvm::ArrayRef<int64_t>>> described;
  for (auto [i, pointer] : llvm::enumerate(buffers)) {
    const TensorSignature &sig = i < inputSigs.size()
                                     ? inputSigs[i]
                                     : outputSigs[i - inputSigs.size()];
    // An empty tensor's buffer may be null (PyTorch's are): nothing reads
    // or writes it.
    if (!pointer && !sig.isEmpty())
      return makeError("buffer " + llvm::Twine(i) + " is null");
    // The kernels were compiled assuming aligned buffers (vector loads).
    if (reinterpret_cast<uintptr_t>(pointer) % kKernelBufferAlignment != 0)
      return makeError("buffer " + llvm::Twine(i) + " is not " +
                       llvm::Twine(kKernelBufferAlignment) +
                       "-byte aligned; pass a buffer of its own (for "
                       "example a contiguous copy of a tensor view)");
    described.push_back({pointer, sig.shape});
  }
  // The buffers are checked first, so that a bad call is reported as such
  // even on a machine without a GPU.
  auto driver = cuda::Driver::get();
  if (!driver)
    return driver.takeError();
  runtime::clearError();
  runtime::borrowStream(stream);
  detail::invokeWithBuffers(*code, described);
  runtime::endStreamBorrow();
  if (!runtime::lastError().empty())
    return makeError(runtime::lastError());
  return llvm::Error::success();
}

llvm::Expected<GpuFunction::Profile>
GpuFunction::profile(llvm::ArrayRef<HostTensor> inputs, unsigned runs,
                     unsigned warmup, unsigned rotations) const {
  if (inputs.size() != inputSigs.size())
    return makeError("expected " + llvm::Twine(inputSigs.size()) +
                     " inputs, got " + llvm::Twine(inputs.size()));
  if (vendor == runtime::Vendor::Amd)
    return makeError("timing is implemented for NVIDIA GPUs only");
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
      detail::invokeWithBuffers(*code, sets[i % rotations]);
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
