//===- KernelVerifier.cpp - the schedule verification ladder --------------===//

#include "kgen/Verify/KernelVerifier.h"

#include "kgen/Transform/ApplyTransforms.h"
#include "kgen/Verify/ReducedInstance.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Transform/IR/TransformDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <random>

using namespace mlir;
using namespace mlir::kgen;

/// The first line of a diagnostic dump, for one-line verdict messages.
static std::string firstLine(llvm::StringRef text) {
  return text.ltrim().split('\n').first.str();
}

OwningOpRef<ModuleOp> mlir::kgen::buildStandaloneKernel(func::FuncOp kernel) {
  OpBuilder b(kernel.getContext());
  Location loc = kernel.getLoc();
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  b.setInsertionPointToEnd(module->getBody());
  auto copy = cast<func::FuncOp>(b.clone(*kernel));
  copy.setSymName("kernel");
  copy.setPrivate();

  SmallVector<Type> entryArgs;
  for (Type t : kernel.getArgumentTypes())
    entryArgs.push_back(
        isa<RankedTensorType>(t) ? t : RankedTensorType::get({}, t));
  auto entry = func::FuncOp::create(
      b, loc, "entry", b.getFunctionType(entryArgs, kernel.getResultTypes()));
  Block *body = entry.addEntryBlock();
  b.setInsertionPointToStart(body);
  SmallVector<Value> callArgs;
  for (auto [arg, type] :
       llvm::zip(body->getArguments(), kernel.getArgumentTypes()))
    callArgs.push_back(
        isa<RankedTensorType>(type)
            ? Value(arg)
            : Value(tensor::ExtractOp::create(b, loc, arg, ValueRange{})));
  auto call = func::CallOp::create(b, loc, copy, callArgs);
  func::ReturnOp::create(b, loc, call.getResults());
  return module;
}

struct KernelVerifier::Instance {
  KernelInfo info;
  OwningOpRef<ModuleOp> standalone;
  std::unique_ptr<CpuFunction> reference;
  std::vector<std::vector<HostTensor>> inputs, outputs;
};

KernelVerifier::~KernelVerifier() = default;

llvm::Expected<std::unique_ptr<KernelVerifier>>
KernelVerifier::create(func::FuncOp kernel, const TargetDescription &target,
                       VerifierOptions options) {
  // Registering dialects here, inside a pass, would race with other
  // threads using the context: the pass declares them instead.
  if (!kernel.getContext()->getLoadedDialect<transform::TransformDialect>())
    return llvm::createStringError(
        "the schedule verifier needs the transform dialect and its "
        "extensions loaded (registerVerifierDependencies)");
  auto info = describeKernel(kernel);
  if (!info)
    return info.takeError();
  std::unique_ptr<KernelVerifier> v(new KernelVerifier());
  v->kernel = kernel;
  v->target = target;
  v->options = options;
  v->kernelInfo = std::move(*info);
  v->standalone = buildStandaloneKernel(kernel);
  return v;
}

void mlir::kgen::registerVerifierDependencies(DialectRegistry &registry) {
  registerTransformDependencies(registry);
  registerAllToLLVMIRTranslations(registry);
}

Verdict KernelVerifier::verify(const nlohmann::json &candidate,
                               Schedule *scheduleOut,
                               OwningOpRef<ModuleOp> *transformsOut) {
  // Rung 1: schema and ranges.
  Schedule schedule;
  Verdict verdict = parseSchedule(candidate, kernelInfo, schedule);
  if (!verdict.accepted)
    return verdict;
  // Rung 2: legality and resources.
  verdict = checkSchedule(schedule, kernelInfo, target);
  if (!verdict.accepted)
    return verdict;

  // Rung 3: apply to a clone; the interpreter must succeed and the IR verify.
  OwningOpRef<ModuleOp> transforms =
      expandSchedule(schedule, kernelInfo, kernel.getContext());
  OwningOpRef<ModuleOp> scheduled(standalone->clone());
  auto clonedKernel = scheduled->lookupSymbol<func::FuncOp>("kernel");
  if (std::optional<TransformError> error =
          applyTransforms(clonedKernel, *transforms))
    return Verdict::reject(error->kind == TransformError::Kind::Verifier
                               ? Reason::VerifierFailed
                               : Reason::TransformFailed,
                           "applying the transform script failed: " +
                               firstLine(error->diagnostics));

  // Rung 4: numerical check against the unscheduled kernel. Lowering and
  // JIT diagnostics belong to the verdict, not to the user's compilation.
  if (options.seeds > 0) {
    ScopedDiagnosticHandler quiet(kernel.getContext(),
                                  [](Diagnostic &) { return success(); });
    verdict = checkNumerics(schedule);
    if (!verdict.accepted)
      return verdict;
  }
  if (scheduleOut)
    *scheduleOut = schedule;
  if (transformsOut)
    *transformsOut = std::move(transforms);
  return Verdict::accept();
}

