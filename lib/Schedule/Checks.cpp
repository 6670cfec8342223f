//===- Checks.cpp - static checks of a schedule (rung 2) ------------------===//

#include "kgen/Schedule/Checks.h"

#include "ScheduleInternal.h"

#include "kgen/Schedule/ResourceModel.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <set>

using namespace mlir;
using namespace mlir::kgen;
using namespace mlir::kgen::detail;

namespace {
/// Each level maps its tiled loops onto the 3 dimensions of the grid or the
/// block.
Verdict checkMappedLoops(const Schedule &s) {
  auto nonzero = [](const std::vector<int64_t> &v) {
    return llvm::count_if(v, [](int64_t x) { return x != 0; });
  };
  if (nonzero(s.workgroupTile) + (s.splitReduction > 1 ? 1 : 0) >
          kMaxMappedLoops ||
      nonzero(s.threadTile) > kMaxMappedLoops)
    return Verdict::reject(
        Reason::TooManyMappedDims,
        llvm::formatv("at most {0} loops can be tiled per level (grid and "
                      "block have {0} dimensions; a split reduction takes "
                      "one grid dimension)",
                      kMaxMappedLoops));
  return Verdict::accept();
}

/// GPU mapping needs what the tiles make to have static sizes: the
/// threads of a block (a partial workgroup tile would give its thread loops
/// dynamic trip counts) and the per-thread buffers of fused ops (a partial
/// workgroup or thread tile would size them dynamically). So every tile
/// divides its loop, and every thread tile its workgroup tile. And thread
/// loops are mapped inside a workgroup loop: with thread tiles, at least
/// one loop is on the grid (its whole size is a tile too). Without either,
/// the kernel runs whole in one thread.
Verdict checkWholeTiles(const Schedule &s, const KernelInfo &k) {
  std::vector<int64_t> sizes = k.sinkParallelSizes(), wg, th;
  effectiveTiles(s, k, wg, th);
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] % wg[i] != 0)
      return Verdict::reject(
          Reason::TileExceedsDim,
          llvm::formatv("workgroup_tile {0} does not divide loop {1} (size "
                        "{2}): the last workgroup's partial tile would give "
                        "its thread loops and buffers dynamic sizes, which "
                        "GPU mapping cannot take; use a divisor",
                        wg[i], i, sizes[i]));
    if (wg[i] % th[i] != 0)
      return Verdict::reject(
          Reason::TileExceedsDim,
          llvm::formatv("thread_tile {0} does not divide the workgroup tile "
                        "{1} of loop {2}: the last thread's partial tile "
                        "would give its buffers dynamic sizes, which GPU "
                        "mapping cannot take; use a divisor",
                        th[i], wg[i], i));
  }
  auto none = [](const std::vector<int64_t> &tiles) {
    return llvm::all_of(tiles, [](int64_t t) { return t == 0; });
  };
  if (none(s.workgroupTile) && !none(s.threadTile))
    return Verdict::reject(
        Reason::GridSize,
        "workgroup_tile tiles no loop but thread_tile does: thread loops "
        "run inside a workgroup loop, so at least one loop must be on the "
        "grid (a tile of the loop's whole size is fine)");
  return Verdict::accept();
}

Verdict checkFusion(const Schedule &s, const KernelInfo &k) {
  int64_t numOps = k.numOps();
  std::set<int64_t> fused(s.fuse.begin(), s.fuse.end());
  if (fused.size() != s.fuse.size())
    return Verdict::reject(Reason::IllegalFusion, "'fuse' lists an op twice");
  for (int64_t op : s.fuse) {
    if (op < 0 || op >= numOps || op == k.sinkIndex)
      return Verdict::reject(
          Reason::IllegalFusion,
          llvm::formatv("'fuse' entry {0} is not a non-sink op of this kernel "
                        "(ops 0..{1}, sink {2})",
                        op, numOps - 1, k.sinkIndex));
    // Fusion works from the sink backwards: an op can only be pulled into
    // the tile loops if every consumer already is.
    for (int64_t user : k.consumers[op])
      if (user != k.sinkIndex && !fused.count(user))
        return Verdict::reject(
            Reason::IllegalFusion,
            llvm::formatv("op {0} is fused but its consumer op {1} is not", op,
                          user));
  }
  // A kernel is one launch: an op left outside the tile loops would have
  // to run on the host, on device memory (kgen-map-kernels-to-gpu refuses
  // it), so every target kgen has needs every op fused.
  for (int64_t op = 0; op < numOps; ++op)
    if (op != k.sinkIndex && !fused.count(op))
      return Verdict::reject(
          Reason::IllegalFusion,
          llvm::formatv("op {0} ({1}) is not fused: on a GPU every op of a "
                        "kernel runs inside its tile loops (fuse every op "
                        "but the sink, or leave 'fuse' out)",
                        op, k.ops[op].name));
  return Verdict::accept();
}

