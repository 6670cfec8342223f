//===- Expansion.cpp - a schedule as a transform module -------------------===//
//
// The transform module is built phase by phase (docs/schedules.md,
// "Expansion"): handles to the kernel's ops, the split reduction, the tile
// levels with their fusion, the reduction loop, the staging through shared
// memory, the matrix instruction, and the vector stages.
//
//===----------------------------------------------------------------------===//

#include "kgen/Schedule/Expansion.h"

#include "ScheduleInternal.h"

#include "kgen/Schedule/KernelAttrs.h"
#include "kgen/Schedule/ResourceModel.h"
#include "kgen/Transform/ApplyTransforms.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/TransformOps/LinalgTransformOps.h"
#include "mlir/Dialect/Transform/IR/TransformOps.h"
#include "mlir/Dialect/Transform/IR/TransformTypes.h"
#include "mlir/Dialect/Vector/TransformOps/VectorTransformOps.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <map>
#include <optional>

using namespace mlir;
using namespace mlir::kgen;
using namespace mlir::kgen::detail;

namespace {

/// Lanes folded per step by a column reduction's combining stage, at most.
constexpr int64_t kColumnCombineLanes = 8;

/// Tile sizes over all loops of an op: `tiles` at its parallel loops, zero
/// at the reduction loops (or the other way round).
SmallVector<int64_t> tileList(const std::vector<bool> &parallel,
                              const std::vector<int64_t> &tiles,
                              bool onParallel) {
  SmallVector<int64_t> all;
  size_t next = 0;
  for (bool p : parallel)
    all.push_back(p == onParallel ? tiles[next++] : 0);
  return all;
}

/// What the loops of a tile level are mapped onto.
enum class Level { Block, Thread, Warp, Warpgroup };

/// gpu mapping attributes for the non-zero tiles, innermost loop on x
/// (`linear`: on linear_dim_0, the fastest-varying part of the linear
/// thread id), or `skip` dimensions further (y for 1).
ArrayAttr mapping(MLIRContext *ctx, const std::vector<int64_t> &tiles,
                  Level level, bool linear = false, int64_t skip = 0) {
  SmallVector<Attribute> attrs;
  int64_t count = llvm::count_if(tiles, [](int64_t t) { return t != 0; });
  auto first = linear ? gpu::MappingId::LinearDim0 : gpu::MappingId::DimX;
  for (int64_t i = count - 1; i >= 0; --i) {
    auto id = static_cast<gpu::MappingId>(static_cast<int64_t>(first) + i +
                                          skip);
    switch (level) {
    case Level::Block:
      attrs.push_back(gpu::GPUBlockMappingAttr::get(ctx, id));
      break;
    case Level::Thread:
      attrs.push_back(gpu::GPUThreadMappingAttr::get(ctx, id));
      break;
    case Level::Warp:
      attrs.push_back(gpu::GPUWarpMappingAttr::get(ctx, id));
      break;
    case Level::Warpgroup:
      attrs.push_back(gpu::GPUWarpgroupMappingAttr::get(ctx, id));
      break;
    }
  }
  return ArrayAttr::get(ctx, attrs);
}

/// The zero of a root operand's element type: the padding value of the
/// operand's staged copy. A type without one (none of kgen's) goes as
/// text, which transform.structured.pad parses against the element type
/// and refuses (rung 3).
Attribute zeroOf(Builder &b, Type type) {
  Attribute zero = b.getZeroAttr(type);
  return zero ? zero : b.getStringAttr("0");
}

/// Per-thread tiles spreading an op of `shape` over `threads` threads by
/// their linear id: `chunk` elements of the innermost dimension per thread
/// (fewer if they do not divide it), consecutive threads on consecutive
/// chunks (coalesced), and as few rows per thread as fit the threads. 0
/// leaves a dimension whole.
std::vector<int64_t> linearThreadTiles(const std::vector<int64_t> &shape,
                                       int64_t threads, int64_t chunk) {
  std::vector<int64_t> tiles(shape.size(), 1);
  if (shape.empty())
    return tiles;
  int64_t &inner = tiles.back();
  for (inner = std::min(chunk, shape.back()); shape.back() % inner;)
    --inner;
  auto count = [&] {
    int64_t c = 1;
    for (size_t d = 0; d < shape.size(); ++d)
      c *= shape[d] / tiles[d];
    return c;
  };
  for (size_t d = 0; d < shape.size() && count() > threads; ++d)
    while (count() > threads && tiles[d] < shape[d])
      for (++tiles[d]; shape[d] % tiles[d];)
        ++tiles[d];
  std::vector<int64_t> result(tiles);
  for (size_t d = 0; d < shape.size(); ++d)
    if (tiles[d] == shape[d])
      result[d] = 0;
  // One thread for everything still needs a thread loop to be mapped.
  if (llvm::all_of(result, [](int64_t t) { return t == 0; }))
    result.back() = shape.back();
  return result;
}

/// Builds the transform ops of one schedule, one method per phase. It
/// keeps the handle bookkeeping: every op is matched once up front (tiling
/// and fusion replace ops, and matching by attribute afterwards could find
/// both the original and its copies), and each handle then follows its op
/// through the tiling and fusion.
class ScheduleExpander {
public:
  ScheduleExpander(const Schedule &s, const KernelInfo &k,
                   ImplicitLocOpBuilder &b, Value payload);

  void expand();

private:
  // The transform ops used more than once.
  Value match(NamedAttribute attr);
  transform::TileUsingForallOp tileForall(Value target, ArrayRef<int64_t> sizes,
                                          ArrayAttr mapping);
  transform::TileUsingForOp tileFor(Value target, ArrayRef<int64_t> sizes,
                                    size_t loops);

  void matchOps();
  void splitReduction();

  // Lanes cooperating on each output (reduction_lanes).
  void splitLanes();
  Value fuseWithLaneStages(Value containing);
  Value fuseLaneStages(int64_t reduction, Value containing);
  void laneLevel();
  void markStagedRows();
  void columnLaneLevel();
  std::vector<int64_t> columnThreadTiles(bool lanesLoop) const;
  void tileLanePartials(int64_t reduction, const std::vector<int64_t> &rowTiles);
  void tileLaneCombine(int64_t reduction, std::vector<int64_t> rowTiles);
  void tileStatisticEpilogues(std::vector<int64_t> rowTiles);
  /// The handle of `op`, the sink or a fused op.
  Value &handleOf(int64_t op);
  bool isLaneReduction(int64_t op) const;
  /// Whether `op` initializes a lane reduction's output.
  bool initializesLaneReduction(int64_t op) const;
  int64_t interleavedSinkSpan() const;
  void tileInterleavedSink(int64_t span);

