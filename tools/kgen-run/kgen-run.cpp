//===- kgen-run.cpp - run a function of a kgen program --------------------===//
//
//   kgen-run prog.mlir [--function=main] [--input=a.npy ...] [--seed=N]
//            [--output=out.npy ... | --output-dir=DIR]
//            [--device=gpu [--chip=C] [--check] [--time=N [--report=F]]]
//
// Inputs come from .npy files (one per argument) or from a seeded uniform
// distribution (floats in [-1, 1), i64 positions in [-1, the largest input
// dimension]); each output gets a one-line summary and optionally a .npy.
// bf16 tensors are exchanged as float32 .npy (NumPy has no bfloat16).
// The function runs on the CPU (the reference) or, compiled by kgen's GPU
// pipeline, on the GPU, where it can be checked against the CPU and timed.
// main is the driver; each step is a function that returns its error.
//
//===----------------------------------------------------------------------===//

#include "kgen/Execution/CpuRunner.h"
#include "kgen/Execution/GpuRunner.h"
#include "kgen/Registration/Registration.h"
#include "kgen/Support/AtomicFile.h"
#include "kgen/Support/Npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

using namespace mlir;
using namespace mlir::kgen;
namespace cl = llvm::cl;

static cl::opt<std::string> inputFile(cl::Positional,
                                      cl::desc("<program.mlir>"), cl::Required);
static cl::opt<std::string>
    functionName("function", cl::desc("Function to run"), cl::init("main"));
static cl::list<std::string>
    inputPaths("input",
               cl::desc("A .npy file per function argument, in order"));
static cl::opt<unsigned>
    seed("seed", cl::desc("Seed for random inputs (when no --input is given)"),
         cl::init(0));
static cl::list<std::string>
    outputPaths("output", cl::desc("A .npy file per result, in order"));
static cl::opt<std::string>
    outputDir("output-dir", cl::desc("Write results to DIR/output<N>.npy"));
static cl::opt<std::string>
    device("device", cl::desc("Where to run: cpu (the reference) or gpu"),
           cl::init("cpu"));
static cl::opt<std::string>
    chip("chip", cl::desc("GPU chip to compile for (--device=gpu)"),
         cl::init("sm_90a"));
static cl::opt<unsigned> timeRuns(
    "time",
    cl::desc("With --device=gpu: time N runs (device events per kernel, 10 "
             "warm-up runs, L2 flushed, 4 rotating input copies) and report "
             "the median beside the roofline floor; 0 = no timing"),
    cl::init(0));
static cl::opt<unsigned> checkSeeds(
    "check-seeds",
    cl::desc("With --device=gpu: input sets of the schedule verifier's CPU "
             "numerical check, which runs a reduced instance of each kernel "
             "(0 skips it)"),
    cl::init(3));
static cl::opt<std::string> scheduleOptions(
    "schedule-options",
    cl::desc("With --device=gpu: more kgen-schedule-kernels options, e.g. "
             "\"proposer=random seed=3\" or \"decisions=F\""),
    cl::init(""));
static cl::opt<std::string>
    reportPath("report", cl::desc("Write the timing report as JSON here"));
static cl::opt<double> peakFlops(
    "peak-flops",
    cl::desc("Roofline: arithmetic rate in flop/s (default: an H200's fp32 "
             "matmul rate with cuBLAS, see benchmarks/results/README.md)"),
    cl::init(51e12));
static cl::opt<double> bandwidth(
    "bandwidth",
    cl::desc("Roofline: memory bandwidth in bytes/s (default: an H200's copy "
             "bandwidth, bytes read plus written, see "
             "benchmarks/results/README.md)"),
    cl::init(4.24e12));
static cl::opt<bool> check(
    "check",
    cl::desc("With --device=gpu: also run on the CPU and compare (rtol/atol "
             "1e-4 for f32, 2e-2 for f16/bf16); exit 1 on a mismatch"),
    cl::init(false));

static int fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "kgen-run") << message << "\n";
  return 1;
}

static int fail(llvm::Error error) {
  return fail(llvm::toString(std::move(error)));
}

/// An error whose text is `message` alone, for fail().
static llvm::Error error(const llvm::Twine &message) {
  return llvm::make_error<llvm::StringError>(message,
                                             llvm::inconvertibleErrorCode());
}