/// With reduction_lanes, promote_operands stages the promoted operands'
/// rows in workgroup memory once per block (kgen-stage-rows): each must be
/// a kernel argument read row by row (indexed by the root's loops in
/// order, the reduction loop innermost), the lanes reading along its rows,
/// and the block's row threads must split its rows evenly.
Verdict checkStagedRows(const Schedule &s, const KernelInfo &k) {
  auto reject = [](const llvm::Twine &message) {
    return Verdict::reject(Reason::PromoteOperand, message.str());
  };
  if (columnLanes(s, k))
    return reject("promote_operands with reduction_lanes stages rows; a "
                  "column reduction's lanes have none to stage");
  if (s.pipelineDepth > 1)
    return reject("staged rows are copied once per block: pipeline_depth "
                  "must be 1");
  for (int64_t operand : s.promoteOperands) {
    if (static_cast<size_t>(operand) >= k.rootInputArgs.size() ||
        k.rootInputArgs[operand] < 0)
      return reject(llvm::formatv("promoted operand {0} is computed in the "
                                  "kernel; only kernel arguments' rows are "
                                  "staged",
                                  operand));
    if (!k.readsRowByRow(operand))
      return reject(llvm::formatv("promoted operand {0} is not read row by "
                                  "row (indexed by every root loop in "
                                  "order)",
                                  operand));
  }
  std::set<int64_t> args;
  for (int64_t operand : s.promoteOperands)
    if (!args.insert(k.rootInputArgs[operand]).second)
      return reject(llvm::formatv("promoted operand {0} is a kernel argument "
                                  "already staged (the rows are staged once)",
                                  operand));
  if (llvm::all_of(s.workgroupTile, [](int64_t t) { return t == 0; }))
    return reject("staged rows are copied once per workgroup: the schedule "
                  "needs a workgroup loop (a non-zero workgroup_tile)");
  std::vector<int64_t> wg, th;
  effectiveTiles(s, k, wg, th);
  size_t rows = rootParallelCount(k);
  for (size_t i = 0; i < rows; ++i)
    if (s.threadTile[i] && wg[i] % th[i] != 0)
      return reject(llvm::formatv("the block's {0} rows along loop {1} do "
                                  "not split evenly into thread tiles of "
                                  "{2} for the staged copy",
                                  wg[i], i, th[i]));
  // The sink's loops along the row read it where the root does: whole.
  std::vector<int64_t> sizes = k.sinkParallelSizes();
  for (size_t i = rows; i < wg.size(); ++i)
    if (wg[i] != sizes[i])
      return reject(llvm::formatv("the workgroup tile {0} of the sink's loop "
                                  "{1} covers part of the row ({2}): staged "
                                  "rows are whole",
                                  wg[i], i, sizes[i]));
  return Verdict::accept();
}

