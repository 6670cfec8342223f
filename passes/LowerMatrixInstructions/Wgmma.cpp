//===- Wgmma.cpp - warpgroup tiles to Hopper wgmma ------------------------===//
//
// A schedule asking for wgmma tiles the root over warpgroups (4 warps, 128
// threads) and marks each warpgroup's tile. wgmma reads both operands from
// shared memory through 64-bit matrix descriptors, in a layout the
// hardware fixes: here the 128-byte swizzle mode (SharedMemoryLayout.h).
// So the rewrite is in two parts, checked in full before either changes
// anything:
//
//  - each operand's staged tile gets a swizzled buffer of its own: the tile
//    [R][C] is stored as C/64 column blocks, each R rows of 128 bytes, the
//    16-byte chunks of row r permuted by XOR with r mod 8. Every store into
//    the tile (the staging copies, 16 bytes per thread) is re-indexed; a
//    tile that anything but stores and the marked op uses is an error;
//  - the marked op becomes, per 16-step of K and per 64 rows of M, one
//    m64nNk16 wgmma.mma_async with accumulators in registers (the PTX
//    fragment layout), loaded from and stored back to the accumulator
//    buffer around the op.
//
// Shared memory written by ordinary stores (or cp.async) is read by wgmma
// through the async proxy: every writer fences (fence.proxy.async) before
// the barrier after which the warpgroups multiply, so the rewrite puts a
// fence and a barrier ahead of the warpgroup loop, where every thread of
// the block runs.
//
// Descriptor fields (PTX ISA, "Matrix Descriptor Format"; CUTLASS
// GmmaDescriptor): start address >> 4 in bits 0-13, leading byte offset
// >> 4 in 16-29, stride byte offset >> 4 in 32-45, swizzle mode in 62-63
// (1: 128 bytes). A, K-major: the stride offset steps 8 rows (1024 bytes),
// the leading one is unused (1), a 16-step of K starts 32 bytes further
// into the rows. B, N-major (the transpose flag, layout "row"): the stride
// offset steps 8 rows of K, the leading one a 64-column block.
//
//===----------------------------------------------------------------------===//

#include "MatrixInstructions.h"

#include "kgen/Schedule/SharedMemoryLayout.h"
#include "kgen/Support/Divisibility.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;

