//===- LowerMatrixInstructions.cpp - warp tiles to tensor-core ops --------===//
//
// A schedule asking for mma_sync tiles the root over warps and marks each
// warp's tile; here the marked op becomes m16n8k16 nvgpu.mma.sync
// instructions. Each lane loads its elements of the fragments with scalar
// loads placed by the PTX fragment layout, so any contraction whose
// indexing maps are projected permutations (plain, batched or transposed
// operands) is handled the same way; the backend merges adjacent loads.
// Staged tiles in shared memory with aligned rows in the right orientation
// are read with ldmatrix instead, a whole fragment per instruction.
// The accumulator fragments stay in registers over the whole K range of
// the op, and the op's loops are unrolled: a warp tile is a few dozen
// instructions.
//
//===----------------------------------------------------------------------===//

#include "MatrixInstructions.h"

#include "kgen/Schedule/KernelAttrs.h"
#include "kgen/Conversion/Passes.h"
#include "kgen/Schedule/SharedMemoryLayout.h"
#include "kgen/Support/Divisibility.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/Support/FormatVariadic.h"

namespace mlir::kgen {
#define GEN_PASS_DEF_LOWERMATRIXINSTRUCTIONSPASS
#include "kgen/Conversion/Passes.h.inc"
} // namespace mlir::kgen

using namespace mlir;

FailureOr<kgen::MarkedLoops>
kgen::checkMarkedContraction(linalg::LinalgOp op, llvm::StringRef instruction,
                             bool warpgroup) {
  auto fail = [&](const llvm::Twine &why) {
    op.emitError("cannot lower this op to ") << instruction << ": " << why;
    return failure();
  };
  const char *group = warpgroup ? "warpgroup" : "warp";
  auto forall = op->getParentOfType<scf::ForallOp>();
  std::optional<ArrayAttr> mapping =
      forall ? forall.getMapping() : std::nullopt;
  bool mapped = mapping && !mapping->empty() &&
                (warpgroup ? isa<gpu::GPUWarpgroupMappingAttr>((*mapping)[0])
                           : isa<gpu::GPUWarpMappingAttr>((*mapping)[0]));
  if (!mapped)
    return fail(llvm::formatv("it is not inside a {0}-mapped scf.forall (a "
                              "whole {0} must execute it)",
                              group));
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1)
    return fail("expected two input buffers and one accumulator buffer");
  if (!linalg::isaContractionOpInterface(op))
    return fail("it is not a multiply-accumulate contraction");
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.size() != 1 || dims->n.size() != 1 ||
      dims->k.size() != 1)
    return fail("expected exactly one M, one N and one K loop");
  MarkedLoops loops{dims->m[0], dims->n[0], dims->k[0],
                    op.getStaticLoopRanges()};
  for (unsigned batch : dims->batch)
    if (loops.sizes[batch] != 1)
      return fail(llvm::formatv("a {0} tile must cover one index of each "
                                "batch loop",
                                group));
  return loops;
}