/// promote_operands moves the root's reduction loop up to the workgroup,
/// so the ops the expansion can place around it are limited: the root's
/// fill and the root's elementwise consumers.
Verdict checkPromotion(const Schedule &s, const KernelInfo &k) {
  for (int64_t operand : s.promoteOperands)
    if (operand < 0 || operand >= static_cast<int64_t>(k.rootInputLoops.size()))
      return Verdict::reject(
          Reason::PromoteOperand,
          llvm::formatv("promoted operand {0} does not exist (the root has {1} "
                        "inputs)",
                        operand, k.rootInputLoops.size()));
  if (s.promoteOperands.empty())
    return Verdict::accept();
  std::set<int64_t> operands(s.promoteOperands.begin(),
                             s.promoteOperands.end());
  if (operands.size() != s.promoteOperands.size())
    return Verdict::reject(Reason::PromoteOperand,
                           "'promote_operands' lists an operand twice");
  if (s.reductionLanes > 1)
    return checkStagedRows(s, k);
  if (!k.matmulLike())
    return Verdict::reject(
        Reason::PromoteOperand,
        "promote_operands needs a matmul-like root (linalg.matmul or "
        "linalg.batch_matmul), or reduction_lanes; this kernel's root is " +
            k.ops[k.rootIndex].name);
  if (s.splitReduction > 1)
    return Verdict::reject(Reason::PromoteOperand,
                           "promote_operands cannot be combined with "
                           "split_reduction");
  if (k.rootIndex != k.sinkIndex && !llvm::is_contained(s.fuse, k.rootIndex))
    return Verdict::reject(Reason::PromoteOperand,
                           "promote_operands needs the root fused into the "
                           "sink's tiles");
  std::set<int64_t> downstream;
  std::vector<int64_t> work = {k.rootIndex};
  while (!work.empty()) {
    int64_t op = work.back();
    work.pop_back();
    for (int64_t user : k.consumers[op])
      if (downstream.insert(user).second)
        work.push_back(user);
  }
  for (int64_t op : s.fuse) {
    if (op == k.rootIndex || downstream.count(op) ||
        stagedOperandOf(s, k, op))
      continue;
    if (llvm::is_contained(k.rootInitProducers, op) &&
        k.ops[op].kind == OpKind::Fill)
      continue;
    return Verdict::reject(
        Reason::PromoteOperand,
        llvm::formatv("with promote_operands only the root's fill, the "
                      "root's consumers and the producers of promoted "
                      "operands that only move data (a broadcast or gather "
                      "of kernel arguments) can be fused; op {0} ({1}) is "
                      "none of these",
                      op, k.ops[op].name));
  }
  return Verdict::accept();
}

Verdict checkPipelineDepth(const Schedule &s, const KernelInfo &k,
                           const TargetDescription &target) {
  if (s.pipelineDepth <= 1)
    return Verdict::accept();
  auto reject = [](const llvm::Twine &message) {
    return Verdict::reject(Reason::PipelineDepth, message.str());
  };
  if (s.promoteOperands.empty())
    return reject("pipeline_depth > 1 pipelines the copies of promoted "
                  "operands into shared memory; without promote_operands "
                  "there is nothing to pipeline (use 1)");
  bool severalSteps = false;
  for (auto [tile, size] : llvm::zip(s.reductionTile, k.rootReductionSizes()))
    severalSteps |= tile != 0 && tile < size;
  if (!severalSteps)
    return reject("pipeline_depth > 1 overlaps the steps of the reduction "
                  "loop; tile the reduction (reduction_tile) into several "
                  "steps or use 1");
  if (target.vendor != GpuVendor::Nvidia)
    return reject("kgen pipelines shared-memory copies with cp.async, an "
                  "NVIDIA instruction; use pipeline_depth 1 on " +
                  target.name);
  for (int64_t operand : s.promoteOperands)
    if (int64_t producer = k.stagedProducerOf(operand);
        producer >= 0 && llvm::is_contained(s.fuse, producer))
      return reject(llvm::formatv(
          "promoted operand {0} is gathered into shared memory by its "
          "producer (op {1}), not copied: cp.async pipelines copies of "
          "kernel arguments only; use pipeline_depth 1",
          operand, k.stagedProducerOf(operand)));
  return Verdict::accept();
}

/// wgmma's descriptors take A with K contiguous and B with N contiguous (a
/// plain or batched matmul).
bool wgmmaLayoutFits(const KernelInfo &k, const MatmulLoops &loops) {
  auto innermost = [&](size_t input, size_t outer, size_t inner) {
    const std::vector<int64_t> &loopsOf = k.rootInputLoops[input];
    size_t n = loopsOf.size();
    return n >= 2 && loopsOf[n - 2] == static_cast<int64_t>(outer) &&
           loopsOf[n - 1] == static_cast<int64_t>(inner);
  };
  // MatmulLoops counts parallel and reduction loops apart.
  auto rootLoop = [&](bool parallel, size_t position) {
    size_t loop = 0;
    for (size_t seen = 0; loop < k.rootLoops.size(); ++loop)
      if (k.rootParallel[loop] == parallel && seen++ == position)
        break;
    return loop;
  };
  size_t m = rootLoop(true, loops.m), n = rootLoop(true, loops.n),
         kLoop = rootLoop(false, loops.k);
  return innermost(0, m, kLoop) && innermost(1, kLoop, n);
}

