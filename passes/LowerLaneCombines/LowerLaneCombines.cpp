//===- LowerLaneCombines.cpp - lanes combine their partials by shuffles ---===//
//
// A schedule with reduction_lanes L computes each output of its root in two
// stages (docs/schedules.md): L lanes each reduce their share of the row
// into W partials in workgroup memory, then a thread loop with one thread
// per output combines the L * W partials; the expansion marks that op
// kgen.lane_combine = L. Run as it is on a GPU, the combination would leave
// all but one thread per output idle over a sequential walk of L * W
// values. Here the loop gets its lanes back: lane l combines its own W
// partials, the lanes of a subgroup combine theirs with butterfly shuffles
// (gpu.shuffle xor: shfl.sync.bfly on NVIDIA, ds_bpermute on AMD), and with
// more lanes than a subgroup the subgroups' results meet in workgroup
// memory after a barrier. Lane 0 folds the result into the output, whose
// initial value the loop's other ops (the fill) wrote, on lane 0 too.
//
//===----------------------------------------------------------------------===//

#include "kgen/Conversion/Passes.h"
#include "kgen/Schedule/KernelAttrs.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/Support/FormatVariadic.h"

namespace mlir::kgen {
#define GEN_PASS_DEF_LOWERLANECOMBINESPASS
#include "kgen/Conversion/Passes.h.inc"
} // namespace mlir::kgen

using namespace mlir;

namespace {

/// A marked combination and what its rewrite needs.
struct LaneCombine {
  linalg::GenericOp op;
  scf::ForallOp loop;
  int64_t lanes = 1;
  int64_t width = 1;           // partials per lane (the vector width)
  Operation *combiner = nullptr; // the body's op folding two values
};

/// Checks that `op` is what the expansion marks: a generic on buffers
/// folding a row of lanes * W partials into one output, with a body of
/// one combining op, alone in a thread loop of at most two dimensions.
FailureOr<LaneCombine> matchLaneCombine(linalg::GenericOp op) {
  auto fail = [&](const llvm::Twine &why) {
    op.emitError("cannot combine this op's lanes: ") << why;
    return failure();
  };
  LaneCombine c;
  c.op = op;
  c.lanes = cast<IntegerAttr>(op->getAttr(kgen::kLaneCombineAttr)).getInt();
  c.loop = dyn_cast<scf::ForallOp>(op->getParentOp());
  std::optional<ArrayAttr> mapping =
      c.loop ? c.loop.getMapping() : std::nullopt;
  if (!mapping || mapping->size() > 2 ||
      !llvm::all_of(*mapping, llvm::IsaPred<gpu::GPUThreadMappingAttr>) ||
      !c.loop.getOutputs().empty() ||
      !c.loop.getStaticUpperBound().size())
    return fail("it is not in a thread-mapped scf.forall of at most two "
                "dimensions on buffers");
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 1 ||
      op.getNumDpsInits() != 1)
    return fail("expected one buffer of partials and one output buffer");
  auto in = cast<MemRefType>(op.getDpsInputs()[0].getType());
  auto out = cast<MemRefType>(op.getDpsInits()[0].getType());
  if (!in.hasStaticShape() || !out.hasStaticShape() ||
      in.getRank() != out.getRank() + 1 || out.getNumElements() != 1 ||
      in.getNumElements() != in.getShape().back() ||
      in.getShape().back() % c.lanes != 0)
    return fail(llvm::formatv("expected the {0} lanes' partials of one "
                              "output as its input",
                              c.lanes));
  c.width = in.getShape().back() / c.lanes;
  Block &body = op.getRegion().front();
  if (body.getOperations().size() != 2 ||
      body.front().getNumOperands() != 2 || body.front().getNumResults() != 1 ||
      !llvm::all_of(body.front().getOperands(),
                    [&](Value v) { return v.getParentBlock() == &body; }))
    return fail("its body is not a single op combining two values");
  c.combiner = &body.front();
  Type type = in.getElementType();
  if (!type.isF32() && !type.isF16() && !type.isBF16() && !type.isInteger(32))
    return fail("lanes shuffle f32, f16, bf16 or i32 partials");
  return c;
}

/// The combiner applied to `lhs` and `rhs`, in their type (the body's op
/// rebuilt: f16 and bf16 partials are combined in f32).
Value combine(OpBuilder &b, Location loc, const LaneCombine &c, Value lhs,
              Value rhs) {
  Block *body = c.combiner->getBlock();
  SmallVector<Value> operands;
  for (Value operand : c.combiner->getOperands())
    operands.push_back(operand == body->getArgument(0) ? lhs : rhs);
  OperationState state(loc, c.combiner->getName());
  state.addOperands(operands);
  state.addTypes(lhs.getType());
  state.addAttributes(c.combiner->getAttrs());
  return b.create(state)->getResult(0);
}