  // Tile levels and fusion.
  Value fuseInto(Value containing, llvm::function_ref<bool(int64_t)> skip);
  void tileLevel(const std::vector<int64_t> &tiles, Level loops,
                 bool linear = false, int64_t skip = 0);
  Value vectorLevel(Value handle, const std::vector<bool> &parallel,
                    llvm::function_ref<bool(int64_t)> skip);
  void tileReduction();
  void threadLevel();

  // Staging through shared memory (promote_operands).
  void stagedLevel();
  void stageOperands();
  void promoteInit(Value op);
  void planStagedThreads();
  void ownTiles(const std::vector<int64_t> &shape, std::vector<int64_t> &tiles,
                std::vector<int64_t> &perThread) const;
  void tileCopies();
  void tileAccumulator();
  Value tileRootStep();
  void tileStagedConsumers();

  void tileSinkThreads();
  void vectorizeSinkTile();
  void vectorizeAndLower();

  /// Ops of the kernel's own code that the thread tiles leave out: under
  /// promote_operands the root and its fill get thread loops of their own.
  bool ownThreadLoops(int64_t op) const;
  void fuseStagedProducersIntoSteps();
  /// Ops the sink's thread loops leave out: pads (a fused pad becomes an
  /// scf.if that cannot be fused again) and ops with thread loops of
  /// their own.
  bool staysOutOfThreadLoops(int64_t op) const;
  /// Ops the vector level leaves out of its loop.
  bool skipInVectorLoop(int64_t op) const;
  /// The root's latest handle: it is the sink's, a fused op's, or its own.
  Value currentRoot();
  /// Adds `handle` to the ops that become vector code if a thread's tile
  /// of it, `perThread`, is small enough.
  void vectorizeIfSmall(Value handle, const std::vector<int64_t> &perThread);

  const Schedule &s;
  const KernelInfo &k;
  ImplicitLocOpBuilder &b;
  MLIRContext *ctx;
  Type anyOp;
  Value payload; // the kernel function

  std::vector<int64_t> fuseOrder; // the fused ops, consumers first
  bool rootIsSink, rootFused, promote, vectorize, reductionTiled, lanes;
  /// Lanes on a column reduction: the root's innermost loop is parallel.
  bool columnLanes;
  std::optional<int64_t> accumulatorInit;

  Value sinkHandle, rootHandle, unfusedRoot, reductionLoop;
  /// With lanes: the workgroup loop, after the fusion into it.
  Value blockLoop;
  /// With lanes: the reductions they take (the root and its statistics,
  /// consumers first), and the per-lane partial stage of each with its
  /// fill.
  std::vector<int64_t> laneReductions;
  struct LaneStages {
    Value partial, fill;
  };
  std::map<int64_t, LaneStages> laneStages;
  std::map<int64_t, Value> handles; // latest handle of each fused op
  int level = 0;                    // tile levels made so far
  /// Vector level: W elements of the innermost thread-tiled loop and one
  /// index of every other loop.
  std::vector<int64_t> vectorTiles;
  /// The ops that become vector code once the tiling is done.
  SmallVector<Value> toVectorize;

  /// The staged thread level's layout.
  struct Staging {
    std::vector<int64_t> promoted; // promoted operands, in order
    SmallVector<Value> copies;     // their copies
    Value root;                    // the root, on the staged operands
    /// The root is the sink and writes its accumulator back, by this copy.
    bool writeBack = false;
    Value writeBackCopy;
    std::vector<int64_t> wg, th; // effective workgroup and thread tiles
    bool mma = false;
    std::vector<int64_t> rootTiles; // the root's thread (warp) tiles
    std::vector<int64_t> blockDims; // x, y, z
    int64_t threads = 1;
  } staging;
};
} // namespace

ScheduleExpander::ScheduleExpander(const Schedule &s, const KernelInfo &k,
                                   ImplicitLocOpBuilder &b, Value payload)
    : s(s), k(k), b(b), ctx(b.getContext()),
      anyOp(transform::AnyOpType::get(ctx)), payload(payload),
      fuseOrder(s.fuse) {
  llvm::sort(fuseOrder, std::greater<int64_t>());
  rootIsSink = k.rootIndex == k.sinkIndex;
  rootFused = llvm::is_contained(s.fuse, k.rootIndex);
  promote = !s.promoteOperands.empty();
  lanes = s.reductionLanes > 1;
  columnLanes = lanes && k.rootParallel.back();
  // With lanes the vectors of the root run along its reduction loop (the
  // partial stage's own vector level); the sink's vector level is built
  // as usual when the sink is another op.
  vectorize = s.vectorWidth > 1 && !k.sinkParallelSizes().empty() &&
              (columnLanes || !lanesOnlyVectors(s, k));
  reductionTiled =
      s.splitReduction <= 1 && !lanes &&
      llvm::any_of(s.reductionTile, [](int64_t t) { return t != 0; });
  accumulatorInit = promotedAccumulatorInit(s, k);
  if (lanes) {
    laneReductions = k.statistics;
    laneReductions.push_back(k.rootIndex);
    llvm::sort(laneReductions, std::greater<int64_t>());
  }
  vectorTiles.assign(k.sinkParallelSizes().size(), 1);
  if (vectorize)
    vectorTiles[innermostThreadTiled(s)] = s.vectorWidth;
}

void ScheduleExpander::expand() {
  matchOps();
  if (s.splitReduction > 1)
    splitReduction();
  if (lanes)
    splitLanes();
  tileLevel(s.workgroupTile, Level::Block);
  rootHandle = currentRoot();
  if (columnLanes)
    columnLaneLevel();
  else if (lanes)
    laneLevel();
  else if (!promote)
    threadLevel();
  else
    stagedLevel();
  if (lanes && promote)
    markStagedRows();
  if (vectorize || !toVectorize.empty())
    vectorizeAndLower();
}

/// The kernel's ops carrying `attr`.
Value ScheduleExpander::match(NamedAttribute attr) {
  return transform::MatchOp::create(
      b, anyOp, payload, /*ops=*/ArrayAttr(),
      transform::MatchInterfaceEnumAttr(), b.getDictionaryAttr(attr),
      /*filter_result_type=*/TypeAttr(), /*filter_operand_types=*/ArrayAttr());
}

