//===- KernelInfo.cpp - the kernel summary schedules are written against --===//

#include "kgen/Schedule/KernelInfo.h"

#include "ScheduleInternal.h"

#include "kgen/Schedule/KernelAttrs.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/xxhash.h"

#include <algorithm>
#include <numeric>

using namespace mlir;
using namespace mlir::kgen;
using mlir::kgen::detail::makeError;

bool mlir::kgen::isLinalg(OpKind kind) {
  return kind != OpKind::Pad && kind != OpKind::Other;
}

OpKind mlir::kgen::opKindOf(Operation *op) {
  if (isa<linalg::FillOp>(op))
    return OpKind::Fill;
  if (isa<linalg::TransposeOp>(op))
    return OpKind::Transpose;
  if (isa<linalg::MatmulOp>(op))
    return OpKind::Matmul;
  if (isa<linalg::BatchMatmulOp>(op))
    return OpKind::BatchMatmul;
  if (isa<linalg::GenericOp>(op))
    return OpKind::Generic;
  if (isa<tensor::PadOp>(op))
    return OpKind::Pad;
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
    return linalg::isaConvolutionOpInterface(linalgOp) ? OpKind::Convolution
                                                       : OpKind::OtherLinalg;
  return OpKind::Other;
}

bool KernelInfo::matmulLike() const {
  OpKind root = ops[rootIndex].kind;
  return root == OpKind::Matmul || root == OpKind::BatchMatmul;
}

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

const std::vector<int64_t> &
KernelInfo::initProducersOf(int64_t reduction) const {
  for (auto [stat, producers] :
       llvm::zip_equal(statistics, statisticInitProducers))
    if (stat == reduction)
      return producers;
  return rootInitProducers;
}

int64_t KernelInfo::computedInputOf(int64_t reduction) const {
  for (int64_t op = 0; op < numOps(); ++op)
    if (llvm::is_contained(consumers[op], reduction) &&
        !llvm::is_contained(initProducersOf(reduction), op) &&
        !llvm::is_contained(statistics, op) && !isStatisticEpilogue(op))
      return op;
  return -1;
}

bool KernelInfo::isStatisticEpilogue(int64_t op) const {
  return llvm::is_contained(statisticEpilogues, op);
}

int64_t KernelInfo::stagedProducerOf(int64_t input) const {
  if (input < 0 || input >= static_cast<int64_t>(rootInputProducers.size()))
    return -1;
  int64_t op = rootInputProducers[input];
  if (op < 0 || !ops[op].movesData ||
      consumers[op] != std::vector<int64_t>{rootIndex})
    return -1;
  return op;
}

bool KernelInfo::readsRowByRow(int64_t input) const {
  const std::vector<int64_t> &loops = rootInputLoops[input];
  for (size_t i = 0; i < loops.size(); ++i)
    if (loops[i] != static_cast<int64_t>(i))
      return false;
  return loops.size() == rootLoops.size();
}

nlohmann::json KernelInfo::toJson() const {
  std::string type;
  llvm::raw_string_ostream(type) << elementType;
  std::vector<std::string> names;
  for (const KernelOp &op : ops)
    names.push_back(op.name);
  nlohmann::json summary = {{"name", name},
          {"fingerprint", fingerprint},
          {"element_type", type},
          {"ops", names},
          {"root_op", rootIndex},
          {"sink_op", sinkIndex},
          {"sink_parallel_loop_sizes", sinkParallelSizes()},
          {"root_reduction_loop_sizes", rootReductionSizes()},
          {"root_inputs", rootInputLoops.size()},
          {"matmul_like", matmulLike()},
          {"flops", flops},
          {"bytes", bytes}};
  if (!statistics.empty())
    summary["statistic_ops"] = statistics;
  if (!statisticEpilogues.empty())
    summary["statistic_epilogue_ops"] = statisticEpilogues;
  return summary;
}

