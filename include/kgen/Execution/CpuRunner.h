//===- CpuRunner.h - JIT-compile and run a kgen function on the CPU -*- C++
//-*-===//
//
// The reference executor for everything kgen compiles: a function of a kgen
// (or linalg-on-tensors) module is lowered with the kgen CPU pipeline,
// compiled for this host (kgen/Execution/NativeCode.h) and called on host
// tensors.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_EXECUTION_CPURUNNER_H
#define KGEN_EXECUTION_CPURUNNER_H

#include "kgen/Support/HostTensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Error.h"

#include <memory>

namespace mlir {
class OpPassManager;
namespace kgen {
class NativeCode;

/// Shape and element type of one function argument or result.
struct TensorSignature {
  ElementType elementType;
  std::vector<int64_t> shape;
  std::string typeString() const;
  /// Whether the tensor has no elements: its buffer may be null.
  bool isEmpty() const {
    return llvm::is_contained(shape, int64_t(0));
  }
};

/// Random tensors for a function's inputs (fillRandom): positions (i64)
/// range up to the largest dimension of any input, so they cover every
/// extent a gather reads, and past it.
std::vector<HostTensor>
randomTensors(llvm::ArrayRef<TensorSignature> signatures,
              std::mt19937 &generator);

class CpuFunction {
public:
  /// Lowers and JIT-compiles `functionName` of `module` (which is cloned,
  /// not modified). Every argument and result must be a static-shape tensor
  /// of f32, f16 or bf16. Pipeline diagnostics are returned in the error.
  static llvm::Expected<std::unique_ptr<CpuFunction>>
  compile(ModuleOp module, llvm::StringRef functionName);

  ~CpuFunction();

  llvm::ArrayRef<TensorSignature> inputs() const { return inputSigs; }
  llvm::ArrayRef<TensorSignature> outputs() const { return outputSigs; }

  /// Runs the function. Inputs must match `inputs()` exactly. Outputs are
  /// allocated, poisoned with NaN, then written by the compiled code.
  llvm::Expected<std::vector<HostTensor>>
  run(llvm::ArrayRef<HostTensor> inputs) const;

  /// Runs the function on caller-owned buffers: dense row-major host
  /// memory shaped as `inputs()` then `outputs()`, nothing copied or
  /// checked but their number (an embedder's tensors, through the C API).
  llvm::Error runOnBuffers(llvm::ArrayRef<void *> buffers) const;

  /// The compiled function as bytes (a FunctionImage) that `load` turns
  /// back into it, in this or another process on the same kind of host,
  /// without compiling.
  std::string serialize() const;
  static llvm::Expected<std::unique_ptr<CpuFunction>>
  load(llvm::StringRef image);

private:
  CpuFunction() = default;
  llvm::Error loadObject(std::string object, llvm::StringRef entry);
  std::unique_ptr<NativeCode> code;
  std::vector<TensorSignature> inputSigs, outputSigs;
};

namespace detail {
/// Shared by the CPU and GPU runners.
/// Finds the function to run (errors list the available ones) and adds
/// every dialect, interface model and LLVM IR
/// translation the runners' pipelines need to the module's context.
llvm::Expected<func::FuncOp> prepareFunction(ModuleOp module,
                                             llvm::StringRef functionName);
/// Signatures of `func`'s arguments and results; errors name the first one
/// that is not a static tensor of f32, f16 or bf16.
llvm::Error readSignatures(func::FuncOp func,
                           std::vector<TensorSignature> &inputs,
                           std::vector<TensorSignature> &outputs);
/// Fails if the tensors' bytes overflow 64 bits or, together, exceed the
/// machine's physical memory: checked before anything is allocated, so a
/// program with huge tensors gets a message instead of an abort.
llvm::Error checkHostMemory(llvm::ArrayRef<TensorSignature> inputs,
                            llvm::ArrayRef<TensorSignature> outputs);
/// A value returned twice is materialized twice, so that every result gets
/// its own out-parameter buffer.
void giveEachResultItsOwnTensor(func::FuncOp func);
/// Marks `func`'s tensor arguments read-only for bufferization: generated
/// code never writes into the caller's inputs.
void keepArgumentsReadOnly(func::FuncOp func);
/// Clones `module`, gives `functionName` a C interface and one buffer per
/// result, runs `buildPipeline`'s passes (errors, with their notes, go into
/// the returned error under `what`) and compiles the result for this host
/// at -O2: an object for NativeCode::load, entry `entryPointOf(functionName)`.
llvm::Expected<std::string>
lowerToObject(ModuleOp module, llvm::StringRef functionName,
            llvm::function_ref<void(OpPassManager &)> buildPipeline,
            llvm::StringRef what);
/// The C-interface wrapper of `functionName` that compiled code enters by.
std::string entryPointOf(llvm::StringRef functionName);
/// Calls the code's entry (a `_mlir_ciface_` wrapper) with one
/// identity-layout memref descriptor per buffer.
void invokeWithBuffers(
    NativeCode &code,
    llvm::ArrayRef<std::pair<void *, llvm::ArrayRef<int64_t>>> buffers);
} // namespace detail

} // namespace kgen
} // namespace mlir

#endif // KGEN_EXECUTION_CPURUNNER_H