namespace {

using kgen::kSwizzleAtomBytes;
using kgen::kSwizzleChunkBytes;
using kgen::kSwizzleRowBytes;

// The instruction shape: m64nNk16, N at most 256.
constexpr int64_t kM = 64, kK = 16, kMaxN = 256;
constexpr int64_t kWarpgroupThreads = 128;

/// Sum of the offsets the views between a buffer and one of its views add
/// to each dimension.
using Offsets = SmallVector<SmallVector<OpFoldResult>>;

/// A staged operand tile and what the rewrite needs of it: the allocation,
/// its rows and columns (its last two dimensions; the others are 1), and
/// every store into it.
struct StagedTile {
  memref::AllocOp alloc;
  int64_t rows = 0, columns = 0, elementBytes = 0;
  SmallVector<Operation *> stores;
  SmallVector<Operation *> views; // subviews of the tile, sources first
};

/// The largest power of two known to divide the sum of `terms`.
int64_t sumDivisor(ArrayRef<OpFoldResult> terms) {
  int64_t divisor = kgen::kUnboundedDivisor;
  for (OpFoldResult t : terms) {
    std::optional<int64_t> c = getConstantIntValue(t);
    divisor = std::min(divisor, c ? kgen::lowestPowerOfTwo(*c)
                                  : kgen::knownDivisor(cast<Value>(t)));
  }
  return divisor;
}

Value sum(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> terms) {
  Value total;
  int64_t constant = 0;
  for (OpFoldResult t : terms) {
    if (std::optional<int64_t> c = getConstantIntValue(t)) {
      constant += *c;
      continue;
    }
    total =
        total ? arith::AddIOp::create(b, loc, total, cast<Value>(t)).getResult()
              : cast<Value>(t);
  }
  Value c = arith::ConstantIndexOp::create(b, loc, constant);
  if (!total)
    return c;
  return constant ? arith::AddIOp::create(b, loc, total, c).getResult() : total;
}

/// Follows `view` back to the allocation it is a subview chain of,
/// collecting per dimension the offsets the subviews add. Fails on
/// anything but unit-stride, rank-preserving subviews.
memref::AllocOp allocOf(Value view, Offsets &offsets) {
  auto rank = cast<MemRefType>(view.getType()).getRank();
  offsets.assign(rank, {});
  while (auto subview = view.getDefiningOp<memref::SubViewOp>()) {
    if (subview.getSourceType().getRank() != rank ||
        !llvm::all_of(subview.getStaticStrides(),
                      [](int64_t s) { return s == 1; }))
      return {};
    for (auto [i, o] : llvm::enumerate(subview.getMixedOffsets()))
      offsets[i].push_back(o);
    view = subview.getSource();
  }
  return view.getDefiningOp<memref::AllocOp>();
}

/// Checks that `view`, operand `operand` of `op`, is a view of a staged
/// tile wgmma can read once swizzled, and collects the tile's stores.
FailureOr<StagedTile> checkTile(linalg::LinalgOp op, int64_t operand,
                                const llvm::Twine &name) {
  auto fail = [&](const llvm::Twine &why) {
    op.emitError("cannot lower this op to wgmma: ") << name << " " << why;
    return failure();
  };
  Value view = op->getOperand(operand);
  Offsets offsets;
  StagedTile tile;
  tile.alloc = allocOf(view, offsets);
  if (!tile.alloc)
    return fail("is not a unit-stride view of a buffer allocated in the "
                "kernel (promote_operands stages it)");
  MemRefType type = tile.alloc.getType();
  if (!gpu::GPUDialect::hasWorkgroupMemoryAddressSpace(type) ||
      !type.hasStaticShape() || !type.getLayout().isIdentity() ||
      type.getRank() < 2)
    return fail("is not a static, row-major tile in shared memory");
  ArrayRef<int64_t> shape = type.getShape();
  if (llvm::any_of(shape.drop_back(2), [](int64_t d) { return d != 1; }))
    return fail("has a batch dimension larger than 1 in shared memory");
  tile.rows = shape[shape.size() - 2];
  tile.columns = shape.back();
  tile.elementBytes = type.getElementTypeBitWidth() / 8;
  int64_t chunkElements = kSwizzleChunkBytes / tile.elementBytes;
  if ((tile.columns * tile.elementBytes) % kSwizzleRowBytes != 0 ||
      tile.rows % 8 != 0)
    return fail(llvm::formatv("is a {0}x{1} tile; the swizzled layout "
                              "takes rows of whole 128-byte blocks and "
                              "whole 8-row groups",
                              tile.rows, tile.columns));

  // Every use of the tile, through its subviews: stores whose 16-byte
  // chunks stay whole, the marked op, and deallocations.
  SmallVector<Value> work = {tile.alloc.getResult()};
  while (!work.empty()) {
    Value v = work.pop_back_val();
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (auto subview = dyn_cast<memref::SubViewOp>(user)) {
        tile.views.push_back(subview);
        work.push_back(subview.getResult());
        continue;
      }
      if (user == op.getOperation() &&
          use.getOperandNumber() == static_cast<unsigned>(operand))
        continue;
      if (isa<memref::DeallocOp>(user))
        continue;
      int64_t width = 0;
      if (auto store = dyn_cast<vector::StoreOp>(user);
          store && use.get() == store.getBase() &&
          store.getVectorType().getRank() == 1)
        width = store.getVectorType().getNumElements();
      else if (auto store = dyn_cast<memref::StoreOp>(user);
               store && use.get() == store.getMemRef())
        width = 1;
      if (!width)
        return fail(llvm::formatv("is staged in shared memory that '{0}' "
                                  "also uses; only stores into the tile "
                                  "can follow its swizzled layout",
                                  user->getName()));
      Offsets storeOffsets;
      if (!allocOf(use.get(), storeOffsets))
        return fail("is stored into through a view that is not a "
                    "unit-stride subview");
      SmallVector<OpFoldResult> column = storeOffsets.back();
      column.push_back(user->getOperand(user->getNumOperands() - 1));
      if (chunkElements % width != 0 || sumDivisor(column) % width != 0)
        return fail(llvm::formatv(
            "has a store of {0} elements that is not provably within one "
            "16-byte chunk of a row",
            width));
      tile.stores.push_back(user);
    }
  }
  return tile;
}