namespace {

// The one instruction shape: m16n8k16 with f16 operands and f32
// accumulators.
constexpr int64_t kM = 16, kN = 8, kK = 16;

using MmaLoops = kgen::MarkedLoops;

FailureOr<MmaLoops> checkMarkedOp(linalg::LinalgOp op) {
  auto fail = [&](const llvm::Twine &why) {
    op.emitError("cannot lower this op to mma.sync: ") << why;
    return failure();
  };
  FailureOr<MmaLoops> checked =
      kgen::checkMarkedContraction(op, "mma.sync", /*warpgroup=*/false);
  if (failed(checked))
    return failure();
  MmaLoops loops = *checked;
  if (ShapedType::isDynamic(loops.sizes[loops.m]) ||
      ShapedType::isDynamic(loops.sizes[loops.n]) ||
      ShapedType::isDynamic(loops.sizes[loops.k]) ||
      loops.sizes[loops.m] % kM || loops.sizes[loops.n] % kN ||
      loops.sizes[loops.k] % kK)
    return fail(llvm::formatv("the warp tile {0}x{1}x{2} (MxNxK) is not "
                              "static multiples of 16x8x16",
                              loops.sizes[loops.m], loops.sizes[loops.n],
                              loops.sizes[loops.k]));
  for (AffineMap map : op.getIndexingMapsArray())
    if (!map.isProjectedPermutation())
      return fail("an operand is not indexed by loops directly");
  auto elementType = [&](int64_t i) {
    return getElementTypeOrSelf(op->getOperand(i).getType());
  };
  if (!elementType(0).isF16() || !elementType(1).isF16() ||
      !elementType(2).isF32())
    return fail("only f16 operands with an f32 accumulator are supported");
  return loops;
}

/// Whether the fragments of `operand` can be read with ldmatrix: a view of
/// shared memory whose last two dimensions are the loops `rowLoop` and
/// `columnLoop`, columns contiguous, every row starting 16-byte aligned
/// (ldmatrix reads 8 rows of 16 bytes at a time, one address per lane).
bool readsWithLdmatrix(linalg::LinalgOp op, int64_t operand, unsigned rowLoop,
                       unsigned columnLoop) {
  Value view = op->getOperand(operand);
  auto type = cast<MemRefType>(view.getType());
  if (!nvgpu::NVGPUDialect::hasSharedMemoryAddressSpace(type))
    return false;
  AffineMap map = op.getIndexingMapsArray()[operand];
  unsigned rank = map.getNumResults();
  if (rank < 2 || map.getDimPosition(rank - 1) != columnLoop ||
      map.getDimPosition(rank - 2) != rowLoop)
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)) || strides.back() != 1)
    return false;
  // Rows 16-byte aligned (shared memory's base is: kgen-align-kernel-
  // arguments); kgen-pad-shared-buffers, which runs later, pads by a
  // multiple of that.
  constexpr int64_t kLdmatrixRowBytes = 16;
  static_assert(kgen::kSharedRowPaddingBytes % kLdmatrixRowBytes == 0,
                "padding shared rows would misalign ldmatrix rows");
  return kgen::rowAlignment(view, kLdmatrixRowBytes) >= kLdmatrixRowBytes;
}

/// Rewrites one checked op. A fragment element's position in the warp
/// tile is given per loop (M, N, K) as `lane term + constant`; the PTX ISA
/// ("Matrix Fragments for mma.m16n8k16") fixes which lane holds which
/// element: with g = lane / 4 and q = lane % 4,
///   A (16x16): register r, element e at M = g + 8(r%2), K = 2q + e + 8(r/2)
///   B (16x8):  register r, element e at K = 2q + e + 8r, N = g
///   C (16x8):  register r, element e at M = g + 8r, N = 2q + e.
class MmaSyncRewriter {
public:
  MmaSyncRewriter(linalg::LinalgOp op, const MmaLoops &loops)
      : op(op), loops(loops), b(op), loc(op.getLoc()),
        maps(op.getIndexingMapsArray()), f16(b.getF16Type()),
        f32(b.getF32Type()) {}

  void rewrite() {
    placeLane();
    SmallVector<Value> acc = loadAccumulators();
    multiply(acc);
    storeAccumulators(acc);
    op->erase();
  }

private:
  Value index(int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  }

  /// `base + constant`, built once per pair: the fragments of a warp tile
  /// ask for the same positions many times.
  Value plus(Value base, int64_t constant) {
    Value &v = offsets[{base, constant}];
    if (!v)
      v = constant
              ? arith::AddIOp::create(b, loc, base, index(constant)).getResult()
              : base;
    return v;
  }