/// Reads the .npy for argument `index`; bf16 arguments take float32 files.
static llvm::Expected<HostTensor>
loadInput(llvm::StringRef path, const TensorSignature &sig, unsigned index) {
  llvm::Expected<HostTensor> tensor = readNpy(path);
  if (!tensor)
    return tensor.takeError();
  ElementType fileType =
      sig.elementType == ElementType::BF16 ? ElementType::F32 : sig.elementType;
  auto mismatch = [&](llvm::StringRef what) {
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("{0}: {1} mismatch for argument #{2}: the file holds {3} "
                      "but the function expects {4}{5}",
                      path, what, index, tensor->typeString(), sig.typeString(),
                      sig.elementType == ElementType::BF16
                          ? " (given as a float32 .npy)"
                          : "")
            .str());
  };
  if (tensor->elementType != fileType)
    return mismatch("dtype");
  if (tensor->shape != sig.shape)
    return mismatch("shape");
  if (sig.elementType != ElementType::BF16)
    return tensor;
  HostTensor rounded(ElementType::BF16, sig.shape);
  for (int64_t i = 0, e = rounded.numElements(); i < e; ++i)
    rounded.set(i, tensor->get(i));
  return rounded;
}

/// Parses the program; its located errors go through `sourceMgr`'s
/// handler, which the caller keeps for the compilers' diagnostics too.
static llvm::Expected<OwningOpRef<ModuleOp>>
parseProgram(llvm::SourceMgr &sourceMgr, MLIRContext &context) {
  std::string message;
  auto file = openInputFile(inputFile, &message);
  if (!file)
    return error(message);
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return error("could not parse '" + inputFile + "' (see the errors above)");
  return module;
}

/// The options that only make sense on one device, checked before any
/// compilation.
static llvm::Error checkDeviceOptions() {
  if (device != "cpu" && device != "gpu")
    return error("--device must be cpu or gpu, not '" + device + "'");
  if (device != "gpu" && (check || timeRuns > 0 || !reportPath.empty()))
    return error("--check, --time and --report need --device=gpu");
  return llvm::Error::success();
}

/// The compiled function: on the CPU always (the reference, and the
/// source of the signatures), and with --device=gpu on the GPU too.
struct Program {
  std::unique_ptr<CpuFunction> cpu;
  std::unique_ptr<GpuFunction> gpu;
};

static llvm::Expected<Program> compileProgram(ModuleOp module) {
  Program program;
  auto function = CpuFunction::compile(module, functionName);
  if (!function)
    return function.takeError();
  program.cpu = std::move(*function);
  if (device == "gpu") {
    GpuCodegenOptions options;
    options.chip = chip;
    options.scheduleCheckSeeds = checkSeeds;
    options.scheduleOptions = scheduleOptions;
    auto compiled = GpuFunction::compile(module, functionName, options);
    if (!compiled)
      return compiled.takeError();
    program.gpu = std::move(*compiled);
  }
  return program;
}

/// One tensor per argument: from the --input files, or else random from
/// --seed (randomTensors).
static llvm::Expected<std::vector<HostTensor>>
loadInputs(llvm::ArrayRef<TensorSignature> sigs) {
  std::vector<HostTensor> inputs;
  if (!inputPaths.empty()) {
    if (inputPaths.size() != sigs.size())
      return error(llvm::formatv("'{0}' takes {1} arguments but {2} --input "
                                 "files were given",
                                 functionName, sigs.size(), inputPaths.size()));
    for (auto [i, path] : llvm::enumerate(inputPaths)) {
      auto tensor = loadInput(path, sigs[i], i);
      if (!tensor)
        return tensor.takeError();
      inputs.push_back(std::move(*tensor));
    }
    return inputs;
  }
  std::mt19937 generator(seed);
  return randomTensors(sigs, generator);
}

