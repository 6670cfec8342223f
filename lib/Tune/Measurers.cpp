//===- Measurers.cpp - timing a verified schedule on the CPU or the GPU ---===//
//
// Both measurers check before they time: a schedule climbs the ladder's
// static rungs again (a caller may hand in anything), and its outputs on the
// measurement's full-size inputs are compared with a reference computed
// once, so that no time is ever recorded for a wrong kernel. The numerical
// rung (a reduced instance, several seeds) is verify()'s: a search runs it
// on the candidates it measures, in parallel where it can.
//
//===----------------------------------------------------------------------===//

#include "TuningSessionInternal.h"

#include "kgen/Execution/CpuRunner.h"
#include "kgen/Execution/GpuRunner.h"
#include "kgen/Schedule/Records.h"
#include "kgen/Transform/ApplyTransforms.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>

using namespace mlir;
using namespace mlir::kgen;
using json = nlohmann::json;

std::vector<HostTensor>
mlir::kgen::randomInputs(llvm::ArrayRef<TensorSignature> signatures,
                         unsigned seed) {
  std::mt19937 generator(seed * 7919 + 101);
  return randomTensors(signatures, generator);
}

static double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static Measurement rejected(Measurer measurer, Verdict verdict) {
  Measurement m;
  m.measurer = measurer;
  m.verdict = std::move(verdict);
  return m;
}

llvm::Expected<Measurement>
TuningSession::measureOnCpu(size_t index, const json &schedule,
                            unsigned runs) {
  KernelState &k = state(index);
  const CheckedSchedule &checked = k.check(schedule, Rungs::Static);
  if (!checked.verdict.accepted)
    return rejected(Measurer::Cpu, checked.verdict);

  ScopedDiagnosticHandler quiet(context.get(),
                                [](Diagnostic &) { return success(); });
  OwningOpRef<ModuleOp> unscheduled = buildStandaloneKernel(k.func);
  if (k.cpuExpected.empty()) {
    auto reference = CpuFunction::compile(*unscheduled, "entry");
    if (!reference)
      return reference.takeError();
    k.cpuInputs = randomInputs((*reference)->inputs(), /*seed=*/0);
    auto expected = (*reference)->run(k.cpuInputs);
    if (!expected)
      return expected.takeError();
    k.cpuExpected = std::move(*expected);
  }

  OwningOpRef<ModuleOp> scheduled(unscheduled->clone());
  OwningOpRef<ModuleOp> transforms(checked.transforms.get().clone());
  if (std::optional<TransformError> error = applyTransforms(
          scheduled->lookupSymbol<func::FuncOp>("kernel"), *transforms))
    return rejected(Measurer::Cpu,
                    Verdict::reject(Reason::TransformFailed,
                                    "applying the schedule at full size "
                                    "failed: " + error->diagnostics));
  auto compiled = CpuFunction::compile(*scheduled, "entry");
  if (!compiled)
    return rejected(Measurer::Cpu,
                    Verdict::reject(Reason::LoweringFailed,
                                    llvm::toString(compiled.takeError())));
  // The first run is the check and the warm-up.
  auto outputs = (*compiled)->run(k.cpuInputs);
  if (!outputs)
    return outputs.takeError();
  Verdict verdict = compareOutputs(*outputs, k.cpuExpected, kernel(index));
  if (!verdict.accepted)
    return rejected(Measurer::Cpu, verdict);

  Measurement m = rejected(Measurer::Cpu, Verdict::accept());
  for (unsigned run = 0; run < runs; ++run) {
    auto start = std::chrono::steady_clock::now();
    auto result = (*compiled)->run(k.cpuInputs);
    std::chrono::duration<double, std::milli> elapsed =
        std::chrono::steady_clock::now() - start;
    if (!result)
      return result.takeError();
    m.milliseconds.push_back(elapsed.count());
  }
  m.median = median(m.milliseconds);
  return m;
}

Measurement TuningSession::measureStatically(size_t index,
                                             const json &schedule) {
  std::optional<CostEstimate> estimate;
  Verdict verdict = verify(index, schedule, &estimate, Rungs::Static);
  Measurement m = rejected(Measurer::Static, verdict);
  if (estimate) {
    m.milliseconds = {estimate->milliseconds};
    m.median = estimate->milliseconds;
  }
  return m;
}

