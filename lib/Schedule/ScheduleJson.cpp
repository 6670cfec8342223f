//===- ScheduleJson.cpp - schedule documents, their schema and rung 1 -----===//

#include "kgen/Schedule/ScheduleJson.h"

#include "ScheduleInternal.h"

#include "kgen/Schedule/ResourceModel.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

#include <set>

using namespace mlir;
using namespace mlir::kgen;
using namespace mlir::kgen::detail;
using nlohmann::json;

nlohmann::json Verdict::toJson() const {
  json j = {{"accepted", accepted}, {"message", message}};
  if (!accepted)
    j["reason"] = stringifyReason(reason).str();
  return j;
}

nlohmann::json Schedule::toJson() const {
  return {{"version", kVersion},
          {"workgroup_tile", workgroupTile},
          {"thread_tile", threadTile},
          {"reduction_tile", reductionTile},
          {"fuse", fuse},
          {"vector_width", vectorWidth},
          {"promote_operands", promoteOperands},
          {"pipeline_depth", pipelineDepth},
          {"split_reduction", splitReduction},
          {"reduction_lanes", reductionLanes},
          {"matrix_instruction",
           stringifyMatrixInstruction(matrixInstruction).str()}};
}

//===----------------------------------------------------------------------===//
// Schema
//===----------------------------------------------------------------------===//

namespace {
/// "1, 2, 4 or 8".
std::string alternatives(llvm::ArrayRef<int64_t> values) {
  std::string text;
  for (auto [i, value] : llvm::enumerate(values)) {
    if (i > 0)
      text += i + 1 == values.size() ? " or " : ", ";
    text += std::to_string(value);
  }
  return text;
}

/// The schema's description of matrix_instruction, with the tiling rules
/// rung 2 checks.
std::string matrixInstructionDescription() {
  static_assert(kWgmmaTiling.mUnit == kWgmmaTiling.nUnit,
                "the text gives wgmma's M and N unit as one number");
  return llvm::formatv(
      "Matrix-core instruction for a matmul-like root, with promote_operands "
      "[0, 1]. mma_sync (NVIDIA, f16 operands accumulated in f32): "
      "thread_tile is a warp's tile (M a multiple of {0}, N of {1}, dividing "
      "the workgroup tile; 1 on batch loops), the reduction step a multiple "
      "of {2}. wgmma (sm_90a, f16 or bf16 operands accumulated in f32, A "
      "with K contiguous and B with N contiguous): thread_tile is a "
      "warpgroup's ({3} threads) tile, M and N multiples of {4}, the "
      "reduction step a multiple of {5}. mfma is not generated yet and is "
      "rejected.",
      kMmaSyncTiling.mUnit, kMmaSyncTiling.nUnit, kMmaSyncTiling.stepUnit,
      kWgmmaTiling.threads, kWgmmaTiling.mUnit, kWgmmaTiling.stepUnit);
}
} // namespace