/// mma_sync: each warp computes its tile of the root with m16n8k16
/// instructions; wgmma: each warpgroup computes its tile with m64nNk16
/// ones, reading both operands from the staged tiles through descriptors
/// (kgen-lower-matrix-instructions). The tiles must be made of whole
/// instructions.
Verdict checkMatrixTiles(const Schedule &s, const KernelInfo &k,
                         const MatrixTiling &tiling) {
  auto reject = [](const llvm::Twine &message) {
    return Verdict::reject(Reason::MatrixInstruction, message.str());
  };
  bool wgmma = s.matrixInstruction == MatrixInstruction::Wgmma;
  std::string name = stringifyMatrixInstruction(s.matrixInstruction).str();
  const std::vector<Type> &types = k.rootOperandTypes;
  bool halves = types.size() == 3 && types[0] == types[1] &&
                (types[0].isF16() || (wgmma && types[0].isBF16())) &&
                types[2].isF32();
  if (!halves) {
    std::string spelled;
    llvm::raw_string_ostream os(spelled);
    llvm::interleaveComma(types, os);
    return reject(name +
                  (wgmma ? " takes f16 or bf16 operands accumulated in f32"
                         : " takes f16 operands accumulated in f32") +
                  "; this root's operands are " + spelled);
  }
  std::vector<int64_t> promoted(s.promoteOperands);
  llvm::sort(promoted);
  if (promoted != std::vector<int64_t>{0, 1})
    return reject(name + " needs promote_operands [0, 1]: it reads its " +
                  "operands from the staged tiles");
  std::optional<MatmulLoops> loops = matmulLoops(k);
  if (!loops)
    return reject(name + " needs one M, one N and one K loop");
  if (wgmma && !wgmmaLayoutFits(k, *loops))
    return reject("wgmma takes A as rows of M with K contiguous and B as "
                  "rows of K with N contiguous (a plain or batched "
                  "matmul); this root's operands are laid out otherwise");
  std::vector<int64_t> wg, th;
  effectiveTiles(s, k, wg, th);
  const char *tile = wgmma ? "warpgroup" : "warp";
  for (size_t i = 0; i < th.size(); ++i) {
    int64_t unit = i == loops->m   ? tiling.mUnit
                   : i == loops->n ? tiling.nUnit
                                   : 1;
    const char *loop = i == loops->m ? "M" : i == loops->n ? "N" : "batch";
    if (i != loops->m && i != loops->n && th[i] != 1)
      return reject(llvm::formatv("with {0} the thread tile is a {1}'s "
                                  "tile, which covers one index of batch "
                                  "loop {2} (thread tile {3})",
                                  name, tile, i, th[i]));
    // wgmma's staged tiles are single matrices (the swizzled layout).
    if (wgmma && i != loops->m && i != loops->n && wg[i] != 1)
      return reject(llvm::formatv("with wgmma the workgroup tile covers one "
                                  "index of batch loop {0} (it is {1})",
                                  i, wg[i]));
    if (th[i] % unit != 0 || wg[i] % th[i] != 0)
      return reject(llvm::formatv(
          "with {0} the thread tile is a {1}'s tile: on the {2} loop it "
          "must be a multiple of {3} that divides the workgroup tile {4} "
          "(it is {5})",
          name, tile, loop, unit, wg[i], th[i]));
  }
  int64_t step = s.reductionTile[loops->k] ? s.reductionTile[loops->k]
                                           : k.rootReductionSizes()[loops->k];
  if (step % tiling.stepUnit != 0)
    return reject(llvm::formatv("with {0} the reduction step must be a "
                                "multiple of {1} (it is {2})",
                                name, tiling.stepUnit, step));
  // The staged tiles of wgmma are swizzled, and only the vectorized copies
  // follow the swizzle: a copy left whole (vector_width 1) cannot be
  // lowered next to the wgmma reading its tile.
  if (wgmma && s.vectorWidth < 2)
    return reject("wgmma stages its operands through vectorized copies "
                  "into swizzled tiles: vector_width must be at least 2");
  return Verdict::accept();
}