/// See KernelOp::splitRenumbersIndices. Upstream linalg::splitReduction
/// inserts the split loop after the parallel loops when the reduction loop
/// is innermost, first otherwise.
static bool splitRenumbersIndices(linalg::LinalgOp op) {
  if (!op.hasIndexSemantics())
    return false;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (size_t i = 1; i < iterators.size(); ++i)
    if (iterators[i - 1] == utils::IteratorType::reduction &&
        iterators[i] == utils::IteratorType::parallel)
      return true; // the split loop goes first: every index moves
  WalkResult walk = op->walk([&](linalg::IndexOp index) {
    return iterators[index.getDim()] == utils::IteratorType::reduction
               ? WalkResult::interrupt()
               : WalkResult::advance();
  });
  return walk.wasInterrupted();
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

/// The argument number of `v` if it is an argument of the kernel function,
/// -1 otherwise.
int64_t kernelArgumentNumber(Value v) {
  auto arg = dyn_cast<BlockArgument>(v);
  return arg && isa<FunctionOpInterface>(arg.getOwner()->getParentOp())
             ? static_cast<int64_t>(arg.getArgNumber())
             : -1;
}

bool isKernelArgument(Value v) { return kernelArgumentNumber(v) >= 0; }

/// The kernel function arguments `op` reads: its input operands (a
/// destination operand is written, its initial value aside) and the
/// tensors its body gathers from (tensor.extract: an im2col, a
/// convolution's padded window).
std::vector<int64_t> argsReadBy(Operation *op) {
  std::vector<int64_t> args;
  SmallVector<Value> inputs(op->getOperands());
  if (auto dps = dyn_cast<DestinationStyleOpInterface>(op))
    inputs = dps.getDpsInputs();
  op->walk([&](tensor::ExtractOp extract) {
    inputs.push_back(extract.getTensor());
  });
  for (Value input : inputs)
    if (int64_t arg = kernelArgumentNumber(input);
        arg >= 0 && !llvm::is_contained(args, arg))
      args.push_back(arg);
  return args;
}

int64_t tensorBytes(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return 0;
  return tensor.getNumElements() *
         std::max<int64_t>(1, tensor.getElementTypeBitWidth() / 8);
}

/// The kernel's ops by their kgen.op index; empty if the indices are not
/// consecutive from 0.
std::vector<Operation *> opsByIndex(func::FuncOp kernel) {
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
  if (llvm::is_contained(ops, nullptr))
    ops.clear();
  return ops;
}

/// See KernelOp::movesData: onlyMovesData, on kernel arguments.
bool movesData(linalg::LinalgOp op) {
  if (!onlyMovesData(op) ||
      !llvm::all_of(op.getDpsInputs(), isKernelArgument))
    return false;
  return llvm::all_of(op.getBlock()->getOps<tensor::ExtractOp>(),
                      [&](tensor::ExtractOp extract) {
                        return isKernelArgument(extract.getTensor());
                      });
}

/// The root's outputs: the product of its parallel loops.
int64_t rootRows(const KernelInfo &info) {
  int64_t rows = 1;
  for (auto [size, parallel] : llvm::zip(info.rootLoops, info.rootParallel))
    if (parallel)
      rows *= size;
  return rows;
}

/// The elementwise ops of the kernel that compute from row statistics
/// only (a norm's sqrt and clamp), in program order: the lanes find their
/// operands in workgroup memory, as they find the statistics. The sink
/// and ops reading kernel arguments are not among them.
void findStatisticEpilogues(ArrayRef<Operation *> ops, KernelInfo &info) {
  auto isStatistic = [&](Value input) {
    const auto *producer = llvm::find(ops, input.getDefiningOp());
    int64_t j = producer - ops.begin();
    return producer != ops.end() && (llvm::is_contained(info.statistics, j) ||
                                     info.isStatisticEpilogue(j));
  };
  for (auto [i, op] : llvm::enumerate(ops)) {
    if (op->hasAttr(kSinkAttr) || !info.ops[i].argsRead.empty() ||
        !isRowStatisticEpilogue(op, rootRows(info), isStatistic))
      continue;
    auto inputs = cast<linalg::LinalgOp>(op).getDpsInputs();
    if (llvm::any_of(inputs, isStatistic))
      info.statisticEpilogues.push_back(static_cast<int64_t>(i));
  }
}

/// Op names, consumers, root and sink of `info` from the kernel's ops;
/// fails if there is no root or no sink.
LogicalResult summarizeOps(ArrayRef<Operation *> ops, KernelInfo &info,
                           Operation *&root, Operation *&sink) {
  DenseMap<Operation *, int64_t> indexOf;
  for (auto [i, op] : llvm::enumerate(ops))
    indexOf[op] = i;
  root = sink = nullptr;
  for (auto [i, op] : llvm::enumerate(ops)) {
    info.ops.push_back(
        {opKindOf(op), op->getName().getStringRef().str(), argsReadBy(op)});
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
      info.ops.back().splitRenumbersIndices = splitRenumbersIndices(linalgOp);
      info.ops.back().movesData = movesData(linalgOp);
    }
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
        linalgOp && linalgOp.getNumReductionLoops() == 0) {
      bool &strided = info.ops.back().readsStrided;
      for (OpOperand *input : linalgOp.getDpsInputOperands())
        if (!linalgOp.getMatchingIndexingMap(input).isProjectedPermutation())
          strided = true;
      // A gather (flip, im2col): the vectorizer refuses its tensor.extract
      // at computed indices.
      if (!linalgOp->getRegion(0).getOps<tensor::ExtractOp>().empty())
        strided = true;
      info.stridedReads |= strided;
    }
    std::vector<int64_t> users;
    for (Operation *user : op->getUsers())
      if (indexOf.count(user))
        users.push_back(indexOf[user]);
    llvm::sort(users);
    users.erase(std::unique(users.begin(), users.end()), users.end());
    info.consumers.push_back(users);
    if (op->hasAttr(kRootAttr) && op->getNumRegions() == 1 &&
        !op->getRegion(0).getOps<tensor::ExtractOp>().empty())
      info.rootGathers = true;
    if (op->hasAttr(kRootAttr)) {
      root = op;
      info.rootResults = op->getNumResults();
      info.rootIndex = i;
    }
    if (op->hasAttr(kSinkAttr)) {
      sink = op;
      info.sinkIndex = i;
    }
  }
  if (!root || !sink)
    return failure();
  auto initProducers = [&](Operation *op, std::vector<int64_t> &producers) {
    if (auto dps = dyn_cast<DestinationStyleOpInterface>(op))
      for (Value init : dps.getDpsInits())
        if (Operation *producer = init.getDefiningOp();
            producer && indexOf.count(producer))
          producers.push_back(indexOf[producer]);
  };
  initProducers(sink, info.sinkInitProducers);
  initProducers(root, info.rootInitProducers);
  for (auto [i, op] : llvm::enumerate(ops)) {
    auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
    if (op == root || !linalgOp || linalgOp.getNumReductionLoops() == 0)
      continue;
    info.statistics.push_back(i);
    initProducers(op, info.statisticInitProducers.emplace_back());
  }
  return success();
}

