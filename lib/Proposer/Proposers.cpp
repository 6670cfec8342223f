//===- Proposers.cpp - heuristic, random, replay and LLM proposers --------===//
//
// nlohmann::json is used without exceptions (kgen builds with
// -fno-exceptions): every value is type-checked before it is read, parsing
// uses the non-throwing overload and dumping replaces invalid UTF-8.
//
//===----------------------------------------------------------------------===//

#include "kgen/Proposer/Proposer.h"

#include "ReductionHeuristic.h"
#include "kgen/Support/BoundedJson.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <array>
#include <map>
#include <random>

using namespace mlir;
using namespace mlir::kgen;
using nlohmann::json;
using mlir::kgen::detail::largestDivisor;

int64_t mlir::kgen::detail::largestDivisor(int64_t size, int64_t atMost) {
  for (int64_t d = std::min(atMost, size); d > 1; --d)
    if (size % d == 0)
      return d;
  return 1;
}

Proposer::~Proposer() = default;

static std::string dumpJson(const json &j, int indent = -1) {
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

//===----------------------------------------------------------------------===//
// Heuristic
//===----------------------------------------------------------------------===//

namespace {

/// Whether a linalg.transpose of the kernel feeds its root.
bool readsFusedTranspose(const KernelInfo &kernel) {
  for (auto [op, kernelOp] : llvm::enumerate(kernel.ops))
    if (kernelOp.kind == OpKind::Transpose &&
        llvm::is_contained(kernel.consumers[op], kernel.rootIndex))
      return true;
  return false;
}


/// The sink parallel loops worth spreading over the grid and the block,
/// innermost first: the innermost loops (contiguous in memory) with more
/// than one iteration. With more than three parallel loops (convolutions
/// and their padding: batch, groups, channels, rows, columns), the loops
/// not on the grid run whole inside each thread: the grid takes the
/// innermost loop and the two largest others, leaving the smallest in the
/// thread.
std::vector<size_t> gridLoops(const KernelInfo &kernel, bool gemm) {
  std::vector<int64_t> sizes = kernel.sinkParallelSizes();
  size_t n = sizes.size();
  std::vector<size_t> candidates;
  for (size_t i = n; i-- > 0 && candidates.size() < 3;)
    if (sizes[i] > 1)
      candidates.push_back(i);
  if (gemm)
    return candidates;
  std::vector<size_t> wide;
  for (size_t i = 0; i + 1 < n; ++i)
    if (sizes[i] > 1 && (candidates.empty() || i != candidates.front()))
      wide.push_back(i);
  if (!candidates.empty() && wide.size() + 1 > 3) {
    std::stable_sort(wide.begin(), wide.end(),
                     [&](size_t a, size_t b) { return sizes[a] > sizes[b]; });
    candidates = {candidates.front(), std::max(wide[0], wide[1]),
                  std::min(wide[0], wide[1])};
  }
  return candidates;
}

/// Workgroup and thread tiles of the heuristic schedule, by kernel class.
void chooseTiles(const KernelInfo &kernel, Schedule &schedule) {
  std::vector<int64_t> sizes = kernel.sinkParallelSizes();
  std::vector<int64_t> &wg = schedule.workgroupTile;
  std::vector<int64_t> &th = schedule.threadTile;
  wg.assign(sizes.size(), 0);
  th.assign(sizes.size(), 0);
  bool hasReduction = !kernel.rootReductionSizes().empty();
  bool gemm = hasReduction && kernel.matmulLike();
  std::vector<size_t> candidates = gridLoops(kernel, gemm);
  for (size_t c = 0; c < candidates.size(); ++c) {
    size_t i = candidates[c];
    if (gemm && candidates.size() >= 2) {
      // Output tiles of 64x64 per workgroup, 4x4 per thread: 256 threads,
      // 16 accumulators each; batch loops get one workgroup per index.
      wg[i] = largestDivisor(sizes[i], c < 2 ? 64 : 1);
      if (c < 2)
        th[i] = largestDivisor(wg[i], 4);
    } else if (hasReduction) {
      // One thread per output element, 128 outputs of the innermost loop
      // per workgroup; where that loop is shorter, rows of the next loop
      // fill the block up to 256 threads (a depthwise convolution's rows
      // of 56: 4 of them, measured 1.26x faster than one,
      // benchmarks/results/2026-12-07-h100-suite-7d6986d, call 2).
      int64_t limit = c == 0 ? 128
                      : c == 1 ? std::max<int64_t>(1, 256 / wg[candidates[0]])
                               : 1;
      wg[i] = largestDivisor(sizes[i], limit);
      if (c == 0 || wg[i] > 1)
        th[i] = 1;
    } else {
      // Elementwise: 256-wide rows of 4 elements per thread, 4 rows per
      // workgroup: 256 threads.
      wg[i] = largestDivisor(sizes[i], c == 0 ? 256 : c == 1 ? 4 : 1);
      if (c < 2)
        th[i] = largestDivisor(wg[i], c == 0 ? 4 : 1);
    }
  }
}

/// Widens workgroup tiles whose loop would need more blocks than the
/// target's grid dimension holds (tall tensors: y and z take 65535
/// blocks). The thread tile grows by the same factor, so the block keeps
/// its threads; tiles still divide their loops.
void fitGrid(const KernelInfo &kernel, const TargetDescription &target,
             Schedule &schedule) {
  std::vector<int64_t> sizes = kernel.sinkParallelSizes();
  std::vector<int64_t> &wg = schedule.workgroupTile, &th = schedule.threadTile;
  size_t dim = 0;
  for (size_t i = sizes.size(); i-- > 0 && dim < target.maxGridSize.size();) {
    if (!wg[i])
      continue;
    int64_t limit = target.maxGridSize[dim++];
    if (sizes[i] / wg[i] <= limit)
      continue;
    // The smallest multiple of the tile that divides the loop into at most
    // `limit` blocks, found from the least that could (a handful of steps
    // for the sizes models have; the whole loop for a large prime).
    int64_t least = (sizes[i] + limit - 1) / limit;
    int64_t tile = (least + wg[i] - 1) / wg[i] * wg[i];
    while (tile < sizes[i] && sizes[i] % tile != 0)
      tile += wg[i];
    tile = std::min(tile, sizes[i]);
    if (th[i])
      th[i] = largestDivisor(tile, th[i] * (tile / wg[i]));
    wg[i] = tile;
  }
}

/// Vectors along the innermost thread tile (contiguous in memory), for
/// linalg sinks; a vectorized reduction step must stay small.
/// Whether every op of `kernel` that reads through strides or gathers
/// computes a root operand that staging computes into workgroup memory.
bool onlyStagedProducersGather(const KernelInfo &kernel) {
  for (int64_t op = 0; op < kernel.numOps(); ++op) {
    if (!kernel.ops[op].readsStrided)
      continue;
    bool staged = false;
    for (size_t input = 0; input < kernel.rootInputProducers.size(); ++input)
      staged |= kernel.stagedProducerOf(input) == op;
    if (!staged)
      return false;
  }
  return true;
}

int64_t chooseVectorWidth(const KernelInfo &kernel, const Schedule &tiles,
                          bool stagedGathers = false) {
  int64_t innermost = 1;
  for (size_t i = tiles.threadTile.size(); i-- > 0;)
    if (tiles.threadTile[i]) {
      innermost = tiles.threadTile[i];
      break;
    }
  int64_t vector = innermost % 4 == 0 ? 4 : innermost % 2 == 0 ? 2 : 1;
  if (!isLinalg(kernel.ops[kernel.sinkIndex].kind) ||
      (kernel.stridedReads && !stagedGathers))
    vector = 1;
  // A contraction reading a transpose fused into its kernel, over a tiled
  // reduction, reads that operand across its vectors at every step: each
  // step unrolls into element shuffles, which makes the kernel some 25
  // times larger and slow to compile. Over a whole (short) reduction the
  // vectorized code stays small and keeps its operands in registers.
  bool tiledReduction = llvm::any_of(tiles.reductionTile,
                                     [](int64_t tile) { return tile > 0; });
  if (tiledReduction && readsFusedTranspose(kernel))
    vector = 1;
  Schedule shape;
  shape.reductionTile = tiles.reductionTile;
  shape.vectorWidth = vector;
  while (shape.vectorWidth > 1 &&
         vectorElements(shape, kernel) > kMaxVectorElements)
    shape.vectorWidth /= 2;
  return shape.vectorWidth;
}

/// `candidate` double-buffered if it passes rungs 1-2, else synchronous if
/// that passes. Staged copies are double-buffered (cp.async, one step
/// ahead) where the second buffers fit: the next step's loads from global
/// memory then overlap this step's compute (measured faster for the f32
/// and the f16 mma_sync gemms: benchmarks/results/2026-11-21-h200-pipeline
/// and benchmarks/results/2026-11-21-h200-wgmma, call 3).
std::optional<Schedule> withPipeline(Schedule candidate,
                                     const KernelInfo &kernel,
                                     const TargetDescription &target) {
  auto passesChecks = [&] {
    return checkScheduleRanges(candidate, kernel).accepted &&
           checkSchedule(candidate, kernel, target).accepted;
  };
  candidate.pipelineDepth = 2;
  if (passesChecks())
    return candidate;
  candidate.pipelineDepth = 1;
  if (passesChecks())
    return candidate;
  return std::nullopt;
}

/// On sm_90a, wgmma: one warpgroup computes a 128x128 tile (the generic
/// tile, 64, where a loop does not divide by 128) with m64nNk16, 64 steps
/// of the reduction at a time (the swizzled tiles' width), double-buffered:
/// the fastest of the shapes measured side by side (2 warpgroups of
/// 64x128, 3 buffers, 128x256 and 64x64 tiles, mma_sync;
/// benchmarks/results/2026-11-21-h200-wgmma, call 3).
Schedule wgmmaForm(const KernelInfo &kernel, Schedule wgmma) {
  std::vector<int64_t> sizes = kernel.sinkParallelSizes();
  for (size_t i = 0; i < wgmma.threadTile.size(); ++i)
    if (wgmma.threadTile[i]) {
      if (sizes[i] % 128 == 0)
        wgmma.workgroupTile[i] = 128;
      wgmma.threadTile[i] = wgmma.workgroupTile[i];
    }
  wgmma.reductionTile.clear();
  for (int64_t size : kernel.rootReductionSizes())
    wgmma.reductionTile.push_back(size > 64 && size % 64 == 0 ? 64 : 0);
  wgmma.vectorWidth = 8;
  wgmma.matrixInstruction = MatrixInstruction::Wgmma;
  return wgmma;
}

/// f16 gemms on NVIDIA use tensor cores: each of the 4 warps computes a
/// 32x32 quarter of the 64x64 tile with mma.sync, 64 steps of the reduction
/// at a time (half the steps, and so half the barriers, of 32-steps;
/// measured faster: benchmarks/results/2026-11-21-h200-mma); copies move 8
/// halves (16 bytes) per thread.
Schedule mmaSyncForm(const KernelInfo &kernel, Schedule mma) {
  for (size_t i = 0; i < mma.threadTile.size(); ++i)
    if (mma.threadTile[i])
      mma.threadTile[i] = std::min<int64_t>(32, mma.workgroupTile[i]);
  mma.reductionTile.clear();
  for (int64_t size : kernel.rootReductionSizes())
    mma.reductionTile.push_back(size > 64 && size % 64 == 0   ? 64
                                : size > 32 && size % 32 == 0 ? 32
                                : size % 16 == 0              ? 16
                                                              : 0);
  mma.vectorWidth = 8;
  mma.matrixInstruction = MatrixInstruction::MmaSync;
  return mma;
}

/// The staged reduction step: 16, else the largest multiple of 4 below it
/// that divides the loop (72 in steps of 12), else the whole loop. A whole
/// loop of 72 (a grouped convolution's 8 channels x 3 x 3) kept a thread's
/// 72 x 4 operand fragment live at once: 255 registers and spills
/// (benchmarks/results/2026-12-06-cpu-kernel-resources).
int64_t stagedReductionStep(int64_t size) {
  for (int64_t step = 16; step >= 4; step -= 4)
    if (size > step && size % step == 0)
      return step;
  return 0;
}

/// Gemms stage both operands' tiles through shared memory, 16 steps of the
/// reduction at a time, where the kernel's fusion allows it and the tiles
/// fit the target: a workgroup then loads each operand element from global
/// memory once and its threads share it, instead of every thread loading
/// its own (measured: benchmarks/results/2026-11-21-h200-promote). Tensor
/// cores come first where the target has them.
std::optional<Schedule> stagedGemm(const KernelInfo &kernel,
                                   const TargetDescription &target,
                                   Schedule promoted) {
  promoted.promoteOperands = {0, 1};
  promoted.reductionTile.clear();
  for (int64_t size : kernel.rootReductionSizes())
    promoted.reductionTile.push_back(stagedReductionStep(size));
  // Gathers (an im2col) that only stage promoted operands become vector
  // gathers of their own; the root and its epilogue read workgroup memory.
  if (onlyStagedProducersGather(kernel))
    promoted.vectorWidth = chooseVectorWidth(kernel, promoted,
                                             /*stagedGathers=*/true);
  auto has = [&](MatrixInstruction instruction) {
    return llvm::is_contained(target.matrixInstructions, instruction);
  };
  if (has(MatrixInstruction::Wgmma))
    if (auto pipelined =
            withPipeline(wgmmaForm(kernel, promoted), kernel, target))
      return pipelined;
  if (has(MatrixInstruction::MmaSync))
    if (auto pipelined =
            withPipeline(mmaSyncForm(kernel, promoted), kernel, target))
      return pipelined;
  return withPipeline(promoted, kernel, target);
}

} // namespace

Schedule mlir::kgen::heuristicSchedule(const KernelInfo &kernel,
                                       const TargetDescription &target,
                                       bool lanes) {
  Schedule schedule;
  chooseTiles(kernel, schedule);
  fitGrid(kernel, target, schedule);
  for (int64_t size : kernel.rootReductionSizes())
    schedule.reductionTile.push_back(size > 64 ? 32 : 0);
  schedule.vectorWidth = chooseVectorWidth(kernel, schedule);
  // Every op but the sink inside the tile loops (a kernel is one launch).
  for (int64_t op = 0; op < kernel.numOps(); ++op)
    if (op != kernel.sinkIndex)
      schedule.fuse.push_back(op);
  if (!kernel.rootReductionSizes().empty() && kernel.matmulLike())
    if (std::optional<Schedule> staged = stagedGemm(kernel, target, schedule))
      return *staged;
  if (lanes)
    if (std::optional<Schedule> rows =
            laneReductionSchedule(kernel, target, schedule))
      return *rows;
  return schedule; // other limits hold by construction (<= 256 threads)
}

std::vector<Schedule> mlir::kgen::simplerSchedules(const Schedule &schedule) {
  std::vector<Schedule> simpler;
  Schedule current = schedule;
  if (current.pipelineDepth != 1) {
    current.pipelineDepth = 1; // synchronous copies
    simpler.push_back(current);
  }
  if (current.matrixInstruction == MatrixInstruction::Wgmma) {
    // Warps instead of warpgroups: a warpgroup tile's multiples of 64 are
    // halved (the heuristic's 128x128 tile gets 4 warps of 64x64).
    current.matrixInstruction = MatrixInstruction::MmaSync;
    for (int64_t &tile : current.threadTile)
      if (tile % 64 == 0)
        tile /= 2;
    simpler.push_back(current);
  }
  if (current.matrixInstruction != MatrixInstruction::None) {
    // Without tensor cores a thread computes what a warp did: the
    // heuristic's 32x32 warp tiles become its 4x4 thread tiles.
    current.matrixInstruction = MatrixInstruction::None;
    for (int64_t &tile : current.threadTile)
      if (tile % 8 == 0)
        tile /= 8;
    current.vectorWidth = std::min<int64_t>(current.vectorWidth, 4);
    simpler.push_back(current);
  }
  if (!current.promoteOperands.empty()) {
    current.promoteOperands.clear();
    simpler.push_back(current);
  }
  if (current.vectorWidth != 1) {
    current.vectorWidth = 1;
    simpler.push_back(current);
  }
  return simpler;
}

namespace {
class HeuristicProposer final : public Proposer {
public:
  llvm::StringRef name() const override { return "heuristic"; }
  std::vector<Candidate> propose(const ProposalRequest &request) override {
    Candidate c;
    c.schedule = heuristicSchedule(request.kernel, request.target).toJson();
    return {c};
  }
};

//===----------------------------------------------------------------------===//
// Random
//===----------------------------------------------------------------------===//

/// The share of random schedules broken on purpose, one rule at a time:
/// every rejection path of the verifier stays exercised, while the others,
/// drawn within the rules, mostly pass and so exercise what accepted
/// schedules can hold (staging, pipelining, matrix instructions, split
/// reductions, vectors).
constexpr double kBrokenShare = 0.15;

/// Draws per schedule until one fits the target's limits.
constexpr int kDrawsPerSchedule = 16;

/// A matmul-like root's M and N (positions among its parallel loops, which
/// line up with the sink's) and whether its operands are laid out as wgmma
/// takes them (A with K contiguous, B with N contiguous). Its K is its one
/// reduction loop.
struct MatmulDims {
  size_t m = 0, n = 0;
  bool wgmmaLayout = false;
};

/// The M and N of a matmul-like root with one reduction loop: the parallel
/// loop only A indexes and the one only B indexes (rung 2 reads them the
/// same way).
std::optional<MatmulDims> matmulDims(const KernelInfo &k) {
  if (!k.matmulLike() || k.rootInputLoops.size() != 2 ||
      k.rootReductionSizes().size() != 1)
    return std::nullopt;
  auto uses = [&](size_t input, size_t loop) {
    return llvm::is_contained(k.rootInputLoops[input],
                              static_cast<int64_t>(loop));
  };
  std::optional<size_t> m, n;
  int64_t mLoop = -1, nLoop = -1, kLoop = -1;
  for (size_t loop = 0, parallel = 0; loop < k.rootLoops.size(); ++loop) {
    if (!k.rootParallel[loop]) {
      kLoop = loop;
      continue;
    }
    if (uses(0, loop) != uses(1, loop)) {
      std::optional<size_t> &dim = uses(0, loop) ? m : n;
      if (dim)
        return std::nullopt;
      dim = parallel;
      (uses(0, loop) ? mLoop : nLoop) = loop;
    }
    ++parallel;
  }
  if (!m || !n)
    return std::nullopt;
  auto lastTwo = [&](size_t input, int64_t outer, int64_t inner) {
    const std::vector<int64_t> &loops = k.rootInputLoops[input];
    size_t size = loops.size();
    return size >= 2 && loops[size - 2] == outer && loops[size - 1] == inner;
  };
  return MatmulDims{*m, *n,
                    lastTwo(0, mLoop, kLoop) && lastTwo(1, kLoop, nLoop)};
}

/// Whether `instruction` takes the root's operand types: f16 operands
/// accumulated in f32 (wgmma takes bf16 too).
bool takesOperandTypes(MatrixInstruction instruction, const KernelInfo &k) {
  const std::vector<Type> &types = k.rootOperandTypes;
  if (types.size() != 3 || !types[0] || types[0] != types[1] || !types[2] ||
      !types[2].isF32())
    return false;
  return types[0].isF16() ||
         (instruction == MatrixInstruction::Wgmma && types[0].isBF16());
}

/// Whether promote_operands applies: a matmul-like root whose kernel holds
/// only the root, its fill and ops downstream of it (the expansion places
/// only those around the staged reduction loop).
bool promotable(const KernelInfo &k) {
  if (!k.matmulLike())
    return false;
  std::vector<bool> allowed(k.numOps(), false);
  std::vector<int64_t> work = {k.rootIndex};
  allowed[k.rootIndex] = true;
  while (!work.empty()) {
    int64_t op = work.back();
    work.pop_back();
    for (int64_t user : k.consumers[op])
      if (!allowed[user]) {
        allowed[user] = true;
        work.push_back(user);
      }
  }
  for (int64_t op : k.rootInitProducers)
    allowed[op] = allowed[op] || k.ops[op].kind == OpKind::Fill;
  return llvm::all_of(allowed, [](bool a) { return a; });
}

/// What the random proposer reads off a kernel to draw schedules within
/// the rules of rungs 1 and 2 (docs/schedules.md).
struct KernelFacts {
  std::vector<int64_t> sizes;      // sink parallel loops
  std::vector<int64_t> reductions; // root reduction loops
  bool vectorizable = false;       // a linalg sink with a parallel loop
  bool splittable = false;         // split_reduction applies
  bool promotable = false;         // promote_operands applies
  bool laneable = false;           // reduction_lanes may apply
  std::optional<MatmulDims> matmul;
  /// The target's matrix instructions kgen generates for this root, its
  /// operand types and layout, and whose units its loops divide into.
  std::vector<MatrixInstruction> instructions;
};

KernelFacts factsOf(const KernelInfo &k, const TargetDescription &target) {
  KernelFacts f;
  f.sizes = k.sinkParallelSizes();
  f.reductions = k.rootReductionSizes();
  f.vectorizable = isLinalg(k.ops[k.sinkIndex].kind) && !f.sizes.empty();
  // One reduction loop, the innermost, of at least 4 (2 chunks of 2).
  f.splittable = k.rootIndex == k.sinkIndex && k.statistics.empty() &&
                 f.reductions.size() == 1 &&
                 !k.rootParallel.back() && f.reductions[0] >= 4;
  f.promotable = promotable(k);
  // One reduction loop, the innermost, of a generic root with one output.
  f.laneable = f.reductions.size() == 1 && !k.rootParallel.back() &&
               k.ops[k.rootIndex].kind == OpKind::Generic &&
               k.rootResults == 1;
  f.matmul = matmulDims(k);
  for (MatrixInstruction instruction : target.matrixInstructions) {
    std::optional<MatrixTiling> tiling = matrixTiling(instruction);
    if (!f.promotable || !f.matmul || !tiling ||
        !takesOperandTypes(instruction, k) ||
        (instruction == MatrixInstruction::Wgmma && !f.matmul->wgmmaLayout))
      continue;
    // Whole instructions along M, N and K.
    if (f.sizes[f.matmul->m] % tiling->mUnit == 0 &&
        f.sizes[f.matmul->n] % tiling->nUnit == 0 &&
        f.reductions[0] % tiling->stepUnit == 0)
      f.instructions.push_back(instruction);
  }
  return f;
}

/// The effective thread tile of the loop vector_width applies to: the
/// innermost loop with a thread tile, else the innermost loop.
int64_t vectorLoopThreadTile(const Schedule &s, const KernelFacts &f) {
  size_t v = f.sizes.size() - 1;
  for (size_t i = f.sizes.size(); i-- > 0;)
    if (s.threadTile[i]) {
      v = i;
      break;
    }
  int64_t wg = s.workgroupTile[v] ? s.workgroupTile[v] : f.sizes[v];
  return s.threadTile[v] ? std::min(s.threadTile[v], wg) : wg;
}

/// The rung 2 limits that depend on sizes rather than rules: loops mapped
/// per level, threads, grid, registers and shared memory, by the resource
/// model rung 2 uses.
bool fitsTarget(const Schedule &s, const KernelInfo &k,
                const TargetDescription &target) {
  auto mapped = [](const std::vector<int64_t> &tiles) {
    return llvm::count_if(tiles, [](int64_t t) { return t != 0; });
  };
  if (mapped(s.workgroupTile) + (s.splitReduction > 1 ? 1 : 0) >
          kMaxMappedLoops ||
      mapped(s.threadTile) > kMaxMappedLoops)
    return false;
  if (threadsPerBlock(s, k) > target.maxThreadsPerBlock ||
      estimateRegisters(s, k) > target.registersPerThread ||
      estimateSharedMemory(s, k) > target.sharedMemoryPerBlock)
    return false;
  std::vector<int64_t> grid = gridSize(s, k);
  for (size_t d = 0; d < grid.size() && d < target.maxGridSize.size(); ++d)
    if (grid[d] > target.maxGridSize[d])
      return false;
  return true;
}

/// Seeded, deterministic sampling of the schedule space: mostly schedules
/// drawn within the rules (tiles dividing their loops, staging only for
/// matmul-like roots, matrix instructions only where the root's types,
/// layout and sizes take them, and so on), and a share broken on purpose.
class RandomProposer final : public Proposer {
public:
  explicit RandomProposer(uint64_t seed) : rng(seed) {}
  llvm::StringRef name() const override { return "random"; }

  std::vector<Candidate> propose(const ProposalRequest &request) override {
    KernelFacts facts = factsOf(request.kernel, request.target);
    std::vector<Candidate> out;
    for (unsigned i = 0; i < request.count; ++i) {
      Schedule s = withinRules(request.kernel, request.target, facts);
      Candidate c;
      c.schedule = chance(kBrokenShare) ? broken(s, request.kernel, facts)
                                        : encode(s, request.kernel);
      out.push_back(std::move(c));
    }
    return out;
  }

private:
  bool chance(double p) {
    return std::uniform_real_distribution<>(0, 1)(rng) < p;
  }
  size_t index(size_t n) {
    return std::uniform_int_distribution<size_t>(0, n - 1)(rng);
  }
  int64_t pick(std::initializer_list<int64_t> values) {
    return values.begin()[index(values.size())];
  }
  /// A divisor of `size` that is a multiple of `unit`, from `least` to
  /// `atMost`, or 0 if there is none. Tiles that divide their loops leave
  /// no partial tiles, which GPU mapping cannot take.
  int64_t divisor(int64_t size, int64_t unit = 1, int64_t atMost = 256,
                  int64_t least = 1) {
    std::vector<int64_t> all;
    for (int64_t d = unit; d <= std::min(size, atMost); d += unit)
      if (size % d == 0 && d >= least)
        all.push_back(d);
    return all.empty() ? 0 : all[index(all.size())];
  }

  Schedule withinRules(const KernelInfo &k, const TargetDescription &target,
                       const KernelFacts &f);
  Schedule draw(const KernelFacts &f, const KernelInfo &k,
                const TargetDescription &target);
  void parallelTiles(Schedule &s, const KernelFacts &f);
  void reductionTiles(Schedule &s, const KernelFacts &f);
  void laneTiles(Schedule &s, const KernelInfo &k, const KernelFacts &f,
                 const TargetDescription &target);
  bool matrixTiles(Schedule &s, const KernelFacts &f);
  int64_t vectorWidth(const Schedule &s, const KernelInfo &k,
                      const KernelFacts &f);
  nlohmann::json encode(const Schedule &s, const KernelInfo &k);
  nlohmann::json broken(Schedule s, const KernelInfo &k, const KernelFacts &f);
  nlohmann::json brokenDocument(nlohmann::json j);
  nlohmann::json brokenTileList(Schedule s, const KernelInfo &k,
                                const KernelFacts &f);
  nlohmann::json brokenScalar(Schedule s, const KernelInfo &k,
                              const KernelFacts &f);
  nlohmann::json brokenFusion(Schedule s, const KernelInfo &k);
  nlohmann::json brokenStaging(Schedule s, const KernelInfo &k,
                               const KernelFacts &f);
  nlohmann::json brokenResources(Schedule s, const KernelInfo &k,
                                 const KernelFacts &f);
  nlohmann::json partialTile(Schedule s, const KernelInfo &k,
                             const KernelFacts &f);

  std::mt19937_64 rng;
};

/// The first of kDrawsPerSchedule draws that fits the target; the last
/// draw if none does (then it tests the resource checks).
Schedule RandomProposer::withinRules(const KernelInfo &k,
                                     const TargetDescription &target,
                                     const KernelFacts &f) {
  Schedule s;
  for (int attempt = 0; attempt < kDrawsPerSchedule; ++attempt) {
    s = draw(f, k, target);
    if (fitsTarget(s, k, target))
      break;
  }
  return s;
}

Schedule RandomProposer::draw(const KernelFacts &f, const KernelInfo &k,
                              const TargetDescription &target) {
  Schedule s;
  // On a GPU every op but the sink runs inside the tile loops.
  for (int64_t op = 0; op < k.numOps(); ++op)
    if (op != k.sinkIndex)
      s.fuse.push_back(op);
  if (f.splittable && chance(0.3))
    s.splitReduction = divisor(f.reductions[0], 1, f.reductions[0] / 2, 2);
  if (f.promotable && !s.splitReduction && chance(0.6))
    s.promoteOperands = chance(0.5)   ? std::vector<int64_t>{0, 1}
                        : chance(0.5) ? std::vector<int64_t>{1, 0}
                                      : std::vector<int64_t>{pick({0, 1})};
  if (s.promoteOperands.size() == 2 && !f.instructions.empty() && chance(0.8))
    s.matrixInstruction = f.instructions[index(f.instructions.size())];
  if (s.matrixInstruction == MatrixInstruction::None || !matrixTiles(s, f)) {
    s.matrixInstruction = MatrixInstruction::None;
    parallelTiles(s, f);
    reductionTiles(s, f);
  }
  // Deeper pipelines where rung 2 allows them: staged operands, a
  // reduction of several steps, cp.async (NVIDIA).
  bool severalSteps = false;
  for (auto [tile, size] : llvm::zip(s.reductionTile, f.reductions))
    severalSteps |= tile != 0 && tile < size;
  if (!s.promoteOperands.empty() && severalSteps &&
      target.vendor == GpuVendor::Nvidia)
    s.pipelineDepth = pick({1, 2, 2, 3, 4});
  s.vectorWidth = vectorWidth(s, k, f);
  if (f.laneable && s.splitReduction <= 1 && s.promoteOperands.empty() &&
      s.matrixInstruction == MatrixInstruction::None && chance(0.3))
    laneTiles(s, k, f, target);
  // Thread loops run inside a workgroup loop: at least one loop on the
  // grid, if only in one tile of its whole size.
  if (!f.sizes.empty() &&
      llvm::all_of(s.workgroupTile, [](int64_t t) { return t == 0; })) {
    size_t i = index(f.sizes.size());
    s.workgroupTile[i] = f.sizes[i];
  }
  return s;
}

/// Workgroup and thread tiles dividing their loops: up to 3 loops on the
/// grid (2 beside a split reduction, which takes a grid dimension) and up
/// to 3 on the block, the innermost (contiguous in memory) most often.
void RandomProposer::parallelTiles(Schedule &s, const KernelFacts &f) {
  size_t n = f.sizes.size();
  s.workgroupTile.assign(n, 0);
  s.threadTile.assign(n, 0);
  int gridLoops = s.splitReduction > 1 ? 2 : 3, blockLoops = 3;
  for (size_t i = n; i-- > 0;) {
    double likely = i + 1 == n ? 0.9 : 0.6;
    if (gridLoops > 0 && chance(likely)) {
      s.workgroupTile[i] = divisor(f.sizes[i]);
      --gridLoops;
    }
    int64_t wg = s.workgroupTile[i] ? s.workgroupTile[i] : f.sizes[i];
    if (blockLoops > 0 && chance(likely)) {
      s.threadTile[i] = divisor(wg, 1, pick({1, 2, 4, 8, 16}));
      --blockLoops;
    }
  }
}

/// Reduction steps dividing their loops (within a chunk under a split), or
/// 0: the whole loop in one step.
void RandomProposer::reductionTiles(Schedule &s, const KernelFacts &f) {
  s.reductionTile.clear();
  for (int64_t size : f.reductions) {
    if (s.splitReduction > 1)
      size /= s.splitReduction;
    s.reductionTile.push_back(chance(0.35) ? 0 : divisor(size, 1, 64));
  }
}

/// Lanes on the root's reduction loop: a count the language allows (a
/// power of two or a multiple of 32; rung 2 refuses those that do not fit
/// the target's subgroups) whose lanes each take whole vectors of it, one output per thread of the root's parallel
/// loops, and steps counted in vectors per lane, sometimes with staged
/// rows. The sink's other thread tiles stay as drawn; rung 2 rejects those
/// that do not fit the block.
void RandomProposer::laneTiles(Schedule &s, const KernelInfo &k,
                               const KernelFacts &f,
                               const TargetDescription &target) {
  int64_t size = f.reductions[0];
  std::vector<int64_t> lanes;
  for (int64_t l = 2; l <= kMaxReductionLanes; ++l)
    if (isValidLaneCount(l) && size % (l * s.vectorWidth) == 0)
      lanes.push_back(l);
  if (lanes.empty())
    return;
  s.reductionLanes = lanes[index(lanes.size())];
  size_t rows = std::min<size_t>(llvm::count(k.rootParallel, true),
                                 s.threadTile.size());
  for (size_t i = 0; i < rows; ++i)
    s.threadTile[i] = 1;
  // Mostly enough rows per block to fill whole subgroups (rung 2 refuses
  // a block of lanes that leaves a subgroup partly empty).
  int64_t fill = target.warpSize / s.reductionLanes;
  if (rows > 0 && fill > 1 && f.sizes[rows - 1] % fill == 0 && chance(0.8))
    s.workgroupTile[rows - 1] = fill;
  // The sink's loops along the row (a normalization's last op) are whole
  // in the block, as lanes need, mostly a chunk of the row per lane.
  for (size_t i = rows; i < f.sizes.size(); ++i) {
    s.workgroupTile[i] = 0;
    if (f.sizes[i] % s.reductionLanes == 0 && chance(0.8))
      s.threadTile[i] = f.sizes[i] / s.reductionLanes;
  }
  int64_t vectors = size / (s.reductionLanes * s.vectorWidth);
  s.reductionTile = {chance(0.4) ? 0 : divisor(vectors, 1, 16)};
  // Staged rows: one of the root's inputs, which rung 2 takes if it is a
  // kernel argument read row by row (and refuses on column lanes).
  if (!k.rootInputLoops.empty() && chance(0.4))
    s.promoteOperands = {static_cast<int64_t>(index(k.rootInputLoops.size()))};
}

/// Tiles made of whole instructions: M and N thread (warp or warpgroup)
/// tiles that are multiples of the instruction's units and divide their
/// workgroup tiles, one batch index per warp (per workgroup with wgmma),
/// reduction steps that are multiples of the instruction's K. False if the
/// loops do not take such tiles.
bool RandomProposer::matrixTiles(Schedule &s, const KernelFacts &f) {
  MatrixTiling tiling = *matrixTiling(s.matrixInstruction);
  bool wgmma = s.matrixInstruction == MatrixInstruction::Wgmma;
  size_t n = f.sizes.size();
  s.workgroupTile.assign(n, 0);
  s.threadTile.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    int64_t size = f.sizes[i];
    int64_t unit = i == f.matmul->m   ? tiling.mUnit
                   : i == f.matmul->n ? tiling.nUnit
                                      : 0;
    if (!unit) { // a batch loop
      if (size > 1 || chance(0.5)) {
        s.workgroupTile[i] = wgmma ? 1 : divisor(size, 1, 4);
        s.threadTile[i] = 1;
      }
      continue;
    }
    int64_t wg = divisor(size, unit, 128);
    if (!wg)
      return false;
    int64_t th = divisor(wg, unit);
    s.workgroupTile[i] = wg == size && chance(0.3) ? 0 : wg;
    s.threadTile[i] = th == wg && chance(0.3) ? 0 : th;
  }
  int64_t k = f.reductions[0];
  int64_t step = divisor(k, tiling.stepUnit, k);
  if (!step)
    return false;
  s.reductionTile = {step == k && chance(0.5) ? 0 : step};
  return true;
}

/// A width that divides the thread tile of the loop it applies to and
/// keeps vectors within the limit; 1 where the sink is not a linalg op.
int64_t RandomProposer::vectorWidth(const Schedule &s, const KernelInfo &k,
                                    const KernelFacts &f) {
  if (!f.vectorizable)
    return 1;
  int64_t tile = vectorLoopThreadTile(s, f);
  std::vector<int64_t> widths;
  for (int64_t width : kVectorWidths) {
    Schedule shape = s;
    shape.vectorWidth = width;
    if (tile % width == 0 &&
        (width == 1 || vectorElements(shape, k) <= kMaxVectorElements))
      widths.push_back(width);
  }
  // wgmma's swizzled tiles are written by vectorized copies only.
  if (s.matrixInstruction == MatrixInstruction::Wgmma && widths.size() > 1)
    widths.erase(widths.begin());
  return widths[index(widths.size())];
}

/// The schedule as JSON, leaving out at random the optional fields that
/// hold their defaults (the parser fills them in), fused ops in any order.
json RandomProposer::encode(const Schedule &s, const KernelInfo &k) {
  json j = s.toJson();
  std::vector<int64_t> fuse = s.fuse;
  std::shuffle(fuse.begin(), fuse.end(), rng);
  j["fuse"] = fuse;
  auto dropDefault = [&](const char *key, bool isDefault) {
    if (isDefault && chance(0.3))
      j.erase(key);
  };
  dropDefault("fuse", static_cast<int64_t>(s.fuse.size()) + 1 == k.numOps());
  dropDefault("vector_width", s.vectorWidth == 1);
  dropDefault("promote_operands", s.promoteOperands.empty());
  dropDefault("pipeline_depth", s.pipelineDepth == 1);
  dropDefault("matrix_instruction",
              s.matrixInstruction == MatrixInstruction::None);
  if (s.splitReduction == 0 && chance(0.1))
    j["split_reduction"] = 1; // a split into one chunk is no split either
  dropDefault("split_reduction", s.splitReduction == 0);
  dropDefault("reduction_lanes", s.reductionLanes == 1);
  return j;
}

/// A schedule drawn within the rules, then broken in one way. Each way
/// aims at some of the reason codes; the last one, a tile that does not
/// divide its loop, at a rule found by fuzzing (GPU mapping cannot take
/// partial tiles; rung 2 rejects them).
json RandomProposer::broken(Schedule s, const KernelInfo &k,
                            const KernelFacts &f) {
  switch (index(7)) {
  case 0:
    return brokenDocument(encode(s, k));
  case 1:
    return brokenTileList(s, k, f);
  case 2:
    return brokenScalar(s, k, f);
  case 3:
    return brokenFusion(s, k);
  case 4:
    return brokenStaging(s, k, f);
  case 5:
    return brokenResources(s, k, f);
  default:
    return partialTile(s, k, f);
  }
}

/// Rung 1's document checks: `schema` and `version`.
json RandomProposer::brokenDocument(json j) {
  switch (index(7)) {
  case 0:
    return json::array({1, 2, 3}); // not an object
  case 1:
    j.erase(std::array{"version", "workgroup_tile", "thread_tile",
                       "reduction_tile"}[index(4)]); // a required field
    return j;
  case 2:
    j["workgroup_tile"] = "64x64"; // wrong type
    return j;
  case 3:
    j["unroll"] = 4; // unknown field
    return j;
  case 4:
    j["thread_tile"].push_back(1.5); // not an integer
    return j;
  case 5:
    j["matrix_instruction"] = "tensor_core"; // unknown value
    return j;
  default:
    j["version"] = pick({0, 2});
    return j;
  }
}

/// One tile list against its loops: `rank_mismatch`, `nonpositive_tile`,
/// `tile_exceeds_dim`.
json RandomProposer::brokenTileList(Schedule s, const KernelInfo &k,
                                    const KernelFacts &f) {
  bool reduction = !f.reductions.empty() && (f.sizes.empty() || chance(0.3));
  std::vector<int64_t> &tiles =
      reduction ? s.reductionTile
                : (chance(0.5) ? s.workgroupTile : s.threadTile);
  const std::vector<int64_t> &sizes = reduction ? f.reductions : f.sizes;
  size_t way = tiles.empty() ? 0 : index(4);
  if (way == 0)
    tiles.push_back(pick({1, 8}));
  else if (way == 1)
    tiles.pop_back();
  else if (size_t i = index(tiles.size()); way == 2)
    tiles[i] = -pick({1, 4});
  else
    tiles[i] = sizes[i] + pick({1, 7});
  return encode(s, k);
}

/// Out-of-range scalars: `vector_width`, `pipeline_depth` (rungs 1 and 2),
/// `split_reduction`.
json RandomProposer::brokenScalar(Schedule s, const KernelInfo &k,
                                  const KernelFacts &f) {
  switch (index(5)) {
  case 0:
    s.vectorWidth = pick({0, 3, 16});
    break;
  case 1: { // a width not dividing the thread tile it applies to
    int64_t tile = f.sizes.empty() ? 1 : vectorLoopThreadTile(s, f);
    s.vectorWidth = tile % 2 ? 2 : tile % 4 ? 4 : tile % 8 ? 8 : 3;
    break;
  }
  case 2:
    s.pipelineDepth = pick({0, 5});
    break;
  case 3: // nothing staged, or the reduction in one step, to pipeline
    s.pipelineDepth = 2;
    if (!s.promoteOperands.empty())
      llvm::fill(s.reductionTile, 0);
    break;
  default: { // a split where there is none, or one not dividing the loop
    int64_t size = f.reductions.empty() ? 4 : f.reductions[0];
    s.splitReduction = pick({-1, 3, size, size + 1});
    break;
  }
  }
  return encode(s, k);
}

/// The fusion rules: `illegal_fusion` (or `schema` where there is no op to
/// name).
json RandomProposer::brokenFusion(Schedule s, const KernelInfo &k) {
  if (!s.fuse.empty() && chance(0.5)) {
    s.fuse.erase(s.fuse.begin() + index(s.fuse.size())); // left outside
  } else {
    int64_t op = chance(0.5) && !s.fuse.empty() ? s.fuse[0] // twice
                 : chance(0.5)                  ? k.sinkIndex
                                                : k.numOps() + 3;
    s.fuse.push_back(op);
  }
  json j = encode(s, k);
  j["fuse"] = s.fuse; // even where encode left it out
  return j;
}

/// Staging and matrix instructions where they do not apply:
/// `promote_operand`, `matrix_instruction` (and `split_reduction` where a
/// split is asked of a kernel that has none).
json RandomProposer::brokenStaging(Schedule s, const KernelInfo &k,
                                   const KernelFacts &f) {
  switch (index(5)) {
  case 0:
    s.promoteOperands =
        f.promotable ? std::vector<int64_t>{0, 0} : std::vector<int64_t>{0};
    break;
  case 1:
    s.promoteOperands.push_back(7); // no such input
    break;
  case 2: // staging beside a split
    s.promoteOperands = {0};
    s.splitReduction = 2;
    break;
  case 3:
    s.matrixInstruction = MatrixInstruction::Mfma; // not generated
    break;
  default: // an instruction off its units, types or roots
    s.matrixInstruction =
        chance(0.5) ? MatrixInstruction::MmaSync : MatrixInstruction::Wgmma;
    s.promoteOperands = {0, 1};
    if (!s.threadTile.empty())
      s.threadTile.back() = chance(0.5) ? 4 : 0;
    break;
  }
  return encode(s, k);
}

/// Past the target's limits: `too_many_mapped_dims`, `registers`,
/// `threads_per_block`, `shared_memory`, `grid_size`.
json RandomProposer::brokenResources(Schedule s, const KernelInfo &k,
                                     const KernelFacts &f) {
  size_t way = index(5);
  if (way == 0 && f.sizes.size() > kMaxMappedLoops) {
    llvm::fill(s.threadTile, 1); // a fourth loop on the block
  } else if (way == 0) {
    s.splitReduction = 2; // a grid dimension more
    llvm::fill(s.workgroupTile, 1);
  } else if (way == 1) { // one workgroup of one thread for everything
    s.workgroupTile = f.sizes;
    llvm::fill(s.threadTile, 0);
  } else if (way == 2) { // one workgroup, one thread per element
    s.workgroupTile = f.sizes;
    llvm::fill(s.threadTile, 1);
  } else if (way == 3) { // whole staged tiles, buffered four times
    s.workgroupTile = f.sizes;
    llvm::fill(s.reductionTile, 0);
    s.pipelineDepth = 4;
  } else { // thread loops but no loop on the grid
    llvm::fill(s.workgroupTile, 0);
  }
  return encode(s, k);
}

/// A workgroup or thread tile that does not divide its loop (or its
/// workgroup tile), on a loop where one exists.
json RandomProposer::partialTile(Schedule s, const KernelInfo &k,
                                 const KernelFacts &f) {
  std::vector<size_t> loops;
  for (size_t i = 0; i < f.sizes.size(); ++i)
    if (f.sizes[i] >= 3)
      loops.push_back(i);
  if (loops.empty())
    return brokenTileList(s, k, f);
  size_t i = loops[index(loops.size())];
  auto nonDivisor = [&](int64_t size) {
    int64_t tile = 2 + index(size - 2); // in [2, size - 1]
    while (size % tile == 0)
      tile = tile == size - 1 ? 2 : tile + 1;
    return tile;
  };
  if (chance(0.5) || f.sizes[i] < 4) {
    s.workgroupTile[i] = nonDivisor(f.sizes[i]);
  } else {
    s.workgroupTile[i] = 0;
    s.threadTile[i] = nonDivisor(f.sizes[i]);
  }
  return encode(s, k);
}

//===----------------------------------------------------------------------===//
// Replay
//===----------------------------------------------------------------------===//

class ReplayProposer final : public Proposer {
public:
  llvm::StringRef name() const override { return "replay"; }
  std::vector<Candidate> propose(const ProposalRequest &request) override {
    std::vector<Candidate> out;
    for (const std::string &key :
         {request.kernel.fingerprint, request.kernel.name}) {
      auto it = entries.find(key);
      if (it == entries.end())
        continue;
      size_t &next = cursor[key];
      while (next < it->second.size() && out.size() < request.count)
        out.push_back(it->second[next++]);
      if (!out.empty())
        break;
    }
    if (out.empty()) {
      Candidate c;
      c.failure = Verdict::reject(Reason::ReplayExhausted,
                                  "the transcript has no (more) answers for " +
                                      request.kernel.name + " (" +
                                      request.kernel.fingerprint + ")");
      out.push_back(std::move(c));
    }
    return out;
  }
  std::map<std::string, std::vector<Candidate>> entries;
  std::map<std::string, size_t> cursor;
};

/// Turns a raw reply into a candidate: the JSON it holds, or why not.
Candidate candidateFromReply(std::string prompt, std::string reply) {
  Candidate c;
  c.prompt = std::move(prompt);
  c.reply = std::move(reply);
  auto parsed = extractJson(c.reply);
  if (parsed)
    c.schedule = std::move(*parsed);
  else
    c.failure = verdictOfUnusableReply(parsed.takeError(), "schedule");
  return c;
}

//===----------------------------------------------------------------------===//
// LLM
//===----------------------------------------------------------------------===//

class LlmProposer final : public Proposer {
public:
  explicit LlmProposer(LlmOptions options) : client(std::move(options)) {}
  llvm::StringRef name() const override { return "llm"; }

  std::vector<Candidate> propose(const ProposalRequest &request) override {
    std::vector<ChatMessage> messages = buildLlmPrompt(request);
    std::string prompt;
    for (const ChatMessage &m : messages)
      prompt += "[" + m.role + "]\n" + m.content + "\n";
    json schema = scheduleJsonSchema();
    auto reply = client.complete(messages, &schema);
    if (!reply) {
      Candidate c;
      c.prompt = prompt;
      c.failure = verdictOfLlmError(reply.takeError());
      return {c};
    }
    std::vector<Candidate> out;
    for (const std::string &content : reply->contents) {
      Candidate c = candidateFromReply(prompt, content);
      // A reply may hold several schedules as a JSON array.
      if (c.schedule && c.schedule->is_array()) {
        json all = *c.schedule;
        for (const json &one : all) {
          Candidate each = c;
          each.schedule = one;
          out.push_back(std::move(each));
        }
        continue;
      }
      out.push_back(std::move(c));
    }
    return out;
  }

private:
  LlmClient client;
};
} // namespace