  /// The lane terms of the fragment positions, and whether A and B are
  /// read with ldmatrix.
  void placeLane() {
    Value lane = gpu::LaneIdOp::create(b, loc, /*upper_bound=*/IntegerAttr());
    g = arith::DivUIOp::create(b, loc, lane, index(4));
    twoQ = arith::MulIOp::create(
        b, loc, arith::RemUIOp::create(b, loc, lane, index(4)), index(2));
    zero = index(0);
    // ldmatrix where the layout allows it: one instruction per fragment
    // instead of 8 (A) or 4 (B) loads. Lane l gives the address of one
    // row: A (x4) row M = m0 + l % 16 at K = k0 + 8 (l / 16), the four 8x8
    // matrices landing in registers a0..a3; B (x2, transposed) row
    // K = k0 + l % 16 at N = n0 (lanes 16-31 are not read).
    ldmatrixA = readsWithLdmatrix(op, 0, loops.m, loops.k);
    ldmatrixB = readsWithLdmatrix(op, 1, loops.k, loops.n);
    laneRow = arith::RemUIOp::create(b, loc, lane, index(16));
    laneColumn = arith::MulIOp::create(
        b, loc, arith::DivUIOp::create(b, loc, lane, index(16)), index(8));
  }

  /// The iteration point given for the M, N and K loops (other loops,
  /// batch ones, are at 0 in a warp tile).
  SmallVector<Value> point(Value m, Value n, Value k) {
    SmallVector<Value> ivs(loops.sizes.size(), zero);
    if (m)
      ivs[loops.m] = m;
    if (n)
      ivs[loops.n] = n;
    if (k)
      ivs[loops.k] = k;
    return ivs;
  }

  /// The element of operand `operand` at iteration point `ivs`.
  SmallVector<Value> indices(int64_t operand, ArrayRef<Value> ivs) {
    SmallVector<Value> result;
    for (AffineExpr e : maps[operand].getResults())
      result.push_back(ivs[cast<AffineDimExpr>(e).getPosition()]);
    return result;
  }

  Value load(int64_t operand, ArrayRef<Value> ivs) {
    return memref::LoadOp::create(b, loc, op->getOperand(operand),
                                  indices(operand, ivs))
        .getResult();
  }

  Value fragment(ArrayRef<int64_t> shape, Type type, ArrayRef<Value> elements) {
    return vector::FromElementsOp::create(b, loc, VectorType::get(shape, type),
                                          elements)
        .getResult();
  }

  /// A's fragment of the instruction at (m0, k0).
  Value loadA(int64_t m0, int64_t k0) {
    if (ldmatrixA)
      return nvgpu::LdMatrixOp::create(
                 b, loc, VectorType::get({4, 2}, f16), op->getOperand(0),
                 indices(0, point(plus(laneRow, m0), nullptr,
                                  plus(laneColumn, k0))),
                 /*transpose=*/false, /*numTiles=*/4)
          .getResult();
    SmallVector<Value> elements;
    for (int64_t r = 0; r < 4; ++r)
      for (int64_t e = 0; e < 2; ++e)
        elements.push_back(load(0, point(plus(g, m0 + 8 * (r % 2)), nullptr,
                                         plus(twoQ, k0 + e + 8 * (r / 2)))));
    return fragment({4, 2}, f16, elements);
  }