Verdict checkMatrixInstruction(const Schedule &s, const KernelInfo &k,
                               const TargetDescription &target) {
  if (s.matrixInstruction == MatrixInstruction::None)
    return Verdict::accept();
  std::string name = stringifyMatrixInstruction(s.matrixInstruction).str();
  if (!llvm::is_contained(target.matrixInstructions, s.matrixInstruction))
    return Verdict::reject(Reason::MatrixInstruction,
                           "'" + name + "' is not available on " + target.name);
  if (!k.matmulLike())
    return Verdict::reject(Reason::MatrixInstruction,
                           "matrix instructions need a matmul-like root, "
                           "this kernel's root is " +
                               k.ops[k.rootIndex].name);
  std::optional<MatrixTiling> tiling = matrixTiling(s.matrixInstruction);
  if (!tiling)
    return Verdict::reject(Reason::MatrixInstruction,
                           "kgen does not generate '" + name +
                               "' code yet; mma_sync and wgmma are the "
                               "matrix instructions it generates");
  return checkMatrixTiles(s, k, *tiling);
}

/// Whether the ops that read through strides or gather (a slice, an
/// im2col, a pooling window) stay out of the vectorized code, which takes
/// only projected permutations: computed into workgroup memory by staging
/// (the producer of a promoted operand), or, under lanes, the sink (once
/// per output, after the combination). A gathering root reads element by
/// element under any schedule.
bool stridedReadsUnvectorized(const Schedule &s, const KernelInfo &k) {
  if (k.rootGathers)
    return false;
  for (int64_t op = 0; op < k.numOps(); ++op) {
    if (!k.ops[op].readsStrided ||
        (op == k.sinkIndex && s.reductionLanes > 1))
      continue;
    if (!llvm::any_of(s.promoteOperands, [&](int64_t input) {
          return k.stagedProducerOf(input) == op;
        }))
      return false;
  }
  return true;
}

Verdict checkVectorWidth(const Schedule &s, const KernelInfo &k) {
  if (s.vectorWidth > 1 && !stridedReadsUnvectorized(s, k))
    return Verdict::reject(
        Reason::VectorWidth,
        "vector_width > 1 on a kernel that reads through strides or "
        "gathers (a slice, an im2col, a pooling window) outside staging: "
        "the vectorizer takes only plain (permuted) reads; stage the "
        "gathered operand (promote_operands) or use vector_width 1");
  if (s.vectorWidth > 1) {
    if (!isLinalg(k.ops[k.sinkIndex].kind) ||
        k.sinkParallelSizes().empty())
      return Verdict::reject(
          Reason::VectorWidth,
          "vector_width > 1 needs a linalg sink with a parallel loop; this "
          "kernel's sink is " +
              k.ops[k.sinkIndex].name);
    int64_t elements = vectorElements(s, k);
    if (elements > kMaxVectorElements)
      return Verdict::reject(
          Reason::VectorWidth,
          llvm::formatv("vectorizing the root tile makes {0}-element vectors "
                        "(vector_width times the reduction tile), over the "
                        "{1} limit: tile the reduction or use vector_width 1",
                        elements, kMaxVectorElements));
  }
  // With lanes the vectors run along the root's reduction loop, and a
  // sink with no loop past the root's outputs has none to vectorize.
  if (lanesOnlyVectors(s, k))
    return Verdict::accept();
  std::vector<int64_t> wg, th;
  effectiveTiles(s, k, wg, th);
  if (size_t v = innermostThreadTiled(s);
      !s.threadTile.empty() && s.threadTile[v] && th[v] % s.vectorWidth != 0)
    return Verdict::reject(
        Reason::VectorWidth,
        llvm::formatv("vector_width {0} does not divide the innermost "
                      "thread tile {1}",
                      s.vectorWidth, th[v]));
  return Verdict::accept();
}

/// The sink's thread loops run on the lanes' block after them, so they
/// must fit it: the block is the lanes' (the combination needs every lane
/// present).
Verdict checkSinkFitsLanes(const Schedule &s, const KernelInfo &k,
                           const std::vector<int64_t> &block) {
  std::vector<int64_t> sink = sinkThreadDims(s, k);
  for (size_t d = 0; d < sink.size(); ++d)
    if (d >= block.size() || sink[d] > block[d])
      return Verdict::reject(
          Reason::ReductionLanes,
          llvm::formatv("the sink's thread loops make a block of {0} (x "
                        "first), which does not fit the lanes' block {1}: "
                        "the lanes need the block to be exactly theirs "
                        "(give the sink fewer threads along each dimension)",
                        formatList(sink), formatList(block))
              .str());
  return Verdict::accept();
}