/// Tiles by sizes, not thread counts: static_num_threads stays unset, as
/// in the op's textual form.
transform::TileUsingForallOp
ScheduleExpander::tileForall(Value target, ArrayRef<int64_t> sizes,
                             ArrayAttr mapping) {
  return transform::TileUsingForallOp::create(
      b, TypeRange{anyOp, anyOp}, target, /*num_threads=*/ValueRange(),
      /*tile_sizes=*/ValueRange(), /*packed_num_threads=*/Value(),
      /*packed_tile_sizes=*/Value(), /*static_num_threads=*/DenseI64ArrayAttr(),
      b.getDenseI64ArrayAttr(sizes), mapping);
}

/// `loops` is the number of loops the expansion expects the sizes to make:
/// the op's verifier checks it against the non-zero sizes, so a schedule
/// that tiles more loops than the expansion handles gives a module that
/// does not verify.
transform::TileUsingForOp
ScheduleExpander::tileFor(Value target, ArrayRef<int64_t> sizes, size_t loops) {
  return transform::TileUsingForOp::create(
      b, anyOp, SmallVector<Type>(loops, anyOp), target,
      /*dynamic_sizes=*/ValueRange(), b.getDenseI64ArrayAttr(sizes),
      /*interchange=*/DenseI64ArrayAttr(),
      b.getDenseBoolArrayAttr(SmallVector<bool>(sizes.size(), false)));
}

void ScheduleExpander::matchOps() {
  sinkHandle = match(b.getNamedAttr(kSinkAttr, b.getUnitAttr()));
  for (int64_t op : fuseOrder)
    handles[op] = match(b.getNamedAttr(kOpIndexAttr, b.getI64IntegerAttr(op)));
  if (!rootIsSink && !rootFused)
    unfusedRoot = match(b.getNamedAttr(kRootAttr, b.getUnitAttr()));
}

bool ScheduleExpander::ownThreadLoops(int64_t op) const {
  if (lanes)
    return isLaneReduction(op) || initializesLaneReduction(op) ||
           k.isStatisticEpilogue(op);
  return promote &&
         (op == k.rootIndex || llvm::is_contained(k.rootInitProducers, op) ||
          stagedOperandOf(s, k, op));
}

bool ScheduleExpander::isLaneReduction(int64_t op) const {
  return llvm::is_contained(laneReductions, op);
}

bool ScheduleExpander::initializesLaneReduction(int64_t op) const {
  return llvm::any_of(laneReductions, [&](int64_t reduction) {
    return llvm::is_contained(k.initProducersOf(reduction), op);
  });
}

Value &ScheduleExpander::handleOf(int64_t op) {
  return op == k.sinkIndex ? sinkHandle : handles[op];
}

bool ScheduleExpander::staysOutOfThreadLoops(int64_t op) const {
  return k.ops[op].kind == OpKind::Pad || ownThreadLoops(op);
}

bool ScheduleExpander::skipInVectorLoop(int64_t op) const {
  return staysOutOfThreadLoops(op) ||
         llvm::is_contained(k.sinkInitProducers, op);
}

Value ScheduleExpander::currentRoot() {
  return rootIsSink  ? sinkHandle
         : rootFused ? handles[k.rootIndex]
                     : unfusedRoot;
}

void ScheduleExpander::vectorizeIfSmall(Value handle,
                                        const std::vector<int64_t> &perThread) {
  if (vectorize && product(perThread) <= kMaxVectorElements)
    toVectorize.push_back(handle);
}

//===----------------------------------------------------------------------===//
// Split reduction
//===----------------------------------------------------------------------===//

void ScheduleExpander::splitReduction() {
  // Split-K: the partial stage computes one partial result per chunk, in
  // its own grid (one workgroup per output tile and chunk); the combining
  // stage then takes the sink's place and is tiled like any sink.
  int64_t outputRank = llvm::count(k.rootParallel, true);
  auto split = transform::SplitReductionOp::create(
      b, sinkHandle, s.splitReduction, /*insertSplitDimension=*/outputRank);
  std::vector<int64_t> partialTiles(s.workgroupTile);
  partialTiles.push_back(1); // one chunk per workgroup
  std::vector<bool> partialLoops(k.sinkParallel);
  partialLoops.insert(partialLoops.begin() + outputRank, true);
  auto partial =
      tileForall(split.getSplitLinalgOp(),
                 tileList(partialLoops, partialTiles, /*onParallel=*/true),
                 mapping(ctx, partialTiles, Level::Block));
  transform::FuseIntoContainingOp::create(b, split.getFillOp(),
                                          partial.getForallOp());
  if (llvm::any_of(s.reductionTile, [](int64_t t) { return t != 0; }))
    tileFor(partial.getTiledOp(),
            tileList(partialLoops, s.reductionTile, /*onParallel=*/false),
            /*loops=*/1);
  sinkHandle = split.getCombiningLinalgOp();
}

//===----------------------------------------------------------------------===//
// Lanes cooperating on each output
//===----------------------------------------------------------------------===//

/// The root's reduction loop of size N becomes N / (L * W) steps (k) of L
/// lanes (l) reading W contiguous elements (w) each: element
/// (k * L + l) * W + w, so the lanes of a step read one contiguous run
/// (coalesced, 16-byte vectors). split_reduction with inner_parallel makes
/// exactly that: a partial stage with a parallel loop of L * W partials
/// (inner) and the k loop, and a combining stage reducing the partials.
/// The combining stage takes the root's place.
/// Every lane reduction (the root and each statistic) is split alike. On
/// a column reduction the lanes split the rows only (lane l takes rows l,
/// l + L, ...), and their partials go first: [L, outputs...].
void ScheduleExpander::splitLanes() {
  int64_t outputRank = llvm::count(k.rootParallel, true);
  int64_t factor =
      columnLanes ? s.reductionLanes : s.reductionLanes * s.vectorWidth;
  for (int64_t reduction : laneReductions) {
    auto split = transform::SplitReductionOp::create(
        b, handleOf(reduction), factor, columnLanes ? 0 : outputRank,
        /*innerParallel=*/true);
    laneStages[reduction] = {split.getSplitLinalgOp(), split.getFillOp()};
    handleOf(reduction) = split.getCombiningLinalgOp();
  }
}