/// The verdict reason of an LLM client failure.
static Reason reasonOf(LlmFailure failure) {
  switch (failure) {
  case LlmFailure::Unreachable:
    return Reason::LlmUnreachable;
  case LlmFailure::Timeout:
    return Reason::LlmTimeout;
  case LlmFailure::HttpStatus:
    return Reason::LlmHttpStatus;
  case LlmFailure::MalformedReply:
    return Reason::LlmMalformedReply;
  case LlmFailure::TruncatedReply:
    return Reason::LlmTruncatedReply;
  case LlmFailure::OversizedReply:
    return Reason::LlmOversizedReply;
  case LlmFailure::BudgetExhausted:
    return Reason::LlmBudgetExhausted;
  case LlmFailure::NoJsonFound:
    return Reason::LlmNoJsonFound;
  case LlmFailure::InvalidApiKey:
    return Reason::LlmError;
  }
  llvm_unreachable("unknown LLM failure");
}

Verdict mlir::kgen::verdictOfLlmError(llvm::Error error) {
  std::string message;
  Reason reason = Reason::LlmError;
  llvm::handleAllErrors(
      std::move(error),
      [&](const LlmError &e) {
        reason = reasonOf(e.kind());
        message = e.message();
      },
      [&](const llvm::ErrorInfoBase &e) { message = e.message(); });
  return Verdict::reject(reason, message);
}

