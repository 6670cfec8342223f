//===- Schedule.cpp - the kgen schedule language --------------------------===//

#include "kgen/Schedule/Schedule.h"

#include "kgen/Conversion/KernelAttrs.h"
#include "kgen/Conversion/SharedMemoryLayout.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/xxhash.h"

#include <algorithm>
#include <optional>
#include <set>

using namespace mlir;
using namespace mlir::kgen;
using nlohmann::json;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

nlohmann::json Verdict::toJson() const {
  json j = {{"accepted", accepted}, {"message", message}};
  if (!accepted)
    j["reason"] = reason;
  return j;
}

//===----------------------------------------------------------------------===//
// Kernel summary
//===----------------------------------------------------------------------===//

std::vector<int64_t> KernelInfo::sinkParallelSizes() const {
  std::vector<int64_t> sizes;
  for (size_t i = 0; i < sinkLoops.size(); ++i)
    if (sinkParallel[i])
      sizes.push_back(sinkLoops[i]);
  return sizes;
}

std::vector<int64_t> KernelInfo::rootReductionSizes() const {
  std::vector<int64_t> sizes;
  for (size_t i = 0; i < rootLoops.size(); ++i)
    if (!rootParallel[i])
      sizes.push_back(rootLoops[i]);
  return sizes;
}

nlohmann::json KernelInfo::toJson() const {
  return {{"name", name},
          {"fingerprint", fingerprint},
          {"element_type", elementType},
          {"ops", opNames},
          {"root_op", rootIndex},
          {"sink_op", sinkIndex},
          {"sink_parallel_loop_sizes", sinkParallelSizes()},
          {"root_reduction_loop_sizes", rootReductionSizes()},
          {"root_inputs", rootInputLoops.size()},
          {"matmul_like", matmulLike},
          {"flops", flops},
          {"bytes", bytes}};
}

namespace {
/// Static loop ranges and parallel flags of a kernel op.
LogicalResult loopsOf(Operation *op, std::vector<int64_t> &loops,
                      std::vector<bool> &parallel) {
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
    for (int64_t size : linalgOp.getStaticLoopRanges())
      loops.push_back(size);
    for (utils::IteratorType it : linalgOp.getIteratorTypesArray())
      parallel.push_back(it == utils::IteratorType::parallel);
  } else if (auto pad = dyn_cast<tensor::PadOp>(op)) {
    for (int64_t size : pad.getResultType().getShape())
      loops.push_back(size);
    parallel.assign(loops.size(), true);
  } else {
    return failure();
  }
  return success(llvm::none_of(loops, ShapedType::isDynamic));
}

int64_t tensorBytes(Type type, int64_t elementBytes) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor ? tensor.getNumElements() * elementBytes : 0;
}
} // namespace

llvm::Expected<KernelInfo> mlir::kgen::describeKernel(func::FuncOp kernel) {
  KernelInfo info;
  info.name = kernel.getSymName().str();
  std::vector<Operation *> ops;
  kernel.walk([&](Operation *op) {
    auto index = op->getAttrOfType<IntegerAttr>(kOpIndexAttr);
    if (!index)
      return;
    size_t i = index.getInt();
    if (ops.size() <= i)
      ops.resize(i + 1, nullptr);
    ops[i] = op;
  });
  if (ops.empty() || llvm::is_contained(ops, nullptr))
    return makeError("'" + info.name +
                     "' is not a kernel from kgen-form-kernels (its ops lack "
                     "consecutive kgen.op indices)");
  DenseMap<Operation *, int64_t> indexOf;
  for (auto [i, op] : llvm::enumerate(ops))
    indexOf[op] = i;
  Operation *root = nullptr, *sink = nullptr;
  for (auto [i, op] : llvm::enumerate(ops)) {
    info.opNames.push_back(op->getName().getStringRef().str());
    std::vector<int64_t> users;
    for (Operation *user : op->getUsers())
      if (indexOf.count(user))
        users.push_back(indexOf[user]);
    llvm::sort(users);
    users.erase(std::unique(users.begin(), users.end()), users.end());
    info.consumers.push_back(users);
    if (op->hasAttr(kRootAttr)) {
      root = op;
      info.rootIndex = i;
    }
    if (op->hasAttr(kSinkAttr)) {
      sink = op;
      info.sinkIndex = i;
    }
  }
  if (!root || !sink)
    return makeError("kernel '" + info.name +
                     "' has no kgen.root or kgen.sink");
  auto initProducers = [&](Operation *op, std::vector<int64_t> &producers) {
    if (auto dps = dyn_cast<DestinationStyleOpInterface>(op))
      for (Value init : dps.getDpsInits())
        if (Operation *producer = init.getDefiningOp();
            producer && indexOf.count(producer))
          producers.push_back(indexOf[producer]);
  };
  initProducers(sink, info.sinkInitProducers);
  initProducers(root, info.rootInitProducers);
  for (Value operand : root->getOperands())
    if (auto shaped = dyn_cast<ShapedType>(operand.getType())) {
      std::string type;
      llvm::raw_string_ostream(type) << shaped.getElementType();
      info.rootOperandTypes.push_back(type);
    }
  if (failed(loopsOf(sink, info.sinkLoops, info.sinkParallel)) ||
      failed(loopsOf(root, info.rootLoops, info.rootParallel)))
    return makeError("kernel '" + info.name +
                     "' has dynamic or unsupported loop ranges");

  Type resultType = sink->getResult(0).getType();
  Type element = cast<RankedTensorType>(resultType).getElementType();
  llvm::raw_string_ostream(info.elementType) << element;
  info.elementBytes = element.getIntOrFloatBitWidth() / 8;

  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(root)) {
    info.matmulLike = isa<linalg::MatmulOp, linalg::BatchMatmulOp>(root);
    for (OpOperand *input : linalgOp.getDpsInputOperands()) {
      std::vector<int64_t> dims;
      AffineMap map = linalgOp.getMatchingIndexingMap(input);
      for (AffineExpr e : map.getResults()) {
        auto d = dyn_cast<AffineDimExpr>(e);
        dims.push_back(d ? static_cast<int64_t>(d.getPosition()) : -1);
      }
      info.rootInputLoops.push_back(dims);
    }
    double iterations = 1;
    for (int64_t size : info.rootLoops)
      iterations *= size;
    bool contraction =
        linalgOp.getNumReductionLoops() > 0 && linalgOp.getNumDpsInputs() >= 2;
    info.flops = iterations * (contraction ? 2 : 1);
  }
  for (Type t : kernel.getArgumentTypes())
    info.bytes += tensorBytes(t, info.elementBytes);
  info.bytes += tensorBytes(resultType, info.elementBytes);

  // Fingerprint: the kernel in generic form, without locations or its name.
  OwningOpRef<func::FuncOp> canonical(kernel.clone());
  canonical->setSymName("kernel");
  std::string text;
  llvm::raw_string_ostream os(text);
  canonical->print(
      os, OpPrintingFlags().printGenericOpForm().enableDebugInfo(false));
  info.fingerprint = llvm::formatv(
      "{0:x16}", llvm::xxh3_64bits(llvm::arrayRefFromStringRef(text)));
  std::string pretty;
  llvm::raw_string_ostream prettyOs(pretty);
  kernel.print(prettyOs);
  info.text = pretty;
  return info;
}

