//===- ReductionHeuristic.cpp - lanes for reduction kernels ---------------===//
//
// Rows are reduced by lanes that read 16-byte vectors in turn (coalesced)
// and combine with shuffles: a subgroup per row for short rows, several
// rows to a block; a block per row for long ones. docs/schedules.md gives
// the reasons for each threshold.
//
//===----------------------------------------------------------------------===//

#include "ReductionHeuristic.h"

#include "kgen/Schedule/Checks.h"
#include "kgen/Schedule/ScheduleJson.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::kgen;

namespace {
/// One load per lane moves this many bytes: the widest global load.
constexpr int64_t kLoadBytes = 16;
/// A lane reading fewer vectors than this leaves the memory system idle
/// between its loads: rows long enough for a block per row give each lane
/// at least this many.
constexpr int64_t kVectorsPerLane = 4;
/// A subgroup per row below this many vectors per row, a block per row
/// from there (a subgroup would read more than kVectorsPerLane * 8 vectors
/// per lane in turn, one row at a time).
constexpr int64_t kBlockRowVectors = 1024;
/// Threads per block when short rows share one.
constexpr int64_t kRowBlockThreads = 256;
/// Vectors per lane and reduction step: steps of this many loads in flight
/// per lane; shorter shares are read in one step.
constexpr int64_t kVectorsPerStep = 4;
/// A column reduction's block covers this many bytes of each row: a whole
/// 128-byte line per row and warp.
constexpr int64_t kRunBytes = 128;
constexpr int64_t kWholeShareVectors = 16;
/// Above this many lanes a block's threads have at most 64 of an SM's 65536
/// registers each, too few for a share of 16 vectors in one step: the
/// huber_loss and kl_div kernels (1024 lanes, two inputs per element)
/// spilled (ptxas -v, benchmarks/results/2026-12-06-cpu-kernel-resources).
/// Such blocks read their share in steps of kVectorsPerStep.
constexpr int64_t kWholeShareMaxLanes = 512;
/// A block stages the rows its kernel reads more than once when they take
/// at most this many bytes, and at most half the target's shared memory
/// per block (the rest for the lanes' partials): with the partials, three
/// such blocks still fit the 228 KB of an H100/H200 SM (a block per row of
/// 8192 floats runs 512 threads, so occupancy stays full); gfx942's 64 KB per
/// block takes rows of up to 32 KB. A wide block of one longer row stages
/// it if the target's block holds it (below).
constexpr int64_t kStagedRowBytes = 64 * 1024;
/// A block of one row with at least this many lanes stages a row of any
/// length that fits the target's block: alone on its SM it still runs
/// enough threads to keep the memory system busy, and it reads each
/// element once, where the unstaged block's later passes go to L2. A
/// narrower block (32 lanes: rows whose vectors only a warp divides) keeps
/// kStagedRowBytes, or an SM would hold a handful of its threads.
constexpr int64_t kWideRowBlockLanes = 512;

int64_t largestPowerOfTwoDividing(int64_t n, int64_t atMost) {
  int64_t p = 1;
  while (p * 2 <= atMost && n % (p * 2) == 0)
    p *= 2;
  return p;
}

/// Lanes of a block per row: the most, up to `atMost`, that split the row's
/// vectors evenly into whole subgroups. A row of 32000 floats (8000
/// vectors) gets 800 lanes, where the largest power of two dividing it
/// gives 64: a block of 64 threads per row would put 32 rows on each SM at
/// once, too many for their second reads to find them in L2. 1 (no lanes
/// at this width) where no multiple of a subgroup divides the row: fewer
/// lanes would leave the block's only subgroup partly empty.
int64_t blockRowLanes(int64_t vectors, int64_t atMost, int64_t subgroup) {
  for (int64_t lanes = atMost / subgroup * subgroup; lanes >= subgroup;
       lanes -= subgroup)
    if (vectors % lanes == 0)
      return lanes;
  return 1;
}

/// Lanes per row below which narrower vectors that give more lanes win.
constexpr int64_t kMinRowLanes = 8;

/// Whether the kernel reads through strides or gathers anywhere but in a
/// sink elementwise on the root's outputs (`rows` loops): such a sink
/// (cross-entropy's pick of each row's target logit) runs once per output,
/// unvectorized, after the lanes have combined the row.
bool stridedBeforeSink(const KernelInfo &k, size_t rows) {
  for (int64_t op = 0; op < k.numOps(); ++op)
    if (k.ops[op].readsStrided &&
        (op != k.sinkIndex || k.sinkParallelSizes().size() != rows))
      return true;
  return false;
}

/// Whether the root reduces rows the lanes can share: a linalg.generic
/// with one reduction loop, the innermost, reading kernel arguments.
bool reducesRows(const KernelInfo &k) {
  if (k.ops[k.rootIndex].kind != OpKind::Generic || k.rootResults != 1 ||
      k.rootReductionSizes().size() != 1 || k.rootParallel.back())
    return false;
  size_t rows = llvm::count(k.rootParallel, true);
  if (rows == 0 || rows > k.sinkParallelSizes().size() ||
      stridedBeforeSink(k, rows))
    return false;
  if (k.computedInputOf(k.rootIndex) >= 0)
    return false;
  return llvm::all_of(k.statistics, [&](int64_t stat) {
    return k.computedInputOf(stat) < 0;
  });
}

/// The sink's loops past the root's parallel ones (the row itself, for a
/// normalization's last op) take the lanes along x: each thread a chunk of
/// the row, in vectors. Returns false if they cannot.
bool spreadSinkOverLanes(const KernelInfo &k, size_t rows, int64_t lanes,
                         Schedule &s) {
  std::vector<int64_t> sizes = k.sinkParallelSizes();
  if (sizes.size() == rows)
    return true; // the sink is the root, or elementwise on its outputs
  if (sizes.size() != rows + 1 || sizes.back() % lanes != 0)
    return false;
  int64_t chunk = sizes.back() / lanes;
  s.workgroupTile.back() = 0; // the whole row, off the grid
  s.threadTile.back() = chunk;
  while (chunk % s.vectorWidth != 0)
    s.vectorWidth /= 2;
  return true;
}

/// The root's inputs that the kernel reads more than once per row (a
/// statistic reads them too, or a sink along the row, as a
/// normalization's does), staged in workgroup memory so that each element
/// is read from global memory once: kernel arguments read row by row. All
/// of them if their rows fit kStagedRowBytes, or, in a wide block of one
/// row, the target's shared memory per block (rung 2 counts the partials
/// too; the caller falls back to unstaged rows if they do not fit). Else
/// none: the later reads go through the L2 cache.
void stageRereadRows(const KernelInfo &k, const TargetDescription &target,
                     size_t rows, Schedule &s) {
  bool reread = !k.statistics.empty() || k.sinkParallelSizes().size() > rows;
  if (!reread)
    return;
  std::vector<int64_t> staged;
  int64_t bytes = 0;
  for (size_t i = 0; i < k.rootInputArgs.size(); ++i) {
    if (k.rootInputArgs[i] < 0 || !k.readsRowByRow(static_cast<int64_t>(i)))
      continue;
    int64_t rowBytes = k.rootLoops.back() *
                       k.rootOperandTypes[i].getIntOrFloatBitWidth() / 8;
    bytes += rowBytes * s.workgroupTile[rows - 1];
    staged.push_back(static_cast<int64_t>(i));
  }
  bool wideOneRow = s.workgroupTile[rows - 1] == 1 &&
                    s.reductionLanes >= kWideRowBlockLanes;
  int64_t limit =
      wideOneRow ? target.sharedMemoryPerBlock
                 : std::min(kStagedRowBytes, target.sharedMemoryPerBlock / 2);
  if (!staged.empty() && bytes <= limit)
    s.promoteOperands = staged;
}

/// Whether the root reduces columns the lanes can share: a linalg.generic
/// with one reduction loop outside its innermost (parallel) loop, reading
/// kernel arguments, whose sink is elementwise on its outputs.
bool reducesColumns(const KernelInfo &k) {
  return k.ops[k.rootIndex].kind == OpKind::Generic && k.rootResults == 1 &&
         !k.stridedReads &&
         k.rootReductionSizes().size() == 1 && k.rootParallel.back() &&
         k.statistics.empty() && k.computedInputOf(k.rootIndex) < 0 &&
         k.sinkParallelSizes().size() ==
             static_cast<size_t>(llvm::count(k.rootParallel, true));
}

/// Lanes for a column reduction: a block covers one 128-byte run of
/// columns of every row (W-element vectors on x), and as many lanes on y as
/// leave each at least kVectorsPerLane rows, each lane summing its rows.
/// Lanes for a row reduction with `width`-element vectors, if the row
/// splits into at least two lanes and the schedule passes the checks.
std::optional<Schedule> rowSchedule(const KernelInfo &k,
                                    const TargetDescription &target,
                                    const Schedule &base, int64_t width) {
  int64_t length = k.rootReductionSizes().front();
  if (length % width != 0)
    return std::nullopt;
  int64_t vectors = length / width;
  bool blockPerRow = vectors >= kBlockRowVectors;
  int64_t limit = blockPerRow ? std::min<int64_t>(target.maxThreadsPerBlock,
                                                  vectors / kVectorsPerLane)
                              : target.warpSize;
  int64_t lanes = blockPerRow
                      ? blockRowLanes(vectors, limit, target.warpSize)
                      : largestPowerOfTwoDividing(vectors, limit);
  if (lanes < 2)
    return std::nullopt;
  Schedule s;
  s.fuse = base.fuse;
  s.vectorWidth = width;
  s.reductionLanes = lanes;
  size_t rows = llvm::count(k.rootParallel, true);
  std::vector<int64_t> sizes = k.sinkParallelSizes();
  s.workgroupTile.assign(sizes.size(), 0);
  s.threadTile.assign(sizes.size(), 0);
  // The innermost row loop takes the block's y (several rows per block
  // for short rows); outer row loops one index per block.
  for (size_t i = 0; i < rows; ++i)
    s.workgroupTile[i] = 1;
  s.workgroupTile[rows - 1] = kgen::detail::largestDivisor(
      sizes[rows - 1], blockPerRow ? 1 : kRowBlockThreads / lanes);
  s.threadTile[rows - 1] = 1;
  if (!spreadSinkOverLanes(k, rows, lanes, s))
    return std::nullopt;
  stageRereadRows(k, target, rows, s);
  int64_t share = vectors / lanes;
  s.reductionTile = {share <= kWholeShareVectors && lanes <= kWholeShareMaxLanes
                         ? 0
                         : kgen::detail::largestDivisor(share, kVectorsPerStep)};
  if (!checkScheduleRanges(s, k).accepted)
    return std::nullopt;
  if (checkSchedule(s, k, target).accepted)
    return s;
  // Staged rows the checks refuse (shared memory) still leave the lanes.
  if (s.promoteOperands.empty())
    return std::nullopt;
  s.promoteOperands.clear();
  if (!checkSchedule(s, k, target).accepted)
    return std::nullopt;
  return s;
}

std::optional<Schedule> columnSchedule(const KernelInfo &k,
                                       const TargetDescription &target,
                                       const Schedule &base) {
  int64_t bytes =
      std::max<int64_t>(k.rootOperandTypes.front().getIntOrFloatBitWidth() / 8,
                        1);
  std::vector<int64_t> sizes = k.sinkParallelSizes();
  int64_t columns = sizes.back(), rows = k.rootReductionSizes().front();
  int64_t perBlock = kgen::detail::largestDivisor(columns, kRunBytes / bytes);
  Schedule s;
  s.fuse = base.fuse;
  s.vectorWidth = 1;
  while (s.vectorWidth * 2 * bytes <= kLoadBytes &&
         perBlock % (s.vectorWidth * 2) == 0)
    s.vectorWidth *= 2;
  int64_t x = perBlock / s.vectorWidth;
  s.reductionLanes = largestPowerOfTwoDividing(
      rows, std::min(target.maxThreadsPerBlock / x, rows / kVectorsPerLane));
  if (s.reductionLanes < 2)
    return std::nullopt;
  s.workgroupTile.assign(sizes.size(), 1);
  s.workgroupTile.back() = perBlock;
  s.threadTile.assign(sizes.size(), 0);
  s.threadTile.back() = s.vectorWidth;
  int64_t share = rows / s.reductionLanes;
  s.reductionTile = {share <= kWholeShareVectors
                         ? 0
                         : kgen::detail::largestDivisor(share, kVectorsPerStep)};
  return s;
}
} // namespace