/// The workgroup loop's fusion with lanes: each lane reduction's partial
/// stage joins right after its combining stage, so that a statistic,
/// fused later, finds all its readers (the sink and the partial stages of
/// later reductions) inside the loop. Their slices of it are identical
/// and merged first (CSE of the loop's body only: outside it, the
/// reductions' fills and their empty tensors must stay apart), or the
/// statistic would be fused (and computed) once per reader. The combined outputs that other ops of the block read live
/// in workgroup memory (the reductions' fills write them first).
Value ScheduleExpander::fuseWithLaneStages(Value containing) {
  if (rootIsSink)
    containing = fuseLaneStages(k.rootIndex, containing);
  for (int64_t op : fuseOrder) {
    if (llvm::is_contained(k.statistics, op) || k.isStatisticEpilogue(op))
      transform::ApplyCommonSubexpressionEliminationOp::create(b, containing);
    auto fused =
        transform::FuseIntoContainingOp::create(b, handles[op], containing);
    handles[op] = fused.getFusedOp();
    containing = fused.getNewContainingOp();
    if (isLaneReduction(op))
      containing = fuseLaneStages(op, containing);
    else if (k.isStatisticEpilogue(op))
      promoteInit(handles[op]);
    else if (initializesLaneReduction(op) &&
             !(rootIsSink && llvm::is_contained(k.rootInitProducers, op)))
      promoteInit(handles[op]);
  }
  return containing;
}

/// The partial stage of `reduction` and its fill join the workgroup loop
/// after the combining stage that reads them; the partials live in
/// workgroup memory, where the combination reads them.
Value ScheduleExpander::fuseLaneStages(int64_t reduction, Value containing) {
  LaneStages &stages = laneStages[reduction];
  auto partial =
      transform::FuseIntoContainingOp::create(b, stages.partial, containing);
  stages.partial = partial.getFusedOp();
  auto fill = transform::FuseIntoContainingOp::create(
      b, stages.fill, partial.getNewContainingOp());
  stages.fill = fill.getFusedOp();
  promoteInit(stages.fill);
  return fill.getNewContainingOp();
}

/// Three thread loops on one block (x: the lanes; y, z: the root's
/// thread-tiled parallel loops, one output per thread): the partials, their
/// combination (marked for kgen-lower-lane-combines), then the sink's own
/// thread loop when the sink is a consumer of the root.
void ScheduleExpander::laneLevel() {
  size_t rows = llvm::count(k.rootParallel, true);
  std::vector<int64_t> rowTiles(s.threadTile.begin(),
                                s.threadTile.begin() + rows);
  for (int64_t reduction : laneReductions) {
    tileLanePartials(reduction, rowTiles);
    tileLaneCombine(reduction, rowTiles);
  }
  tileStatisticEpilogues(rowTiles);
  if (rootIsSink)
    return;
  if (int64_t span = interleavedSinkSpan())
    tileInterleavedSink(span);
  else
    // A sink on the outputs alone (no loop along the row) leaves x to the
    // lanes, as the partials' loop does.
    tileLevel(s.threadTile, Level::Thread, /*linear=*/false,
              /*skip=*/lanesOnlyVectors(s, k) ? 1 : 0);
  if (!vectorize)
    return;
  auto skip = [this](int64_t op) { return skipInVectorLoop(op); };
  sinkHandle = vectorLevel(sinkHandle, k.sinkParallel, skip);
  vectorizeSinkTile();
}

/// With lanes, promote_operands stages the promoted operands' rows in
/// workgroup memory: the workgroup loop is marked for kgen-stage-rows with
/// the kernel arguments, the lanes' layout and the block's threads per row
/// dimension (0 where the lanes' loops have none).
void ScheduleExpander::markStagedRows() {
  SmallVector<int64_t> args;
  for (int64_t operand : s.promoteOperands)
    args.push_back(k.rootInputArgs[operand]);
  std::vector<int64_t> rowThreads = rowThreadCounts(s, k);
  DictionaryAttr marking = b.getDictionaryAttr(
      {b.getNamedAttr("args", b.getDenseI64ArrayAttr(args)),
       b.getNamedAttr("lanes", b.getI64IntegerAttr(s.reductionLanes)),
       b.getNamedAttr("row_threads", b.getDenseI64ArrayAttr(rowThreads)),
       b.getNamedAttr("width", b.getI64IntegerAttr(s.vectorWidth))});
  Value param = transform::ParamConstantOp::create(
      b, transform::AnyParamType::get(ctx), marking);
  transform::AnnotateOp::create(b, blockLoop, kStageRowsAttr, param);
}

/// A column reduction's lanes: the block is (x: the root's innermost
/// loop's thread tiles, W columns each; y: the lanes). The partial stage's
/// loops are the root's with the reduction loop split into (steps, lane);
/// each thread reduces its lane's rows for its columns, reduction_tile
/// rows per step, with consecutive threads on consecutive columns
/// (coalesced). The combining stage (loops: lane, then the root's
/// parallel ones) folds the lanes' partials in workgroup memory, one
/// thread per W columns. Then the sink's thread loop, on x.
void ScheduleExpander::columnLaneLevel() {
  LaneStages &stages = laneStages[k.rootIndex];
  std::vector<int64_t> tiles = columnThreadTiles(/*lanesLoop=*/true);
  auto partial = tileForall(stages.partial, tiles,
                            mapping(ctx, tiles, Level::Thread));
  stages.fill = transform::FuseIntoContainingOp::create(
                    b, stages.fill, partial.getForallOp())
                    .getFusedOp();
  Value step = partial.getTiledOp();
  if (s.reductionTile[0]) {
    std::vector<int64_t> stepTiles(tiles.size(), 0);
    stepTiles[llvm::find(k.rootParallel, false) - k.rootParallel.begin()] =
        s.reductionTile[0];
    step = tileFor(step, stepTiles, /*loops=*/1).getTiledLinalgOp();
  }
  std::vector<int64_t> combineTiles = columnThreadTiles(/*lanesLoop=*/false);
  auto combine = tileForall(handleOf(k.rootIndex), combineTiles,
                            mapping(ctx, combineTiles, Level::Thread));
  fuseInto(combine.getForallOp(), [&](int64_t op) {
    return !llvm::is_contained(k.rootInitProducers, op);
  });
  // The lanes' partials are folded a few at a time: the whole lanes loop
  // as one vector op loads every lane's partials of the thread's columns
  // at once, far more registers than a block of up to 1024 threads has.
  // A step that divides the lanes keeps the vector shapes static.
  std::vector<int64_t> laneSteps(combineTiles.size(), 0);
  laneSteps[0] = std::min(kColumnCombineLanes,
                          s.reductionLanes & -s.reductionLanes);
  handleOf(k.rootIndex) =
      s.reductionLanes > laneSteps[0]
          ? tileFor(combine.getTiledOp(), laneSteps, /*loops=*/1)
                .getTiledLinalgOp()
          : combine.getTiledOp();
  if (s.vectorWidth > 1)
    llvm::append_range(toVectorize,
                       SmallVector<Value>{stages.fill, step,
                                          handleOf(k.rootIndex)});
  if (!rootIsSink)
    tileSinkThreads();
}