/// reduction_lanes on a column reduction: the lanes take the block's y,
/// the root's innermost loop x (W columns per thread), and no other loop
/// is spread over the threads; the block of the sink's thread loops fits.
Verdict checkColumnLanes(const Schedule &s, const KernelInfo &k) {
  auto reject = [](const llvm::Twine &message) {
    return Verdict::reject(Reason::ReductionLanes, message.str());
  };
  if (!k.statistics.empty())
    return reject("reduction_lanes on a column reduction cannot take row "
                  "statistics");
  size_t inner = rootParallelCount(k) - 1;
  for (size_t i = 0; i < inner; ++i)
    if (s.threadTile[i] != 0)
      return reject(llvm::formatv(
          "with reduction_lanes on a column reduction only the root's "
          "innermost loop is spread over threads (on x, beside the lanes "
          "on y); give loop {0} a thread tile of 0",
          i));
  return checkSinkFitsLanes(s, k, laneBlockDims(s, k));
}

/// reduction_lanes splits the root (a linalg.generic whose body combines
/// into its output) into per-lane partials and their combination
/// (docs/schedules.md). Each thread of the block is one lane of one
/// output, so the root's parallel loops take one index per thread, and
/// the sink's thread loops, which run on the same block, must fit it:
/// the combination's shuffles need every lane present.
Verdict checkLaneSchedule(const Schedule &s, const KernelInfo &k,
                          const TargetDescription &target) {
  auto reject = [](const llvm::Twine &message) {
    return Verdict::reject(Reason::ReductionLanes, message.str());
  };
  if (k.ops[k.rootIndex].kind != OpKind::Generic)
    return reject("reduction_lanes needs a linalg.generic root; this "
                  "kernel's root is " + k.ops[k.rootIndex].name);
  if (usesMatrixInstruction(s))
    return reject("reduction_lanes cannot be combined with a matrix "
                  "instruction");
  // Lanes combine each output with the root's combiner alone; a root with
  // several outputs (a running max and sum) has none for each.
  if (k.rootResults != 1)
    return reject(llvm::formatv("reduction_lanes needs a root with one "
                                "output; this root has {0}",
                                k.rootResults));
  // The lanes' combination runs in a thread loop over the root's outputs.
  if (rootParallelCount(k) == 0)
    return reject("reduction_lanes needs a root with an output dimension; "
                  "this root reduces to a scalar (kgen-split-whole-"
                  "reductions gives a whole reduction one row)");
  Type partial = k.rootOperandTypes.back();
  if (!partial.isF32() && !partial.isF16() && !partial.isBF16() &&
      !partial.isInteger(32))
    return reject("lanes combine f32, f16, bf16 or i32 partials with "
                  "shuffles; this root accumulates in another type");
  std::vector<int64_t> reductions(k.statistics);
  reductions.push_back(k.rootIndex);
  for (int64_t reduction : reductions) {
    if (k.ops[reduction].kind != OpKind::Generic)
      return reject(llvm::formatv("reduction_lanes needs linalg.generic "
                                  "reductions; op {0} is {1}",
                                  reduction, k.ops[reduction].name));
    // Upstream split_reduction clones the body into the split loops
    // without renumbering its linalg.index ops (the pipeline's
    // kgen-materialize-reduction-indices leaves none it would renumber).
    if (k.ops[reduction].splitRenumbersIndices)
      return reject(llvm::formatv(
          "reduction_lanes splits the reduction loop of op {0}, whose body "
          "reads the index of a loop the split renumbers (linalg.index of "
          "its reduction loop, e.g. a causal mask's key position)",
          reduction));
    if (int64_t op = k.computedInputOf(reduction); op >= 0)
      return reject(llvm::formatv(
          "with reduction_lanes a reduction reads kernel arguments and row "
          "statistics only; op {0} ({1}) computes an input of op {2} (lanes "
          "read their share of a reduction's inputs from memory)",
          op, k.ops[op].name, reduction));
    for (int64_t op : k.initProducersOf(reduction))
      if (k.ops[op].kind != OpKind::Fill)
        return reject(llvm::formatv(
            "with reduction_lanes a reduction's initial value comes from a "
            "linalg.fill; op {0} ({1}) computes that of op {2}",
            op, k.ops[op].name, reduction));
  }
  std::vector<int64_t> wg, th;
  effectiveTiles(s, k, wg, th);
  size_t rows = rootParallelCount(k);
  if (columnLanes(s, k))
    return checkColumnLanes(s, k);
  for (size_t i = 0; i < rows; ++i)
    if (th[i] != 1)
      return reject(llvm::formatv(
          "with reduction_lanes each thread is one lane of one output: the "
          "thread tile of the root's parallel loop {0} must be 1 (it is "
          "{1})",
          i, th[i]));
  // The butterfly pairs lanes of one row within a subgroup: a row's lanes
  // share a subgroup evenly (a power of two below it) or fill whole ones.
  if (s.reductionLanes > target.warpSize
          ? s.reductionLanes % target.warpSize != 0
          : !llvm::isPowerOf2_64(s.reductionLanes))
    return reject(llvm::formatv(
        "reduction_lanes {0} does not fit subgroups of {1}: a row's lanes "
        "must be a power of two up to a subgroup, or whole subgroups",
        s.reductionLanes, target.warpSize));
  std::vector<int64_t> block = laneBlockDims(s, k);
  // A shuffle names every lane of its subgroup: one missing from a block
  // that ends mid-subgroup leaves the others waiting on it (a hang).
  if (product(block) % target.warpSize != 0)
    return reject(llvm::formatv(
        "the lanes' block of {0} threads is not a whole number of "
        "subgroups of {1}: the shuffles combining the lanes need every "
        "lane of a subgroup present (give the block more rows or lanes)",
        product(block), target.warpSize));
  if (block.size() > kMaxMappedLoops)
    return reject(llvm::formatv("the lanes take the block's x dimension, so "
                                "at most {0} of the root's parallel loops "
                                "can be thread-tiled",
                                kMaxMappedLoops - 1));
  return checkSinkFitsLanes(s, k, block);
}

