//===- CostModel.h - the static estimate of a scheduled kernel --*- C++ -*-===//
//
// A search measures few candidates; the static model ranks the rest. It is a
// roofline over the resource model: the global-memory traffic of the
// schedule (the passes model of ResourceModel.h, plus tile re-reads for a
// contraction's operands) over the target's bandwidth, stretched when the
// grid leaves multiprocessors idle, against the root's arithmetic over the
// rate its schedule can reach (a contraction's estimateFlopRate: the
// instructions' peak or its shared-memory reads, occupancy and waves; the
// peak for other kernels). It knows nothing of latency, bank conflicts or
// instruction mix: its error against measurements is what a search
// reports, never a replacement for them.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_TUNE_COSTMODEL_H
#define KGEN_TUNE_COSTMODEL_H

#include "kgen/Schedule/ResourceModel.h"
#include "kgen/Schedule/Schedule.h"

#include <nlohmann/json.hpp>

namespace mlir::kgen {

struct CostEstimate {
  double bytesMoved = 0, bytesFloor = 0, flops = 0;
  int64_t threads = 0, blocks = 0, registers = 0, sharedBytes = 0;
  /// A contraction's attainable arithmetic rate.
  std::optional<FlopRateEstimate> flopRate;
  /// The model's time on the target, in milliseconds.
  double milliseconds = 0;
  nlohmann::json toJson() const;
};

/// The estimate of `schedule` (already accepted by the ladder) for `kernel`
/// on `target`.
CostEstimate estimateCost(const Schedule &schedule, const KernelInfo &kernel,
                          const TargetDescription &target);

} // namespace mlir::kgen

#endif // KGEN_TUNE_COSTMODEL_H
