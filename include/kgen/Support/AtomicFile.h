//===- AtomicFile.h - all-or-nothing file writes ----------------*- C++ -*-===//

#ifndef KGEN_SUPPORT_ATOMICFILE_H
#define KGEN_SUPPORT_ATOMICFILE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace mlir::kgen {

/// Writes `contents` to `path` through a temporary file in the same
/// directory and a rename, so readers see the old file or the whole new
/// one, never a partial write; on failure the old file is untouched.
llvm::Error writeFileAtomically(const std::string &path,
                                llvm::StringRef contents);

} // namespace mlir::kgen

#endif // KGEN_SUPPORT_ATOMICFILE_H