/// The element index in `tile`'s swizzled buffer of element (row, column)
/// of the tile: its 128-byte column block, then its row, then its place in
/// the row. Stores apply the swizzle (chunk xor row mod 8; `wholeChunk`
/// when the column is known to start a 16-byte chunk); descriptors take
/// the unswizzled address, since the hardware swizzles address bits.
Value swizzledElement(OpBuilder &b, Location loc, const StagedTile &tile,
                      Value row, Value column, bool swizzle, bool wholeChunk) {
  auto constant = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  int64_t rowElements = kSwizzleRowBytes / tile.elementBytes;
  int64_t chunkElements = kSwizzleChunkBytes / tile.elementBytes;
  Value block = arith::DivUIOp::create(b, loc, column, constant(rowElements));
  Value inRow = arith::RemUIOp::create(b, loc, column, constant(rowElements));
  if (swizzle) {
    Value chunk =
        arith::DivUIOp::create(b, loc, inRow, constant(chunkElements));
    Value phase = arith::RemUIOp::create(b, loc, row, constant(8));
    inRow = arith::MulIOp::create(b, loc,
                                  arith::XOrIOp::create(b, loc, chunk, phase),
                                  constant(chunkElements));
    if (!wholeChunk)
      inRow = arith::AddIOp::create(
          b, loc, inRow,
          arith::RemUIOp::create(b, loc, column, constant(chunkElements)));
  }
  Value index = arith::AddIOp::create(
      b, loc,
      arith::MulIOp::create(b, loc, block, constant(tile.rows * rowElements)),
      arith::MulIOp::create(b, loc, row, constant(rowElements)));
  return arith::AddIOp::create(b, loc, index, inRow);
}

/// The swizzled buffer of `tile` and the rewrite of its stores.
Value swizzleTile(StagedTile &tile) {
  OpBuilder b(tile.alloc);
  Location loc = tile.alloc.getLoc();
  MemRefType type = tile.alloc.getType();
  // One dimension: the layout is the index computation below, which no
  // pass after this one (row padding among them) may change.
  auto swizzledType =
      MemRefType::get({tile.rows * tile.columns}, type.getElementType(),
                      AffineMap(), type.getMemorySpace());
  Value swizzled = memref::AllocOp::create(b, loc, swizzledType).getResult();
  int64_t chunkElements = kSwizzleChunkBytes / tile.elementBytes;
  for (Operation *store : tile.stores) {
    b.setInsertionPoint(store);
    Location storeLoc = store->getLoc();
    Offsets offsets;
    Value base = isa<vector::StoreOp>(store)
                     ? cast<vector::StoreOp>(store).getBase()
                     : cast<memref::StoreOp>(store).getMemRef();
    allocOf(base, offsets);
    auto indices = store->getOperands().drop_front(2);
    SmallVector<OpFoldResult> rowTerms = offsets[offsets.size() - 2];
    rowTerms.push_back(indices[indices.size() - 2]);
    SmallVector<OpFoldResult> columnTerms = offsets.back();
    columnTerms.push_back(indices.back());
    bool wholeChunk = sumDivisor(columnTerms) % chunkElements == 0;
    Value row = sum(b, storeLoc, rowTerms);
    Value column = sum(b, storeLoc, columnTerms);
    Value index = swizzledElement(b, storeLoc, tile, row, column,
                                  /*swizzle=*/true, wholeChunk);
    if (auto vectorStore = dyn_cast<vector::StoreOp>(store)) {
      int64_t bytes =
          vectorStore.getVectorType().getNumElements() * tile.elementBytes;
      auto newStore =
          vector::StoreOp::create(b, storeLoc, vectorStore.getValueToStore(),
                                  swizzled, ValueRange{index});
      // A whole chunk is 16 bytes from a 16-byte boundary; a part of one
      // as aligned as its size divides the column.
      newStore.setAlignment(static_cast<uint64_t>(
          wholeChunk
              ? kSwizzleChunkBytes
              : std::min(bytes, kgen::lowestPowerOfTwo(sumDivisor(columnTerms) *
                                                       tile.elementBytes))));
    } else {
      memref::StoreOp::create(b, storeLoc,
                              cast<memref::StoreOp>(store).getValueToStore(),
                              swizzled, ValueRange{index});
    }
    store->erase();
  }
  return swizzled;
}