/// The resource model against the target's limits.
Verdict checkResources(const Schedule &s, const KernelInfo &k,
                       const TargetDescription &target) {
  int64_t threads = threadsPerBlock(s, k);
  if (threads > target.maxThreadsPerBlock)
    return Verdict::reject(
        Reason::ThreadsPerBlock,
        llvm::formatv("{0} threads per block exceed the {1} limit of {2}",
                      threads, target.maxThreadsPerBlock, target.name));
  std::vector<int64_t> grid = gridSize(s, k);
  for (size_t d = 0; d < grid.size() && d < target.maxGridSize.size(); ++d)
    if (grid[d] > target.maxGridSize[d])
      return Verdict::reject(
          Reason::GridSize,
          llvm::formatv("{0} blocks along grid dimension {1} exceed the {2} "
                        "limit of {3} (a larger workgroup tile on that loop "
                        "makes fewer blocks)",
                        grid[d], "xyz"[d], target.maxGridSize[d],
                        target.name));
  int64_t smem = estimateSharedMemory(s, k);
  if (smem > target.sharedMemoryPerBlock)
    return Verdict::reject(
        Reason::SharedMemory,
        llvm::formatv("{0} bytes of shared memory per block exceed the {1} "
                      "bytes of {2}",
                      smem, target.sharedMemoryPerBlock, target.name));
  int64_t registers = estimateRegisters(s, k);
  if (registers > target.registersPerThread)
    return Verdict::reject(
        Reason::Registers,
        llvm::formatv("an estimated {0} registers per thread exceed the {1} "
                      "of {2}",
                      registers, target.registersPerThread, target.name));
  return Verdict::accept();
}
} // namespace

Verdict mlir::kgen::checkSchedule(const Schedule &s, const KernelInfo &k,
                                  const TargetDescription &target) {
  if (Verdict v = checkMappedLoops(s); !v.accepted)
    return v;
  if (Verdict v = checkFusion(s, k); !v.accepted)
    return v;
  if (Verdict v = checkPromotion(s, k); !v.accepted)
    return v;
  if (Verdict v = checkPipelineDepth(s, k, target); !v.accepted)
    return v;
  if (Verdict v = checkMatrixInstruction(s, k, target); !v.accepted)
    return v;
  if (Verdict v = checkVectorWidth(s, k); !v.accepted)
    return v;
  if (s.reductionLanes > 1)
    if (Verdict v = checkLaneSchedule(s, k, target); !v.accepted)
      return v;
  // After the specific rules, which say more about a tile that breaks them.
  if (Verdict v = checkWholeTiles(s, k); !v.accepted)
    return v;
  return checkResources(s, k, target);
}
