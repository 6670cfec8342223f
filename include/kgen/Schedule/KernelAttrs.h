//===- KernelAttrs.h - attribute names shared by kernel passes --*- C++ -*-===//
//
// Kernel formation marks outlined kernels and the ops inside them; the
// scheduler and the schedule expansion find them by these names.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_SCHEDULE_KERNELATTRS_H
#define KGEN_SCHEDULE_KERNELATTRS_H

#include "llvm/ADT/StringRef.h"

namespace mlir::kgen {
/// Unit attribute on an outlined kernel function.
inline constexpr llvm::StringLiteral kKernelAttr = "kgen.kernel";
/// i64 attribute numbering the ops of a kernel in program order.
inline constexpr llvm::StringLiteral kOpIndexAttr = "kgen.op";
/// Unit attribute on the kernel's root (its contraction or reduction).
inline constexpr llvm::StringLiteral kRootAttr = "kgen.root";
/// Unit attribute on the op whose result the kernel returns.
inline constexpr llvm::StringLiteral kSinkAttr = "kgen.sink";
/// Unit attribute the schedule expansion puts on a warp's tile of a
/// matmul-like root whose schedule asks for mma_sync: the whole warp
/// computes it with tensor-core instructions
/// (kgen-lower-matrix-instructions).
inline constexpr llvm::StringLiteral kMmaSyncAttr = "kgen.mma_sync";
/// The same for a warpgroup's tile under wgmma: the 4 warps of the
/// warpgroup compute it with Hopper's asynchronous warpgroup instructions.
inline constexpr llvm::StringLiteral kWgmmaAttr = "kgen.wgmma";
/// i64 attribute the schedule expansion puts on the reduction loop of a
/// staged schedule with pipeline_depth > 1: its shared-memory copies run
/// that many steps deep (kgen-pipeline-shared-copies).
inline constexpr llvm::StringLiteral kPipelineDepthAttr = "kgen.pipeline_depth";
/// i64 attribute the schedule expansion puts on a thread's tile of the
/// combining stage of a schedule with reduction_lanes: the attribute's
/// value of lanes (consecutive threads along x) hold the partials it reads
/// and combine them with shuffles (kgen-lower-lane-combines). Elsewhere
/// (the CPU) the op runs as the loops it is.
inline constexpr llvm::StringLiteral kLaneCombineAttr = "kgen.lane_combine";
/// On a workgroup loop with lanes (reduction_lanes and promote_operands):
/// the kernel arguments whose rows kgen-stage-rows copies into workgroup
/// memory once, for every op of the block to read there. A dictionary:
/// `args` (argument numbers), `lanes` and `width` (the lanes' layout, which
/// the copy takes for coalesced 16-byte loads) and `row_threads` (threads
/// per row dimension of the block; 0 where the dimension has no thread
/// loop, each thread taking all of it).
inline constexpr llvm::StringLiteral kStageRowsAttr = "kgen.stage_rows";
} // namespace mlir::kgen

#endif // KGEN_SCHEDULE_KERNELATTRS_H