nlohmann::json mlir::kgen::scheduleJsonSchema() {
  json intList = {{"type", "array"},
                  {"items", {{"type", "integer"}, {"minimum", 0}}}};
  auto described = [](json j, const std::string &text) {
    j["description"] = text;
    return j;
  };
  std::vector<std::string> matrixInstructions;
  for (MatrixInstruction instruction : allMatrixInstructions())
    matrixInstructions.push_back(stringifyMatrixInstruction(instruction).str());
  return {
      {"$schema", "https://json-schema.org/draft/2020-12/schema"},
      {"$id", "https://kgen.dev/schemas/schedule-v1.json"},
      {"title", "kgen kernel schedule"},
      {"type", "object"},
      {"additionalProperties", false},
      {"required",
       {"version", "workgroup_tile", "thread_tile", "reduction_tile"}},
      {"properties",
       {{"version", {{"const", Schedule::kVersion}}},
        {"workgroup_tile",
         described(intList,
                   llvm::formatv("Per parallel loop of the sink op: tile size "
                                 "per workgroup (0 = whole loop). At most {0} "
                                 "non-zero.",
                                 kMaxMappedLoops))},
        {"thread_tile",
         described(intList,
                   llvm::formatv("Per parallel loop of the sink op: tile size "
                                 "per thread within the workgroup tile (0 = "
                                 "whole workgroup tile). At most {0} "
                                 "non-zero.",
                                 kMaxMappedLoops))},
        {"reduction_tile",
         described(intList, "Per reduction loop of the root op: tile size of "
                            "the sequential reduction loop (0 = untiled).")},
        {"fuse",
         described(intList, "Indices (kgen.op) of the kernel ops computed "
                            "inside the tile loops; default: all. A fused "
                            "op's consumers must be fused too. A kernel is "
                            "one GPU launch: every op but the sink must be "
                            "fused.")},
        {"vector_width",
         described({{"enum", kVectorWidths}},
                   llvm::formatv("Each thread walks its tile in vectors of "
                                 "this many elements of its innermost "
                                 "thread-tiled loop (which it must divide); "
                                 "vector width times the reduction tile must "
                                 "stay within {0}.",
                                 kMaxVectorElements))},
        {"promote_operands",
         described(intList,
                   "Root input operands (0 = A, 1 = B of a matmul-like root) "
                   "whose tiles all threads copy into shared memory at each "
                   "reduction step before computing on them; the "
                   "accumulator then lives in shared memory too. Only for "
                   "matmul-like roots whose fused ops are the root's fill "
                   "and its consumers, without split_reduction. With "
                   "reduction_lanes (rows, not columns): kernel arguments "
                   "read row by row whose block rows are copied into shared "
                   "memory once, for every op of the kernel to read there "
                   "(a normalization then reads each element from global "
                   "memory once); pipeline_depth 1.")},
        {"split_reduction",
         described({{"type", "integer"}, {"minimum", 0}},
                   "Split the root's single reduction loop into this many "
                   "chunks reduced in parallel, then combined (0 = no "
                   "split). Only when the root is the sink.")},
        {"reduction_lanes",
         described({{"type", "integer"},
                    {"minimum", 1},
                    {"maximum", kMaxReductionLanes}},
                   "Threads cooperating on each output of the root's single "
                   "reduction loop (the innermost), a power of two or a "
                   "multiple of 32 (1 = one thread per output); more lanes "
                   "than a subgroup (32 on NVIDIA, 64 on AMD) must be whole "
                   "subgroups. Lane l reduces the vectors of "
                   "vector_width elements at offsets (k * lanes + l) * "
                   "vector_width, then the lanes combine their partials "
                   "with warp shuffles and, past a warp, shared memory. "
                   "lanes * vector_width must divide the reduction loop; "
                   "reduction_tile then counts the vectors per lane per "
                   "step. The block's x dimension is the lanes; the thread "
                   "tile of each of the root's parallel loops must be 1, "
                   "and the sink's other thread loops must fit the block. "
                   "Not with split_reduction or matrix_instruction; with "
                   "promote_operands the rows are staged in shared memory.")},
        {"pipeline_depth",
         described({{"type", "integer"},
                    {"minimum", 1},
                    {"maximum", kMaxPipelineDepth}},
                   "Buffers per promoted operand tile (NVIDIA only). With "
                   "D > 1 each reduction step's copies into shared memory "
                   "are issued D-1 steps ahead, asynchronously (cp.async); "
                   "needs promote_operands and a tiled reduction. Each tile "
                   "counts D times against the shared-memory limit.")},
        {"matrix_instruction", described({{"enum", matrixInstructions}},
                                         matrixInstructionDescription())}}}};
}

//===----------------------------------------------------------------------===//
// Parsing (rung 1)
//===----------------------------------------------------------------------===//

