//===- SharedMemoryLayout.h - how kgen lays out shared buffers --*- C++ -*-===//
//
// The layout rule kgen-pad-shared-buffers applies, shared with the
// scheduler's shared-memory model so that rung 2 counts what is allocated.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_SCHEDULE_SHAREDMEMORYLAYOUT_H
#define KGEN_SCHEDULE_SHAREDMEMORYLAYOUT_H

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

/// Every shared buffer starts 16-byte aligned (kgen-align-kernel-arguments,
/// kgen-use-dynamic-shared-memory), so each counts rounded up to that.
constexpr int64_t kSharedBufferAlignment = 16;
inline int64_t alignedBufferBytes(int64_t bytes) {
  return (bytes + kSharedBufferAlignment - 1) / kSharedBufferAlignment *
         kSharedBufferAlignment;
}

/// wgmma reads its operands from shared memory through matrix
/// descriptors, in the 128-byte swizzle mode (kgen-lower-matrix-
/// instructions lays the tiles out so): a tile is cut into column blocks of
/// 128 bytes stored one after the other, each a stack of 128-byte rows in
/// which a row's eight 16-byte chunks are permuted by XOR with the row
/// index mod 8. A warp's copies of consecutive chunks and wgmma's reads of
/// a chunk column then spread over all banks, without padding. The
/// hardware applies the XOR to address bits, so the buffer starts
/// kSwizzleAtomBytes-aligned (8 rows).
constexpr int64_t kSwizzleRowBytes = 128;
constexpr int64_t kSwizzleChunkBytes = 16;
constexpr int64_t kSwizzleAtomBytes = 8 * kSwizzleRowBytes;

/// Bytes a shared buffer of a wgmma kernel occupies: buffers follow each
/// other in shared memory, so before a kSwizzleAtomBytes-aligned one there
/// can be a gap of up to that much; counting every buffer rounded up to it
/// bounds the total.
inline int64_t atomAlignedBytes(int64_t bytes) {
  return (bytes + kSwizzleAtomBytes - 1) / kSwizzleAtomBytes *
         kSwizzleAtomBytes;
}

} // namespace mlir::kgen

#endif // KGEN_SCHEDULE_SHAREDMEMORYLAYOUT_H
