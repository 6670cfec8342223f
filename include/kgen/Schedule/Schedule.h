//===- Schedule.h - the kgen schedule language ------------------*- C++ -*-===//
//
// A schedule says how one kernel (an outlined function from
// kgen-form-kernels) is tiled, fused and mapped onto a GPU. It is versioned
// JSON, small enough for an LLM to write, and expands deterministically into
// a transform.named_sequence. This header holds the kernel summary the
// schedule is written against, the schedule itself, its JSON form and
// schema, the static checks (rungs 1 and 2 of the verification ladder) and
// the expansion.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_SCHEDULE_SCHEDULE_H
#define KGEN_SCHEDULE_SCHEDULE_H

#include "kgen/Schedule/MatrixInstruction.h"
#include "kgen/Schedule/Target.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/Error.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mlir::kgen {

//===----------------------------------------------------------------------===//
// Verdicts
//===----------------------------------------------------------------------===//

/// The outcome of checking one schedule: accepted, or rejected with a stable
/// reason code (see docs/schedules.md) and a one-line explanation.
struct Verdict {
  bool accepted = false;
  std::string reason; // empty when accepted
  std::string message;

  static Verdict accept() { return {true, "", "accepted"}; }
  static Verdict reject(std::string reason, std::string message) {
    return {false, std::move(reason), std::move(message)};
  }
  nlohmann::json toJson() const;
};

//===----------------------------------------------------------------------===//
// Kernel summary
//===----------------------------------------------------------------------===//

/// What a schedule is written against: the loops of the kernel's sink (the
/// op whose result it returns, tiled onto blocks and threads) and of its
/// root (the contraction or reduction, whose reduction loops may be tiled).
struct KernelInfo {
  std::string name;
  /// Stable hash of the kernel's canonical form (ops, shapes, dtypes).
  std::string fingerprint;
  std::string text; // the kernel function as MLIR text
  std::string elementType;
  int64_t elementBytes = 4;
  std::vector<std::string> opNames; // by kgen.op index
  /// consumers[i]: indices of the kernel ops that use op i's result.
  std::vector<std::vector<int64_t>> consumers;
  int64_t rootIndex = 0, sinkIndex = 0;
  /// Ops whose result is an init (outs) operand of the sink: once the sink
  /// is tiled with scf.for they are reached through the loop's iter_args,
  /// so the vector level cannot fuse them.
  std::vector<int64_t> sinkInitProducers;
  /// The same for the root: ops whose result is an init operand of the
  /// root (its accumulator's initial value, e.g. a linalg.fill).
  std::vector<int64_t> rootInitProducers;
  std::vector<int64_t> sinkLoops; // static loop ranges
  std::vector<bool> sinkParallel; // per sink loop
  std::vector<int64_t> rootLoops;
  std::vector<bool> rootParallel;
  /// For each root input: the root loop each operand dimension is indexed
  /// by, or -1 when the index is not a single loop (e.g. a convolution
  /// window); empty if the root is not a linalg op.
  std::vector<std::vector<int64_t>> rootInputLoops;
  /// Element type of each root operand, inputs then inits (e.g. "f16").
  std::vector<std::string> rootOperandTypes;
  bool matmulLike = false; // root is linalg.matmul / batch_matmul
  double flops = 0;        // arithmetic of the root, 2 per multiply-add
  double bytes = 0;        // kernel arguments + result, each moved once

  std::vector<int64_t> sinkParallelSizes() const;
  std::vector<int64_t> rootReductionSizes() const;
  nlohmann::json toJson() const;
};

/// Summarizes a kernel produced by kgen-form-kernels. Fails (with a message)
/// if the kernel lacks the kgen.op / kgen.root / kgen.sink markers or has
/// dynamic loop ranges.
llvm::Expected<KernelInfo> describeKernel(func::FuncOp kernel);

//===----------------------------------------------------------------------===//
// Schedules
//===----------------------------------------------------------------------===//

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
  MatrixInstruction matrixInstruction = MatrixInstruction::None;

  nlohmann::json toJson() const;
};

/// Rung 1: parses and schema-checks `json` against `kernel` (types, lengths,
/// ranges). Rejections carry reason codes such as "schema", "version",
/// "rank_mismatch", "nonpositive_tile", "tile_exceeds_dim".
llvm::Expected<Schedule> parseSchedule(const nlohmann::json &json,
                                       const KernelInfo &kernel,
                                       Verdict &verdict);

/// Rungs 1-2 after parsing: legality of the fusion set and the static
/// resource model of `target` (threads per block, shared memory, registers,
/// vector width, matrix instructions). Returns an accepting verdict if the
/// schedule may go on to be applied.
Verdict checkSchedule(const Schedule &schedule, const KernelInfo &kernel,
                      const TargetDescription &target);

/// Elements of the largest vector a vectorized schedule (vector_width > 1)
/// makes: one vector of the root's output times its reduction step. Capped
/// at kMaxVectorElements: n-D vectors are unrolled, and larger ones would
/// spill registers and bloat the code.
int64_t vectorElements(const Schedule &schedule, const KernelInfo &kernel);
constexpr int64_t kMaxVectorElements = 512;

/// Threads per workgroup the schedule launches.
int64_t threadsPerBlock(const Schedule &schedule, const KernelInfo &kernel);
/// Estimated registers per thread and shared memory bytes per workgroup.
int64_t estimateRegisters(const Schedule &schedule, const KernelInfo &kernel);
int64_t estimateSharedMemory(const Schedule &schedule,
                             const KernelInfo &kernel);

/// The transform script implementing `schedule` on `kernel`: a module with
/// transform.with_named_sequence holding @__transform_main. Deterministic:
/// the same schedule and kernel always give the same text.
std::string expandSchedule(const Schedule &schedule, const KernelInfo &kernel);

/// The JSON Schema of a schedule document (shipped as
/// docs/schedule.schema.json and given to the LLM).
nlohmann::json scheduleJsonSchema();

} // namespace mlir::kgen

#endif // KGEN_SCHEDULE_SCHEDULE_H