namespace {
/// Reads an optional list of non-negative integers; records a schema
/// rejection in `verdict` on a type error.
bool readInts(const json &j, const char *key, std::vector<int64_t> &out,
              Verdict &verdict, bool required) {
  auto it = j.find(key);
  if (it == j.end()) {
    if (required)
      verdict =
          Verdict::reject(Reason::Schema, std::string("missing field '") + key + "'");
    return !required;
  }
  if (!it->is_array()) {
    verdict = Verdict::reject(Reason::Schema, std::string("'") + key +
                                            "' must be an array of integers");
    return false;
  }
  for (const json &v : *it) {
    if (!v.is_number_integer()) {
      verdict =
          Verdict::reject(Reason::Schema, std::string("'") + key +
                                        "' holds a non-integer: " + v.dump());
      return false;
    }
    out.push_back(v.get<int64_t>());
  }
  return true;
}

bool readInt(const json &j, const char *key, int64_t &out, Verdict &verdict) {
  auto it = j.find(key);
  if (it == j.end())
    return true;
  if (!it->is_number_integer()) {
    verdict = Verdict::reject(Reason::Schema, std::string("'") + key +
                                            "' must be an integer, got " +
                                            it->dump());
    return false;
  }
  out = it->get<int64_t>();
  return true;
}

bool readMatrixInstruction(const json &j, MatrixInstruction &out,
                           Verdict &verdict) {
  auto it = j.find("matrix_instruction");
  if (it == j.end())
    return true;
  if (!it->is_string()) {
    verdict =
        Verdict::reject(Reason::Schema, "'matrix_instruction' must be a string");
    return false;
  }
  std::string name = it->get<std::string>();
  std::optional<MatrixInstruction> instruction =
      symbolizeMatrixInstruction(name);
  if (!instruction) {
    verdict =
        Verdict::reject(Reason::Schema, "unknown matrix_instruction '" + name + "'");
    return false;
  }
  out = *instruction;
  return true;
}

/// The document's shape: an object of known fields with values of the
/// right types, of this version. Leaves the ranges to checkRanges.
std::optional<Schedule> readFields(const json &j, const KernelInfo &kernel,
                                   Verdict &verdict) {
  if (!j.is_object()) {
    verdict =
        Verdict::reject(Reason::Schema, "a schedule must be a JSON object, got " +
                                      std::string(j.type_name()));
    return std::nullopt;
  }
  static const std::set<std::string> known = {
      "version",          "workgroup_tile", "thread_tile",
      "reduction_tile",   "fuse",           "vector_width",
      "promote_operands", "pipeline_depth", "matrix_instruction",
      "split_reduction",  "reduction_lanes"};
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!known.count(it.key())) {
      verdict = Verdict::reject(Reason::Schema, "unknown field '" + it.key() + "'");
      return std::nullopt;
    }
  int64_t version = -1;
  if (!readInt(j, "version", version, verdict))
    return std::nullopt;
  if (version != Schedule::kVersion) {
    verdict = Verdict::reject(
        Reason::Version, llvm::formatv("unsupported schedule version {0}; this kgen "
                                 "reads version {1}",
                                 version, Schedule::kVersion));
    return std::nullopt;
  }
  Schedule s;
  if (!readInts(j, "workgroup_tile", s.workgroupTile, verdict, true) ||
      !readInts(j, "thread_tile", s.threadTile, verdict, true) ||
      !readInts(j, "reduction_tile", s.reductionTile, verdict, true) ||
      !readInts(j, "fuse", s.fuse, verdict, false) ||
      !readInts(j, "promote_operands", s.promoteOperands, verdict, false) ||
      !readInt(j, "vector_width", s.vectorWidth, verdict) ||
      !readInt(j, "pipeline_depth", s.pipelineDepth, verdict) ||
      !readInt(j, "split_reduction", s.splitReduction, verdict) ||
      !readInt(j, "reduction_lanes", s.reductionLanes, verdict) ||
      !readMatrixInstruction(j, s.matrixInstruction, verdict))
    return std::nullopt;
  if (!j.contains("fuse"))
    for (int64_t i = 0; i < kernel.numOps(); ++i)
      if (i != kernel.sinkIndex)
        s.fuse.push_back(i);
  return s;
}

/// Checks one tile list against the loop sizes it applies to.
bool checkTiles(const char *what, const std::vector<int64_t> &tiles,
                const std::vector<int64_t> &sizes, Verdict &verdict) {
  if (tiles.size() != sizes.size()) {
    verdict = Verdict::reject(
        Reason::RankMismatch,
        llvm::formatv("{0} has {1} entries but the kernel has "
                      "{2} such loops (sizes {3})",
                      what, tiles.size(), sizes.size(), formatList(sizes)));
    return false;
  }
  for (auto [tile, size] : llvm::zip(tiles, sizes)) {
    if (tile < 0) {
      verdict = Verdict::reject(Reason::NonpositiveTile,
                                llvm::formatv("{0} {1} holds a negative size",
                                              what, formatList(tiles)));
      return false;
    }
    if (tile > size) {
      verdict = Verdict::reject(
          Reason::TileExceedsDim,
          llvm::formatv("{0} {1} exceeds the loop sizes {2}", what,
                        formatList(tiles), formatList(sizes)));
      return false;
    }
  }
  return true;
}

