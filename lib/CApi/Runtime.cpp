//===- Runtime.cpp - the C interface to kgen's GPU and CPU runners --------===//

#include "kgen-c/Runtime.h"

#include "CApiStrings.h"

#include "kgen/Execution/CpuRunner.h"
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

namespace {
/// A compiled function and the context it was compiled in.
template <typename Function> struct CompiledFunction {
  // The context the program was parsed in (null for a loaded function);
  // declared first, destroyed last.
  std::unique_ptr<MLIRContext> context;
  std::unique_ptr<Function> function;
};
} // namespace

struct KgenGpuFunction : CompiledFunction<GpuFunction> {};
struct KgenCpuFunction : CompiledFunction<CpuFunction> {};

using capi::setError;

namespace {
/// A kgen program parsed in a context of its own, with the first error
/// diagnostic (and its location) kept for the caller's error string.
struct ParsedProgram {
  std::unique_ptr<MLIRContext> context;
  std::string diagnostics;
  std::unique_ptr<ScopedDiagnosticHandler> collect;
  OwningOpRef<ModuleOp> module;

  /// `message`, with the first diagnostic if there was one.
  std::string withDiagnostics(std::string message) const {
    if (!diagnostics.empty())
      message += " (" + diagnostics + ")";
    return message;
  }
};
} // namespace

