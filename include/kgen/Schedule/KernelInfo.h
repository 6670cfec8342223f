//===- KernelInfo.h - the kernel summary ------------------------*- C++ -*-===//
//
// What a schedule is written against: the loops of a kernel's sink and
// root, its ops and how they feed each other, its size and arithmetic. The
// proposers see it as JSON (the prompt's kernel summary).
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_SCHEDULE_KERNELINFO_H
#define KGEN_SCHEDULE_KERNELINFO_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/Error.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mlir::kgen {

/// What a kernel op is, as far as schedules are concerned: the checks and
/// the expansion treat these kinds differently.
enum class OpKind {
  Fill,        // linalg.fill: an accumulator's initial value
  Transpose,   // linalg.transpose
  Matmul,      // linalg.matmul
  BatchMatmul, // linalg.batch_matmul
  Convolution, // a linalg convolution
  Generic,     // linalg.generic
  OtherLinalg, // any other linalg op
  Pad,         // tensor.pad: tiled over its result, never vectorized
  Other,       // anything else (no tiling interface kgen schedules)
};

/// Whether ops of `kind` are linalg ops (tiled, fused and vectorized as
/// such).
bool isLinalg(OpKind kind);

/// One op of a kernel, by its kgen.op index.
struct KernelOp {
  OpKind kind = OpKind::Other;
  std::string name; // e.g. "linalg.generic", for messages and the prompt
  /// The kernel function arguments the op reads (its input operands and
  /// the tensors its body gathers from).
  std::vector<int64_t> argsRead;
  /// Whether its body reads the index (linalg.index) of a loop that
  /// splitting its reduction loop renumbers: the reduction loop itself, or
  /// any loop when a parallel loop follows the reduction (the split loop
  /// then goes first). kgen-materialize-reduction-indices leaves only
  /// indices of parallel loops before the reduction, which no split moves.
  bool splitRenumbersIndices = false;
  /// Whether it only moves elements of kernel arguments: all its loops
  /// parallel, and its body yields an input or an element gathered from a
  /// kernel argument (tensor.extract), through index arithmetic and selects
  /// against constants: a broadcast, an im2col gather with zero padding.
  /// Staging computes such a producer's tile of a promoted operand straight
  /// into workgroup memory, in place of a copy.
  bool movesData = false;
  /// Whether it is elementwise and reads an operand through offsets or
  /// strides, or gathers one (see KernelInfo::stridedReads).
  bool readsStrided = false;
};

/// The kind of a kernel op.
OpKind opKindOf(Operation *op);

/// What a schedule is written against: the loops of the kernel's sink (the
/// op whose result it returns, tiled onto blocks and threads) and of its
/// root (the contraction or reduction, whose reduction loops may be tiled).
struct KernelInfo {
  std::string name;
  /// Stable hash of the kernel's canonical form (ops, shapes, dtypes).
  std::string fingerprint;
  std::string text; // the kernel function as MLIR text
  Type elementType; // of the sink's result
  int64_t elementBytes = 4;
  std::vector<KernelOp> ops; // by kgen.op index
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
  /// Row statistics: the kernel's other reductions, over the root's loops
  /// and feeding it or the sink (softmax's max beside its exp-sum root),
  /// in program order. Each is scheduled as the root is.
  std::vector<int64_t> statistics;
  /// For each statistic, the ops whose result is its init operand.
  std::vector<std::vector<int64_t>> statisticInitProducers;
  /// Elementwise ops computing from row statistics alone (a norm's sqrt
  /// and clamp before the root divides by it), in program order.
  std::vector<int64_t> statisticEpilogues;
  std::vector<int64_t> sinkLoops; // static loop ranges
  std::vector<bool> sinkParallel; // per sink loop
  std::vector<int64_t> rootLoops;
  std::vector<bool> rootParallel;
  /// For each root input: the root loop each operand dimension is indexed
  /// by, or -1 when the index is not a single loop (e.g. a convolution
  /// window); empty if the root is not a linalg op.
  std::vector<std::vector<int64_t>> rootInputLoops;
  /// For each root input: the kernel function argument it is, or -1 when
  /// an op of the kernel computes it.
  std::vector<int64_t> rootInputArgs;
  /// For each root input: the kernel op whose result it is, or -1 for a
  /// kernel argument.
  std::vector<int64_t> rootInputProducers;
  /// Whether an elementwise op of the kernel (no reduction loop) reads an
  /// operand through offsets or strides (a slice) or gathers it with
  /// tensor.extract (flip, im2col): the vectorizer takes only projected
  /// permutations there.
  bool stridedReads = false;
  /// Whether the root's body gathers with tensor.extract (a reduction
  /// over a gather fused into it, as a loss picking each row's target):
  /// its reads are scalar, so its lanes take no vectors.
  bool rootGathers = false;
  /// The results of the root (its inits): 1 but for a root computing
  /// several reductions at once (a running max and sum).
  int64_t rootResults = 1;
  /// Element type of each root operand, inputs then inits.
  std::vector<Type> rootOperandTypes;
  double flops = 0;        // arithmetic of the root, 2 per multiply-add
  double bytes = 0;        // kernel arguments + result, each moved once
  std::vector<double> argBytes; // per kernel function argument
  double resultBytes = 0;