/// How a linalg root indexes its inputs, and its arithmetic.
void summarizeLinalgRoot(linalg::LinalgOp root, ArrayRef<Operation *> ops,
                         KernelInfo &info) {
  for (OpOperand *input : root.getDpsInputOperands()) {
    const auto *producer = llvm::find(ops, input->get().getDefiningOp());
    info.rootInputProducers.push_back(
        producer == ops.end() ? -1 : producer - ops.begin());
    std::vector<int64_t> dims;
    AffineMap map = root.getMatchingIndexingMap(input);
    for (AffineExpr e : map.getResults()) {
      auto d = dyn_cast<AffineDimExpr>(e);
      dims.push_back(d ? static_cast<int64_t>(d.getPosition()) : -1);
    }
    info.rootInputLoops.push_back(dims);
    info.rootInputArgs.push_back(kernelArgumentNumber(input->get()));
  }
  double iterations = 1;
  for (int64_t size : info.rootLoops)
    iterations *= size;
  bool contraction =
      root.getNumReductionLoops() > 0 && root.getNumDpsInputs() >= 2;
  info.flops = iterations * (contraction ? 2 : 1);
}

/// Stable hash of the kernel in generic form, without locations or its
/// name.
std::string fingerprintOf(func::FuncOp kernel) {
  OwningOpRef<func::FuncOp> canonical(kernel.clone());
  canonical->setSymName("kernel");
  std::string text;
  llvm::raw_string_ostream os(text);
  canonical->print(
      os, OpPrintingFlags().printGenericOpForm().enableDebugInfo(false));
  return llvm::formatv("{0:x16}",
                       llvm::xxh3_64bits(llvm::arrayRefFromStringRef(text)));
}
} // namespace

