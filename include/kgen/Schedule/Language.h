//===- Language.h - the kgen schedule language ------------------*- C++ -*-===//
//
// A schedule says how one kernel (an outlined function from
// kgen-form-kernels) is tiled, fused and mapped onto a GPU. This header
// holds the typed schedule and the limits of the language that the schema,
// the parser and the checks share.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_SCHEDULE_LANGUAGE_H
#define KGEN_SCHEDULE_LANGUAGE_H

#include "kgen/Schedule/MatrixInstruction.h"

#include <nlohmann/json.hpp>
#include <vector>

namespace mlir::kgen {

struct Schedule {
  static constexpr int kVersion = 1;
  /// Per parallel loop of the sink: tile size per workgroup; 0 keeps the
  /// whole loop in one workgroup. At most 3 non-zero (grid x, y, z).
  std::vector<int64_t> workgroupTile;
  /// Per parallel loop of the sink: tile size per thread inside the
  /// workgroup tile; 0 keeps the whole workgroup tile in one thread.
  std::vector<int64_t> threadTile;
  /// Per reduction loop of the root: tile size of the sequential reduction
  /// loop; 0 leaves it untiled.
  std::vector<int64_t> reductionTile;
  /// Kernel ops (kgen.op indices, not the sink) computed inside the tile
  /// loops; the others are materialized whole before them.
  std::vector<int64_t> fuse;
  int64_t vectorWidth = 1;
  /// Root input operands staged through shared memory.
  std::vector<int64_t> promoteOperands;
  int64_t pipelineDepth = 1;
  /// Split the root's single reduction loop into this many parallel chunks
  /// (a partial-reduction stage, then a combining stage); 0 or 1: no split.
  /// Only for kernels whose root is their sink.
  int64_t splitReduction = 0;
  /// Threads that cooperate on each output of the root's single reduction
  /// loop: each reduces a lane-interleaved share of it in registers, then
  /// the lanes combine their partials with warp shuffles (and shared memory
  /// across warps). 1: each output is reduced by one thread.
  int64_t reductionLanes = 1;
  MatrixInstruction matrixInstruction = MatrixInstruction::None;

  /// The schedule as a JSON document (every field, defaults included).
  nlohmann::json toJson() const;
};

/// Loops tiled per level (workgroup, thread): the grid and the block have
/// 3 dimensions, and a split reduction takes one of the grid's.
constexpr int64_t kMaxMappedLoops = 3;

/// The values vector_width may take.
inline constexpr int64_t kVectorWidths[] = {1, 2, 4, 8};

/// reduction_lanes lies in [1, kMaxReductionLanes] (a whole block at
/// most) and is a power of two or a multiple of kLaneGroup, the smallest
/// subgroup of any target: rows whose vectors no large power of two
/// divides (32000 floats: 8000 vectors) still get a block of lanes (800).
constexpr int64_t kMaxReductionLanes = 1024;
constexpr int64_t kLaneGroup = 32;

/// Whether `lanes` is a value reduction_lanes may take.
inline bool isValidLaneCount(int64_t lanes) {
  return lanes >= 1 && lanes <= kMaxReductionLanes &&
         ((lanes & (lanes - 1)) == 0 || lanes % kLaneGroup == 0);
}

/// pipeline_depth lies in [1, kMaxPipelineDepth].
constexpr int64_t kMaxPipelineDepth = 4;

} // namespace mlir::kgen

#endif // KGEN_SCHEDULE_LANGUAGE_H