Value widen(OpBuilder &b, Location loc, Value v) {
  if (v.getType().isF16() || v.getType().isBF16())
    return arith::ExtFOp::create(b, loc, b.getF32Type(), v);
  return v;
}

Value constant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

/// Lane `lane`'s W partials of `in` (a row), combined.
Value ownPartials(OpBuilder &b, Location loc, const LaneCombine &c, Value in,
                  Value lane) {
  auto type = cast<MemRefType>(in.getType());
  SmallVector<Value> indices(type.getRank(), constant(b, loc, 0));
  indices.back() = arith::MulIOp::create(b, loc, lane,
                                         constant(b, loc, c.width));
  auto vectorType = VectorType::get({c.width}, type.getElementType());
  Value partials = vector::LoadOp::create(b, loc, vectorType, in, indices);
  Value acc;
  for (int64_t i = 0; i < c.width; ++i) {
    Value element =
        widen(b, loc, vector::ExtractOp::create(b, loc, partials, i));
    acc = acc ? combine(b, loc, c, acc, element) : element;
  }
  return acc;
}

/// Butterfly over the lanes of a subgroup, `count` (a power of two) at a
/// time: every lane ends with the combination of its group.
Value butterfly(OpBuilder &b, Location loc, const LaneCombine &c, Value acc,
                int64_t count, int64_t subgroupSize) {
  for (int64_t offset = 1; offset < count; offset *= 2) {
    auto shuffle = gpu::ShuffleOp::create(b, loc, acc, offset, subgroupSize,
                                          gpu::ShuffleMode::XOR);
    acc = combine(b, loc, c, acc, shuffle.getShuffleResult());
  }
  return acc;
}

/// Past a subgroup: each subgroup's lane 0 leaves its result in
/// `scratch[output][subgroup]`, and after a barrier every lane combines
/// its output's results in subgroup order.
Value acrossSubgroups(OpBuilder &b, Location loc, const LaneCombine &c,
                      Value acc, Value lane, Value output, Value scratch,
                      int64_t subgroupSize) {
  int64_t subgroups = c.lanes / subgroupSize;
  Value size = constant(b, loc, subgroupSize);
  Value subgroup = arith::DivUIOp::create(b, loc, lane, size);
  Value first = arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::eq,
      arith::RemUIOp::create(b, loc, lane, size), constant(b, loc, 0));
  auto write = scf::IfOp::create(b, loc, first, /*withElseRegion=*/false);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(write.thenBlock());
    memref::StoreOp::create(b, loc, acc, scratch,
                            ValueRange{output, subgroup});
  }
  gpu::BarrierOp::create(b, loc);
  Value result;
  for (int64_t i = 0; i < subgroups; ++i) {
    Value partial = memref::LoadOp::create(
        b, loc, scratch, ValueRange{output, constant(b, loc, i)});
    result = result ? combine(b, loc, c, result, partial) : partial;
  }
  return result;
}

/// The loop's outputs numbered row-major: the scratch row of this thread.
Value linearOutput(OpBuilder &b, Location loc, scf::ForallOp loop,
                   ValueRange ivs) {
  Value index = constant(b, loc, 0);
  for (auto [iv, size] : llvm::zip(ivs, loop.getStaticUpperBound()))
    index = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, index, constant(b, loc, size)),
        iv);
  return index;
}