/// Erases a tile whose stores are rewritten and whose reader is gone.
void eraseTile(StagedTile &tile) {
  for (Operation *view : llvm::reverse(tile.views))
    if (view->use_empty())
      view->erase();
  for (Operation *user : llvm::make_early_inc_range(tile.alloc->getUsers()))
    if (isa<memref::DeallocOp>(user))
      user->erase();
  if (tile.alloc->use_empty())
    tile.alloc->erase();
}

struct WgmmaLoops {
  unsigned m, n, k;
  SmallVector<int64_t> sizes;
  NVVM::WGMMATypes operandType;
};

FailureOr<WgmmaLoops> checkMarkedOp(linalg::LinalgOp op) {
  auto fail = [&](const llvm::Twine &why) {
    op.emitError("cannot lower this op to wgmma: ") << why;
    return failure();
  };
  FailureOr<kgen::MarkedLoops> checked =
      kgen::checkMarkedContraction(op, "wgmma", /*warpgroup=*/true);
  if (failed(checked))
    return failure();
  WgmmaLoops loops{checked->m, checked->n, checked->k, checked->sizes,
                   NVVM::WGMMATypes::f16};
  int64_t m = loops.sizes[loops.m], n = loops.sizes[loops.n],
          k = loops.sizes[loops.k];
  if (ShapedType::isDynamic(m) || ShapedType::isDynamic(n) ||
      ShapedType::isDynamic(k) || m <= 0 || n <= 0 || k <= 0 || m % kM ||
      n % 64 || k % kK)
    return fail(llvm::formatv("the warpgroup tile {0}x{1}x{2} (MxNxK) is "
                              "not static multiples of 64x64x16",
                              m, n, k));
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  for (AffineMap map : maps)
    if (!map.isProjectedPermutation())
      return fail("an operand is not indexed by loops directly");
  auto innermost = [&](AffineMap map, unsigned outer, unsigned inner) {
    unsigned r = map.getNumResults();
    return r >= 2 && map.getDimPosition(r - 2) == outer &&
           map.getDimPosition(r - 1) == inner;
  };
  if (!innermost(maps[0], loops.m, loops.k) ||
      !innermost(maps[1], loops.k, loops.n))
    return fail("wgmma takes A as rows of M with K contiguous and B as "
                "rows of K with N contiguous");
  auto elementType = [&](int64_t i) {
    return getElementTypeOrSelf(op->getOperand(i).getType());
  };
  Type a = elementType(0);
  if (a != elementType(1) || !(a.isF16() || a.isBF16()) ||
      !elementType(2).isF32())
    return fail("only f16 or bf16 operands with an f32 accumulator are "
                "supported");
  if (a.isBF16())
    loops.operandType = NVVM::WGMMATypes::bf16;
  return loops;
}

/// The checked operands: both staged tiles, and per dimension the offsets
/// at which the op's views start in them.
struct WgmmaOperands {
  StagedTile a, b;
  Offsets offsetsA, offsetsB;
};