/// Thread tiles of a column reduction's partial stage (`lanesLoop`: its
/// loops are the root's, the reduction loop split into steps and lanes,
/// one lane per thread) or its combining stage (the lanes' loop first,
/// whole, then the root's parallel loops): the root's parallel loops take
/// the schedule's thread tiles.
std::vector<int64_t>
ScheduleExpander::columnThreadTiles(bool lanesLoop) const {
  std::vector<int64_t> tiles;
  if (!lanesLoop)
    tiles.push_back(0);
  size_t parallel = 0;
  for (bool isParallel : k.rootParallel) {
    if (isParallel) {
      tiles.push_back(s.threadTile[parallel++]);
    } else if (lanesLoop) {
      tiles.push_back(0); // the steps
      tiles.push_back(1); // the lanes
    }
  }
  return tiles;
}

/// The elements one step of an interleaved sink covers along the sink's
/// x loop (one vector per thread), or 0 if the sink's thread tiles stay
/// contiguous: when each thread has a single vector there, or the steps
/// would not divide the block's tile.
int64_t ScheduleExpander::interleavedSinkSpan() const {
  if (!vectorize)
    return 0;
  std::vector<int64_t> wg, th;
  effectiveTiles(s, k, wg, th);
  size_t x = innermostThreadTiled(s);
  int64_t span = ceilDiv(wg[x], th[x]) * s.vectorWidth;
  return th[x] > s.vectorWidth && wg[x] % span == 0 ? span : 0;
}

/// The sink's thread loop with lanes, interleaved like the partials: the
/// block walks the row in steps of one vector per thread (an scf.for
/// around the thread loop), so at each step consecutive lanes touch
/// consecutive vectors. Contiguous tiles of several vectors per thread
/// would put the loads of a subgroup a whole tile apart.
void ScheduleExpander::tileInterleavedSink(int64_t span) {
  size_t x = innermostThreadTiled(s);
  std::vector<int64_t> steps(s.threadTile.size(), 0);
  steps[x] = span;
  auto stepLoop =
      tileFor(sinkHandle, tileList(k.sinkParallel, steps, true), /*loops=*/1);
  sinkHandle = stepLoop.getTiledLinalgOp();
  fuseInto(stepLoop.getLoops().front(),
           [&](int64_t op) { return staysOutOfThreadLoops(op); });
  std::vector<int64_t> tiles(s.threadTile);
  tiles[x] = s.vectorWidth;
  tileLevel(tiles, Level::Thread);
}

/// Partials: loops (rows..., k, partial); each thread takes one output and
/// W partials, its lane's vector, and walks k by reduction_tile vectors at
/// a time.
void ScheduleExpander::tileLanePartials(int64_t reduction,
                                        const std::vector<int64_t> &rowTiles) {
  Value &laneFill = laneStages[reduction].fill;
  std::vector<int64_t> tiles(rowTiles), mapped(rowTiles);
  tiles.push_back(0); // k
  tiles.push_back(s.vectorWidth);
  mapped.push_back(s.vectorWidth);
  auto tiled = tileForall(laneStages[reduction].partial, tiles,
                          mapping(ctx, mapped, Level::Thread));
  laneFill = transform::FuseIntoContainingOp::create(b, laneFill,
                                                     tiled.getForallOp())
                 .getFusedOp();
  Value step = tiled.getTiledOp();
  if (s.reductionTile[0]) {
    std::vector<int64_t> stepTiles(rowTiles.size() + 2, 0);
    stepTiles[rowTiles.size()] = s.reductionTile[0];
    step = tileFor(step, stepTiles, /*loops=*/1).getTiledLinalgOp();
  }
  if (s.vectorWidth > 1) {
    toVectorize.push_back(laneFill);
    toVectorize.push_back(step);
  }
}

/// The combination: one thread per output here (the CPU runs it as such);
/// on a GPU kgen-lower-lane-combines spreads it over the output's lanes.
/// With no thread-tiled parallel loop (one output per workgroup), the
/// outermost loop, of one iteration, still makes the thread loop.
void ScheduleExpander::tileLaneCombine(int64_t reduction,
                                       std::vector<int64_t> rowTiles) {
  if (llvm::all_of(rowTiles, [](int64_t t) { return t == 0; }))
    rowTiles.front() = 1;
  std::vector<int64_t> tiles(rowTiles);
  tiles.push_back(0); // the partials
  auto tiled = tileForall(handleOf(reduction), tiles,
                          mapping(ctx, rowTiles, Level::Thread));
  Value lanesParam = transform::ParamConstantOp::create(
      b, transform::ParamType::get(ctx, b.getI64Type()),
      b.getI64IntegerAttr(s.reductionLanes));
  transform::AnnotateOp::create(b, tiled.getTiledOp(), kLaneCombineAttr,
                                lanesParam);
  fuseInto(tiled.getForallOp(), [&](int64_t op) {
    return !llvm::is_contained(k.initProducersOf(reduction), op);
  });
  handleOf(reduction) = tiled.getTiledOp();
}

/// Each statistic epilogue (a norm's sqrt after its combination) gets a
/// thread loop of its own, one output per thread as the combination has,
/// writing into workgroup memory, where the lanes of the root read it:
/// computed once per row, not by every thread of the block.
void ScheduleExpander::tileStatisticEpilogues(std::vector<int64_t> rowTiles) {
  if (llvm::all_of(rowTiles, [](int64_t t) { return t == 0; }))
    rowTiles.front() = 1;
  for (int64_t op : k.statisticEpilogues)
    handleOf(op) = tileForall(handleOf(op), rowTiles,
                              mapping(ctx, rowTiles, Level::Thread))
                       .getTiledOp();
}

