//===- CApiStrings.h - strings handed across the C interface --------------===//

#ifndef KGEN_LIB_CAPI_CAPISTRINGS_H
#define KGEN_LIB_CAPI_CAPISTRINGS_H

#include <cstdlib>
#include <cstring>
#include <string>

namespace mlir::kgen::capi {

/// A malloc'ed copy of `text` the caller frees with kgenFreeString, or null
/// when memory is exhausted.
inline char *copyString(const std::string &text) {
  auto *copy = static_cast<char *>(std::malloc(text.size() + 1));
  if (copy)
    std::memcpy(copy, text.c_str(), text.size() + 1);
  return copy;
}

/// Sets *error (when the caller asked for it) to a copy of `message`.
inline void setError(char **error, const std::string &message) {
  if (error)
    *error = copyString(message);
}

} // namespace mlir::kgen::capi

#endif // KGEN_LIB_CAPI_CAPISTRINGS_H