Verdict mlir::kgen::verdictOfUnusableReply(llvm::Error error,
                                           llvm::StringRef what) {
  bool malformed = false;
  std::string why;
  llvm::handleAllErrors(
      std::move(error),
      [&](const LlmError &e) {
        malformed = e.kind() == LlmFailure::MalformedReply;
        llvm::raw_string_ostream os(why);
        e.log(os);
      },
      [&](const llvm::ErrorInfoBase &e) { why = e.message(); });
  if (malformed)
    return Verdict::reject(Reason::LlmMalformedReply,
                           ("the reply's JSON " + what + " is unusable: " + why)
                               .str());
  return Verdict::reject(Reason::NoJson,
                         ("the reply holds no JSON " + what + ": " + why).str());
}

std::unique_ptr<Proposer> mlir::kgen::createHeuristicProposer() {
  return std::make_unique<HeuristicProposer>();
}

std::unique_ptr<Proposer> mlir::kgen::createRandomProposer(uint64_t seed) {
  return std::make_unique<RandomProposer>(seed);
}

std::unique_ptr<Proposer> mlir::kgen::createLlmProposer(LlmOptions options) {
  return std::make_unique<LlmProposer>(std::move(options));
}

llvm::Expected<std::unique_ptr<Proposer>>
mlir::kgen::createReplayProposer(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return llvm::createStringError(buffer.getError(),
                                   "replay transcript " + path + ": " +
                                       buffer.getError().message());
  auto proposer = std::make_unique<ReplayProposer>();
  llvm::SmallVector<llvm::StringRef> lines;
  (*buffer)->getBuffer().split(lines, '\n', -1, /*KeepEmpty=*/false);
  for (auto [number, line] : llvm::enumerate(lines)) {
    if (line.trim().empty())
      continue;
    size_t lineNumber = number + 1;
    auto bad = [&](const llvm::Twine &why) {
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "replay transcript " + path + " line " +
                                         llvm::Twine(lineNumber) + ": " + why);
    };
    llvm::Expected<json> parsed = parseBoundedJson(line);
    if (!parsed)
      return bad(llvm::toString(parsed.takeError()));
    json entry = std::move(*parsed);
    if (entry.is_discarded() || !entry.is_object())
      return bad("not a JSON object");
    auto kernel = entry.find("kernel");
    if (kernel == entry.end() || !kernel->is_string())
      return bad("no \"kernel\" string (a fingerprint or kernel name)");
    Candidate c;
    if (auto p = entry.find("prompt"); p != entry.end() && p->is_string())
      c.prompt = p->get<std::string>();
    if (auto s = entry.find("schedule"); s != entry.end() && !s->is_null()) {
      c.schedule = *s;
      if (auto r = entry.find("reply"); r != entry.end() && r->is_string())
        c.reply = r->get<std::string>();
    } else if (auto r = entry.find("reply");
               r != entry.end() && r->is_string()) {
      c = candidateFromReply(c.prompt, r->get<std::string>());
    } else {
      return bad("neither a \"schedule\" object nor a \"reply\" string");
    }
    proposer->entries[kernel->get<std::string>()].push_back(std::move(c));
  }
  return std::unique_ptr<Proposer>(std::move(proposer));
}