//===----------------------------------------------------------------------===//
// Tile levels and fusion
//===----------------------------------------------------------------------===//

/// Fuses the fused ops, consumers first, into `containing` (the loop just
/// made), except those `skip` names; each op's handle follows it to its
/// copy. Returns the loop's latest handle.
Value ScheduleExpander::fuseInto(Value containing,
                                 llvm::function_ref<bool(int64_t)> skip) {
  for (int64_t op : fuseOrder) {
    if (skip(op))
      continue;
    auto fused =
        transform::FuseIntoContainingOp::create(b, handles[op], containing);
    handles[op] = fused.getFusedOp();
    containing = fused.getNewContainingOp();
  }
  return containing;
}

/// Tiles the sink by `tiles` onto `loops` (blocks or threads) and fuses the
/// fused ops into the new loop.
void ScheduleExpander::tileLevel(const std::vector<int64_t> &tiles, Level loops,
                                 bool linear, int64_t skip) {
  if (llvm::all_of(tiles, [](int64_t t) { return t == 0; }))
    return;
  SmallVector<int64_t> sizes = tileList(k.sinkParallel, tiles, true);
  // A column reduction's combining stage in the sink's place has the
  // lanes' loop first (whole: the block reduces every lane's partials),
  // then the root's parallel loops.
  if (columnLanes && rootIsSink) {
    sizes.assign(1, 0);
    sizes.append(tiles.begin(), tiles.end());
  }
  auto tiled = tileForall(sinkHandle, sizes,
                          mapping(ctx, tiles, loops, linear, skip));
  sinkHandle = tiled.getTiledOp();
  // A fused tensor.pad becomes an scf.if around a smaller pad, which
  // cannot be fused again: pads are tiled per workgroup only.
  if (lanes && level == 0)
    blockLoop = fuseWithLaneStages(tiled.getForallOp());
  else
    fuseInto(tiled.getForallOp(), [&](int64_t op) {
      return level > 0 && staysOutOfThreadLoops(op);
    });
  ++level;
}

/// Vector level: the thread walks the tile of `handle` one vector at a
/// time, with the fused ops `skip` leaves computed per vector. Returns the
/// handle of the op's vector tile.
Value ScheduleExpander::vectorLevel(Value handle,
                                    const std::vector<bool> &parallel,
                                    llvm::function_ref<bool(int64_t)> skip) {
  auto tiled = tileFor(handle, tileList(parallel, vectorTiles, true),
                       /*loops=*/vectorTiles.size());
  fuseInto(tiled.getLoops().back(), skip);
  return tiled.getTiledLinalgOp();
}

/// The root's reduction loops by reduction_tile, one loop per non-zero
/// tile, outermost first. A staged root (matmul-like) has one reduction
/// loop: the one pipeline_depth marks.
void ScheduleExpander::tileReduction() {
  size_t loops = llvm::count_if(s.reductionTile, [](int64_t t) { return t; });
  auto tiled = tileFor(rootHandle,
                       tileList(k.rootParallel, s.reductionTile, false), loops);
  rootHandle = tiled.getTiledLinalgOp();
  reductionLoop = tiled.getLoops().front();
}

/// Without staging: the thread level, the vector level inside it, and the
/// reduction loop inside those.
void ScheduleExpander::threadLevel() {
  tileLevel(s.threadTile, Level::Thread);
  auto skip = [this](int64_t op) { return skipInVectorLoop(op); };
  if (vectorize)
    sinkHandle = vectorLevel(sinkHandle, k.sinkParallel, skip);
  rootHandle = currentRoot();
  if (reductionTiled) {
    tileReduction();
    if (rootIsSink)
      sinkHandle = rootHandle;
    else if (rootFused)
      handles[k.rootIndex] = rootHandle;
  }
  if (vectorize) {
    vectorizeSinkTile();
  }
}

//===----------------------------------------------------------------------===//
// Staging through shared memory
//===----------------------------------------------------------------------===//

/// Shared-memory staging: the root's reduction loop moves up to the
/// workgroup, and each step first copies the promoted operands' tiles into
/// workgroup memory with all the workgroup's threads, then computes on
/// them. The GPU mapping puts a barrier after every thread loop, so a
/// step's copies, its compute and the next step's copies never overlap.
void ScheduleExpander::stagedLevel() {
  if (reductionTiled) {
    tileReduction();
    fuseStagedProducersIntoSteps();
  }
  // Deeper pipelines are built after the GPU mapping
  // (kgen-pipeline-shared-copies), on the loop marked here.
  if (reductionTiled && s.pipelineDepth > 1) {
    Value depth = transform::ParamConstantOp::create(
        b, transform::ParamType::get(ctx, b.getI64Type()),
        b.getI64IntegerAttr(s.pipelineDepth));
    transform::AnnotateOp::create(b, reductionLoop, kPipelineDepthAttr, depth);
  }
  stageOperands();
  planStagedThreads();
  Value rootCompute = staging.root;
  if (!staging.blockDims.empty()) {
    tileCopies();
    tileAccumulator();
    rootCompute = tileRootStep();
  }
  if (vectorize && !staging.mma)
    toVectorize.push_back(rootCompute);
  tileStagedConsumers();
}

/// A nofold pad of a promoted operand is its copy; rewritten in
/// destination-passing style it is a linalg.copy into a new tensor, which
/// is then placed in workgroup memory (and later tiled over the threads).
void ScheduleExpander::stageOperands() {
  staging.promoted = s.promoteOperands;
  llvm::sort(staging.promoted);
  SmallVector<Attribute> zeros, nofold, dims;
  for (auto [i, type] : llvm::enumerate(k.rootOperandTypes)) {
    zeros.push_back(zeroOf(b, type));
    nofold.push_back(
        b.getI64IntegerAttr(llvm::is_contained(staging.promoted, i)));
  }
  for (size_t i = 0; i < k.rootLoops.size(); ++i)
    dims.push_back(b.getI64IntegerAttr(i));
  auto pad = transform::PadOp::create(
      b, TypeRange{anyOp, anyOp, anyOp}, rootHandle, b.getArrayAttr(zeros),
      b.getArrayAttr(dims), /*pad_to_multiple_of=*/ValueRange(),
      /*static_pad_to_multiple_of=*/DenseI64ArrayAttr(), b.getArrayAttr(nofold),
      /*transpose_paddings=*/ArrayAttr(),
      /*copy_back_op=*/b.getStringAttr("none"),
      /*use_prescribed_tensor_shapes=*/UnitAttr());
  staging.root = pad.getPadded();
  Value copies = transform::RewriteInDestinationPassingStyleOp::create(
      b, anyOp, pad.getPad());
  llvm::append_range(staging.copies, transform::SplitHandleOp::create(
                                         b, copies, staging.promoted.size())
                                         .getResults());
  for (Value copy : staging.copies)
    promoteInit(copy);
  // A root that is the sink writes its accumulator back to the output,
  // with all threads: the workgroup loop's result insertion becomes a copy
  // (matched before any thread loop exists, so it is the only one).
  staging.writeBack = accumulatorInit && rootIsSink;
  if (accumulatorInit)
    promoteInit(handles[*accumulatorInit]);
  if (staging.writeBack) {
    Value blockLoop = transform::MatchOp::create(b, payload, {"scf.forall"});
    Value insert = transform::MatchOp::create(b, blockLoop,
                                              {"tensor.parallel_insert_slice"});
    staging.writeBackCopy =
        transform::InsertSliceToCopyOp::create(b, anyOp, insert);
  }
}

