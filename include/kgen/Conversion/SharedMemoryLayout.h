//===- SharedMemoryLayout.h - how kgen lays out shared buffers --*- C++ -*-===//
//
// The layout rule kgen-pad-shared-buffers applies, shared with the
// scheduler's shared-memory model so that rung 2 counts what is allocated.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_CONVERSION_SHAREDMEMORYLAYOUT_H
#define KGEN_CONVERSION_SHAREDMEMORYLAYOUT_H

#include <cstdint>
#include <vector>

namespace mlir::kgen {

/// Shared memory has 32 banks of 4 bytes. Rows that are a whole number of
/// 64-byte chunks start in the same banks every row (or every other row),
/// so a warp reading down a column (as tensor-core fragments do: 8 rows at
/// a time) hits one bank up to 8 times. Such rows get 16 bytes of padding:
/// consecutive rows then start 4 banks apart, and every 16-byte access
/// stays aligned.
/// The padding is as wide as the widest access kgen aligns (16-byte vector
/// copies, cp.async, ldmatrix rows), which it runs after: an alignment
/// proven on the unpadded rows holds on the padded ones.
constexpr int64_t kSharedRowPaddingBytes = 16;

inline int64_t paddedRowElements(int64_t rowElements, int64_t elementBytes) {
  if (elementBytes <= 0 || kSharedRowPaddingBytes % elementBytes != 0 ||
      (rowElements * elementBytes) % 64 != 0)
    return rowElements;
  return rowElements + kSharedRowPaddingBytes / elementBytes;
}

/// Bytes of a shared buffer of `shape` as allocated (rows of rank >= 2
/// buffers padded).
inline int64_t sharedBufferBytes(const std::vector<int64_t> &shape,
                                 int64_t elementBytes) {
  int64_t elements = 1;
  for (size_t i = 0; i < shape.size(); ++i)
    elements *= i + 1 == shape.size() && shape.size() >= 2
                    ? paddedRowElements(shape[i], elementBytes)
                    : shape[i];
  return elements * elementBytes;
}

} // namespace mlir::kgen

#endif // KGEN_CONVERSION_SHAREDMEMORYLAYOUT_H