KernelVerifier::Instance &
KernelVerifier::instanceFor(const Schedule &schedule) {
  auto reduced = buildReducedKernel(kernel, kernelInfo, schedule);
  func::FuncOp instanceKernel =
      succeeded(reduced) && *reduced ? reduced->get() : kernel;
  std::string key;
  llvm::raw_string_ostream(key) << instanceKernel.getFunctionType();
  std::unique_ptr<Instance> &instance = instances[key];
  if (instance)
    return *instance;
  instance = std::make_unique<Instance>();
  instance->info = kernelInfo;
  // A reduced copy that fails to verify or to describe is a gap of the size
  // analysis, not of the schedule: the full-size kernel is checked instead.
  if (instanceKernel != kernel) {
    if (auto info = describeKernel(instanceKernel)) {
      instance->info = std::move(*info);
    } else {
      llvm::consumeError(info.takeError());
      instanceKernel = kernel;
    }
  }
  instance->standalone = buildStandaloneKernel(instanceKernel);
  return *instance;
}

/// Host memory rung 4 may hold for one kernel: every input set with its
/// reference outputs, and the outputs of the run being compared.
constexpr uint64_t kMaxInstanceBytes = 2ull << 30;

/// The bytes rung 4 holds for `function` checked with `seeds` input sets
/// (its signatures' sizes were checked against overflow when compiled).
static uint64_t instanceBytes(const CpuFunction &function, unsigned seeds) {
  uint64_t inputs = 0, outputs = 0;
  for (const TensorSignature &sig : function.inputs())
    inputs += *tensorBytes(sig.elementType, sig.shape);
  for (const TensorSignature &sig : function.outputs())
    outputs += *tensorBytes(sig.elementType, sig.shape);
  return (inputs + outputs) * seeds + outputs;
}

Verdict KernelVerifier::computeReference(Instance &instance) {
  auto compiled = CpuFunction::compile(*instance.standalone, "entry");
  if (!compiled)
    return Verdict::reject(
        Reason::ReferenceFailed,
        "the unscheduled kernel does not run on the CPU: " +
            firstLine(llvm::toString(compiled.takeError())));
  uint64_t bytes = instanceBytes(**compiled, options.seeds);
  if (bytes > kMaxInstanceBytes)
    return Verdict::reject(
        Reason::ReferenceFailed,
        llvm::formatv("the numerical check needs {0:F1} GiB of host memory "
                      "for {1} input sets, over its {2} GiB limit (loops the "
                      "schedule leaves untiled keep their full size in the "
                      "reduced instance)",
                      bytes / double(1ull << 30), options.seeds,
                      kMaxInstanceBytes >> 30)
            .str());
  for (unsigned seed = 0; seed < options.seeds; ++seed) {
    std::mt19937 generator(seed * 7919 + 17);
    std::vector<HostTensor> inputs =
        randomTensors((*compiled)->inputs(), generator);
    auto outputs = (*compiled)->run(inputs);
    if (!outputs) {
      instance.inputs.clear();
      instance.outputs.clear();
      return Verdict::reject(Reason::ReferenceFailed,
                             llvm::toString(outputs.takeError()));
    }
    instance.inputs.push_back(std::move(inputs));
    instance.outputs.push_back(std::move(*outputs));
  }
  instance.reference = std::move(*compiled);
  return Verdict::accept();
}