static std::unique_ptr<ParsedProgram> parseProgram(const char *source,
                                                   char **error) {
  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllKgen(registry);
  auto program = std::make_unique<ParsedProgram>();
  program->context = std::make_unique<MLIRContext>(registry);
  std::string &diagnostics = program->diagnostics;
  program->collect = std::make_unique<ScopedDiagnosticHandler>(
      program->context.get(), [&diagnostics](Diagnostic &diag) {
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
  program->module =
      parseSourceFile<ModuleOp>(sourceMgr, program->context.get());
  if (!program->module) {
    setError(error, "cannot parse the program: " + diagnostics);
    return nullptr;
  }
  return program;
}

/// The handle of `compiled`, which takes over `program`'s context, or null
/// with *error set to why it failed and the program's first diagnostic.
template <typename Handle, typename Function>
static Handle *adopt(std::unique_ptr<ParsedProgram> program,
                     llvm::Expected<std::unique_ptr<Function>> compiled,
                     char **error) {
  if (!compiled) {
    setError(error, program->withDiagnostics(
                        llvm::toString(compiled.takeError())));
    return nullptr;
  }
  auto result = std::make_unique<Handle>();
  result->function = std::move(*compiled);
  program->collect.reset();
  result->context = std::move(program->context);
  return result.release();
}

/// Bytes of signature `index` of inputs then outputs, 0 past the last.
static size_t bufferBytes(llvm::ArrayRef<TensorSignature> inputs,
                          llvm::ArrayRef<TensorSignature> outputs,
                          size_t index) {
  const TensorSignature *sig = nullptr;
  if (index < inputs.size())
    sig = &inputs[index];
  else if (index - inputs.size() < outputs.size())
    sig = &outputs[index - inputs.size()];
  if (!sig)
    return 0;
  size_t bytes = elementSize(sig->elementType);
  for (int64_t size : sig->shape)
    bytes *= static_cast<size_t>(size);
  return bytes;
}

/// Serializes `handle`'s function into *data and *size (0), or sets *error
/// (1).
template <typename Handle>
static int serialize(const Handle *handle, char **data, size_t *size,
                     char **error, const char *what) {
  if (!handle || !data || !size) {
    setError(error, std::string(what) + ": function, data and size are "
                                        "required");
    return 1;
  }
  std::string bytes = handle->function->serialize();
  *data = static_cast<char *>(std::malloc(bytes.size()));
  if (!*data) {
    setError(error, std::string(what) + ": out of memory");
    return 1;
  }
  std::memcpy(*data, bytes.data(), bytes.size());
  *size = bytes.size();
  return 0;
}

/// The handle of a loaded function, or null with *error set.
template <typename Handle, typename Function>
static Handle *adoptLoaded(llvm::Expected<std::unique_ptr<Function>> loaded,
                           char **error) {
  if (!loaded) {
    setError(error, "cannot load the compiled function: " +
                        llvm::toString(loaded.takeError()));
    return nullptr;
  }
  auto result = std::make_unique<Handle>();
  result->function = std::move(*loaded);
  return result.release();
}

/// 0 for success, else 1 with *error set to `err`'s message.
static int statusOf(llvm::Error err, char **error) {
  if (!err)
    return 0;
  setError(error, llvm::toString(std::move(err)));
  return 1;
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
  std::unique_ptr<ParsedProgram> program = parseProgram(source, error);
  if (!program)
    return nullptr;
  GpuCodegenOptions options;
  options.chip = chip;
  options.scheduleCheckSeeds = checkSeeds;
  options.scheduleOptions = scheduleOptions ? scheduleOptions : "";
  auto compiled = GpuFunction::compile(*program->module, functionName, options);
  return adopt<KgenGpuFunction>(std::move(program), std::move(compiled),
                                error);
}

size_t kgenNumInputs(const KgenGpuFunction *function) {
  return function->function->inputs().size();
}

size_t kgenNumOutputs(const KgenGpuFunction *function) {
  return function->function->outputs().size();
}

size_t kgenBufferBytes(const KgenGpuFunction *function, size_t index) {
  return bufferBytes(function->function->inputs(),
                     function->function->outputs(), index);
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
  return statusOf(function->function->launch(
                      llvm::ArrayRef<void *>(buffers, numBuffers), stream),
                  error);
}

void kgenReleaseCachedMemory(void) { runtime::releaseCachedMemory(); }

void kgenDestroyGpuFunction(KgenGpuFunction *function) { delete function; }

int kgenSerializeGpuFunction(const KgenGpuFunction *function, char **data,
                             size_t *size, char **error) {
  return serialize(function, data, size, error, "kgenSerializeGpuFunction");
}

KgenGpuFunction *kgenLoadGpuFunction(const char *data, size_t size,
                                     const char *chip, char **error) {
  if (!data || !chip) {
    setError(error, "kgenLoadGpuFunction: data and chip are required");
    return nullptr;
  }
  return adoptLoaded<KgenGpuFunction>(
      GpuFunction::load(llvm::StringRef(data, size), chip), error);
}

KgenCpuFunction *kgenCompileCpuFunction(const char *source,
                                        const char *functionName,
                                        char **error) {
  if (!source || !functionName) {
    setError(error, "kgenCompileCpuFunction: source and function name are "
                    "required");
    return nullptr;
  }
  std::unique_ptr<ParsedProgram> program = parseProgram(source, error);
  if (!program)
    return nullptr;
  auto compiled = CpuFunction::compile(*program->module, functionName);
  return adopt<KgenCpuFunction>(std::move(program), std::move(compiled),
                                error);
}

size_t kgenCpuNumInputs(const KgenCpuFunction *function) {
  return function->function->inputs().size();
}

size_t kgenCpuNumOutputs(const KgenCpuFunction *function) {
  return function->function->outputs().size();
}

size_t kgenCpuBufferBytes(const KgenCpuFunction *function, size_t index) {
  return bufferBytes(function->function->inputs(),
                     function->function->outputs(), index);
}

int kgenRunCpuFunction(const KgenCpuFunction *function, void *const *buffers,
                       size_t numBuffers, char **error) {
  if (!function) {
    setError(error, "kgenRunCpuFunction: no function");
    return 1;
  }
  return statusOf(function->function->runOnBuffers(
                      llvm::ArrayRef<void *>(buffers, numBuffers)),
                  error);
}

void kgenDestroyCpuFunction(KgenCpuFunction *function) { delete function; }

int kgenSerializeCpuFunction(const KgenCpuFunction *function, char **data,
                             size_t *size, char **error) {
  return serialize(function, data, size, error, "kgenSerializeCpuFunction");
}

KgenCpuFunction *kgenLoadCpuFunction(const char *data, size_t size,
                                     char **error) {
  if (!data) {
    setError(error, "kgenLoadCpuFunction: data is required");
    return nullptr;
  }
  return adoptLoaded<KgenCpuFunction>(
      CpuFunction::load(llvm::StringRef(data, size)), error);
}

void kgenFreeString(char *string) { std::free(string); }
}