/// Places the tensor `op` writes (its init, operand 1) in workgroup
/// memory. A tensor that is only written is promoted without a copy.
void ScheduleExpander::promoteInit(Value op) {
  Value init = transform::GetOperandOp::create(
      b, transform::AnyValueType::get(ctx), op, b.getDenseI64ArrayAttr({1}));
  transform::PromoteTensorOp::create(
      b, init, gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup));
}

/// The block the staged thread loops run on.
void ScheduleExpander::planStagedThreads() {
  effectiveTiles(s, k, staging.wg, staging.th);
  // With a matrix instruction the root is tiled over warps (warpgroups),
  // and its M and N loops always are (each tile is whole instructions);
  // a warp is 32 consecutive threads along x, a warpgroup 128.
  staging.mma = usesMatrixInstruction(s);
  std::optional<MatmulLoops> mmaLoops =
      staging.mma ? matmulLoops(k) : std::nullopt;
  staging.rootTiles = s.threadTile;
  if (mmaLoops)
    for (size_t i : {mmaLoops->m, mmaLoops->n})
      staging.rootTiles[i] = staging.th[i];
  for (size_t i = staging.th.size(); i-- > 0;)
    if (staging.rootTiles[i])
      staging.blockDims.push_back(ceilDiv(staging.wg[i], staging.th[i]));
  if (staging.mma && !staging.blockDims.empty())
    staging.blockDims[0] *= tileThreads(s);
  staging.threads = product(staging.blockDims);
}

/// Under a matrix instruction the other thread loops spread their op over
/// the block's threads by linear id (the thread tile, a warp's, does not
/// fit them), vector_width elements of a row per thread.
void ScheduleExpander::ownTiles(const std::vector<int64_t> &shape,
                                std::vector<int64_t> &tiles,
                                std::vector<int64_t> &perThread) const {
  tiles = linearThreadTiles(shape, staging.threads, s.vectorWidth);
  perThread = tiles;
  for (size_t d = 0; d < shape.size(); ++d)
    if (!tiles[d])
      perThread[d] = shape[d];
}

/// Copies: the innermost dimension over x, the next over y and z, each in
/// as few elements per thread as divide it evenly.
/// Each thread copies a run of up to 16 bytes along the tile's contiguous
/// dim (a 128-bit load), where the dim divides into such runs: with the
/// block's x threads spread over a 16-float row instead, each thread
/// copied one element of 4 rows, 4-byte copies that a transposed operand
/// (linear's weight) also read uncoalesced, one row per thread.
static int64_t copyRun(int64_t size, Type element) {
  int64_t run = std::max<int64_t>(16 / (element.getIntOrFloatBitWidth() / 8), 1);
  return size % run == 0 ? run : 1;
}

void ScheduleExpander::tileCopies() {
  const std::vector<int64_t> &blockDims = staging.blockDims;
  for (auto [copy, operand] : llvm::zip(staging.copies, staging.promoted)) {
    std::vector<int64_t> shape = promotedTileShape(s, k, operand);
    std::vector<int64_t> tiles(shape.size(), 0), perThread(shape);
    if (staging.mma) {
      ownTiles(shape, tiles, perThread);
    } else {
      for (size_t d = 0; d < std::min(shape.size(), blockDims.size()); ++d) {
        size_t dim = shape.size() - 1 - d;
        int64_t tile =
            d == 0 ? copyRun(shape[dim], k.rootOperandTypes[operand]) : 1;
        while (shape[dim] % tile != 0 || shape[dim] / tile > blockDims[d])
          ++tile;
        tiles[dim] = perThread[dim] = tile;
      }
    }
    auto tiled = tileForall(copy, tiles,
                            mapping(ctx, tiles, Level::Thread, staging.mma));
    for (auto &[op, handle] : handles) {
      if (stagedOperandOf(s, k, op) != operand)
        continue;
      handle = transform::FuseIntoContainingOp::create(b, handle,
                                                       tiled.getForallOp())
                   .getFusedOp();
      if (!k.ops[op].readsStrided)
        vectorizeIfSmall(handle, perThread);
    }
    vectorizeIfSmall(tiled.getTiledOp(), perThread);
  }
}

/// A promoted operand's producer that only moves data (an im2col gather,
/// a broadcast) is computed step by step: fused into the reduction loop,
/// its tile of the step is what the operand's copy stages, and the copy's
/// thread loops take it in (tileCopies), so each thread gathers the
/// elements it stores into workgroup memory: the operand never exists in
/// global memory.
void ScheduleExpander::fuseStagedProducersIntoSteps() {
  for (auto &[op, handle] : handles) {
    if (!stagedOperandOf(s, k, op))
      continue;
    auto fused =
        transform::FuseIntoContainingOp::create(b, handle, reductionLoop);
    handle = fused.getFusedOp();
    reductionLoop = fused.getNewContainingOp();
  }
}

/// The accumulator's fill and write-back cover the workgroup tile.
void ScheduleExpander::tileAccumulator() {
  std::vector<int64_t> accTiles(s.threadTile), accPerThread(staging.th);
  if (staging.mma)
    ownTiles(staging.wg, accTiles, accPerThread);
  ArrayAttr accMapping = mapping(ctx, accTiles, Level::Thread, staging.mma);
  for (int64_t op : fuseOrder) {
    if (!llvm::is_contained(k.rootInitProducers, op))
      continue;
    handles[op] = tileForall(handles[op], accTiles, accMapping).getTiledOp();
    vectorizeIfSmall(handles[op], accPerThread);
  }
  if (staging.writeBack)
    vectorizeIfSmall(
        tileForall(staging.writeBackCopy, accTiles, accMapping).getTiledOp(),
        accPerThread);
}