/// "0.1234 ms on the gpu, 41% of the roofline floor, 96 registers, 0
/// spill bytes, 24576 shared bytes", with the parts that are known.
static std::string describeMeasurement(const AttemptMeasurement &m) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:F4} ms", m.milliseconds);
  if (!m.measurer.empty())
    os << " on the " << m.measurer;
  if (m.floorFraction)
    os << llvm::formatv(", {0:F0}% of the roofline floor",
                        100 * *m.floorFraction);
  if (m.registers)
    os << ", " << *m.registers << " registers";
  if (m.spillBytes)
    os << ", " << *m.spillBytes << " spill bytes";
  if (m.sharedBytes)
    os << ", " << *m.sharedBytes << " shared bytes";
  return text;
}

/// The measured attempt with the lowest time, or null: the target to beat.
static const Attempt *fastestAttempt(llvm::ArrayRef<Attempt> history) {
  const Attempt *best = nullptr;
  for (const Attempt &a : history)
    if (a.verdict.accepted && a.measurement &&
        (!best || a.measurement->milliseconds < best->measurement->milliseconds))
      best = &a;
  return best;
}

std::vector<ChatMessage> mlir::kgen::buildLlmPrompt(const ProposalRequest &r) {
  std::string system =
      "You are an expert GPU kernel engineer scheduling kernels for the kgen "
      "MLIR compiler. A schedule tiles one kernel onto workgroups and threads. "
      "Reply with JSON only: one schedule object following the JSON Schema "
      "below, or an array of such objects when asked for several. Every "
      "schedule is verified (ranges, resources, transform application, a "
      "numerical check) before use; rejected ones come back with a reason.";
  std::string user;
  llvm::raw_string_ostream os(user);
  os << "## Kernel (MLIR, linalg on tensors)\n```mlir\n"
     << r.kernel.text << "```\n\n## Kernel summary\n"
     << dumpJson(r.kernel.toJson(), 2)
     << "\n\nworkgroup_tile and thread_tile have one entry per sink parallel "
        "loop (sizes "
     << dumpJson(r.kernel.sinkParallelSizes())
     << "); reduction_tile one per root reduction loop (sizes "
     << dumpJson(r.kernel.rootReductionSizes()) << ").\n\n## Target\n"
     << dumpJson(r.target.toJson(), 2) << "\n\n## Schedule JSON Schema\n"
     << dumpJson(scheduleJsonSchema(), 2) << "\n";
  if (!r.examples.empty()) {
    os << "\n## Fastest schedules recorded for similar kernels\n";
    for (const Example &e : r.examples) {
      os << "- " << e.kernel << " (sink parallel loop sizes "
         << dumpJson(e.sinkParallelSizes) << ", reduction loop sizes "
         << dumpJson(e.rootReductionSizes) << "): " << dumpJson(e.schedule);
      if (e.measurement)
        os << ", " << describeMeasurement(*e.measurement);
      os << "\n";
    }
  }
  if (!r.history.empty()) {
    os << "\n## Earlier attempts on this kernel\n";
    for (const Attempt &a : r.history) {
      os << "- "
         << (a.schedule.is_null() ? "(no schedule)" : dumpJson(a.schedule))
         << " -> "
         << (a.verdict.accepted
                 ? std::string("accepted")
                 : "rejected [" + stringifyReason(a.verdict.reason).str() + "] " + a.verdict.message);
      if (a.measurement)
        os << ", " << describeMeasurement(*a.measurement);
      os << "\n";
    }
    if (const Attempt *best = fastestAttempt(r.history))
      os << "\nCurrent best: " << dumpJson(best->schedule) << ", "
         << describeMeasurement(*best->measurement) << "\n";
  }
  os << "\nPropose " << r.count
     << (r.count == 1 ? " schedule" : " different schedules")
     << " that should run fastest on the target.\n";
  return {{"system", system}, {"user", user}};
}