//===----------------------------------------------------------------------===//
// JSON
//===----------------------------------------------------------------------===//

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
          {"matrix_instruction",
           stringifyMatrixInstruction(matrixInstruction).str()}};
}

nlohmann::json mlir::kgen::scheduleJsonSchema() {
  std::vector<std::string> matrixInstructions;
  for (MatrixInstruction instruction : allMatrixInstructions())
    matrixInstructions.push_back(stringifyMatrixInstruction(instruction).str());
  json intList = {{"type", "array"},
                  {"items", {{"type", "integer"}, {"minimum", 0}}}};
  auto described = [](json j, const char *text) {
    j["description"] = text;
    return j;
  };
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
         described(intList, "Per parallel loop of the sink op: tile size per "
                            "workgroup (0 = whole loop). At most 3 non-zero.")},
        {"thread_tile",
         described(intList, "Per parallel loop of the sink op: tile size per "
                            "thread within the workgroup tile (0 = whole "
                            "workgroup tile). At most 3 non-zero.")},
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
         described({{"enum", {1, 2, 4, 8}}},
                   "Each thread walks its tile in vectors of this many "
                   "elements of its innermost thread-tiled loop (which it "
                   "must divide); vector width times the reduction tile "
                   "must stay within 512.")},
        {"promote_operands",
         described(intList,
                   "Root input operands (0 = A, 1 = B of a matmul-like root) "
                   "whose tiles all threads copy into shared memory at each "
                   "reduction step before computing on them; the "
                   "accumulator then lives in shared memory too. Only for "
                   "matmul-like roots whose fused ops are the root's fill "
                   "and its consumers, without split_reduction.")},
        {"split_reduction",
         described({{"type", "integer"}, {"minimum", 0}},
                   "Split the root's single reduction loop into this many "
                   "chunks reduced in parallel, then combined (0 = no "
                   "split). Only when the root is the sink.")},
        {"pipeline_depth",
         described({{"type", "integer"}, {"minimum", 1}, {"maximum", 4}},
                   "Buffers per promoted operand tile (NVIDIA only). With "
                   "D > 1 each reduction step's copies into shared memory "
                   "are issued D-1 steps ahead, asynchronously (cp.async); "
                   "needs promote_operands and a tiled reduction. Each tile "
                   "counts D times against the shared-memory limit.")},
        {"matrix_instruction",
         described({{"enum", matrixInstructions}},
                   "Matrix-core instruction for a matmul-like root, with "
                   "promote_operands [0, 1]. mma_sync (NVIDIA, f16 operands "
                   "accumulated in f32): thread_tile is a warp's tile (M a "
                   "multiple of 16, N of 8, dividing the workgroup tile; 1 "
                   "on batch loops), the reduction step a multiple of 16. "
                   "wgmma (sm_90a, f16 or bf16 operands accumulated in f32, "
                   "A with K contiguous and B with N contiguous): "
                   "thread_tile is a warpgroup's (128 threads) tile, M and "
                   "N multiples of 64, the reduction step a multiple of 64. "
                   "mfma is not generated yet and is rejected.")}}}};
}

