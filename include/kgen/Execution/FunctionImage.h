//===- FunctionImage.h - a compiled function as bytes -----------*- C++ -*-===//
//
// What a compiled CPU or GPU function is apart from the process that
// compiled it: its host object (which, for a GPU function, embeds the GPU
// binary), its entry point and its signatures. CpuFunction::load and
// GpuFunction::load rebuild the function from these bytes without
// compiling, so a cache can keep compiled code across processes.
//
// Layout: the line `kgen-function-image 1`, a one-line JSON header (target,
// host, entry point, signatures, flops and bytes, the object's size and
// checksum), then the object's bytes.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_EXECUTION_FUNCTIONIMAGE_H
#define KGEN_EXECUTION_FUNCTIONIMAGE_H

#include "kgen/Execution/CpuRunner.h"

namespace mlir::kgen {

struct FunctionImage {
  std::string target;     // "cpu", or the GPU chip
  std::string entryPoint; // the function the object's packed entry calls
  std::vector<TensorSignature> inputs, outputs;
  double flops = 0, bytes = 0;
  std::string object;
};

/// The image's bytes, stamped with this host's identity.
std::string serializeImage(const FunctionImage &image);

/// The image in `data`. Fails, saying why, when `data` is not an image, has
/// another format version, was made for another target than
/// `expectedTarget` or on another kind of host, or is truncated or
/// corrupted (the object's checksum).
llvm::Expected<FunctionImage> deserializeImage(llvm::StringRef data,
                                               llvm::StringRef expectedTarget);

} // namespace mlir::kgen

#endif // KGEN_EXECUTION_FUNCTIONIMAGE_H