  /// The init producers of `reduction`, the root or a statistic.
  const std::vector<int64_t> &initProducersOf(int64_t reduction) const;
  /// The first kernel op computing an input of `reduction` (the root or a
  /// statistic) that is neither its init producer nor a statistic, or -1:
  /// lanes read their share of a reduction's inputs from memory, and the
  /// statistics from the workgroup memory they are reduced into.
  int64_t computedInputOf(int64_t reduction) const;
  /// Whether op `op` is one of the statistic epilogues.
  bool isStatisticEpilogue(int64_t op) const;
  /// Whether root input `input` is indexed by every root loop in order
  /// (read row by row, the reduction loop innermost for a row reduction).
  bool readsRowByRow(int64_t input) const;
  /// Whether the root is linalg.matmul or linalg.batch_matmul.
  bool matmulLike() const;
  /// The op computing root input `input` that staging can compute into
  /// workgroup memory (movesData, read by the root alone), or -1.
  int64_t stagedProducerOf(int64_t input) const;
  int64_t numOps() const { return static_cast<int64_t>(ops.size()); }
  std::vector<int64_t> sinkParallelSizes() const;
  std::vector<int64_t> rootReductionSizes() const;
  /// The prompt's kernel summary.
  nlohmann::json toJson() const;
};

/// Whether linalg op `op` only moves elements, in order: a linalg.generic
/// with parallel loops alone, reading its inputs through maps that keep
/// their dimensions in order (broadcasts, not transposes), whose body yields
/// an input or a tensor.extract result through index arithmetic and selects
/// against constants (an im2col gather with zero padding). Staging can
/// compute such an op's tiles straight into workgroup memory.
bool onlyMovesData(Operation *op);

/// Whether linalg op `op` computes an epilogue of row statistics (a norm's
/// sqrt and clamp after its sum of squares): no reduction loop, at most
/// `rows` iterations (a value per row, as a statistic has), and every
/// tensor input satisfying `isStatistic` (a statistic or such an epilogue;
/// vacuously so for an op without tensor inputs, which callers rule out
/// as they need).
/// Kernel formation keeps such ops in the statistic's group, and the kernel
/// summary lists them (KernelInfo::statisticEpilogues).
bool isRowStatisticEpilogue(Operation *op, int64_t rows,
                            llvm::function_ref<bool(Value)> isStatistic);

/// Summarizes a kernel produced by kgen-form-kernels. Fails (with a message)
/// if the kernel lacks the kgen.op / kgen.root / kgen.sink markers or has
/// dynamic loop ranges.
llvm::Expected<KernelInfo> describeKernel(func::FuncOp kernel);

} // namespace mlir::kgen

#endif // KGEN_SCHEDULE_KERNELINFO_H
