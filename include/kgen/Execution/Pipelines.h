//===- Pipelines.h - kgen's named pass pipelines ----------------*- C++ -*-===//

#ifndef KGEN_EXECUTION_PIPELINES_H
#define KGEN_EXECUTION_PIPELINES_H

namespace mlir {
class OpPassManager;
namespace kgen {

/// kgen (or linalg on tensors) to the LLVM dialect for the host CPU: lowers
/// kgen to linalg, bufferizes (results become out-parameters), lowers linalg
/// to loops and everything to LLVM. Functions carrying
/// `llvm.emit_c_interface` get a `_mlir_ciface_` wrapper.
void buildCpuLoweringPipeline(OpPassManager &pm);

/// Registers the pipelines above under their command-line names
/// (`kgen-cpu-pipeline`).
void registerKgenPipelines();

} // namespace kgen
} // namespace mlir

#endif // KGEN_EXECUTION_PIPELINES_H