/// The first tensor element type in `kernel` that kgen's kernels do not
/// compute on: its arguments and results are f32, f16, bf16, i64 (the
/// positions argmax returns) or i8 (PyTorch's bool), the element types of
/// .npy files and the runtime; values inside it may also be i32 (positions
/// being reduced).
/// kgen-to-linalg produces no others, but linalg written by hand may.
/// Constants are exempt: they never cross the runtime.
static std::optional<Type> unsupportedElementType(func::FuncOp kernel) {
  auto unsupported = [](Type type,
                        bool crossesRuntime) -> std::optional<Type> {
    auto shaped = dyn_cast<ShapedType>(type);
    if (!shaped)
      return std::nullopt;
    Type element = shaped.getElementType();
    if (element.isF32() || element.isF16() || element.isBF16() ||
        element.isInteger(64) || element.isInteger(8) ||
        (!crossesRuntime && element.isInteger(32)))
      return std::nullopt;
    return element;
  };
  for (Type type : kernel.getArgumentTypes())
    if (std::optional<Type> bad = unsupported(type, true))
      return bad;
  for (Type type : kernel.getResultTypes())
    if (std::optional<Type> bad = unsupported(type, true))
      return bad;
  std::optional<Type> found;
  kernel.walk([&](Operation *op) {
    if (isa<arith::ConstantOp>(op))
      return WalkResult::advance();
    for (Type type : op->getResultTypes())
      if ((found = unsupported(type, false)))
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return found;
}

/// The float type `kernel` computes in: its result's, or for a kernel
/// returning integers (positions, bools), its first float argument's.
static Type computeElementType(func::FuncOp kernel, Type resultType) {
  Type element = cast<RankedTensorType>(resultType).getElementType();
  if (isa<FloatType>(element))
    return element;
  for (Type type : kernel.getArgumentTypes())
    if (auto tensor = dyn_cast<RankedTensorType>(type))
      if (isa<FloatType>(tensor.getElementType()))
        return tensor.getElementType();
  return Float32Type::get(kernel.getContext());
}

bool mlir::kgen::onlyMovesData(Operation *op) {
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic || generic.getNumReductionLoops() != 0 ||
      generic->getNumResults() != 1)
    return false;
  for (OpOperand *input : generic.getDpsInputOperands()) {
    AffineMap map = generic.getMatchingIndexingMap(input);
    if (!map.isProjectedPermutation() ||
        !llvm::is_sorted(map.getResults(), [](AffineExpr a, AffineExpr b) {
          return cast<AffineDimExpr>(a).getPosition() <
                 cast<AffineDimExpr>(b).getPosition();
        }))
      return false;
  }
  for (Operation &inner : generic.getBody()->without_terminator()) {
    if (isa<linalg::IndexOp, arith::ConstantOp, arith::SelectOp,
            tensor::ExtractOp>(inner))
      continue;
    // Index arithmetic and its comparisons.
    bool indexOnly = isa<arith::ArithDialect>(inner.getDialect()) &&
                     llvm::all_of(inner.getResultTypes(), [](Type t) {
                       return t.isIndex() || t.isInteger(1);
                     });
    if (!indexOnly)
      return false;
  }
  return true;
}

bool mlir::kgen::isRowStatisticEpilogue(
    Operation *op, int64_t rows, llvm::function_ref<bool(Value)> isStatistic) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || linalgOp.getNumReductionLoops() != 0)
    return false;
  SmallVector<int64_t> ranges = linalgOp.getStaticLoopRanges();
  if (ShapedType::isDynamicShape(ranges) ||
      std::accumulate(ranges.begin(), ranges.end(), int64_t{1},
                      std::multiplies<int64_t>()) > rows)
    return false;
  return llvm::all_of(linalgOp.getDpsInputs(), [&](Value input) {
    return !isa<ShapedType>(input.getType()) || isStatistic(input);
  });
}