//===----------------------------------------------------------------------===//
// Matrix instruction
//===----------------------------------------------------------------------===//

/// The root's step per thread or, with a matrix instruction, per warp
/// (warpgroup), marked for kgen-lower-matrix-instructions. Returns the
/// handle of a thread's (warp's) step.
Value ScheduleExpander::tileRootStep() {
  bool wgmma = s.matrixInstruction == MatrixInstruction::Wgmma;
  Level loops = !staging.mma ? Level::Thread
                : wgmma      ? Level::Warpgroup
                             : Level::Warp;
  Value step = tileForall(staging.root,
                          tileList(k.rootParallel, staging.rootTiles, true),
                          mapping(ctx, staging.rootTiles, loops))
                   .getTiledOp();
  if (staging.mma)
    transform::AnnotateOp::create(b, step, wgmma ? kWgmmaAttr : kMmaSyncAttr,
                                  /*param=*/Value());
  return step;
}

/// The root's consumers, on the finished accumulator: per thread as usual,
/// or under a matrix instruction by linear id, a thread's whole tile
/// becoming vector code.
void ScheduleExpander::tileStagedConsumers() {
  if (rootIsSink)
    return;
  if (staging.mma) {
    std::vector<int64_t> tiles, perThread;
    ownTiles(staging.wg, tiles, perThread);
    tileLevel(tiles, Level::Thread, /*linear=*/true);
    if (!vectorize || product(perThread) > kMaxVectorElements)
      return;
    vectorizeSinkTile();
  } else {
    tileSinkThreads();
  }
}

//===----------------------------------------------------------------------===//
// Vector stages
//===----------------------------------------------------------------------===//

/// The sink's own thread loop, after the stages of a root that has one
/// (lanes, staging), and its vector level.
void ScheduleExpander::tileSinkThreads() {
  tileLevel(s.threadTile, Level::Thread);
  if (!vectorize)
    return;
  sinkHandle = vectorLevel(sinkHandle, k.sinkParallel, [this](int64_t op) {
    return skipInVectorLoop(op);
  });
  vectorizeSinkTile();
}

/// The sink's vector tile and the ops fused into its loops become vector
/// code (pads and the ops with thread loops of their own stay out).
void ScheduleExpander::vectorizeSinkTile() {
  toVectorize.push_back(sinkHandle);
  for (int64_t op : fuseOrder)
    if (!staysOutOfThreadLoops(op))
      toVectorize.push_back(handles[op]);
}

void ScheduleExpander::vectorizeAndLower() {
  // Every op of the vector tile becomes vector code, then n-D vectors are
  // lowered to the 1-D ones (and vector.reduction) that the LLVM, NVVM
  // and ROCDL conversions take: transfers unrolled to their innermost
  // dimension, contractions to outer products.
  // Contractions become vector.contract (then outer-product FMAs) when
  // they compute in one type; f16/bf16 ones accumulate in f32, which the
  // outer-product lowering cannot take, so they stay multiply and
  // reduce.
  // The kernel's result type is not enough: an f16 matmul whose f32
  // result another kernel converts is an f32 kernel reading f16 operands.
  bool oneType = k.elementType.isF32() &&
                 llvm::all_of(k.rootOperandTypes,
                              [](Type t) { return t.isF32(); });
  UnitAttr namedContractions = oneType ? b.getUnitAttr() : UnitAttr();
  for (Value handle : toVectorize)
    transform::VectorizeOp::create(
        b, handle, /*vector_sizes=*/ValueRange(),
        /*static_vector_sizes=*/DenseI64ArrayAttr(),
        /*vectorize_nd_extract=*/UnitAttr(),
        /*assume_dynamic_dims_match_vec_sizes=*/UnitAttr(), namedContractions,
        /*scalable_sizes=*/DenseBoolArrayAttr());
  // In stages: the sets together can rewrite back and forth (one kernel
  // grew past 5 GB), and each stage is bounded, a runaway one failing the
  // module (rung 3) instead of exhausting memory. Shape casts are left to
  // the LLVM conversions: lowering them here cycles with transposes and
  // canonicalization (a transposed operand never converged).
  using Stage = void (*)(ImplicitLocOpBuilder &);
  static const Stage stages[] = {
      [](ImplicitLocOpBuilder &b) {
        transform::ApplyLowerContractionPatternsOp::create(
            b, vector::VectorContractLowering::OuterProduct);
        transform::ApplyLowerOuterProductPatternsOp::create(b);
        transform::ApplyLowerMultiReductionPatternsOp::create(
            b, vector::VectorMultiReductionLowering::InnerReduction);
      },
      [](ImplicitLocOpBuilder &b) {
        transform::ApplyTransferPermutationPatternsOp::create(b);
        transform::ApplyTransferToScfPatternsOp::create(
            b, /*max_transfer_rank=*/1, /*full_unroll=*/true);
        transform::ApplyLowerTransferPatternsOp::create(
            b, /*max_transfer_rank=*/1);
      },
      [](ImplicitLocOpBuilder &b) {
        transform::ApplyLowerBroadcastPatternsOp::create(b);
        transform::ApplyLowerTransposePatternsOp::create(b);
        transform::ApplyCastAwayVectorLeadingOneDimPatternsOp::create(b);
      }};
  for (Stage stage : stages) {
    auto apply = transform::ApplyPatternsOp::create(
        b, payload, [&](OpBuilder &nested, Location loc) {
          ImplicitLocOpBuilder patterns(loc, nested);
          stage(patterns);
          transform::ApplyCanonicalizationPatternsOp::create(patterns);
        });
    apply.setMaxIterations(10);
    apply.setMaxNumRewrites(100000);
  }
}

OwningOpRef<ModuleOp> mlir::kgen::expandSchedule(const Schedule &s,
                                                 const KernelInfo &k,
                                                 MLIRContext *context) {
  return buildTransformModule(context, UnknownLoc::get(context),
                              [&](ImplicitLocOpBuilder &b, Value payload) {
                                ScheduleExpander(s, k, b, payload).expand();
                              });
}
