//===- Expansion.cpp - a schedule as a transform script -------------------===//
//
// The script is written phase by phase (docs/schedules.md, "Expansion"):
// handles to the kernel's ops, the split reduction, the tile levels with
// their fusion, the reduction loop, the staging through shared memory, the
// matrix instruction, and the vector stages.
//
//===----------------------------------------------------------------------===//

#include "kgen/Schedule/Expansion.h"

#include "ScheduleInternal.h"

#include "kgen/Conversion/KernelAttrs.h"
#include "kgen/Schedule/ResourceModel.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <map>
#include <optional>

using namespace mlir;
using namespace mlir::kgen;
using namespace mlir::kgen::detail;

namespace {
constexpr const char *kOp = "!transform.any_op";

/// Tile sizes over all loops of an op: `tiles` at its parallel loops, zero
/// at the reduction loops (or the other way round).
std::string tileList(const std::vector<bool> &parallel,
                     const std::vector<int64_t> &tiles, bool onParallel) {
  std::vector<int64_t> all;
  size_t next = 0;
  for (bool p : parallel)
    all.push_back(p == onParallel ? tiles[next++] : 0);
  return formatList(all);
}

/// gpu mapping attributes for the non-zero tiles, innermost loop on x
/// (`linear`: on linear_dim_0, the fastest-varying part of the linear
/// thread id).
std::string mapping(const std::vector<int64_t> &tiles, const char *kind,
                    bool linear = false) {
  static const char *const dims[] = {"x", "y", "z"};
  std::vector<std::string> attrs;
  int64_t count = llvm::count_if(tiles, [](int64_t t) { return t != 0; });
  for (int64_t i = count - 1; i >= 0; --i)
    attrs.push_back(
        linear ? llvm::formatv("#gpu.{0}<linear_dim_{1}>", kind, i).str()
               : llvm::formatv("#gpu.{0}<{1}>", kind, dims[i]).str());
  return "[" + llvm::join(attrs, ", ") + "]";
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

/// Writes the transform script of one schedule, one method per phase. It
/// keeps the handle bookkeeping: every op is matched once up front (tiling
/// and fusion replace ops, and matching by attribute afterwards could find
/// both the original and its copies), and each handle then follows its op
/// through the tiling and fusion.
class ScriptWriter {
public:
  ScriptWriter(const Schedule &s, const KernelInfo &k, llvm::raw_ostream &os);

  void write();

private:
  void match(llvm::StringRef handle, llvm::StringRef attrs);
  void writeMatches();
  void splitReduction();

  // Tile levels and fusion.
  void fuseInto(std::string containing, llvm::StringRef fusedPrefix,
                llvm::StringRef loopPrefix,
                llvm::function_ref<bool(int64_t)> skip);
  void tileLevel(const std::vector<int64_t> &tiles, const char *kind,
                 bool linear = false);
  std::string vectorLevel(const std::string &handle,
                          const std::vector<bool> &parallel,
                          llvm::StringRef prefix,
                          llvm::function_ref<bool(int64_t)> skip);
  void tileReduction();
  void threadLevel();

  // Staging through shared memory (promote_operands).
  void stagedLevel();
  void stageOperands();
  void planStagedThreads();
  void ownTiles(const std::vector<int64_t> &shape, std::vector<int64_t> &tiles,
                std::vector<int64_t> &perThread) const;
  void tileCopies();
  void tileAccumulator();
  void tileRootStep();
  void tileStagedConsumers();

  void vectorizeAndLower();

  /// Ops of the kernel's own code that the thread tiles leave out: under
  /// promote_operands the root and its fill get thread loops of their own.
  bool ownThreadLoops(int64_t op) const;
  /// Ops the vector level leaves out of its loop.
  bool skipInVectorLoop(int64_t op) const;
  /// The root's latest handle: it is the sink's, a fused op's, or its own.
  std::string currentRoot();
  /// Adds `handle` to the ops that become vector code if a thread's tile
  /// of it, `perThread`, is small enough.
  void vectorizeIfSmall(const std::string &handle,
                        const std::vector<int64_t> &perThread);

  const Schedule &s;
  const KernelInfo &k;
  llvm::raw_ostream &os;

  std::vector<int64_t> fuseOrder; // the fused ops, consumers first
  bool rootIsSink, rootFused, promote, vectorize, reductionTiled;
  std::optional<int64_t> accumulatorInit;

  std::string sinkHandle = "%sink";
  std::string rootHandle;
  std::map<int64_t, std::string> handles; // latest handle of each fused op
  int level = 0;                          // tile levels made so far
  /// Vector level: W elements of the innermost thread-tiled loop and one
  /// index of every other loop.
  std::vector<int64_t> vectorTiles;
  /// The ops that become vector code once the tiling is done.
  std::vector<std::string> toVectorize;

  /// The staged thread level's layout.
  struct Staging {
    std::vector<int64_t> promoted;   // promoted operands, in order
    std::vector<std::string> copies; // their copies' handles
    /// The root is the sink and writes its accumulator back.
    bool writeBack = false;
    std::vector<int64_t> wg, th; // effective workgroup and thread tiles
    bool mma = false;
    std::vector<int64_t> rootTiles; // the root's thread (warp) tiles
    std::vector<int64_t> blockDims; // x, y, z
    int64_t threads = 1;
  } staging;
};
} // namespace

ScriptWriter::ScriptWriter(const Schedule &s, const KernelInfo &k,
                           llvm::raw_ostream &os)
    : s(s), k(k), os(os), fuseOrder(s.fuse) {
  llvm::sort(fuseOrder, std::greater<int64_t>());
  rootIsSink = k.rootIndex == k.sinkIndex;
  rootFused = llvm::is_contained(s.fuse, k.rootIndex);
  promote = !s.promoteOperands.empty();
  vectorize = s.vectorWidth > 1 && !k.sinkParallelSizes().empty();
  reductionTiled =
      s.splitReduction <= 1 &&
      llvm::any_of(s.reductionTile, [](int64_t t) { return t != 0; });
  accumulatorInit = promotedAccumulatorInit(s, k);
  for (int64_t op : fuseOrder)
    handles[op] = llvm::formatv("%op{0}", op).str();
  vectorTiles.assign(k.sinkParallelSizes().size(), 1);
  if (vectorize)
    vectorTiles[innermostThreadTiled(s)] = s.vectorWidth;
}

void ScriptWriter::write() {
  os << "// kgen schedule for " << k.name << " (" << k.fingerprint
     << "): " << s.toJson().dump() << "\n";
  os << "module attributes {transform.with_named_sequence} {\n";
  os << llvm::formatv("  transform.named_sequence @__transform_main(%root: "
                      "{0} {{transform.readonly}) {{\n",
                      kOp);
  writeMatches();
  if (s.splitReduction > 1)
    splitReduction();
  tileLevel(s.workgroupTile, "block");
  rootHandle = currentRoot();
  if (!promote)
    threadLevel();
  else
    stagedLevel();
  if (vectorize)
    vectorizeAndLower();
  os << "    transform.yield\n  }\n}\n";
}

void ScriptWriter::match(llvm::StringRef handle, llvm::StringRef attrs) {
  os << llvm::formatv("    {0} = transform.structured.match attributes "
                      "{{{1}} in %root : ({2}) -> {2}\n",
                      handle, attrs, kOp);
}

void ScriptWriter::writeMatches() {
  match("%sink", kSinkAttr);
  for (int64_t op : fuseOrder)
    match(handles[op], llvm::formatv("{0} = {1}", kOpIndexAttr, op).str());
  if (!rootIsSink && !rootFused)
    match("%unfused_root", kRootAttr);
}

bool ScriptWriter::ownThreadLoops(int64_t op) const {
  return promote &&
         (op == k.rootIndex || llvm::is_contained(k.rootInitProducers, op));
}

bool ScriptWriter::skipInVectorLoop(int64_t op) const {
  return k.opNames[op] == "tensor.pad" ||
         llvm::is_contained(k.sinkInitProducers, op) || ownThreadLoops(op);
}

std::string ScriptWriter::currentRoot() {
  return rootIsSink  ? sinkHandle
         : rootFused ? handles[k.rootIndex]
                     : std::string("%unfused_root");
}

void ScriptWriter::vectorizeIfSmall(const std::string &handle,
                                    const std::vector<int64_t> &perThread) {
  if (vectorize && product(perThread) <= kMaxVectorElements)
    toVectorize.push_back(handle);
}

//===----------------------------------------------------------------------===//
// Split reduction
//===----------------------------------------------------------------------===//

void ScriptWriter::splitReduction() {
  // Split-K: the partial stage computes one partial result per chunk, in
  // its own grid (one workgroup per output tile and chunk); the combining
  // stage then takes the sink's place and is tiled like any sink.
  int64_t outputRank = llvm::count(k.rootParallel, true);
  os << llvm::formatv("    %split_init, %split_fill, %partial, %combine = "
                      "transform.structured.split_reduction %sink "
                      "{{split_factor = {0}, insert_split_dimension = {1}} "
                      ": ({2}) -> ({2}, {2}, {2}, {2})\n",
                      s.splitReduction, outputRank, kOp);
  std::vector<int64_t> partialTiles(s.workgroupTile);
  partialTiles.push_back(1); // one chunk per workgroup
  std::vector<bool> partialLoops(k.sinkParallel);
  partialLoops.insert(partialLoops.begin() + outputRank, true);
  os << llvm::formatv("    %partial_tiled, %partial_forall = "
                      "transform.structured.tile_using_forall %partial "
                      "tile_sizes {0} (mapping = {1}) : ({2}) -> ({2}, {2})\n",
                      tileList(partialLoops, partialTiles, /*onParallel=*/true),
                      mapping(partialTiles, "block"), kOp);
  os << llvm::formatv("    %partial_fill, %partial_forall_1 = "
                      "transform.structured.fuse_into_containing_op "
                      "%split_fill into %partial_forall : ({0}, {0}) -> "
                      "({0}, {0})\n",
                      kOp);
  if (llvm::any_of(s.reductionTile, [](int64_t t) { return t != 0; }))
    os << llvm::formatv("    %partial_reduced, %partial_loop = "
                        "transform.structured.tile_using_for %partial_tiled "
                        "tile_sizes {0} : ({1}) -> ({1}, {1})\n",
                        tileList(partialLoops, s.reductionTile, false), kOp);
  sinkHandle = "%combine";
}

//===----------------------------------------------------------------------===//
// Tile levels and fusion
//===----------------------------------------------------------------------===//

/// Fuses the fused ops, consumers first, into `containing` (the loop just
/// made), except those `skip` names; each op's handle follows it to its
/// copy. Fused copies are named <fusedPrefix><op>, containing loops
/// <loopPrefix>_<op>.
void ScriptWriter::fuseInto(std::string containing, llvm::StringRef fusedPrefix,
                            llvm::StringRef loopPrefix,
                            llvm::function_ref<bool(int64_t)> skip) {
  for (int64_t op : fuseOrder) {
    if (skip(op))
      continue;
    std::string fused = (fusedPrefix + llvm::Twine(op)).str();
    std::string next = (loopPrefix + "_" + llvm::Twine(op)).str();
    os << llvm::formatv("    {0}, {1} = "
                        "transform.structured.fuse_into_containing_op {2} "
                        "into {3} : ({4}, {4}) -> ({4}, {4})\n",
                        fused, next, handles[op], containing, kOp);
    handles[op] = fused;
    containing = next;
  }
}

/// Tiles the sink by `tiles` onto `kind` (block or thread) and fuses the
/// fused ops into the new loop.
void ScriptWriter::tileLevel(const std::vector<int64_t> &tiles,
                             const char *kind, bool linear) {
  if (llvm::all_of(tiles, [](int64_t t) { return t == 0; }))
    return;
  std::string tiled = llvm::formatv("%tiled{0}", level).str();
  std::string loop = llvm::formatv("%{0}_forall", kind).str();
  os << llvm::formatv("    {0}, {1} = transform.structured.tile_using_forall "
                      "{2} tile_sizes {3} (mapping = {4}) : ({5}) -> ({5}, "
                      "{5})\n",
                      tiled, loop, sinkHandle,
                      tileList(k.sinkParallel, tiles, true),
                      mapping(tiles, kind, linear), kOp);
  sinkHandle = tiled;
  // A fused tensor.pad becomes an scf.if around a smaller pad, which
  // cannot be fused again: pads are tiled per workgroup only.
  fuseInto(loop, llvm::formatv("%fused{0}_op", level).str(), loop,
           [&](int64_t op) {
             return level > 0 &&
                    (k.opNames[op] == "tensor.pad" || ownThreadLoops(op));
           });
  ++level;
}

/// Vector level: the thread walks the tile of `handle` one vector at a
/// time, with the fused ops `skip` leaves computed per vector. Returns the
/// handle of the op's vector tile.
std::string ScriptWriter::vectorLevel(const std::string &handle,
                                      const std::vector<bool> &parallel,
                                      llvm::StringRef prefix,
                                      llvm::function_ref<bool(int64_t)> skip) {
  std::vector<std::string> loops;
  for (size_t i = 0; i < vectorTiles.size(); ++i)
    loops.push_back(llvm::formatv("{0}_loop{1}", prefix, i).str());
  std::string tiled = (prefix + "_tiled").str();
  os << llvm::formatv(
      "    {0}, {1} = transform.structured.tile_using_for "
      "{2} tile_sizes {3} : ({4}) -> ({4}, {5})\n",
      tiled, llvm::join(loops, ", "), handle,
      tileList(parallel, vectorTiles, true), kOp,
      llvm::join(std::vector<std::string>(loops.size(), kOp), ", "));
  fuseInto(loops.back(), (prefix + "_op").str(), (prefix + "_loop").str(),
           skip);
  return tiled;
}

/// The root's reduction loops by reduction_tile.
void ScriptWriter::tileReduction() {
  os << llvm::formatv("    %reduced, %reduction_loop = "
                      "transform.structured.tile_using_for {0} tile_sizes "
                      "{1} : ({2}) -> ({2}, {2})\n",
                      rootHandle,
                      tileList(k.rootParallel, s.reductionTile,
                               /*onParallel=*/false),
                      kOp);
  rootHandle = "%reduced";
}

/// Without staging: the thread level, the vector level inside it, and the
/// reduction loop inside those.
void ScriptWriter::threadLevel() {
  tileLevel(s.threadTile, "thread");
  auto skip = [this](int64_t op) { return skipInVectorLoop(op); };
  if (vectorize)
    sinkHandle = vectorLevel(sinkHandle, k.sinkParallel, "%vector", skip);
  rootHandle = currentRoot();
  if (reductionTiled) {
    tileReduction();
    if (rootIsSink)
      sinkHandle = rootHandle;
    else if (rootFused)
      handles[k.rootIndex] = rootHandle;
  }
  if (vectorize) {
    toVectorize.push_back(sinkHandle);
    for (int64_t op : fuseOrder)
      if (k.opNames[op] != "tensor.pad")
        toVectorize.push_back(handles[op]);
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
void ScriptWriter::stagedLevel() {
  if (reductionTiled)
    tileReduction();
  // Deeper pipelines are built after the GPU mapping
  // (kgen-pipeline-shared-copies), on the loop marked here.
  if (reductionTiled && s.pipelineDepth > 1)
    os << llvm::formatv("    %pipeline_depth = transform.param.constant "
                        "{0} : i64 -> !transform.param<i64>\n"
                        "    transform.annotate %reduction_loop \"{1}\" = "
                        "%pipeline_depth : {2}, !transform.param<i64>\n",
                        s.pipelineDepth, kPipelineDepthAttr, kOp);
  stageOperands();
  planStagedThreads();
  std::string rootCompute = "%promoted_root";
  if (!staging.blockDims.empty()) {
    tileCopies();
    tileAccumulator();
    tileRootStep();
    rootCompute = "%root_threads";
  }
  if (vectorize && !staging.mma)
    toVectorize.push_back(vectorLevel(rootCompute, k.rootParallel,
                                      "%root_vector",
                                      [](int64_t) { return true; }));
  tileStagedConsumers();
}

/// A nofold pad of a promoted operand is its copy; rewritten in
/// destination-passing style it is a linalg.copy into a new tensor, which
/// is then placed in workgroup memory (and later tiled over the threads).
void ScriptWriter::stageOperands() {
  staging.promoted = s.promoteOperands;
  llvm::sort(staging.promoted);
  std::vector<std::string> zeros, nofold, dims;
  for (auto [i, type] : llvm::enumerate(k.rootOperandTypes)) {
    bool isFloat = type[0] == 'f' || llvm::StringRef(type).starts_with("bf");
    zeros.push_back((isFloat ? "0.0 : " : "0 : ") + type);
    nofold.push_back(llvm::is_contained(staging.promoted, i) ? "1" : "0");
  }
  for (size_t i = 0; i < k.rootLoops.size(); ++i)
    dims.push_back(std::to_string(i));
  std::vector<std::string> &copies = staging.copies;
  for (int64_t operand : staging.promoted)
    copies.push_back(llvm::formatv("%copy{0}", operand).str());
  os << llvm::formatv(
      "    %promoted_root, %promote_pads, %promote_copy_back = "
      "transform.structured.pad {0} {{padding_values = [{1}], "
      "padding_dimensions = [{2}], nofold_flags = [{3}], copy_back_op = "
      "\"none\"} : ({4}) -> ({4}, {4}, {4})\n",
      rootHandle, llvm::join(zeros, ", "), llvm::join(dims, ", "),
      llvm::join(nofold, ", "), kOp);
  os << llvm::formatv("    %promote_copies = "
                      "transform.structured.rewrite_in_destination_passing_"
                      "style %promote_pads : ({0}) -> {0}\n",
                      kOp);
  os << llvm::formatv(
      "    {0} = transform.split_handle %promote_copies : ({1}) -> ({2})\n",
      llvm::join(copies, ", "), kOp,
      llvm::join(std::vector<std::string>(copies.size(), kOp), ", "));
  // A tensor that is only written is promoted without a copy.
  auto toWorkgroupMemory = [&](const std::string &op, int64_t operand,
                               llvm::StringRef name) {
    os << llvm::formatv(
        "    {0}_init = transform.get_operand {1}[{2}] : ({3}) -> "
        "!transform.any_value\n"
        "    {0}_smem = transform.structured.promote_tensor to "
        "#gpu.address_space<workgroup> {0}_init : !transform.any_value\n",
        name, op, operand, kOp);
  };
  for (const std::string &copy : copies)
    toWorkgroupMemory(copy, 1, copy);
  // A root that is the sink writes its accumulator back to the output,
  // with all threads: the workgroup loop's result insertion becomes a copy
  // (matched before any thread loop exists, so it is the only one).
  staging.writeBack = accumulatorInit && rootIsSink;
  if (accumulatorInit)
    toWorkgroupMemory(handles[*accumulatorInit], 1, "%accumulator");
  if (staging.writeBack)
    os << llvm::formatv(
        "    %block_loop = transform.structured.match ops{{[\"scf.forall\"]} "
        "in %root : ({0}) -> {0}\n"
        "    %writeback_insert = transform.structured.match "
        "ops{{[\"tensor.parallel_insert_slice\"]} in %block_loop : ({0}) -> "
        "{0}\n"
        "    %writeback = transform.structured.insert_slice_to_copy "
        "%writeback_insert : ({0}) -> {0}\n",
        kOp);
}

/// The block the staged thread loops run on.
void ScriptWriter::planStagedThreads() {
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
void ScriptWriter::ownTiles(const std::vector<int64_t> &shape,
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
void ScriptWriter::tileCopies() {
  const std::vector<int64_t> &blockDims = staging.blockDims;
  for (auto [copy, operand] : llvm::zip(staging.copies, staging.promoted)) {
    std::vector<int64_t> shape = promotedTileShape(s, k, operand);
    std::vector<int64_t> tiles(shape.size(), 0), perThread(shape);
    if (staging.mma) {
      ownTiles(shape, tiles, perThread);
    } else {
      for (size_t d = 0; d < std::min(shape.size(), blockDims.size()); ++d) {
        size_t dim = shape.size() - 1 - d;
        int64_t tile = 1;
        while (shape[dim] % tile != 0 || shape[dim] / tile > blockDims[d])
          ++tile;
        tiles[dim] = perThread[dim] = tile;
      }
    }
    os << llvm::formatv(
        "    {0}_tiled, {0}_forall = transform.structured."
        "tile_using_forall {0} tile_sizes {1} (mapping = {2}) : ({3}) -> "
        "({3}, {3})\n",
        copy, formatList(tiles), mapping(tiles, "thread", staging.mma), kOp);
    vectorizeIfSmall(copy + "_tiled", perThread);
  }
}

/// The accumulator's fill and write-back cover the workgroup tile.
void ScriptWriter::tileAccumulator() {
  std::vector<int64_t> accTiles(s.threadTile), accPerThread(staging.th);
  if (staging.mma)
    ownTiles(staging.wg, accTiles, accPerThread);
  for (int64_t op : fuseOrder) {
    if (!llvm::is_contained(k.rootInitProducers, op))
      continue;
    std::string tiled = llvm::formatv("%fill{0}_tiled", op).str();
    os << llvm::formatv(
        "    {0}, %fill{1}_forall = transform.structured."
        "tile_using_forall {2} tile_sizes {3} (mapping = {4}) : ({5}) -> "
        "({5}, {5})\n",
        tiled, op, handles[op], formatList(accTiles),
        mapping(accTiles, "thread", staging.mma), kOp);
    handles[op] = tiled;
    vectorizeIfSmall(tiled, accPerThread);
  }
  if (staging.writeBack) {
    os << llvm::formatv(
        "    %writeback_tiled, %writeback_forall = transform.structured."
        "tile_using_forall %writeback tile_sizes {0} (mapping = {1}) : "
        "({2}) -> ({2}, {2})\n",
        formatList(accTiles), mapping(accTiles, "thread", staging.mma), kOp);
    vectorizeIfSmall("%writeback_tiled", accPerThread);
  }
}

//===----------------------------------------------------------------------===//
// Matrix instruction
//===----------------------------------------------------------------------===//

/// The root's step per thread or, with a matrix instruction, per warp
/// (warpgroup), marked for kgen-lower-matrix-instructions.
void ScriptWriter::tileRootStep() {
  bool wgmma = s.matrixInstruction == MatrixInstruction::Wgmma;
  const char *kind = !staging.mma ? "thread" : wgmma ? "warpgroup" : "warp";
  os << llvm::formatv("    %root_threads, %root_forall = "
                      "transform.structured.tile_using_forall "
                      "%promoted_root tile_sizes {0} (mapping = {1}) : "
                      "({2}) -> ({2}, {2})\n",
                      tileList(k.rootParallel, staging.rootTiles, true),
                      mapping(staging.rootTiles, kind), kOp);
  if (staging.mma)
    os << llvm::formatv("    transform.annotate %root_threads \"{0}\" : "
                        "{1}\n",
                        wgmma ? kWgmmaAttr : kMmaSyncAttr, kOp);
}

/// The root's consumers, on the finished accumulator: per thread as usual,
/// or under a matrix instruction by linear id, a thread's whole tile
/// becoming vector code.
void ScriptWriter::tileStagedConsumers() {
  if (rootIsSink)
    return;
  if (staging.mma) {
    std::vector<int64_t> tiles, perThread;
    ownTiles(staging.wg, tiles, perThread);
    tileLevel(tiles, "thread", /*linear=*/true);
    if (!vectorize || product(perThread) > kMaxVectorElements)
      return;
  } else {
    tileLevel(s.threadTile, "thread");
    if (!vectorize)
      return;
    sinkHandle =
        vectorLevel(sinkHandle, k.sinkParallel, "%vector",
                    [this](int64_t op) { return skipInVectorLoop(op); });
  }
  toVectorize.push_back(sinkHandle);
  for (int64_t op : fuseOrder)
    if (!ownThreadLoops(op))
      toVectorize.push_back(handles[op]);
}

//===----------------------------------------------------------------------===//
// Vector stages
//===----------------------------------------------------------------------===//

void ScriptWriter::vectorizeAndLower() {
  // Every op of the vector tile becomes vector code, then n-D vectors are
  // lowered to the 1-D ones (and vector.reduction) that the LLVM, NVVM
  // and ROCDL conversions take: transfers unrolled to their innermost
  // dimension, contractions to outer products.
  // Contractions become vector.contract (then outer-product FMAs) when
  // they compute in one type; f16/bf16 ones accumulate in f32, which the
  // outer-product lowering cannot take, so they stay multiply and
  // reduce.
  const char *contractions =
      k.elementType == "f32" ? " {create_named_contraction}" : "";
  for (const std::string &handle : toVectorize)
    os << llvm::formatv("    transform.structured.vectorize {0}{1} : {2}\n",
                        handle, contractions, kOp);
  // In stages: the sets together can rewrite back and forth (one kernel
  // grew past 5 GB), and each stage is bounded, a runaway one failing the
  // script (rung 3) instead of exhausting memory. Shape casts are left to
  // the LLVM conversions: lowering them here cycles with transposes and
  // canonicalization (a transposed operand never converged).
  static const char *const stages[] = {
      "      transform.apply_patterns.vector.lower_contraction "
      "lowering_strategy = \"outerproduct\"\n"
      "      transform.apply_patterns.vector.lower_outerproduct\n"
      "      transform.apply_patterns.vector.lower_multi_reduction "
      "lowering_strategy = \"innerreduction\"\n",
      "      transform.apply_patterns.vector.transfer_permutation_patterns\n"
      "      transform.apply_patterns.vector.transfer_to_scf "
      "max_transfer_rank = 1 full_unroll = true\n"
      "      transform.apply_patterns.vector.lower_transfer "
      "max_transfer_rank = 1\n",
      "      transform.apply_patterns.vector.lower_broadcast\n"
      "      transform.apply_patterns.vector.lower_transpose\n"
      "      transform.apply_patterns.vector."
      "cast_away_vector_leading_one_dim\n"};
  for (const char *patterns : stages)
    os << "    transform.apply_patterns to %root {\n"
       << patterns
       << "      transform.apply_patterns.canonicalization\n"
          "    } {max_iterations = 10 : i64, max_num_rewrites = 100000 : "
          "i64} : "
       << kOp << "\n";
}

std::string mlir::kgen::expandSchedule(const Schedule &s, const KernelInfo &k) {
  std::string out;
  llvm::raw_string_ostream os(out);
  ScriptWriter(s, k, os).write();
  return out;
}