/// Lane 0 folds `acc` into the output's initial value.
void storeResult(OpBuilder &b, Location loc, const LaneCombine &c, Value acc,
                 Value out, Value isLaneZero) {
  auto ifOp = scf::IfOp::create(b, loc, isLaneZero, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  auto type = cast<MemRefType>(out.getType());
  SmallVector<Value> zeros(type.getRank(), constant(b, loc, 0));
  Value init = memref::LoadOp::create(b, loc, out, zeros);
  Value result = combine(b, loc, c, widen(b, loc, init), acc);
  if (result.getType() != type.getElementType())
    result = arith::TruncFOp::create(b, loc, type.getElementType(), result);
  memref::StoreOp::create(b, loc, result, out, zeros);
}

/// The mapping of the loop with lanes added: the lanes on thread x, the
/// loop's own dimensions one dimension up.
ArrayAttr laneMapping(MLIRContext *ctx, ArrayAttr mapping) {
  SmallVector<Attribute> attrs;
  for (Attribute attr : mapping) {
    auto thread = cast<gpu::GPUThreadMappingAttr>(attr);
    auto id = static_cast<gpu::MappingId>(
        static_cast<int64_t>(thread.getThread()) + 1);
    attrs.push_back(gpu::GPUThreadMappingAttr::get(ctx, id));
  }
  attrs.push_back(gpu::GPUThreadMappingAttr::get(ctx, gpu::MappingId::DimX));
  return ArrayAttr::get(ctx, attrs);
}

void lowerLaneCombine(LaneCombine c, int64_t subgroupSize) {
  scf::ForallOp old = c.loop;
  Location loc = c.op.getLoc();
  MLIRContext *ctx = old.getContext();
  OpBuilder b(old);
  Value scratch;
  if (c.lanes > subgroupSize) {
    int64_t outputs = 1;
    for (int64_t size : old.getStaticUpperBound())
      outputs *= size;
    Type type = getElementTypeOrSelf(c.op.getDpsInputs()[0]);
    if (type.isF16() || type.isBF16())
      type = b.getF32Type(); // as widen() makes the partials
    auto workgroup = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
    scratch = memref::AllocOp::create(
        b, loc,
        MemRefType::get({outputs, c.lanes / subgroupSize}, type,
                        MemRefLayoutAttrInterface(), workgroup));
  }
  SmallVector<OpFoldResult> ubs = old.getMixedUpperBound();
  ubs.push_back(b.getIndexAttr(c.lanes));
  auto loop = scf::ForallOp::create(b, loc, ubs, ValueRange(),
                                    laneMapping(ctx, *old.getMapping()));
  b.setInsertionPointToStart(loop.getBody());
  SmallVector<Value> ivs = loop.getInductionVars();
  Value lane = ivs.back();
  Value isLaneZero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                           lane, constant(b, loc, 0));
  IRMapping map;
  map.map(old.getInductionVars(), ValueRange(ivs).drop_back());
  for (Operation &op : old.getBody()->without_terminator()) {
    if (&op == c.op.getOperation()) {
      Value in = map.lookupOrDefault(c.op.getDpsInputs()[0]);
      Value acc = ownPartials(b, loc, c, in, lane);
      acc = butterfly(b, loc, c, acc, std::min(c.lanes, subgroupSize),
                      subgroupSize);
      if (scratch)
        acc = acrossSubgroups(b, loc, c, acc, lane,
                              linearOutput(b, loc, old, ValueRange(ivs).drop_back()),
                              scratch, subgroupSize);
      storeResult(b, loc, c, acc, map.lookupOrDefault(c.op.getDpsInits()[0]),
                  isLaneZero);
      continue;
    }
    if (isMemoryEffectFree(&op)) {
      b.clone(op, map);
      continue;
    }
    // Writes (the output's fill) happen once, on lane 0, before its
    // result is folded in.
    auto ifOp = scf::IfOp::create(b, loc, isLaneZero, false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    b.clone(op, map);
  }
  old.erase();
}

struct LowerLaneCombinesPass
    : kgen::impl::LowerLaneCombinesPassBase<LowerLaneCombinesPass> {
  using LowerLaneCombinesPassBase::LowerLaneCombinesPassBase;
  void runOnOperation() override {
    if (subgroupSize <= 0 || !llvm::isPowerOf2_64(subgroupSize)) {
      getOperation().emitError("subgroup-size must be a power of two, got ")
          << static_cast<int64_t>(subgroupSize);
      return signalPassFailure();
    }
    SmallVector<linalg::GenericOp> marked;
    getOperation().walk([&](linalg::GenericOp op) {
      if (op->hasAttr(kgen::kLaneCombineAttr))
        marked.push_back(op);
    });
    // Every marked op is checked before any is rewritten.
    SmallVector<LaneCombine> combines;
    for (linalg::GenericOp op : marked) {
      FailureOr<LaneCombine> c = matchLaneCombine(op);
      if (failed(c) || failed(checkSubgroups(*c)))
        return signalPassFailure();
      combines.push_back(*c);
    }
    for (const LaneCombine &c : combines)
      lowerLaneCombine(c, subgroupSize);
  }

  /// The butterfly pairs lanes within a subgroup and the subgroups' results
  /// meet in workgroup memory: an output's lanes are a power of two up to
  /// a subgroup, or whole subgroups, at most a subgroup of them.
  LogicalResult checkSubgroups(LaneCombine &c) {
    int64_t size = subgroupSize;
    bool fits = c.lanes > size ? c.lanes % size == 0
                               : llvm::isPowerOf2_64(c.lanes);
    if (!fits)
      return c.op.emitError("cannot combine this op's lanes: ")
             << c.lanes << " lanes are neither a power of two up to a "
             << "subgroup of " << size << " nor whole subgroups";
    if (c.lanes > size * size)
      return c.op.emitError("cannot combine this op's lanes: ")
             << c.lanes << " lanes exceed two levels of subgroups of "
             << size;
    return success();
  }
};
} // namespace