/// Checks the op's operands and every store into their staged tiles;
/// changes nothing. Reports at the op (or the store) what does not fit.
FailureOr<WgmmaOperands> checkOperands(linalg::LinalgOp op) {
  Offsets unused;
  memref::AllocOp allocA = allocOf(op->getOperand(0), unused);
  if (allocA && allocA == allocOf(op->getOperand(1), unused))
    return op.emitError("cannot lower this op to wgmma: A and B are the "
                        "same shared buffer");
  FailureOr<StagedTile> tileA = checkTile(op, 0, "A");
  if (failed(tileA))
    return failure();
  FailureOr<StagedTile> tileB = checkTile(op, 1, "B");
  if (failed(tileB))
    return failure();
  // wgmma reads the tiles after the proxy fence and barrier placed ahead
  // of the warpgroup loop: every store into them must come before that.
  auto forall = op->getParentOfType<scf::ForallOp>();
  for (Operation *store :
       llvm::concat<Operation *>(tileA->stores, tileB->stores)) {
    Operation *ancestor = forall->getBlock()->findAncestorOpInBlock(*store);
    if (!ancestor || !ancestor->isBeforeInBlock(forall))
      return store->emitError("a store into a tile that wgmma reads must "
                              "come before the warpgroup loop (the fence "
                              "that makes it visible to wgmma is there)");
  }
  // Where the op's tiles start in the staged ones: instructions start on
  // whole 8-row groups, A's on a 16-column step, B's on a column block.
  WgmmaOperands operands{std::move(*tileA), std::move(*tileB), {}, {}};
  Offsets &offsetsA = operands.offsetsA, &offsetsB = operands.offsetsB;
  allocOf(op->getOperand(0), offsetsA);
  allocOf(op->getOperand(1), offsetsB);
  int64_t blockColumns = kSwizzleRowBytes / operands.b.elementBytes;
  if (sumDivisor(offsetsA[offsetsA.size() - 2]) % 8 != 0 ||
      sumDivisor(offsetsA.back()) % kK != 0 ||
      sumDivisor(offsetsB[offsetsB.size() - 2]) % 8 != 0 ||
      sumDivisor(offsetsB.back()) % blockColumns != 0)
    return op.emitError("cannot lower this op to wgmma: its tiles do not "
                        "provably start on whole 8-row groups of the staged "
                        "tiles (and 64-column blocks of B's)");
  return operands;
}

/// How a warpgroup tile is cut into instructions: tilesM x tilesN
/// m64nNk16 instructions per 16-step of K, N the widest multiple of 64
/// that divides the tile and the instruction allows.
struct WgmmaTiling {
  int64_t instrN, tilesM, tilesN, steps;
};

WgmmaTiling tileWarpgroup(const WgmmaLoops &loops) {
  int64_t tileM = loops.sizes[loops.m], tileN = loops.sizes[loops.n],
          tileK = loops.sizes[loops.k];
  int64_t instrN = tileN;
  while (instrN > kMaxN || tileN % instrN != 0)
    instrN -= 64;
  return {instrN, tileM / kM, tileN / instrN, tileK / kK};
}

/// Rewrites a checked op, one phase per method: the fence ahead of the
/// warpgroup loop, the swizzled tiles, then at the op the accumulators
/// loaded into registers, the wgmma instructions and the accumulators
/// stored back.
class WgmmaRewriter {
public:
  WgmmaRewriter(linalg::LinalgOp op, const WgmmaLoops &loops,
                WgmmaOperands &operands)
      : op(op), loops(loops), operands(operands), b(op), loc(op.getLoc()),
        ctx(b.getContext()), tiling(tileWarpgroup(loops)),
        structType(LLVM::LLVMStructType::getLiteral(
            ctx, SmallVector<Type>(tiling.instrN / 2, b.getF32Type()))),
        accumulatorMap(op.getIndexingMapsArray()[2]) {}

  void rewrite() {
    fenceStores();
    Value swizzledA = swizzleTile(operands.a);
    Value swizzledB = swizzleTile(operands.b);
    b.setInsertionPoint(op);
    TileOrigins origins = tileOrigins();
    placeThread();
    SmallVector<Value> acc = loadAccumulators();
    multiply(acc, swizzledA, swizzledB, origins);
    storeAccumulators(acc);
    op->erase();
    eraseTile(operands.a);
    eraseTile(operands.b);
  }

private:
  /// Where the op's A and B tiles start in the staged ones.
  struct TileOrigins {
    Value rowA, columnA, rowB, columnB;
  };

  Value index(int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  }
  Value i64(int64_t v) {
    return arith::ConstantIntOp::create(b, loc, b.getI64Type(), v).getResult();
  }
  Value plus(Value v, int64_t c) {
    return c ? arith::AddIOp::create(b, loc, v, index(c)).getResult() : v;
  }

  /// A fence and a barrier ahead of the warpgroup loop, where every thread
  /// of the block runs, make every thread's stores visible to wgmma.
  void fenceStores() {
    b.setInsertionPoint(op->getParentOfType<scf::ForallOp>());
    NVVM::FenceProxyOp::create(
        b, loc, NVVM::ProxyKind::async_shared,
        NVVM::SharedSpaceAttr::get(ctx, NVVM::SharedSpace::shared_cta));
    gpu::BarrierOp::create(b, loc);
  }