/// Checks the output options against the function's results, and creates
/// --output-dir, before anything runs.
static llvm::Error prepareOutputs(size_t numOutputs) {
  if (!outputPaths.empty() && !outputDir.empty())
    return error("--output and --output-dir are mutually exclusive; use one");
  if (!outputPaths.empty() && outputPaths.size() != numOutputs)
    return error(llvm::formatv("'{0}' returns {1} results but {2} --output "
                               "files were given",
                               functionName, numOutputs, outputPaths.size()));
  if (!outputDir.empty())
    if (std::error_code ec = llvm::sys::fs::create_directories(outputDir))
      return error(outputDir + ": " + ec.message());
  return llvm::Error::success();
}

/// --check: runs the CPU reference on the same inputs and compares each
/// output, printing one line per output; fails on the first mismatch.
static llvm::Error checkAgainstCpu(const CpuFunction &reference,
                                   llvm::ArrayRef<HostTensor> inputs,
                                   llvm::ArrayRef<HostTensor> outputs) {
  auto expected = reference.run(inputs);
  if (!expected)
    return expected.takeError();
  for (auto [i, pair] : llvm::enumerate(llvm::zip(outputs, *expected))) {
    auto &[got, want] = pair;
    double tol = isIntegerElement(got.elementType)   ? 0.0
                 : got.elementType == ElementType::F32 ? 1e-4
                                                       : 2e-2;
    double worst = 0;
    int64_t bad = 0;
    for (int64_t k = 0, e = got.numElements(); k < e; ++k) {
      double g = got.get(k), w = want.get(k);
      if (std::isnan(g) && std::isnan(w))
        continue;
      double diff = std::fabs(g - w);
      worst = std::max(worst, std::isnan(diff) ? INFINITY : diff);
      if (!(diff <= tol + tol * std::fabs(w)))
        ++bad;
    }
    llvm::outs() << "check " << i
                 << ": max |gpu - cpu| = " << llvm::format("%.3g", worst)
                 << ", " << bad << " elements outside rtol = atol = " << tol
                 << "\n";
    if (bad)
      return error(llvm::formatv("output {0} differs from the CPU reference "
                                 "in {1} elements",
                                 i, bad));
  }
  return llvm::Error::success();
}

/// The timing of --time: the runs' milliseconds sorted, and the roofline
/// floor they are measured against.
struct Timing {
  std::vector<double> runs;
  double median, floorMs;
};

/// Prints one line per kernel launch and returns them as the report's
/// "kernels".
static nlohmann::json printKernels(const GpuFunction::Profile &profile) {
  llvm::outs() << llvm::formatv("{0,-28} {1,-12} {2,-12} {3,5} {4,6} {5,6} "
                                "{6,11}\n",
                                "kernel", "grid", "block", "regs", "local",
                                "smem", "median ms");
  nlohmann::json kernelsJson = nlohmann::json::array();
  for (const runtime::LaunchRecord &k : profile.kernels) {
    std::string grid =
        llvm::formatv("{0}x{1}x{2}", k.grid[0], k.grid[1], k.grid[2]);
    std::string block =
        llvm::formatv("{0}x{1}x{2}", k.block[0], k.block[1], k.block[2]);
    llvm::outs() << llvm::formatv(
        "{0,-28} {1,-12} {2,-12} {3,5} {4,6} {5,6} "
        "{6,11:F4}\n",
        k.kernel, grid, block, k.registers, k.localBytes,
        k.staticSharedBytes + k.dynamicSharedBytes, k.milliseconds);
    kernelsJson.push_back({{"kernel", k.kernel},
                           {"grid", {k.grid[0], k.grid[1], k.grid[2]}},
                           {"block", {k.block[0], k.block[1], k.block[2]}},
                           {"registers", k.registers},
                           {"local_bytes", k.localBytes},
                           {"static_shared_bytes", k.staticSharedBytes},
                           {"dynamic_shared_bytes", k.dynamicSharedBytes},
                           {"median_ms", k.milliseconds}});
  }
  return kernelsJson;
}

