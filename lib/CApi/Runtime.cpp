//===- Runtime.cpp - the C interface to kgen's GPU runner -----------------===//

#include "kgen-c/Runtime.h"

#include "kgen/Execution/GpuRunner.h"
#include "kgen/Registration/Registration.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/SourceMgr.h"

#include <cstdlib>
#include <cstring>

using namespace mlir;
using namespace mlir::kgen;

struct KgenGpuFunction {
  // The context outlives the compiled function, which refers to it.
  std::unique_ptr<MLIRContext> context;
  std::unique_ptr<GpuFunction> function;
};

static void setError(char **error, const std::string &message) {
  if (!error)
    return;
  *error = static_cast<char *>(std::malloc(message.size() + 1));
  if (*error)
    std::memcpy(*error, message.c_str(), message.size() + 1);
}

extern "C" {

KgenGpuFunction *kgenCompileGpuFunction(const char *source,
                                        const char *functionName,
                                        const char *chip,
                                        const char *scheduleOptions,
                                        unsigned checkSeeds, char **error) {
  if (!source || !functionName || !chip) {
    setError(error, "kgenCompileGpuFunction: source, function name and chip "
                    "are required");
    return nullptr;
  }
  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllKgen(registry);
  auto result = std::make_unique<KgenGpuFunction>();
  result->context = std::make_unique<MLIRContext>(registry);
  MLIRContext *context = result->context.get();

  // Diagnostics become the error string: the first one, with its location.
  std::string diagnostics;
  ScopedDiagnosticHandler collect(context, [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error &&
        diagnostics.empty()) {
      llvm::raw_string_ostream os(diagnostics);
      os << diag.getLocation() << ": " << diag;
    }
    return success();
  });
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(source, "<kgen program>"),
      llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, context);
  if (!module) {
    setError(error, "cannot parse the program: " + diagnostics);
    return nullptr;
  }
  GpuCodegenOptions options;
  options.chip = chip;
  options.scheduleCheckSeeds = checkSeeds;
  options.scheduleOptions = scheduleOptions ? scheduleOptions : "";
  auto compiled = GpuFunction::compile(*module, functionName, options);
  if (!compiled) {
    std::string message = llvm::toString(compiled.takeError());
    if (!diagnostics.empty())
      message += " (" + diagnostics + ")";
    setError(error, message);
    return nullptr;
  }
  result->function = std::move(*compiled);
  return result.release();
}

size_t kgenNumInputs(const KgenGpuFunction *function) {
  return function->function->inputs().size();
}

size_t kgenNumOutputs(const KgenGpuFunction *function) {
  return function->function->outputs().size();
}

double kgenFlops(const KgenGpuFunction *function) {
  return function->function->flops();
}

double kgenBytes(const KgenGpuFunction *function) {
  return function->function->bytes();
}

int kgenLaunch(const KgenGpuFunction *function, void *const *buffers,
               size_t numBuffers, void *stream, char **error) {
  if (!function) {
    setError(error, "kgenLaunch: no function");
    return 1;
  }
  if (llvm::Error err = function->function->launch(
          llvm::ArrayRef<void *>(buffers, numBuffers), stream)) {
    setError(error, llvm::toString(std::move(err)));
    return 1;
  }
  return 0;
}

void kgenReleaseCachedMemory(void) { runtime::releaseCachedMemory(); }

void kgenDestroyGpuFunction(KgenGpuFunction *function) { delete function; }

void kgenFreeString(char *string) { std::free(string); }
}