Verdict KernelVerifier::checkNumerics(const Schedule &schedule) {
  Instance &instance = instanceFor(schedule);
  if (!instance.reference) {
    Verdict verdict = computeReference(instance);
    if (!verdict.accepted)
      return verdict;
  }
  // The schedule expanded against the instance: the same tiles, over the
  // instance's loop sizes.
  OwningOpRef<ModuleOp> scheduled(instance.standalone->clone());
  OwningOpRef<ModuleOp> transforms =
      expandSchedule(schedule, instance.info, kernel.getContext());
  if (std::optional<TransformError> error = applyTransforms(
          scheduled->lookupSymbol<func::FuncOp>("kernel"), *transforms))
    return Verdict::reject(Reason::TransformFailed,
                           "applying the transform script to the reduced "
                           "instance failed: " +
                               firstLine(error->diagnostics));
  return compareWithReference(instance, *scheduled);
}

Verdict KernelVerifier::compareWithReference(Instance &instance,
                                             ModuleOp scheduled) {
  auto compiled = CpuFunction::compile(scheduled, "entry");
  if (!compiled)
    return Verdict::reject(Reason::LoweringFailed,
                           "the scheduled kernel does not lower for the CPU: " +
                               firstLine(llvm::toString(compiled.takeError())));
  for (unsigned seed = 0; seed < instance.inputs.size(); ++seed) {
    auto outputs = (*compiled)->run(instance.inputs[seed]);
    if (!outputs)
      return Verdict::reject(Reason::RunFailed, llvm::toString(outputs.takeError()));
    Verdict verdict =
        compareOutputs(*outputs, instance.outputs[seed], instance.info);
    if (!verdict.accepted) {
      verdict.message += llvm::formatv(" (seed {0})", seed).str();
      return verdict;
    }
  }
  return Verdict::accept();
}

/// The root mean square of `t`'s finite elements (0 when it has none).
static double rootMeanSquare(const HostTensor &t) {
  double sum = 0;
  int64_t count = 0;
  for (int64_t i = 0, e = t.numElements(); i < e; ++i) {
    double v = t.get(i);
    if (std::isfinite(v)) {
      sum += v * v;
      ++count;
    }
  }
  return count ? std::sqrt(sum / static_cast<double>(count)) : 0.0;
}

Verdict mlir::kgen::compareOutputs(llvm::ArrayRef<HostTensor> got,
                                   llvm::ArrayRef<HostTensor> want,
                                   const KernelInfo &info) {
  // Tiled reductions sum in another order: allow f32 rounding growing with
  // the reduction length and with the magnitude of the partial sums, plus
  // two units in the last place of the stored type for f16/bf16. A
  // reordered sum's error is a few f32 ulps of its partial sums times
  // sqrt(length); the output's RMS stands for their magnitude (a matmul's
  // outputs and partial sums grow like sqrt(K)), so an output near zero by
  // cancellation gets the absolute allowance of its neighbours.
  Type type = info.elementType;
  int64_t reductionLength = 1;
  for (int64_t size : info.rootReductionSizes())
    reductionLength *= size;
  double ulp = type.isF16()    ? std::ldexp(1.0, -10)
               : type.isBF16() ? std::ldexp(1.0, -7)
                               : 0.0;
  double rtol = 1e-5 + 2 * ulp;
  double lengthFactor =
      1e-6 * std::sqrt(static_cast<double>(reductionLength)) + 1e-6;
  for (auto [o, pair] : llvm::enumerate(llvm::zip(got, want))) {
    auto &[g, w] = pair;
    // Positions (argmax's i64) are exact in any order of evaluation.
    bool exact = isIntegerElement(w.elementType);
    double atol = exact ? 0.0 : lengthFactor * std::max(1.0, rootMeanSquare(w));
    double relative = exact ? 0.0 : rtol;
    for (int64_t i = 0, e = g.numElements(); i < e; ++i) {
      double x = g.get(i), y = w.get(i);
      bool ok = (std::isnan(x) && std::isnan(y)) || (x == y) ||
                std::fabs(x - y) <= atol + relative * std::fabs(y);
      if (!ok)
        return Verdict::reject(
            Reason::NumericalMismatch,
            llvm::formatv("output {0} element {1} is {2:e} but the "
                          "unscheduled kernel gives {3:e} (tolerance {4:e} + "
                          "{5:e}*|expected|)",
                          o, i, x, y, atol, relative));
    }
  }
  return Verdict::accept();
}
