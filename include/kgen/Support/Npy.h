//===- Npy.h - NumPy .npy reading and writing -------------------*- C++ -*-===//
//
// Reads and writes the .npy format (versions 1.0-3.0, C order, little-endian)
// for the element types kgen exchanges: float32 ('<f4') and float16 ('<f2').
// bf16 has no NumPy dtype; callers convert through float32.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_SUPPORT_NPY_H
#define KGEN_SUPPORT_NPY_H

#include "kgen/Support/HostTensor.h"

#include "llvm/Support/Error.h"

namespace mlir::kgen {

/// Parses an in-memory .npy file. Errors name what is wrong (bad magic,
/// truncated header or data, unsupported dtype, Fortran order...).
llvm::Expected<HostTensor> parseNpy(llvm::StringRef contents);

/// Reads `path`; errors are prefixed with the path.
llvm::Expected<HostTensor> readNpy(llvm::StringRef path);

/// Serializes `tensor` (f32 or f16; bf16 is widened to float32).
std::string serializeNpy(const HostTensor &tensor);

/// Writes `tensor` to `path` atomically (temporary file, then rename), so a
/// failure never leaves a half-written file behind.
llvm::Error writeNpy(llvm::StringRef path, const HostTensor &tensor);

} // namespace mlir::kgen

#endif // KGEN_SUPPORT_NPY_H