/// --report: the timing and the kernels as JSON, written atomically.
static llvm::Error writeReport(const GpuFunction &gpu, const Timing &timing,
                               nlohmann::json kernelsJson) {
  const std::vector<double> &runs = timing.runs;
  nlohmann::json report = {{"program", inputFile.getValue()},
                           {"function", functionName.getValue()},
                           {"chip", chip.getValue()},
                           {"runs", runs.size()},
                           {"median_ms", timing.median},
                           {"min_ms", runs.front()},
                           {"max_ms", runs.back()},
                           {"roofline_floor_ms", timing.floorMs},
                           {"bytes", gpu.bytes()},
                           {"flops", gpu.flops()},
                           {"peak_flops", peakFlops.getValue()},
                           {"bandwidth", bandwidth.getValue()},
                           {"kernels", std::move(kernelsJson)}};
  return writeFileAtomically(
      reportPath,
      report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
          "\n");
}

/// --time: profiles the GPU function, prints its kernels and the total
/// against the roofline floor, and writes the --report.
static llvm::Error timeOnGpu(const GpuFunction &gpu,
                             llvm::ArrayRef<HostTensor> inputs) {
  auto profile = gpu.profile(inputs, timeRuns);
  if (!profile)
    return profile.takeError();
  Timing timing;
  timing.runs = profile->runMilliseconds;
  std::vector<double> &runs = timing.runs;
  std::sort(runs.begin(), runs.end());
  timing.median = runs[runs.size() / 2];
  timing.floorMs =
      1e3 * std::max(gpu.flops() / peakFlops, gpu.bytes() / bandwidth);
  nlohmann::json kernelsJson = printKernels(*profile);
  llvm::outs() << llvm::formatv(
      "total: median {0:F4} ms over {1} runs (min {2:F4}, max {3:F4}); "
      "roofline floor {4:F4} ms ({5:F3} MB, {6:F3} GFLOP): {7:F1}x the "
      "floor\n",
      timing.median, runs.size(), runs.front(), runs.back(), timing.floorMs,
      gpu.bytes() / 1e6, gpu.flops() / 1e9, timing.median / timing.floorMs);
  if (reportPath.empty())
    return llvm::Error::success();
  return writeReport(gpu, timing, std::move(kernelsJson));
}

/// Writes each output where --output or --output-dir says, and prints its
/// one-line summary.
static llvm::Error writeOutputs(llvm::ArrayRef<HostTensor> outputs) {
  for (auto [i, tensor] : llvm::enumerate(outputs)) {
    std::string path;
    if (!outputPaths.empty())
      path = outputPaths[i];
    else if (!outputDir.empty())
      path = (outputDir + "/output" + llvm::Twine(i) + ".npy").str();
    if (!path.empty())
      if (llvm::Error err = writeNpy(path, tensor))
        return err;
    TensorStats stats = computeStats(tensor);
    llvm::outs() << "output " << i << ": " << tensor.typeString()
                 << llvm::format(" min=%.6g max=%.6g mean=%.6g", stats.min,
                                 stats.max, stats.mean)
                 << " nan=" << stats.nanCount << " inf=" << stats.infCount
                 << (path.empty() ? "" : " -> " + path) << "\n";
  }
  return llvm::Error::success();
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv,
                              "kgen-run: run a kgen function on the CPU\n");

  // Any program kgen-opt writes can be run: scheduled kernels hold scf,
  // gpu mapping attributes and more besides kgen, func and linalg.
  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllKgen(registry);
  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);

  auto module = parseProgram(sourceMgr, context);
  if (!module)
    return fail(module.takeError());
  if (llvm::Error err = checkDeviceOptions())
    return fail(std::move(err));
  auto program = compileProgram(**module);
  if (!program)
    return fail(program.takeError());
  const CpuFunction &cpu = *program->cpu;
  const GpuFunction *gpu = program->gpu.get();

  auto inputs = loadInputs(cpu.inputs());
  if (!inputs)
    return fail(inputs.takeError());
  if (llvm::Error err = prepareOutputs(cpu.outputs().size()))
    return fail(std::move(err));

  auto outputs = gpu ? gpu->run(*inputs) : cpu.run(*inputs);
  if (!outputs)
    return fail(outputs.takeError());
  if (gpu && check)
    if (llvm::Error err = checkAgainstCpu(cpu, *inputs, *outputs))
      return fail(std::move(err));
  if (gpu && timeRuns > 0)
    if (llvm::Error err = timeOnGpu(*gpu, *inputs))
      return fail(std::move(err));
  if (llvm::Error err = writeOutputs(*outputs))
    return fail(std::move(err));
  return 0;
}