  /// B's fragment of the instruction at (n0, k0).
  Value loadB(int64_t n0, int64_t k0) {
    if (ldmatrixB)
      return nvgpu::LdMatrixOp::create(
                 b, loc, VectorType::get({2, 2}, f16), op->getOperand(1),
                 indices(1, point(nullptr, index(n0), plus(laneRow, k0))),
                 /*transpose=*/true, /*numTiles=*/2)
          .getResult();
    SmallVector<Value> elements;
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t e = 0; e < 2; ++e)
        elements.push_back(
            load(1, point(nullptr, plus(g, n0), plus(twoQ, k0 + e + 8 * r))));
    return fragment({2, 2}, f16, elements);
  }

  SmallVector<Value> accumulatorPoint(int64_t m0, int64_t n0, int64_t r,
                                      int64_t e) {
    return point(plus(g, m0 + 8 * r), plus(twoQ, n0 + e), nullptr);
  }

  int64_t tilesM() const { return loops.sizes[loops.m] / kM; }
  int64_t tilesN() const { return loops.sizes[loops.n] / kN; }

  /// One accumulator fragment per instruction, row-major over (M, N); they
  /// stay in registers over the whole K range of the op.
  SmallVector<Value> loadAccumulators() {
    SmallVector<Value> acc;
    for (int64_t i = 0; i < tilesM(); ++i)
      for (int64_t j = 0; j < tilesN(); ++j) {
        SmallVector<Value> elements;
        for (int64_t r = 0; r < 2; ++r)
          for (int64_t e = 0; e < 2; ++e)
            elements.push_back(load(2, accumulatorPoint(i * kM, j * kN, r, e)));
        acc.push_back(fragment({2, 2}, f32, elements));
      }
    return acc;
  }

  void multiply(SmallVector<Value> &acc) {
    int64_t stepsK = loops.sizes[loops.k] / kK;
    for (int64_t s = 0; s < stepsK; ++s) {
      SmallVector<Value> a, bFragments;
      for (int64_t i = 0; i < tilesM(); ++i)
        a.push_back(loadA(i * kM, s * kK));
      for (int64_t j = 0; j < tilesN(); ++j)
        bFragments.push_back(loadB(j * kN, s * kK));
      for (int64_t i = 0; i < tilesM(); ++i)
        for (int64_t j = 0; j < tilesN(); ++j) {
          Value &c = acc[i * tilesN() + j];
          c = nvgpu::MmaSyncOp::create(b, loc, a[i], bFragments[j], c,
                                       ArrayRef<int64_t>{kM, kN, kK});
        }
    }
  }

  void storeAccumulators(ArrayRef<Value> acc) {
    Value out = op.getDpsInits()[0];
    for (int64_t i = 0; i < tilesM(); ++i)
      for (int64_t j = 0; j < tilesN(); ++j)
        for (int64_t r = 0; r < 2; ++r)
          for (int64_t e = 0; e < 2; ++e) {
            Value v = vector::ExtractOp::create(b, loc, acc[i * tilesN() + j],
                                                ArrayRef<int64_t>{r, e});
            memref::StoreOp::create(
                b, loc, v, out,
                indices(2, accumulatorPoint(i * kM, j * kN, r, e)));
          }
  }

  linalg::LinalgOp op;
  const MmaLoops &loops;
  OpBuilder b;
  Location loc;
  SmallVector<AffineMap> maps;
  Type f16, f32;
  llvm::DenseMap<std::pair<Value, int64_t>, Value> offsets; // plus()'s
  // Set by placeLane().
  Value g, twoQ, zero, laneRow, laneColumn;
  bool ldmatrixA = false, ldmatrixB = false;
};

struct LowerMatrixInstructionsPass
    : public kgen::impl::LowerMatrixInstructionsPassBase<
          LowerMatrixInstructionsPass> {
  using LowerMatrixInstructionsPassBase::LowerMatrixInstructionsPassBase;

  void runOnOperation() override {
    if (target != "nvvm" && target != "rocdl") {
      getOperation().emitError()
          << "kgen-lower-matrix-instructions: unknown target '" << target
          << "'; expected nvvm or rocdl";
      return signalPassFailure();
    }
    SmallVector<Operation *> marked;
    getOperation().walk([&](Operation *op) {
      if (op->hasAttr(kgen::kMmaSyncAttr) || op->hasAttr(kgen::kWgmmaAttr))
        marked.push_back(op);
    });
    bool failed = false;
    for (Operation *op : marked) {
      bool wgmma = op->hasAttr(kgen::kWgmmaAttr);
      llvm::StringRef name = wgmma ? "wgmma" : "mma.sync";
      if (target == "rocdl") {
        op->emitError() << (wgmma ? "wgmma" : "mma_sync")
                        << " is an NVIDIA instruction and the target is AMD "
                           "(rocdl); schedule this kernel without it";
        failed = true;
        continue;
      }
      auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
      if (!linalgOp) {
        op->emitError() << "cannot lower this op to " << name
                        << ": it is not a linalg op";
        failed = true;
        continue;
      }
      if (wgmma) {
        failed |= ::failed(kgen::lowerToWgmma(linalgOp));
        continue;
      }
      FailureOr<MmaLoops> loops = checkMarkedOp(linalgOp);
      if (::failed(loops)) {
        failed = true;
        continue;
      }
      MmaSyncRewriter(linalgOp, *loops).rewrite();
    }
    if (failed)
      signalPassFailure();
  }
};
} // namespace
