//===- KgenDialect.h - kgen dialect declaration -----------------*- C++ -*-===//
//
// The kgen dialect: PyTorch-style operations on static-shape tensors.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_DIALECT_KGEN_KGENDIALECT_H
#define KGEN_DIALECT_KGEN_KGENDIALECT_H

#include "mlir/IR/Dialect.h"

#include "kgen/Dialect/Kgen/KgenOpsDialect.h.inc"

#endif // KGEN_DIALECT_KGEN_KGENDIALECT_H