/// reduction_lanes: a lane count isValidLaneCount allows, whose lanes,
/// each reading vectors of
/// vector_width, share the root's single (innermost) reduction loop
/// evenly. The reduction tile then counts vectors per lane, so
/// `reductions` becomes the vectors each lane reads.
bool checkLaneRanges(const Schedule &s, const KernelInfo &kernel,
                     std::vector<int64_t> &reductions, Verdict &verdict) {
  auto reject = [&](const llvm::Twine &message) {
    verdict = Verdict::reject(Reason::ReductionLanes, message.str());
    return false;
  };
  if (s.reductionLanes < 1 || s.reductionLanes > kMaxReductionLanes)
    return reject(llvm::formatv("reduction_lanes {0} is not in [1, {1}]",
                                s.reductionLanes, kMaxReductionLanes));
  if (!isValidLaneCount(s.reductionLanes))
    return reject(llvm::formatv("reduction_lanes {0} is neither a power of "
                                "two nor a multiple of {1}",
                                s.reductionLanes, kLaneGroup));
  if (s.reductionLanes == 1)
    return true;
  if (reductions.size() != 1)
    return reject("reduction_lanes needs a root with exactly one reduction "
                  "loop");
  if (s.splitReduction > 1)
    return reject("reduction_lanes cannot be combined with split_reduction");
  if (!llvm::is_contained(kVectorWidths, s.vectorWidth))
    return true; // the vector_width check names it
  // On a column reduction (the innermost loop parallel) the vectors run
  // along the columns and the lanes share the rows.
  bool columns = kernel.rootParallel.back();
  int64_t share = s.reductionLanes * (columns ? 1 : s.vectorWidth);
  if (columns && reductions[0] % share != 0)
    return reject(llvm::formatv("reduction_lanes {0} does not divide the "
                                "reduction loop of {1}: every lane reads "
                                "as many rows",
                                s.reductionLanes, reductions[0]));
  if (reductions[0] % share != 0)
    return reject(llvm::formatv(
        "reduction_lanes {0} times vector_width {1} does not divide the "
        "reduction loop of {2}: every lane reads whole vectors",
        s.reductionLanes, s.vectorWidth, reductions[0]));
  reductions[0] /= share;
  return true;
}

/// The split, the tiles against the kernel's loops, and the ranges of the
/// scalar fields.
bool checkRanges(const Schedule &s, const KernelInfo &kernel,
                 Verdict &verdict) {
  std::vector<int64_t> parallel = kernel.sinkParallelSizes();
  std::vector<int64_t> reductions = kernel.rootReductionSizes();
  if (s.splitReduction < 0) {
    verdict = Verdict::reject(Reason::SplitReduction,
                              "split_reduction must not be negative");
    return false;
  }
  if (s.splitReduction > 1) {
    // Each chunk reduces size / factor elements; the reduction tile applies
    // within a chunk.
    if (kernel.rootIndex != kernel.sinkIndex || reductions.size() != 1 ||
        kernel.rootParallel.back() || !kernel.statistics.empty()) {
      verdict = Verdict::reject(
          Reason::SplitReduction,
          "split_reduction needs a kernel whose root is its last op and has "
          "exactly one reduction loop, the innermost, and no row "
          "statistics");
      return false;
    }
    if (kernel.ops[kernel.rootIndex].splitRenumbersIndices) {
      verdict = Verdict::reject(
          Reason::SplitReduction,
          "split_reduction splits a reduction loop whose body reads the "
          "index of a loop the split renumbers (linalg.index)");
      return false;
    }
    if (reductions[0] % s.splitReduction != 0 ||
        s.splitReduction >= reductions[0]) {
      verdict = Verdict::reject(
          Reason::SplitReduction,
          llvm::formatv("split_reduction {0} does not divide the reduction "
                        "loop of {1} into several chunks",
                        s.splitReduction, reductions[0]));
      return false;
    }
    reductions[0] /= s.splitReduction;
  }
  if (!checkLaneRanges(s, kernel, reductions, verdict))
    return false;
  if (!checkTiles("workgroup_tile", s.workgroupTile, parallel, verdict) ||
      !checkTiles("thread_tile", s.threadTile, parallel, verdict) ||
      !checkTiles("reduction_tile", s.reductionTile, reductions, verdict))
    return false;
  if (!llvm::is_contained(kVectorWidths, s.vectorWidth)) {
    verdict = Verdict::reject(Reason::VectorWidth,
                              llvm::formatv("vector_width {0} is not {1}",
                                            s.vectorWidth,
                                            alternatives(kVectorWidths)));
    return false;
  }
  if (s.pipelineDepth < 1 || s.pipelineDepth > kMaxPipelineDepth) {
    verdict =
        Verdict::reject(Reason::PipelineDepth,
                        llvm::formatv("pipeline_depth {0} is outside [1, {1}]",
                                      s.pipelineDepth, kMaxPipelineDepth));
    return false;
  }
  return true;
}
} // namespace

Verdict mlir::kgen::checkScheduleRanges(const Schedule &schedule,
                                        const KernelInfo &kernel) {
  Verdict verdict;
  if (!checkRanges(schedule, kernel, verdict))
    return verdict;
  return Verdict::accept();
}

Verdict mlir::kgen::parseSchedule(const json &j, const KernelInfo &kernel,
                                  Schedule &schedule) {
  Verdict verdict;
  std::optional<Schedule> s = readFields(j, kernel, verdict);
  if (!s || !checkRanges(*s, kernel, verdict))
    return verdict;
  schedule = std::move(*s);
  return Verdict::accept();
}