  TileOrigins tileOrigins() {
    const Offsets &offsetsA = operands.offsetsA, &offsetsB = operands.offsetsB;
    Value rowA = sum(b, loc, offsetsA[offsetsA.size() - 2]);
    Value columnA = sum(b, loc, offsetsA.back());
    Value rowB = sum(b, loc, offsetsB[offsetsB.size() - 2]);
    Value columnB = sum(b, loc, offsetsB.back());
    return {rowA, columnA, rowB, columnB};
  }

  /// Byte address in shared memory of element (row, column) of a swizzled
  /// tile, before the swizzle (the hardware applies it): column block,
  /// then row, then the column within the 128-byte row.
  Value address(Value swizzled, const StagedTile &tile, Value row,
                Value column) {
    Value element = swizzledElement(b, loc, tile, row, column,
                                    /*swizzle=*/false, /*wholeChunk=*/true);
    Value bytes =
        arith::MulIOp::create(b, loc, element, index(tile.elementBytes));
    Value base =
        memref::ExtractAlignedPointerAsIndexOp::create(b, loc, swizzled);
    return arith::IndexCastUIOp::create(
        b, loc, b.getI64Type(), arith::AddIOp::create(b, loc, base, bytes));
  }

  /// Descriptor: (address & 0x3ffff) >> 4 in bits 0-13, then the fixed
  /// fields.
  Value descriptor(Value address, int64_t leadingBytes) {
    uint64_t fixed = (uint64_t(1) << 62) |
                     (uint64_t(kSwizzleAtomBytes >> 4) << 32) |
                     (uint64_t(leadingBytes >> 4) << 16);
    Value start = arith::ShRUIOp::create(
        b, loc, arith::AndIOp::create(b, loc, address, i64(0x3ffff)), i64(4));
    return arith::OrIOp::create(b, loc, start, i64(static_cast<int64_t>(fixed)))
        .getResult();
  }

