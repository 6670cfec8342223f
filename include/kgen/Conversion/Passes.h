//===- Passes.h - kgen conversion passes ------------------------*- C++ -*-===//

#ifndef KGEN_CONVERSION_PASSES_H
#define KGEN_CONVERSION_PASSES_H

#include "kgen/Conversion/KgenToLinalg.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Transform/IR/TransformDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"
#include "llvm/Support/Error.h"

namespace mlir::kgen {

#define GEN_PASS_DECL
#include "kgen/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "kgen/Conversion/Passes.h.inc"

/// kgen-schedule-kernels options written in the pass's textual syntax
/// ("proposer=random seed=3"), over `defaults`: for tools and the C API,
/// which take them from users. The error names the bad option.
llvm::Expected<ScheduleKernelsPassOptions>
parseScheduleKernelsOptions(llvm::StringRef text,
                            const ScheduleKernelsPassOptions &defaults = {});

} // namespace mlir::kgen

#endif // KGEN_CONVERSION_PASSES_H