namespace {
/// Reads an optional list of non-negative integers; records a schema
/// rejection in `verdict` on a type error.
bool readInts(const json &j, const char *key, std::vector<int64_t> &out,
              Verdict &verdict, bool required) {
  auto it = j.find(key);
  if (it == j.end()) {
    if (required)
      verdict =
          Verdict::reject("schema", std::string("missing field '") + key + "'");
    return !required;
  }
  if (!it->is_array()) {
    verdict = Verdict::reject("schema", std::string("'") + key +
                                            "' must be an array of integers");
    return false;
  }
  for (const json &v : *it) {
    if (!v.is_number_integer()) {
      verdict =
          Verdict::reject("schema", std::string("'") + key +
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
    verdict = Verdict::reject("schema", std::string("'") + key +
                                            "' must be an integer, got " +
                                            it->dump());
    return false;
  }
  out = it->get<int64_t>();
  return true;
}

std::string formatList(const std::vector<int64_t> &values) {
  return "[" +
         llvm::join(llvm::map_range(
                        values, [](int64_t v) { return std::to_string(v); }),
                    ", ") +
         "]";
}

/// Checks one tile list against the loop sizes it applies to.
bool checkTiles(const char *what, const std::vector<int64_t> &tiles,
                const std::vector<int64_t> &sizes, Verdict &verdict) {
  if (tiles.size() != sizes.size()) {
    verdict = Verdict::reject(
        "rank_mismatch",
        llvm::formatv("{0} has {1} entries but the kernel has "
                      "{2} such loops (sizes {3})",
                      what, tiles.size(), sizes.size(), formatList(sizes)));
    return false;
  }
  for (auto [tile, size] : llvm::zip(tiles, sizes)) {
    if (tile < 0) {
      verdict = Verdict::reject("nonpositive_tile",
                                llvm::formatv("{0} {1} holds a negative size",
                                              what, formatList(tiles)));
      return false;
    }
    if (tile > size) {
      verdict = Verdict::reject(
          "tile_exceeds_dim",
          llvm::formatv("{0} {1} exceeds the loop sizes {2}", what,
                        formatList(tiles), formatList(sizes)));
      return false;
    }
  }
  return true;
}
} // namespace

llvm::Expected<Schedule> mlir::kgen::parseSchedule(const json &j,
                                                   const KernelInfo &kernel,
                                                   Verdict &verdict) {
  auto fail = [&]() {
    return makeError(verdict.reason + ": " + verdict.message);
  };
  if (!j.is_object()) {
    verdict =
        Verdict::reject("schema", "a schedule must be a JSON object, got " +
                                      std::string(j.type_name()));
    return fail();
  }
  static const std::set<std::string> known = {
      "version",          "workgroup_tile", "thread_tile",
      "reduction_tile",   "fuse",           "vector_width",
      "promote_operands", "pipeline_depth", "matrix_instruction",
      "split_reduction"};
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!known.count(it.key())) {
      verdict = Verdict::reject("schema", "unknown field '" + it.key() + "'");
      return fail();
    }
  int64_t version = -1;
  if (!readInt(j, "version", version, verdict))
    return fail();
  if (version != Schedule::kVersion) {
    verdict = Verdict::reject(
        "version", llvm::formatv("unsupported schedule version {0}; this kgen "
                                 "reads version {1}",
                                 version, Schedule::kVersion));
    return fail();
  }
  Schedule s;
  bool haveFuse = j.contains("fuse");
  if (!readInts(j, "workgroup_tile", s.workgroupTile, verdict, true) ||
      !readInts(j, "thread_tile", s.threadTile, verdict, true) ||
      !readInts(j, "reduction_tile", s.reductionTile, verdict, true) ||
      !readInts(j, "fuse", s.fuse, verdict, false) ||
      !readInts(j, "promote_operands", s.promoteOperands, verdict, false) ||
      !readInt(j, "vector_width", s.vectorWidth, verdict) ||
      !readInt(j, "pipeline_depth", s.pipelineDepth, verdict) ||
      !readInt(j, "split_reduction", s.splitReduction, verdict))
    return fail();
  if (auto it = j.find("matrix_instruction"); it != j.end()) {
    if (!it->is_string()) {
      verdict =
          Verdict::reject("schema", "'matrix_instruction' must be a string");
      return fail();
    }
    std::string name = it->get<std::string>();
    std::optional<MatrixInstruction> instruction =
        symbolizeMatrixInstruction(name);
    if (!instruction) {
      verdict = Verdict::reject("schema",
                                "unknown matrix_instruction '" + name + "'");
      return fail();
    }
    s.matrixInstruction = *instruction;
  }
  if (!haveFuse)
    for (int64_t i = 0; i < static_cast<int64_t>(kernel.opNames.size()); ++i)
      if (i != kernel.sinkIndex)
        s.fuse.push_back(i);

  std::vector<int64_t> parallel = kernel.sinkParallelSizes();
  std::vector<int64_t> reductions = kernel.rootReductionSizes();
  if (s.splitReduction < 0) {
    verdict = Verdict::reject("split_reduction",
                              "split_reduction must not be negative");
    return fail();
  }
  if (s.splitReduction > 1) {
    // Each chunk reduces size / factor elements; the reduction tile applies
    // within a chunk.
    if (kernel.rootIndex != kernel.sinkIndex || reductions.size() != 1 ||
        kernel.rootParallel.back()) {
      verdict = Verdict::reject(
          "split_reduction",
          "split_reduction needs a kernel whose root is its last op and has "
          "exactly one reduction loop, the innermost");
      return fail();
    }
    if (reductions[0] % s.splitReduction != 0 ||
        s.splitReduction >= reductions[0]) {
      verdict = Verdict::reject(
          "split_reduction",
          llvm::formatv("split_reduction {0} does not divide the reduction "
                        "loop of {1} into several chunks",
                        s.splitReduction, reductions[0]));
      return fail();
    }
    reductions[0] /= s.splitReduction;
  }
  if (!checkTiles("workgroup_tile", s.workgroupTile, parallel, verdict) ||
      !checkTiles("thread_tile", s.threadTile, parallel, verdict) ||
      !checkTiles("reduction_tile", s.reductionTile, reductions, verdict))
    return fail();
  if (!llvm::is_contained({1, 2, 4, 8}, s.vectorWidth)) {
    verdict = Verdict::reject("vector_width",
                              llvm::formatv("vector_width {0} is not 1, 2, 4 "
                                            "or 8",
                                            s.vectorWidth));
    return fail();
  }
  if (s.pipelineDepth < 1 || s.pipelineDepth > 4) {
    verdict = Verdict::reject(
        "pipeline_depth",
        llvm::formatv("pipeline_depth {0} is outside [1, 4]", s.pipelineDepth));
    return fail();
  }
  verdict = Verdict::accept();
  return s;
}

//===----------------------------------------------------------------------===//
// Static checks and the resource model
//===----------------------------------------------------------------------===//

namespace {
/// Effective workgroup and thread tile of each sink parallel loop (0 means
/// "whole", resolved here).
void effectiveTiles(const Schedule &s, const KernelInfo &k,
                    std::vector<int64_t> &wg, std::vector<int64_t> &th) {
  std::vector<int64_t> sizes = k.sinkParallelSizes();
  for (size_t i = 0; i < sizes.size(); ++i) {
    int64_t w = s.workgroupTile[i] ? s.workgroupTile[i] : sizes[i];
    wg.push_back(w);
    th.push_back(s.threadTile[i] ? std::min(s.threadTile[i], w) : w);
  }
}

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// With a matrix instruction the thread tile is the tile of a group of
/// threads computing it together: a warp's (32 lanes) for mma_sync, a
/// warpgroup's (4 consecutive warps) for wgmma. 1 otherwise.
int64_t tileThreads(const Schedule &s) {
  switch (s.matrixInstruction) {
  case MatrixInstruction::MmaSync:
    return 32;
  case MatrixInstruction::Wgmma:
    return 128;
  case MatrixInstruction::None:
  case MatrixInstruction::Mfma:
    return 1;
  }
  llvm_unreachable("unknown MatrixInstruction");
}
bool usesMatrixInstruction(const Schedule &s) { return tileThreads(s) > 1; }

/// Where a matmul-like root's loops are: M and N as positions among its
/// parallel loops (which line up with the sink's), K among its reduction
/// loops. The other parallel loops are batch loops.
struct MatmulLoops {
  size_t m, n, k;
};

std::optional<MatmulLoops> matmulLoops(const KernelInfo &k) {
  if (k.rootInputLoops.size() != 2)
    return std::nullopt;
  auto uses = [&](size_t input, int64_t loop) {
    return llvm::is_contained(k.rootInputLoops[input], loop);
  };
  std::optional<size_t> m, n, r;
  size_t parallel = 0, reduction = 0;
  for (size_t loop = 0; loop < k.rootLoops.size(); ++loop) {
    if (!k.rootParallel[loop]) {
      if (r)
        return std::nullopt;
      r = reduction++;
      continue;
    }
    bool a = uses(0, loop), b = uses(1, loop);
    if (a != b) {
      std::optional<size_t> &dim = a ? m : n;
      if (dim)
        return std::nullopt;
      dim = parallel;
    }
    ++parallel;
  }
  if (!m || !n || !r)
    return std::nullopt;
  return MatmulLoops{*m, *n, *r};
}

/// The loop that vector_width applies to: the innermost sink parallel loop
/// with a non-zero thread tile (the innermost loop if there is none).
size_t innermostThreadTiled(const Schedule &s) {
  for (size_t i = s.threadTile.size(); i-- > 0;)
    if (s.threadTile[i])
      return i;
  return s.threadTile.empty() ? 0 : s.threadTile.size() - 1;
}
} // namespace

int64_t mlir::kgen::threadsPerBlock(const Schedule &s, const KernelInfo &k) {
  std::vector<int64_t> wg, th;
  effectiveTiles(s, k, wg, th);
  int64_t threads = tileThreads(s);
  for (size_t i = 0; i < wg.size(); ++i)
    if (s.threadTile[i])
      threads *= ceilDiv(wg[i], th[i]);
  return threads;
}

int64_t mlir::kgen::estimateRegisters(const Schedule &s, const KernelInfo &k) {
  // Accumulators: the thread's output tile in f32; inputs: a vector-wide
  // slice of each root input per reduction step; plus fixed overhead for
  // indices and addresses.
  std::vector<int64_t> wg, th;
  effectiveTiles(s, k, wg, th);
  int64_t accumulators = 1;
  for (int64_t t : th)
    accumulators *= t;
  int64_t inputs =
      static_cast<int64_t>(k.rootInputLoops.size()) * s.vectorWidth * 2;
  if (usesMatrixInstruction(s)) {
    // The tile is spread over the warp's (warpgroup's) lanes. mma_sync
    // also holds a 16-step of the warp tile's A and B fragments at once (4
    // registers per 16 rows of A, 2 per 8 columns of B); wgmma reads them
    // from shared memory.
    accumulators = ceilDiv(accumulators, tileThreads(s));
    inputs = 0;
    if (std::optional<MatmulLoops> loops = matmulLoops(k);
        loops && s.matrixInstruction == MatrixInstruction::MmaSync)
      inputs = ceilDiv(th[loops->m], 16) * 4 + ceilDiv(th[loops->n], 8) * 2;
  }
  return accumulators + inputs + 24;
}

int64_t mlir::kgen::vectorElements(const Schedule &s, const KernelInfo &k) {
  // The root is vectorized over one vector of its output and its whole
  // reduction step.
  int64_t elements = s.vectorWidth;
  std::vector<int64_t> reductions = k.rootReductionSizes();
  for (size_t i = 0; i < reductions.size(); ++i)
    elements *= s.reductionTile[i] ? s.reductionTile[i] : reductions[i];
  return elements;
}

namespace {
/// The root's tile per workgroup and reduction step, per root loop: a
/// sink-parallel loop covers the workgroup tile, a reduction loop the
/// reduction tile (or the whole loop).
std::vector<int64_t> rootStepTile(const Schedule &s, const KernelInfo &k) {
  std::vector<int64_t> wg, th;
  effectiveTiles(s, k, wg, th);
  std::vector<int64_t> rootTile(k.rootLoops.size());
  size_t parallelIndex = 0, reductionIndex = 0;
  for (size_t loop = 0; loop < k.rootLoops.size(); ++loop) {
    if (k.rootParallel[loop]) {
      // The root's parallel loops line up with the sink's: kernels only
      // fuse elementwise consumers of the root's result. Past the sink's
      // loops, count the whole range (conservative).
      rootTile[loop] =
          parallelIndex < wg.size() ? wg[parallelIndex] : k.rootLoops[loop];
      ++parallelIndex;
    } else {
      int64_t r = s.reductionTile[reductionIndex++];
      rootTile[loop] = r ? r : k.rootLoops[loop];
    }
  }
  return rootTile;
}

/// The shape of promoted root input `operand`'s tile in workgroup memory.
std::vector<int64_t> promotedTileShape(const Schedule &s, const KernelInfo &k,
                                       int64_t operand) {
  std::vector<int64_t> rootTile = rootStepTile(s, k), shape;
  for (int64_t loop : k.rootInputLoops[operand])
    shape.push_back(loop >= 0 ? rootTile[loop] : 1);
  return shape;
}

int64_t product(const std::vector<int64_t> &values) {
  int64_t p = 1;
  for (int64_t v : values)
    p *= v;
  return p;
}

/// With promoted operands, the root keeps its accumulator (the
/// workgroup's output tile) in workgroup memory when its linalg.fill init
/// is fused: the reduction loop runs around the thread loops, so the
/// accumulator cannot stay in registers, and workgroup memory is much
/// nearer than the output in global memory.
std::optional<int64_t> promotedAccumulatorInit(const Schedule &s,
                                               const KernelInfo &k) {
  if (s.promoteOperands.empty())
    return std::nullopt;
  for (int64_t op : k.rootInitProducers)
    if (llvm::is_contained(s.fuse, op))
      return op;
  return std::nullopt;
}
} // namespace

int64_t mlir::kgen::estimateSharedMemory(const Schedule &s,
                                         const KernelInfo &k) {
  // Each promoted operand's tile, times the pipeline depth, plus the
  // accumulator when it is kept in workgroup memory (in f32 at most); rows
  // padded as kgen-pad-shared-buffers pads them. wgmma's operand tiles are
  // swizzled instead of padded, and aligned (SharedMemoryLayout.h).
  bool wgmma = s.matrixInstruction == MatrixInstruction::Wgmma;
  int64_t bytes = 0;
  for (int64_t operand : s.promoteOperands) {
    std::vector<int64_t> shape = promotedTileShape(s, k, operand);
    int64_t tile =
        wgmma ? atomAlignedBytes(product(shape) * k.elementBytes)
              : alignedBufferBytes(sharedBufferBytes(shape, k.elementBytes));
    bytes += tile * s.pipelineDepth;
  }
  if (promotedAccumulatorInit(s, k)) {
    std::vector<int64_t> wg, th;
    effectiveTiles(s, k, wg, th);
    int64_t accumulator =
        sharedBufferBytes(wg, std::max<int64_t>(k.elementBytes, 4));
    bytes +=
        wgmma ? atomAlignedBytes(accumulator) : alignedBufferBytes(accumulator);
  }
  // In dynamic shared memory (past 48 KB), which is only 16-byte aligned,
  // wgmma's buffers start at the first atom-aligned byte.
  if (wgmma)
    bytes += kSwizzleAtomBytes;
  return bytes;
}

namespace {
/// promote_operands moves the root's reduction loop up to the workgroup,
/// so the ops the expansion can place around it are limited: the root's
/// fill and the root's elementwise consumers.
Verdict checkPromotion(const Schedule &s, const KernelInfo &k) {
  std::set<int64_t> operands(s.promoteOperands.begin(),
                             s.promoteOperands.end());
  if (operands.size() != s.promoteOperands.size())
    return Verdict::reject("promote_operand",
                           "'promote_operands' lists an operand twice");
  if (!k.matmulLike)
    return Verdict::reject(
        "promote_operand",
        "promote_operands needs a matmul-like root (linalg.matmul or "
        "linalg.batch_matmul); this kernel's root is " +
            k.opNames[k.rootIndex]);
  if (s.splitReduction > 1)
    return Verdict::reject("promote_operand",
                           "promote_operands cannot be combined with "
                           "split_reduction");
  if (k.rootIndex != k.sinkIndex && !llvm::is_contained(s.fuse, k.rootIndex))
    return Verdict::reject("promote_operand",
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
    if (op == k.rootIndex || downstream.count(op))
      continue;
    if (llvm::is_contained(k.rootInitProducers, op) &&
        k.opNames[op] == "linalg.fill")
      continue;
    return Verdict::reject(
        "promote_operand",
        llvm::formatv("with promote_operands only the root's fill and the "
                      "root's consumers can be fused; op {0} ({1}) is "
                      "neither",
                      op, k.opNames[op]));
  }
  return Verdict::accept();
}
} // namespace

namespace {
/// mma_sync: each warp computes its tile of the root with m16n8k16
/// instructions; wgmma: each warpgroup computes its tile with m64nNk16
/// ones, reading both operands from the staged tiles through descriptors
/// (kgen-lower-matrix-instructions). The tiles must be made of whole
/// instructions.
Verdict checkMatrixTiles(const Schedule &s, const KernelInfo &k) {
  auto reject = [](const llvm::Twine &message) {
    return Verdict::reject("matrix_instruction", message.str());
  };
  bool wgmma = s.matrixInstruction == MatrixInstruction::Wgmma;
  std::string name = stringifyMatrixInstruction(s.matrixInstruction).str();
  const std::vector<std::string> &types = k.rootOperandTypes;
  bool halves = types.size() == 3 && types[0] == types[1] &&
                (types[0] == "f16" || (wgmma && types[0] == "bf16")) &&
                types[2] == "f32";
  if (!halves)
    return reject(name +
                  (wgmma ? " takes f16 or bf16 operands accumulated in f32"
                         : " takes f16 operands accumulated in f32") +
                  "; this root's operands are " + llvm::join(types, ", "));
  std::vector<int64_t> promoted(s.promoteOperands);
  llvm::sort(promoted);
  if (promoted != std::vector<int64_t>{0, 1})
    return reject(name + " needs promote_operands [0, 1]: it reads its " +
                  "operands from the staged tiles");
  std::optional<MatmulLoops> loops = matmulLoops(k);
  if (!loops)
    return reject(name + " needs one M, one N and one K loop");
  // The loop positions of the root's inputs: wgmma's descriptors take A
  // with K contiguous and B with N contiguous (a plain or batched matmul).
  if (wgmma) {
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
    size_t m = rootLoop(true, loops->m), n = rootLoop(true, loops->n),
           kLoop = rootLoop(false, loops->k);
    if (!innermost(0, m, kLoop) || !innermost(1, kLoop, n))
      return reject("wgmma takes A as rows of M with K contiguous and B as "
                    "rows of K with N contiguous (a plain or batched "
                    "matmul); this root's operands are laid out otherwise");
  }
  std::vector<int64_t> wg, th;
  effectiveTiles(s, k, wg, th);
  const char *tile = wgmma ? "warpgroup" : "warp";
  for (size_t i = 0; i < th.size(); ++i) {
    int64_t unit = i == loops->m   ? (wgmma ? 64 : 16)
                   : i == loops->n ? (wgmma ? 64 : 8)
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
  // wgmma's K-contiguous A tile is swizzled in blocks of 128-byte rows.
  int64_t stepUnit = wgmma ? 64 : 16;
  if (step % stepUnit != 0)
    return reject(llvm::formatv("with {0} the reduction step must be a "
                                "multiple of {1} (it is {2})",
                                name, stepUnit, step));
  return Verdict::accept();
}
} // namespace

Verdict mlir::kgen::checkSchedule(const Schedule &s, const KernelInfo &k,
                                  const TargetDescription &target) {
  auto nonzero = [](const std::vector<int64_t> &v) {
    return llvm::count_if(v, [](int64_t x) { return x != 0; });
  };
  if (nonzero(s.workgroupTile) + (s.splitReduction > 1 ? 1 : 0) > 3 ||
      nonzero(s.threadTile) > 3)
    return Verdict::reject("too_many_mapped_dims",
                           "at most 3 loops can be tiled per level (grid and "
                           "block have 3 dimensions; a split reduction takes "
                           "one grid dimension)");
  int64_t numOps = k.opNames.size();
  std::set<int64_t> fused(s.fuse.begin(), s.fuse.end());
  if (fused.size() != s.fuse.size())
    return Verdict::reject("illegal_fusion", "'fuse' lists an op twice");
  for (int64_t op : s.fuse) {
    if (op < 0 || op >= numOps || op == k.sinkIndex)
      return Verdict::reject(
          "illegal_fusion",
          llvm::formatv("'fuse' entry {0} is not a non-sink op of this kernel "
                        "(ops 0..{1}, sink {2})",
                        op, numOps - 1, k.sinkIndex));
    // Fusion works from the sink backwards: an op can only be pulled into
    // the tile loops if every consumer already is.
    for (int64_t user : k.consumers[op])
      if (user != k.sinkIndex && !fused.count(user))
        return Verdict::reject(
            "illegal_fusion",
            llvm::formatv("op {0} is fused but its consumer op {1} is not", op,
                          user));
  }
  // A kernel is one launch: an op left outside the tile loops would have
  // to run on the host, on device memory (kgen-map-kernels-to-gpu refuses
  // it), so every target kgen has needs every op fused.
  for (int64_t op = 0; op < numOps; ++op)
    if (op != k.sinkIndex && !fused.count(op))
      return Verdict::reject(
          "illegal_fusion",
          llvm::formatv("op {0} ({1}) is not fused: on a GPU every op of a "
                        "kernel runs inside its tile loops (fuse every op "
                        "but the sink, or leave 'fuse' out)",
                        op, k.opNames[op]));
  for (int64_t operand : s.promoteOperands)
    if (operand < 0 || operand >= static_cast<int64_t>(k.rootInputLoops.size()))
      return Verdict::reject(
          "promote_operand",
          llvm::formatv("promoted operand {0} does not exist (the root has {1} "
                        "inputs)",
                        operand, k.rootInputLoops.size()));
  if (!s.promoteOperands.empty())
    if (Verdict v = checkPromotion(s, k); !v.accepted)
      return v;
  if (s.pipelineDepth > 1) {
    auto reject = [](const llvm::Twine &message) {
      return Verdict::reject("pipeline_depth", message.str());
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
  }
  if (s.matrixInstruction != MatrixInstruction::None) {
    std::string name = stringifyMatrixInstruction(s.matrixInstruction).str();
    if (!llvm::is_contained(target.matrixInstructions, s.matrixInstruction))
      return Verdict::reject("matrix_instruction",
                             "'" + name + "' is not available on " +
                                 target.name);
    if (!k.matmulLike)
      return Verdict::reject("matrix_instruction",
                             "matrix instructions need a matmul-like root, "
                             "this kernel's root is " +
                                 k.opNames[k.rootIndex]);
    if (!usesMatrixInstruction(s))
      return Verdict::reject("matrix_instruction",
                             "kgen does not generate '" + name +
                                 "' code yet; mma_sync and wgmma are the "
                                 "matrix instructions it generates");
    if (Verdict v = checkMatrixTiles(s, k); !v.accepted)
      return v;
  }
  if (s.vectorWidth > 1) {
    if (!llvm::StringRef(k.opNames[k.sinkIndex]).starts_with("linalg.") ||
        k.sinkParallelSizes().empty())
      return Verdict::reject(
          "vector_width",
          "vector_width > 1 needs a linalg sink with a parallel loop; this "
          "kernel's sink is " +
              k.opNames[k.sinkIndex]);
    int64_t elements = vectorElements(s, k);
    if (elements > kMaxVectorElements)
      return Verdict::reject(
          "vector_width",
          llvm::formatv("vectorizing the root tile makes {0}-element vectors "
                        "(vector_width times the reduction tile), over the "
                        "{1} limit: tile the reduction or use vector_width 1",
                        elements, kMaxVectorElements));
  }
  std::vector<int64_t> wg, th;
  effectiveTiles(s, k, wg, th);
  if (size_t v = innermostThreadTiled(s);
      !s.threadTile.empty() && s.threadTile[v] && th[v] % s.vectorWidth != 0)
    return Verdict::reject(
        "vector_width",
        llvm::formatv("vector_width {0} does not divide the innermost "
                      "thread tile {1}",
                      s.vectorWidth, th[v]));
  int64_t threads = threadsPerBlock(s, k);
  if (threads > target.maxThreadsPerBlock)
    return Verdict::reject(
        "threads_per_block",
        llvm::formatv("{0} threads per block exceed the {1} limit of {2}",
                      threads, target.maxThreadsPerBlock, target.name));
  int64_t smem = estimateSharedMemory(s, k);
  if (smem > target.sharedMemoryPerBlock)
    return Verdict::reject(
        "shared_memory",
        llvm::formatv("{0} bytes of shared memory per block exceed the {1} "
                      "bytes of {2}",
                      smem, target.sharedMemoryPerBlock, target.name));
  int64_t registers = estimateRegisters(s, k);
  if (registers > target.registersPerThread)
    return Verdict::reject(
        "registers",
        llvm::formatv("an estimated {0} registers per thread exceed the {1} "
                      "of {2}",
                      registers, target.registersPerThread, target.name));
  return Verdict::accept();
}

//===----------------------------------------------------------------------===//
// Expansion into a transform script
//===----------------------------------------------------------------------===//

namespace {
/// Tile sizes over all loops of an op: `parallelTiles` at its parallel loops,
/// zero at the reduction loops (or the other way round).
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

constexpr const char *kOp = "!transform.any_op";
} // namespace

std::string mlir::kgen::expandSchedule(const Schedule &s, const KernelInfo &k) {
  std::string out;
  llvm::raw_string_ostream os(out);
  auto match = [&](llvm::StringRef handle, llvm::StringRef attrs) {
    os << llvm::formatv("    {0} = transform.structured.match attributes "
                        "{{{1}} in %root : ({2}) -> {2}\n",
                        handle, attrs, kOp);
  };
  os << "// kgen schedule for " << k.name << " (" << k.fingerprint
     << "): " << s.toJson().dump() << "\n";
  os << "module attributes {transform.with_named_sequence} {\n";
  os << llvm::formatv("  transform.named_sequence @__transform_main(%root: "
                      "{0} {{transform.readonly}) {{\n",
                      kOp);
  // Handles to every op first: tiling and fusion replace ops, and matching
  // by attribute afterwards could find both the original and its copies.
  match("%sink", llvm::formatv("{0}", kSinkAttr).str());
  std::vector<int64_t> fuseOrder(s.fuse);
  llvm::sort(fuseOrder, std::greater<int64_t>()); // consumers first
  for (int64_t op : fuseOrder)
    match(llvm::formatv("%op{0}", op).str(),
          llvm::formatv("{0} = {1}", kOpIndexAttr, op).str());
  bool rootIsSink = k.rootIndex == k.sinkIndex;
  bool rootFused = llvm::is_contained(s.fuse, k.rootIndex);
  if (!rootIsSink && !rootFused)
    match("%unfused_root", llvm::formatv("{0}", kRootAttr).str());

  std::string sinkHandle = "%sink";
  if (s.splitReduction > 1) {
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
    std::vector<int64_t> partialTilesAll;
    {
      size_t next = 0;
      for (bool p : partialLoops)
        partialTilesAll.push_back(p ? partialTiles[next++] : 0);
    }
    os << llvm::formatv(
        "    %partial_tiled, %partial_forall = "
        "transform.structured.tile_using_forall %partial "
        "tile_sizes {0} (mapping = {1}) : ({2}) -> ({2}, {2})\n",
        formatList(partialTilesAll), mapping(partialTiles, "block"), kOp);
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
  std::map<int64_t, std::string> handles; // latest handle of each fused op
  for (int64_t op : fuseOrder)
    handles[op] = llvm::formatv("%op{0}", op).str();
  // Fuses the fused ops, consumers first, into `containing` (the loop just
  // made), except those `skip` names; each op's handle follows it to its
  // copy. Fused copies are named <fusedPrefix><op>, containing loops
  // <loopPrefix>_<op>.
  auto fuseInto = [&](std::string containing, llvm::StringRef fusedPrefix,
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
  };
  // Ops of the kernel's own code that the thread tiles leave out: under
  // promote_operands the root and its fill get thread loops of their own.
  std::optional<int64_t> accumulatorInit = promotedAccumulatorInit(s, k);
  bool promote = !s.promoteOperands.empty();
  auto ownThreadLoops = [&](int64_t op) {
    return promote &&
           (op == k.rootIndex || llvm::is_contained(k.rootInitProducers, op));
  };
  int level = 0;
  auto tileLevel = [&](const std::vector<int64_t> &tiles, const char *kind,
                       bool linear = false) {
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
  };

  // Vector level: the thread walks the tile of `handle` one vector at a
  // time, W elements of the innermost thread-tiled loop and one index of
  // every other loop, with the fused ops `skip` leaves computed per vector.
  // Returns the handle of the op's vector tile.
  bool vectorize = s.vectorWidth > 1 && !k.sinkParallelSizes().empty();
  std::vector<int64_t> vectorTiles(k.sinkParallelSizes().size(), 1);
  if (vectorize)
    vectorTiles[innermostThreadTiled(s)] = s.vectorWidth;
  auto vectorLevel =
      [&](const std::string &handle, const std::vector<bool> &parallel,
          llvm::StringRef prefix, llvm::function_ref<bool(int64_t)> skip) {
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
      };
  auto skipInVectorLoop = [&](int64_t op) {
    return k.opNames[op] == "tensor.pad" ||
           llvm::is_contained(k.sinkInitProducers, op) || ownThreadLoops(op);
  };
  // The ops that become vector code once the tiling is done.
  std::vector<std::string> toVectorize;

  // The root's latest handle: it is the sink's, a fused op's, or its own.
  auto currentRoot = [&] {
    return rootIsSink  ? sinkHandle
           : rootFused ? handles[k.rootIndex]
                       : std::string("%unfused_root");
  };
  tileLevel(s.workgroupTile, "block");
  std::string rootHandle = currentRoot();
  bool reductionTiled =
      s.splitReduction <= 1 &&
      llvm::any_of(s.reductionTile, [](int64_t t) { return t != 0; });
  auto tileReduction = [&] {
    os << llvm::formatv("    %reduced, %reduction_loop = "
                        "transform.structured.tile_using_for {0} tile_sizes "
                        "{1} : ({2}) -> ({2}, {2})\n",
                        rootHandle,
                        tileList(k.rootParallel, s.reductionTile,
                                 /*onParallel=*/false),
                        kOp);
    rootHandle = "%reduced";
  };

  if (!promote) {
    tileLevel(s.threadTile, "thread");
    if (vectorize)
      sinkHandle =
          vectorLevel(sinkHandle, k.sinkParallel, "%vector", skipInVectorLoop);
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
  } else {
    // Shared-memory staging: the root's reduction loop moves up to the
    // workgroup, and each step first copies the promoted operands' tiles
    // into workgroup memory with all the workgroup's threads, then computes
    // on them. The GPU mapping puts a barrier after every thread loop, so a
    // step's copies, its compute and the next step's copies never overlap.
    // A nofold pad of a promoted operand is its copy; rewritten in
    // destination-passing style it is a linalg.copy into a new tensor,
    // which is then placed in workgroup memory and tiled over the threads.
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
    std::vector<int64_t> promoted(s.promoteOperands);
    llvm::sort(promoted);
    std::vector<std::string> zeros, nofold, dims, copies;
    for (auto [i, type] : llvm::enumerate(k.rootOperandTypes)) {
      bool isFloat = type[0] == 'f' || llvm::StringRef(type).starts_with("bf");
      zeros.push_back((isFloat ? "0.0 : " : "0 : ") + type);
      nofold.push_back(llvm::is_contained(promoted, i) ? "1" : "0");
    }
    for (size_t i = 0; i < k.rootLoops.size(); ++i)
      dims.push_back(std::to_string(i));
    for (int64_t operand : promoted)
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
    bool writeBack = accumulatorInit && rootIsSink;
    if (accumulatorInit)
      toWorkgroupMemory(handles[*accumulatorInit], 1, "%accumulator");
    if (writeBack)
      os << llvm::formatv(
          "    %block_loop = transform.structured.match ops{{[\"scf.forall\"]} "
          "in %root : ({0}) -> {0}\n"
          "    %writeback_insert = transform.structured.match "
          "ops{{[\"tensor.parallel_insert_slice\"]} in %block_loop : ({0}) -> "
          "{0}\n"
          "    %writeback = transform.structured.insert_slice_to_copy "
          "%writeback_insert : ({0}) -> {0}\n",
          kOp);

    std::vector<int64_t> wg, th;
    effectiveTiles(s, k, wg, th);
    // With a matrix instruction the root is tiled over warps (warpgroups),
    // and its M and N loops always are (each tile is whole instructions);
    // a warp is 32 consecutive threads along x, a warpgroup 128.
    bool mma = usesMatrixInstruction(s);
    std::optional<MatmulLoops> mmaLoops = mma ? matmulLoops(k) : std::nullopt;
    std::vector<int64_t> rootTiles(s.threadTile);
    if (mmaLoops)
      for (size_t i : {mmaLoops->m, mmaLoops->n})
        rootTiles[i] = th[i];
    std::vector<int64_t> blockDims; // x, y, z
    for (size_t i = th.size(); i-- > 0;)
      if (rootTiles[i])
        blockDims.push_back(ceilDiv(wg[i], th[i]));
    if (mma && !blockDims.empty())
      blockDims[0] *= tileThreads(s);
    int64_t threads = product(blockDims);
    // Under mma_sync the other thread loops spread their op over the
    // block's threads by linear id (the thread tile, a warp's, does not
    // fit them), `chunk` elements of a row per thread.
    auto ownTiles = [&](const std::vector<int64_t> &shape,
                        std::vector<int64_t> &tiles,
                        std::vector<int64_t> &perThread) {
      tiles = linearThreadTiles(shape, threads, s.vectorWidth);
      perThread = tiles;
      for (size_t d = 0; d < shape.size(); ++d)
        if (!tiles[d])
          perThread[d] = shape[d];
    };
    std::string rootCompute = "%promoted_root";
    if (!blockDims.empty()) {
      // Copies: the innermost dimension over x, the next over y and z,
      // each in as few elements per thread as divide it evenly.
      for (auto [copy, operand] : llvm::zip(copies, promoted)) {
        std::vector<int64_t> shape = promotedTileShape(s, k, operand);
        std::vector<int64_t> tiles(shape.size(), 0), perThread(shape);
        if (mma) {
          ownTiles(shape, tiles, perThread);
        } else {
          for (size_t d = 0; d < std::min(shape.size(), blockDims.size());
               ++d) {
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
            copy, formatList(tiles), mapping(tiles, "thread", mma), kOp);
        if (vectorize && product(perThread) <= kMaxVectorElements)
          toVectorize.push_back(copy + "_tiled");
      }
      // The accumulator's fill and write-back cover the workgroup tile.
      std::vector<int64_t> accTiles(s.threadTile), accPerThread(th);
      if (mma)
        ownTiles(wg, accTiles, accPerThread);
      for (int64_t op : fuseOrder) {
        if (!llvm::is_contained(k.rootInitProducers, op))
          continue;
        std::string tiled = llvm::formatv("%fill{0}_tiled", op).str();
        os << llvm::formatv(
            "    {0}, %fill{1}_forall = transform.structured."
            "tile_using_forall {2} tile_sizes {3} (mapping = {4}) : ({5}) -> "
            "({5}, {5})\n",
            tiled, op, handles[op], formatList(accTiles),
            mapping(accTiles, "thread", mma), kOp);
        handles[op] = tiled;
        if (vectorize && product(accPerThread) <= kMaxVectorElements)
          toVectorize.push_back(tiled);
      }
      if (writeBack) {
        os << llvm::formatv(
            "    %writeback_tiled, %writeback_forall = transform.structured."
            "tile_using_forall %writeback tile_sizes {0} (mapping = {1}) : "
            "({2}) -> ({2}, {2})\n",
            formatList(accTiles), mapping(accTiles, "thread", mma), kOp);
        if (vectorize && product(accPerThread) <= kMaxVectorElements)
          toVectorize.push_back("%writeback_tiled");
      }
      os << llvm::formatv(
          "    %root_threads, %root_forall = "
          "transform.structured.tile_using_forall "
          "%promoted_root tile_sizes {0} (mapping = {1}) : "
          "({2}) -> ({2}, {2})\n",
          tileList(k.rootParallel, rootTiles, true),
          mapping(rootTiles, !mma ? "thread"
                             : s.matrixInstruction == MatrixInstruction::Wgmma
                                 ? "warpgroup"
                                 : "warp"),
          kOp);
      rootCompute = "%root_threads";
      if (mma)
        os << llvm::formatv("    transform.annotate %root_threads \"{0}\" : "
                            "{1}\n",
                            s.matrixInstruction == MatrixInstruction::Wgmma
                                ? kWgmmaAttr
                                : kMmaSyncAttr,
                            kOp);
    }
    if (vectorize && !mma)
      toVectorize.push_back(vectorLevel(rootCompute, k.rootParallel,
                                        "%root_vector",
                                        [](int64_t) { return true; }));
    if (!rootIsSink && mma) {
      // The root's consumers on the finished accumulator, by linear id;
      // a thread's whole tile becomes vector code.
      std::vector<int64_t> tiles, perThread;
      ownTiles(wg, tiles, perThread);
      tileLevel(tiles, "thread", /*linear=*/true);
      if (vectorize && product(perThread) <= kMaxVectorElements) {
        toVectorize.push_back(sinkHandle);
        for (int64_t op : fuseOrder)
          if (!ownThreadLoops(op))
            toVectorize.push_back(handles[op]);
      }
    } else if (!rootIsSink) {
      // The root's consumers, per thread, on the finished accumulator.
      tileLevel(s.threadTile, "thread");
      if (vectorize) {
        sinkHandle = vectorLevel(sinkHandle, k.sinkParallel, "%vector",
                                 skipInVectorLoop);
        toVectorize.push_back(sinkHandle);
        for (int64_t op : fuseOrder)
          if (!ownThreadLoops(op))
            toVectorize.push_back(handles[op]);
      }
    }
  }

  if (vectorize) {
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
  os << "    transform.yield\n  }\n}\n";
  return out;
}
