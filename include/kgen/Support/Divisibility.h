//===- Divisibility.h - what indices prove about offsets --------*- C++ -*-===//
//
// Vector accesses, cp.async and ldmatrix need aligned addresses; these
// functions find the largest power of two an index or a view's offset is
// known to be a multiple of, from constants, loop bounds and steps, and the
// arithmetic between them. Nothing is assumed beyond what the IR shows
// (buffers themselves start at offset 0).
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_SUPPORT_DIVISIBILITY_H
#define KGEN_SUPPORT_DIVISIBILITY_H

#include "mlir/IR/Value.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <cstdint>

namespace mlir::kgen {

/// The cap on divisors: a value known to be 0 (or a multiple of a large
/// power of two) divides everything that matters.
constexpr int64_t kUnboundedDivisor = int64_t(1) << 30;

/// The largest power of two (at most kUnboundedDivisor) dividing |c|.
int64_t lowestPowerOfTwo(int64_t c);

/// The largest power of two known to divide the index `v`.
int64_t knownDivisor(Value v);

/// The largest power of two known to divide the element offset of memref
/// view `v`'s first element from its buffer's base.
int64_t offsetDivisor(Value v);

/// What `view` is a view of, through one subview or cast; null if it is
/// not such a view.
Value viewSource(Value view);

/// The buffer `view` is a view of, through every subview and cast (`view`
/// itself if it is none).
Value viewRoot(Value view);

/// Calls `visit(user, memref)` for each user of `buffer` and of the views
/// made of it (viewSource), the views themselves excepted, with the value
/// (`buffer` or a view) it uses. Stops at the first call that returns
/// false, and then returns false.
bool visitViewUsers(Value buffer,
                    llvm::function_ref<bool(Operation *, Value)> visit);

/// The alignment in bytes of the buffer view `view` is taken of: `assumed`
/// for a function's buffer arguments and for shared memory (the alignment
/// kgen's runtime and kgen-align-kernel-arguments promise), an
/// allocation's own alignment (at most `assumed`), else its elements'.
int64_t baseAlignment(Value view, int64_t assumed);

/// The alignment in bytes at which every row (run of the innermost
/// dimension) of memref view `view` provably starts, with buffers aligned to
/// `assumed` bytes: from the view's offset, the strides of its outer
/// dimensions (those of size 1 never move) and its buffer's base alignment.
/// 0 if the layout is not strided.
int64_t rowAlignment(Value view, int64_t assumed);

/// The alignment every shared buffer of `scope` (a kernel or a launch) gets:
/// `assumed`, or a whole swizzle atom (SharedMemoryLayout.h) where wgmma
/// reads shared memory in it, since the swizzle works on address bits.
int64_t sharedBufferAlignment(Operation *scope, int64_t assumed);

} // namespace mlir::kgen

#endif // KGEN_SUPPORT_DIVISIBILITY_H