namespace {
/// A directory of its own for the one-entry decisions file that makes the
/// GPU build use the candidate (the build also writes its other kernels'
/// entries and a lock file there); removed with everything in it.
struct ScratchDirectory {
  llvm::SmallString<128> path;
  ~ScratchDirectory() {
    if (!path.empty())
      llvm::sys::fs::remove_directories(path);
  }
};
} // namespace

/// Writes a decisions file holding `schedule` for `key` under `dir`.
static llvm::Expected<std::string> writeCandidateDecision(
    ScratchDirectory &dir, const std::string &key, const std::string &name,
    const json &schedule) {
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("kgen-tune", dir.path))
    return llvm::createStringError(ec, "cannot create a scratch directory: " +
                                           ec.message());
  llvm::SmallString<128> file(dir.path);
  llvm::sys::path::append(file, "candidate.decisions.json");
  json decisions = {
      {"format", DecisionsFile::kFormat},
      {"version", DecisionsFile::kVersion},
      {"entries",
       {{key,
         {{"kernel", name}, {"proposer", "kgen-tune"}, {"schedule", schedule}}}}}};
  std::ofstream out(file.str().str());
  out << decisions.dump();
  if (!out.flush())
    return llvm::createStringError("cannot write " + file.str());
  return file.str().str();
}

llvm::Expected<std::vector<HostTensor>> TuningSession::gpuReference() {
  if (!gpuExpected.empty())
    return gpuExpected;
  auto reference = CpuFunction::compile(*program, functionName);
  if (!reference)
    return reference.takeError();
  gpuInputs = randomInputs((*reference)->inputs(), /*seed=*/0);
  auto expected = (*reference)->run(gpuInputs);
  if (!expected)
    return expected.takeError();
  gpuExpected = std::move(*expected);
  return gpuExpected;
}

/// The launch record of kernel function `name` (outlined as
/// `<name>_kernel`), or null.
static const runtime::LaunchRecord *
findLaunch(const GpuFunction::Profile &profile, llvm::StringRef name) {
  for (const runtime::LaunchRecord &record : profile.kernels)
    if (record.kernel == (name + "_kernel").str())
      return &record;
  return nullptr;
}

llvm::Expected<Measurement>
TuningSession::measureOnGpu(size_t index, const json &schedule,
                            unsigned runs) {
  if (functionName.empty())
    return llvm::createStringError(
        "the GPU measurer builds one function of the program: name it (the "
        "program has no single public function)");
  Verdict verdict = verify(index, schedule, nullptr, Rungs::Static);
  if (!verdict.accepted)
    return rejected(Measurer::Gpu, verdict);
  ScopedDiagnosticHandler quiet(context.get(),
                                [](Diagnostic &) { return success(); });
  auto expected = gpuReference();
  if (!expected)
    return expected.takeError();

  ScratchDirectory scratch;
  std::string name = kernel(index).name;
  auto decisions = writeCandidateDecision(scratch, key(index), name, schedule);
  if (!decisions)
    return decisions.takeError();
  GpuCodegenOptions codegen;
  codegen.chip = target.name;
  codegen.scheduleCheckSeeds = 0; // verified above
  codegen.scheduleOptions = "decisions=" + *decisions;
  auto gpu = GpuFunction::compile(*program, functionName, codegen);
  if (!gpu)
    return rejected(Measurer::Gpu,
                    Verdict::reject(Reason::LoweringFailed,
                                    llvm::toString(gpu.takeError())));
  auto outputs = (*gpu)->run(gpuInputs);
  if (!outputs)
    return outputs.takeError();
  verdict = compareOutputs(*outputs, *expected, kernel(index));
  if (!verdict.accepted)
    return rejected(Measurer::Gpu, verdict);
  auto profile = (*gpu)->profile(gpuInputs, runs);
  if (!profile)
    return profile.takeError();
  const runtime::LaunchRecord *launch = findLaunch(*profile, name);
  if (!launch)
    return llvm::createStringError("the GPU build launched no kernel @" +
                                   name);
  Measurement m = rejected(Measurer::Gpu, Verdict::accept());
  m.milliseconds = {launch->milliseconds};
  m.median = launch->milliseconds;
  m.registers = launch->registers;
  m.spillBytes = launch->localBytes;
  m.sharedBytes = launch->staticSharedBytes + launch->dynamicSharedBytes;
  return m;
}
