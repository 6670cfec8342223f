//===- FormKernels.cpp - group linalg ops into outlined kernels -----------===//
//
// Greedy, always-legal fusion: a group only ever absorbs an op whose single
// result is used by the group, so every kernel has exactly one externally
// visible value (its sink) and outlining it at the sink's position keeps
// every dependence.
//
//===----------------------------------------------------------------------===//

#include "kgen/Conversion/KernelAttrs.h"
#include "kgen/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/EquivalenceClasses.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::kgen {
#define GEN_PASS_DEF_FORMKERNELSPASS
#include "kgen/Conversion/Passes.h.inc"
} // namespace mlir::kgen

using namespace mlir;
using namespace mlir::kgen;

namespace {

bool isKernelOp(Operation *op) {
  return isa<linalg::LinalgOp, tensor::PadOp>(op);
}

/// A contraction or reduction: the op a kernel is built around.
bool isRoot(Operation *op) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  return linalgOp && linalgOp.getNumReductionLoops() > 0;
}

/// Producers that may join a root's kernel: initializations and data
/// movement. Fusing an arithmetic producer into a contraction would
/// recompute it for every tile that reads it; such producers join their
/// root as part of its epilogue instead, or stay kernels of their own.
bool isCheapProducer(Operation *op) {
  return isa<linalg::FillOp, linalg::TransposeOp, linalg::BroadcastOp,
             tensor::PadOp>(op);
}

/// Values the kernel recomputes instead of taking as arguments.
bool isCloneable(Value v) {
  Operation *def = v.getDefiningOp();
  return def && isa<tensor::EmptyOp, arith::ConstantOp>(def);
}

/// The single user of `op`'s single result, if `op` has exactly one result
/// with exactly one use.
Operation *soleUser(Operation *op) {
  if (op->getNumResults() != 1 || !op->getResult(0).hasOneUse())
    return nullptr;
  return *op->getResult(0).getUsers().begin();
}

struct FormKernelsPass final
    : mlir::kgen::impl::FormKernelsPassBase<FormKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> functions;
    for (auto func : module.getOps<func::FuncOp>())
      if (!func.isExternal() && !func->hasAttr(kKernelAttr))
        functions.push_back(func);
    for (func::FuncOp func : functions)
      if (failed(formKernels(func)))
        return signalPassFailure();
  }

  LogicalResult formKernels(func::FuncOp func) {
    Block &body = func.getBody().front();
    SmallVector<Operation *> ops;
    DenseMap<Operation *, unsigned> position;
    for (Operation &op : body)
      if (isKernelOp(&op)) {
        position[&op] = ops.size();
        ops.push_back(&op);
      }
    if (ops.empty())
      return success();

    llvm::EquivalenceClasses<Operation *> groups;
    for (Operation *op : ops)
      groups.insert(op);
    auto hasRoot = [&](Operation *member) {
      return llvm::any_of(
          llvm::make_range(groups.findLeader(member), groups.member_end()),
          isRoot);
    };

    // Elementwise producers join their only consumer (a root only when
    // they are cheap to recompute per tile).
    for (Operation *op : llvm::reverse(ops)) {
      Operation *user = soleUser(op);
      if (!isRoot(op) && user && position.count(user) &&
          (!isRoot(user) || isCheapProducer(op)))
        groups.unionSets(op, user);
    }
    // Root-free elementwise groups join the root they are the only user of.
    for (Operation *op : ops) {
      Operation *user = soleUser(op);
      if (isRoot(op) && user && position.count(user) && !hasRoot(user))
        groups.unionSets(op, user);
    }

    // Collect each group's members in program order; outline in the order
    // of the sinks so kernel numbering follows the program.
    DenseMap<Operation *, SmallVector<Operation *>> members;
    SmallVector<Operation *> leaders;
    for (Operation *op : ops) {
      Operation *leader = groups.getLeaderValue(op);
      if (!members.count(leader))
        leaders.push_back(leader);
      members[leader].push_back(op);
    }
    llvm::sort(leaders, [&](Operation *a, Operation *b) {
      return position[members[a].back()] < position[members[b].back()];
    });
    Operation *insertAfter = func;
    for (auto [index, leader] : llvm::enumerate(leaders))
      insertAfter = outline(func, members[leader], index, insertAfter);
    return success();
  }

  /// Outlines `group` into a kernel function placed after `insertAfter`;
  /// returns the kernel.
  Operation *outline(func::FuncOp parent, ArrayRef<Operation *> group,
                     unsigned index, Operation *insertAfter) {
    Operation *sink = group.back();
    llvm::SmallPtrSet<Operation *, 8> inGroup(group.begin(), group.end());
    llvm::SetVector<Value> inputs, cloned;
    auto consider = [&](Value v) {
      if (Operation *def = v.getDefiningOp(); def && inGroup.count(def))
        return;
      (isCloneable(v) ? cloned : inputs).insert(v);
    };
    for (Operation *op : group) {
      for (Value operand : op->getOperands())
        consider(operand);
      for (Region &region : op->getRegions()) {
        llvm::SetVector<Value> captured;
        getUsedValuesDefinedAbove(region, captured);
        for (Value v : captured)
          consider(v);
      }
    }

    OpBuilder b(parent);
    b.setInsertionPointAfter(insertAfter);
    auto type = b.getFunctionType(ValueRange(inputs.getArrayRef()).getTypes(),
                                  sink->getResultTypes());
    std::string name =
        (parent.getSymName() + "_kernel_" + llvm::Twine(index)).str();
    auto kernel = func::FuncOp::create(b, sink->getLoc(), name, type);
    kernel.setPrivate();
    kernel->setAttr(kKernelAttr, b.getUnitAttr());

    Block *entry = kernel.addEntryBlock();
    b.setInsertionPointToStart(entry);
    IRMapping mapping;
    for (auto [value, arg] : llvm::zip(inputs, entry->getArguments()))
      mapping.map(value, arg);
    for (Value v : cloned)
      b.clone(*v.getDefiningOp(), mapping);
    Operation *root = nullptr;
    for (auto [i, op] : llvm::enumerate(group)) {
      Operation *copy = b.clone(*op, mapping);
      copy->setAttr(kOpIndexAttr, b.getI64IntegerAttr(i));
      if (isRoot(op))
        root = copy;
    }
    Operation *sinkCopy = mapping.lookup(sink->getResult(0)).getDefiningOp();
    sinkCopy->setAttr(kSinkAttr, b.getUnitAttr());
    (root ? root : sinkCopy)->setAttr(kRootAttr, b.getUnitAttr());
    SmallVector<Value> results;
    for (Value r : sink->getResults())
      results.push_back(mapping.lookup(r));
    func::ReturnOp::create(b, sink->getLoc(), results);

    b.setInsertionPoint(sink);
    auto call =
        func::CallOp::create(b, sink->getLoc(), kernel, inputs.getArrayRef());
    sink->replaceAllUsesWith(call.getResults());
    for (Operation *op : llvm::reverse(group))
      op->erase();
    for (Value v : cloned)
      if (Operation *def = v.getDefiningOp(); def && def->use_empty())
        def->erase();
    return kernel;
  }
};

} // namespace
