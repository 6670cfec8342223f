//===- Proposers.cpp - heuristic, random, replay and LLM proposers --------===//
//
// nlohmann::json is used without exceptions (kgen builds with
// -fno-exceptions): every value is type-checked before it is read, parsing
// uses the non-throwing overload and dumping replaces invalid UTF-8.
//
//===----------------------------------------------------------------------===//

#include "kgen/Proposer/Proposer.h"
#include "kgen/Support/BoundedJson.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <map>
#include <random>

using namespace mlir;
using namespace mlir::kgen;
using nlohmann::json;

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

/// The largest divisor of `size` that is at most `atMost` (1 if none).
/// Tiles divide their loops: partial tiles would leave thread loops and
/// per-thread buffers with dynamic sizes, which GPU mapping cannot take.
int64_t largestDivisor(int64_t size, int64_t atMost) {
  for (int64_t d = std::min(atMost, size); d > 1; --d)
    if (size % d == 0)
      return d;
  return 1;
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
      // One thread per output element, 128 outputs per workgroup.
      wg[i] = largestDivisor(sizes[i], c == 0 ? 128 : 1);
      if (c == 0)
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
int64_t chooseVectorWidth(const KernelInfo &kernel, const Schedule &tiles) {
  int64_t innermost = 1;
  for (size_t i = tiles.threadTile.size(); i-- > 0;)
    if (tiles.threadTile[i]) {
      innermost = tiles.threadTile[i];
      break;
    }
  int64_t vector = innermost % 4 == 0 ? 4 : innermost % 2 == 0 ? 2 : 1;
  if (!isLinalg(kernel.ops[kernel.sinkIndex].kind))
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
    promoted.reductionTile.push_back(size > 16 && size % 16 == 0 ? 16 : 0);
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
                                       const TargetDescription &target) {
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

class RandomProposer final : public Proposer {
public:
  explicit RandomProposer(uint64_t seed) : rng(seed) {}
  llvm::StringRef name() const override { return "random"; }

  std::vector<Candidate> propose(const ProposalRequest &request) override {
    std::vector<Candidate> out;
    for (unsigned i = 0; i < request.count; ++i) {
      Candidate c;
      c.schedule = sample(request.kernel);
      out.push_back(std::move(c));
    }
    return out;
  }

private:
  bool chance(double p) {
    return std::uniform_real_distribution<>(0, 1)(rng) < p;
  }
  int64_t pick(std::initializer_list<int64_t> values) {
    std::vector<int64_t> v(values);
    return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
  }
  /// A tile size for a loop of `size` iterations: mostly plausible values,
  /// sometimes out of range on purpose.
  int64_t tile(int64_t size) {
    if (chance(0.03))
      return -pick({1, 4});
    if (chance(0.05))
      return size + pick({1, 7});
    if (chance(0.15))
      return 0;
    int64_t t = pick({1, 2, 4, 8, 16, 32, 64, 128, 256});
    return chance(0.1) ? size : std::min(t, std::max<int64_t>(size, 1));
  }
  std::vector<int64_t> tiles(const std::vector<int64_t> &sizes) {
    std::vector<int64_t> t;
    for (int64_t s : sizes)
      t.push_back(tile(s));
    if (chance(0.03))
      t.push_back(pick({1, 8})); // wrong length
    return t;
  }
  json sample(const KernelInfo &k) {
    if (chance(0.02))
      return json::array({1, 2, 3}); // not an object
    json s = {{"version", chance(0.02) ? 2 : Schedule::kVersion},
              {"workgroup_tile", tiles(k.sinkParallelSizes())},
              {"thread_tile", tiles(k.sinkParallelSizes())},
              {"reduction_tile", tiles(k.rootReductionSizes())},
              {"vector_width", pick({1, 1, 2, 4, 4, 8, 3})},
              {"pipeline_depth", pick({1, 1, 1, 2, 3, 4, 0, 5})},
              {"matrix_instruction",
               chance(0.85) ? std::string("none")
                            : std::string(chance(0.2)    ? "tensor_core"
                                          : chance(0.4)  ? "mma_sync"
                                          : chance(0.67) ? "wgmma"
                                                         : "mfma")}};
    if (chance(0.15))
      s["split_reduction"] = pick({0, 2, 4, 8, 3});
    if (chance(0.3)) {
      std::vector<int64_t> fuse;
      for (int64_t op = 0; op < k.numOps(); ++op)
        if (op != k.sinkIndex && chance(0.7))
          fuse.push_back(op);
      if (chance(0.05))
        fuse.push_back(k.numOps() + 3);
      s["fuse"] = fuse;
    }
    if (chance(0.2)) {
      std::vector<int64_t> promote;
      for (size_t i = 0; i < k.rootInputLoops.size(); ++i)
        if (chance(0.5))
          promote.push_back(i);
      if (chance(0.1))
        promote.push_back(7);
      s["promote_operands"] = promote;
    }
    if (chance(0.02))
      s.erase("thread_tile"); // missing field
    if (chance(0.02))
      s["workgroup_tile"] = "64x64"; // wrong type
    if (chance(0.02))
      s["unroll"] = 4; // unknown field
    return s;
  }
  std::mt19937_64 rng;
};

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
  if (!r.history.empty()) {
    os << "\n## Earlier attempts on this kernel\n";
    for (const Attempt &a : r.history) {
      os << "- "
         << (a.schedule.is_null() ? "(no schedule)" : dumpJson(a.schedule))
         << " -> "
         << (a.verdict.accepted
                 ? std::string("accepted")
                 : "rejected [" + stringifyReason(a.verdict.reason).str() + "] " + a.verdict.message);
      if (a.milliseconds)
        os << llvm::formatv(", {0:F4} ms", *a.milliseconds);
      os << "\n";
    }
  }
  os << "\nPropose " << r.count
     << (r.count == 1 ? " schedule" : " different schedules")
     << " that should run fastest on the target.\n";
  return {{"system", system}, {"user", user}};
}