std::optional<Schedule>
mlir::kgen::laneReductionSchedule(const KernelInfo &k,
                                  const TargetDescription &target,
                                  const Schedule &base) {
  if (reducesColumns(k)) {
    std::optional<Schedule> s = columnSchedule(k, target, base);
    if (s && checkScheduleRanges(*s, k).accepted &&
        checkSchedule(*s, k, target).accepted)
      return s;
    return std::nullopt;
  }
  if (!reducesRows(k))
    return std::nullopt;
  Type input = k.rootOperandTypes.front();
  int64_t bytes = std::max<int64_t>(input.getIntOrFloatBitWidth() / 8, 1);
  // The widest vectors (16-byte loads) whose lanes make a schedule that
  // passes: a row of 12000 floats gets 800 lanes of single floats, since
  // no multiple of a warp divides its 3000 vectors of 4.
  // A gathering root reads element by element: lanes, but no vectors.
  // Rows that give the widest vectors fewer than kMinRowLanes lanes take
  // narrower ones if those give more lanes: cross-entropy's rows of 1000
  // floats are 250 vectors of 4, which only 2 lanes divide, and were
  // slower so than as 8 lanes of single floats (benchmarks/results/
  // 2026-12-07-h100-suite-577d3df). Few lanes leave most threads idle.
  int64_t widest = k.rootGathers ? 1 : kLoadBytes / bytes;
  std::optional<Schedule> best;
  for (int64_t width = widest; width >= 1; width /= 2) {
    std::optional<Schedule> s = rowSchedule(k, target, base, width);
    if (!s)
      continue;
    if (s->reductionLanes >= kMinRowLanes)
      return s;
    if (!best || s->reductionLanes > best->reductionLanes)
      best = s;
  }
  return best;
}