  /// The thread's place in its warpgroup: warp w holds rows 16w..16w+15 of
  /// each 64-row tile; lane l rows l/4 and l/4+8, columns 2(l%4) and the
  /// next of every 8-column group (PTX ISA, "Matrix fragments for
  /// wgmma.m64nNk16"; register i at row 8((i/2)%2) and column 8(i/4)+i%2
  /// from there).
  void placeThread() {
    Value linear = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
    Value y = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::y);
    Value z = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::z);
    Value dimX = gpu::BlockDimOp::create(b, loc, gpu::Dimension::x);
    Value dimY = gpu::BlockDimOp::create(b, loc, gpu::Dimension::y);
    linear = arith::AddIOp::create(
        b, loc, linear,
        arith::MulIOp::create(
            b, loc, dimX,
            arith::AddIOp::create(b, loc, y,
                                  arith::MulIOp::create(b, loc, dimY, z))));
    Value inGroup =
        arith::RemUIOp::create(b, loc, linear, index(kWarpgroupThreads));
    Value lane = arith::RemUIOp::create(b, loc, inGroup, index(32));
    Value warpRow = arith::MulIOp::create(
        b, loc, arith::DivUIOp::create(b, loc, inGroup, index(32)), index(16));
    fragmentRow = arith::AddIOp::create(
        b, loc, warpRow, arith::DivUIOp::create(b, loc, lane, index(4)));
    fragmentColumn = arith::MulIOp::create(
        b, loc, arith::RemUIOp::create(b, loc, lane, index(4)), index(2));
  }

  /// The accumulator element register `i` of the instruction at (m0, n0)
  /// holds in this thread.
  SmallVector<Value> accumulatorIndices(int64_t m0, int64_t n0, int64_t i) {
    SmallVector<Value> ivs(loops.sizes.size(), index(0));
    ivs[loops.m] = plus(fragmentRow, m0 + 8 * ((i / 2) % 2));
    ivs[loops.n] = plus(fragmentColumn, n0 + 8 * (i / 4) + i % 2);
    SmallVector<Value> result;
    for (AffineExpr e : accumulatorMap.getResults())
      result.push_back(ivs[cast<AffineDimExpr>(e).getPosition()]);
    return result;
  }

  /// One register struct per instruction, row-major over (M, N).
  SmallVector<Value> loadAccumulators() {
    Value accumulator = op.getDpsInits()[0];
    SmallVector<Value> acc;
    for (int64_t i = 0; i < tiling.tilesM; ++i)
      for (int64_t j = 0; j < tiling.tilesN; ++j) {
        Value fragment = LLVM::PoisonOp::create(b, loc, structType);
        for (int64_t r = 0; r < tiling.instrN / 2; ++r) {
          Value v = memref::LoadOp::create(
              b, loc, accumulator,
              accumulatorIndices(i * kM, j * tiling.instrN, r));
          fragment = LLVM::InsertValueOp::create(b, loc, fragment, v, r);
        }
        acc.push_back(fragment);
      }
    return acc;
  }

  /// The wgmma instructions over the whole K range of the op, in one
  /// group the warpgroup waits for.
  void multiply(SmallVector<Value> &acc, Value swizzledA, Value swizzledB,
                const TileOrigins &origins) {
    const StagedTile &tileA = operands.a, &tileB = operands.b;
    // A's leading offset is unused in the swizzled K-major layout (1 by
    // convention, 16 bytes); B's steps one 64-column block.
    int64_t leadingA = 16;
    int64_t leadingB = tileB.rows * kSwizzleRowBytes;
    int64_t instrN = tiling.instrN, tilesM = tiling.tilesM,
            tilesN = tiling.tilesN;
    NVVM::WgmmaFenceAlignedOp::create(b, loc);
    auto shape = NVVM::MMAShapeAttr::get(ctx, kM, instrN, kK);
    for (int64_t s = 0; s < tiling.steps; ++s) {
      SmallVector<Value> descA, descB;
      for (int64_t i = 0; i < tilesM; ++i)
        descA.push_back(
            descriptor(address(swizzledA, tileA, plus(origins.rowA, i * kM),
                               plus(origins.columnA, s * kK)),
                       leadingA));
      for (int64_t j = 0; j < tilesN; ++j)
        descB.push_back(
            descriptor(address(swizzledB, tileB, plus(origins.rowB, s * kK),
                               plus(origins.columnB, j * instrN)),
                       leadingB));
      for (int64_t i = 0; i < tilesM; ++i)
        for (int64_t j = 0; j < tilesN; ++j) {
          Value &c = acc[i * tilesN + j];
          c = NVVM::WgmmaMmaAsyncOp::create(
              b, loc, structType, c, descA[i], descB[j], shape,
              loops.operandType, loops.operandType, NVVM::WGMMATypes::f32,
              NVVM::WGMMAScaleOut::one, NVVM::WGMMAScaleIn::one,
              NVVM::WGMMAScaleIn::one, NVVM::MMALayout::row,
              NVVM::MMALayout::row, NVVM::MMAIntOverflowAttr());
        }
    }
    NVVM::WgmmaGroupSyncAlignedOp::create(b, loc);
    NVVM::WgmmaWaitGroupSyncOp::create(b, loc, 0);
  }

  void storeAccumulators(ArrayRef<Value> acc) {
    Value accumulator = op.getDpsInits()[0];
    for (int64_t i = 0; i < tiling.tilesM; ++i)
      for (int64_t j = 0; j < tiling.tilesN; ++j)
        for (int64_t r = 0; r < tiling.instrN / 2; ++r) {
          Value v = LLVM::ExtractValueOp::create(b, loc,
                                                 acc[i * tiling.tilesN + j], r);
          memref::StoreOp::create(
              b, loc, v, accumulator,
              accumulatorIndices(i * kM, j * tiling.instrN, r));
        }
  }

  linalg::LinalgOp op;
  const WgmmaLoops &loops;
  WgmmaOperands &operands;
  OpBuilder b;
  Location loc;
  MLIRContext *ctx;
  WgmmaTiling tiling;
  LLVM::LLVMStructType structType; // one instruction's accumulators
  AffineMap accumulatorMap;
  Value fragmentRow, fragmentColumn; // set by placeThread
};

} // namespace

LogicalResult mlir::kgen::lowerToWgmma(linalg::LinalgOp op) {
  FailureOr<WgmmaLoops> loops = checkMarkedOp(op);
  if (failed(loops))
    return failure();
  FailureOr<WgmmaOperands> operands = checkOperands(op);
  if (failed(operands))
    return failure();
  // Nothing has changed so far.
  WgmmaRewriter(op, *loops, *operands).rewrite();
  return success();
}