llvm::Expected<KernelInfo> mlir::kgen::describeKernel(func::FuncOp kernel) {
  KernelInfo info;
  info.name = kernel.getSymName().str();
  std::vector<Operation *> ops = opsByIndex(kernel);
  if (ops.empty())
    return makeError("'" + info.name +
                     "' is not a kernel from kgen-form-kernels (its ops lack "
                     "consecutive kgen.op indices)");
  if (std::optional<Type> type = unsupportedElementType(kernel)) {
    std::string name;
    llvm::raw_string_ostream(name) << *type;
    return makeError("kernel '" + info.name + "' computes on " + name +
                     " tensors; kgen supports f32, f16, bf16 and i64 "
                     "positions only");
  }
  Operation *root, *sink;
  if (failed(summarizeOps(ops, info, root, sink)))
    return makeError("kernel '" + info.name +
                     "' has no kgen.root or kgen.sink");
  for (Value operand : root->getOperands())
    if (auto shaped = dyn_cast<ShapedType>(operand.getType()))
      info.rootOperandTypes.push_back(shaped.getElementType());
  if (failed(loopsOf(sink, info.sinkLoops, info.sinkParallel)) ||
      failed(loopsOf(root, info.rootLoops, info.rootParallel)))
    return makeError("kernel '" + info.name +
                     "' has dynamic or unsupported loop ranges");
  for (int64_t stat : info.statistics) {
    std::vector<int64_t> loops;
    std::vector<bool> parallel;
    if (failed(loopsOf(ops[stat], loops, parallel)) ||
        loops != info.rootLoops || parallel != info.rootParallel)
      return makeError(llvm::formatv(
          "kernel '{0}' has reductions over different loops (ops {1} and "
          "{2}); a kernel holds one reduction and row statistics over the "
          "same loops",
          info.name, stat, info.rootIndex));
  }
  findStatisticEpilogues(ops, info);
  // kgen-to-linalg folds computations over empty tensors away; a kernel
  // that still has one (written in linalg directly) runs no iteration of
  // it, and upstream tiling does not take zero-sized loops.
  if (llvm::is_contained(info.sinkLoops, 0) ||
      llvm::is_contained(info.rootLoops, 0))
    return makeError("kernel '" + info.name +
                     "' has a loop of size 0 (an empty tensor): there is "
                     "nothing to schedule");

  Type resultType = sink->getResult(0).getType();
  info.elementType = computeElementType(kernel, resultType);
  info.elementBytes = info.elementType.getIntOrFloatBitWidth() / 8;

  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(root))
    summarizeLinalgRoot(linalgOp, ops, info);
  for (Type t : kernel.getArgumentTypes())
    info.argBytes.push_back(tensorBytes(t));
  info.resultBytes = tensorBytes(resultType);
  info.bytes = std::accumulate(info.argBytes.begin(), info.argBytes.end(),
                               info.resultBytes);

  info.fingerprint = fingerprintOf(kernel);
  std::string pretty;
  llvm::raw_string_ostream prettyOs(pretty);
  kernel.print(prettyOs);
  info.text = pretty;
  return info;
}
