//===- FormKernels.cpp - group linalg ops into outlined kernels -----------===//
//
// Greedy, always-legal fusion: a group only ever absorbs an op whose single
// result is used by the group, so every kernel has exactly one externally
// visible value (its sink) and outlining it at the sink's position keeps
// every dependence.
//
//===----------------------------------------------------------------------===//

#include "kgen/Schedule/KernelAttrs.h"
#include "kgen/Schedule/KernelInfo.h"
#include "kgen/Conversion/Passes.h"
#include "kgen/Proposer/ProposalDriver.h"
#include "kgen/Proposer/ProposerFactory.h"
#include "kgen/Schedule/Records.h"
#include "kgen/Support/BoundedJson.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/EquivalenceClasses.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"

#include <nlohmann/json.hpp>

#include <numeric>

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

/// Whether reduction `stat` may share the kernel of reduction `root` as a
/// row statistic (softmax's max, layer_norm's mean): both are generics
/// over the same static loops, writing their single output through the
/// same map, so a workgroup's rows of the root are the same rows of the
/// statistic, which the workgroup reduces first and keeps for the rest.
bool isRowStatisticOf(Operation *stat, Operation *root) {
  auto s = dyn_cast<linalg::GenericOp>(stat);
  auto r = dyn_cast<linalg::GenericOp>(root);
  if (!s || !r || s == r || !isRoot(s) || !isRoot(r) ||
      s.getNumDpsInits() != 1 || r.getNumDpsInits() != 1)
    return false;
  SmallVector<int64_t> ranges = s.getStaticLoopRanges();
  return !ShapedType::isDynamicShape(ranges) &&
         ranges == r.getStaticLoopRanges() &&
         s.getIteratorTypesArray() == r.getIteratorTypesArray() &&
         s.getIndexingMapsArray().back() == r.getIndexingMapsArray().back();
}

/// The op a group of ops is built around: its last root, if any.
Operation *lastRoot(ArrayRef<Operation *> ops, ArrayRef<unsigned> group) {
  for (unsigned i : llvm::reverse(group))
    if (isRoot(ops[i]))
      return ops[i];
  return nullptr;
}

/// Producers that may join a root's kernel: initializations and data
/// movement. Fusing an arithmetic producer into a contraction would
/// recompute it for every tile that reads it; such producers join their
/// root as part of its epilogue instead, or stay kernels of their own.
/// Padding stays a kernel of its own too: fused into a convolution's tile,
/// it materializes every thread's padded input window in the thread's
/// memory (1.4 MB per thread for a 3x3 convolution over 64 channels).
/// A transpose joins a reduction, whose threads read it as they read any
/// operand, but not a contraction: a contraction's operands are staged
/// through workgroup memory as tiles of kernel arguments, which a fused
/// producer rules out, leaving every thread to read its operands from
/// global memory once per tile. As a kernel of its own it costs one copy.
/// A broadcast or gather that only moves elements in order (a
/// convolution's im2col, its weight broadcast over the images) does join a
/// matmul: staging computes its tile of each step into workgroup memory,
/// so the gathered matrix never exists in memory (implicit GEMM).
bool isCheapProducer(Operation *op, Operation *root) {
  if (isa<linalg::FillOp, linalg::BroadcastOp>(op))
    return true;
  if (isa<linalg::MatmulOp, linalg::BatchMatmulOp>(root) && onlyMovesData(op))
    return true;
  auto linalgRoot = dyn_cast<linalg::LinalgOp>(root);
  return isa<linalg::TransposeOp>(op) && linalgRoot &&
         !linalg::isaContractionOpInterface(linalgRoot);
}

/// The position of the kernel op producing `op`'s padded source, if `op`
/// is a tensor.pad. Fusing a producer into a pad's tiles makes an scf.if
/// that tile-and-fuse cannot enter (MLIR 22 crashes in
/// fuse_into_containing_op), so a pad's kernel never holds its producer.
std::optional<unsigned>
padProducerIn(Operation *op, const DenseMap<Operation *, unsigned> &position) {
  auto pad = dyn_cast<tensor::PadOp>(op);
  if (!pad)
    return std::nullopt;
  auto it = position.find(pad.getSource().getDefiningOp());
  if (it == position.end())
    return std::nullopt;
  return it->second;
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

/// The iterations of `op`'s loops, if they are all static.
std::optional<int64_t> staticIterations(Operation *op) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp)
    return std::nullopt;
  SmallVector<int64_t> ranges = linalgOp.getStaticLoopRanges();
  if (ShapedType::isDynamicShape(ranges))
    return std::nullopt;
  return std::accumulate(ranges.begin(), ranges.end(), int64_t{1},
                         std::multiplies<int64_t>());
}

/// Whether `root` may take the elementwise group of `member` as its
/// epilogue: no op of the group iterates more than the root does. A
/// kernel's blocks and threads are the root's tiles, so a larger epilogue
/// is spread over the root's outputs: the second stage of a group_norm's
/// split variance (32 partials per group) followed by the normalization
/// of 524288 elements per group would leave 32 threads a kernel of 16M
/// elements. As a kernel of its own the epilogue takes all the threads it
/// needs and reads the root's small result.
bool spansGroup(Operation *root,
                const llvm::EquivalenceClasses<Operation *> &groups,
                Operation *member) {
  std::optional<int64_t> rootIterations = staticIterations(root);
  if (!rootIterations)
    return true;
  for (auto it = groups.findLeader(member); it != groups.member_end(); ++it)
    if (std::optional<int64_t> n = staticIterations(*it);
        n && *n > *rootIterations)
      return false;
  return true;
}

/// Kernels as lists of positions into a function's kernel ops.
using Grouping = SmallVector<SmallVector<unsigned>>;

/// Reads a proposed grouping: a JSON array of arrays of op positions.
/// Returns a problem description, empty when the shape is right.
std::string parseGrouping(const nlohmann::json &j, size_t numOps,
                          Grouping &grouping) {
  if (!j.is_array())
    return "a grouping must be an array of arrays of op positions";
  for (const nlohmann::json &group : j) {
    if (!group.is_array() || group.empty())
      return "every group must be a non-empty array of op positions";
    grouping.emplace_back();
    for (const nlohmann::json &v : group) {
      if (!v.is_number_integer() || v.get<int64_t>() < 0 ||
          v.get<int64_t>() >= static_cast<int64_t>(numOps))
        return "op position " +
               v.dump(-1, ' ', false,
                      nlohmann::json::error_handler_t::replace) +
               " is not in [0, " + std::to_string(numOps) + ")";
      grouping.back().push_back(v.get<unsigned>());
    }
    llvm::sort(grouping.back());
  }
  return "";
}

/// Legality of a grouping: a partition of the ops; one root per kernel,
/// besides row statistics of it; and only the kernel's last op (its sink) used outside it. The
/// last rule is what makes outlining at the sink keep every dependence and
/// rule out cycles between kernels: nothing can flow out of a kernel before
/// its end, so nothing outside can feed back into it.
std::string checkGrouping(ArrayRef<Operation *> ops,
                          DenseMap<Operation *, unsigned> &position,
                          const Grouping &grouping) {
  std::vector<int> owner(ops.size(), -1);
  for (auto [g, group] : llvm::enumerate(grouping))
    for (unsigned i : group) {
      if (owner[i] != -1)
        return "op " + std::to_string(i) + " is in two kernels";
      owner[i] = g;
    }
  for (auto [i, o] : llvm::enumerate(owner))
    if (o == -1)
      return "op " + std::to_string(i) + " (" +
             ops[i]->getName().getStringRef().str() + ") is in no kernel";
  for (auto [g, group] : llvm::enumerate(grouping)) {
    for (unsigned i : group)
      if (std::optional<unsigned> producer = padProducerIn(ops[i], position);
          producer && owner[*producer] == static_cast<int>(g))
        return "op " + std::to_string(*producer) + " of kernel " +
               std::to_string(g) +
               " produces the tensor.pad after it: a pad takes no producer "
               "into its kernel (the tiling cannot fuse into a padded tile)";
    Operation *root = lastRoot(ops, group);
    for (unsigned i : group)
      if (isRoot(ops[i]) && ops[i] != root && !isRowStatisticOf(ops[i], root))
        return "kernel " + std::to_string(g) +
               " has more than one root (contraction or reduction), and op " +
               std::to_string(i) +
               " is not a row statistic of the last (a reduction over the "
               "same loops, written through the same map)";
    for (unsigned i : group) {
      if (i == group.back())
        continue;
      for (Operation *user : ops[i]->getUsers()) {
        auto it = position.find(user);
        if (it == position.end() || owner[it->second] != static_cast<int>(g))
          return "op " + std::to_string(i) + " of kernel " + std::to_string(g) +
                 " is used outside it, but only a kernel's last op may be";
      }
    }
  }
  return "";
}

struct FormKernelsPass final
    : mlir::kgen::impl::FormKernelsPassBase<FormKernelsPass> {
  using FormKernelsPassBase::FormKernelsPassBase;
  friend LlmOptions kgen::llmOptionsOf<>(const FormKernelsPass &);

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (failed(createProposer()))
      return signalPassFailure();
    SmallVector<func::FuncOp> functions;
    for (auto func : module.getOps<func::FuncOp>())
      if (!func.isExternal() && !func->hasAttr(kKernelAttr))
        functions.push_back(func);
    loadGroupings();
    warnUnknownGroupings(functions);
    for (func::FuncOp func : functions)
      if (failed(formKernels(func)))
        return signalPassFailure();
  }

  /// Forms the kernels of every block of `func` that holds kernel ops: its
  /// body, and the regions of control flow (scf.if branches, scf.for
  /// bodies), where each kernel's call stays in place. Groupings (files and
  /// proposers) speak of the body's ops; nested blocks get the default
  /// grouping.
  LogicalResult formKernels(func::FuncOp func) {
    SmallVector<Block *> blocks;
    func.walk<WalkOrder::PreOrder>([&](Block *block) {
      if (llvm::any_of(*block, [](Operation &op) { return isKernelOp(&op); }))
        blocks.push_back(block);
    });
    for (Block *block : blocks)
      if (Operation *loop = enclosingLoop(*block, func))
        return emitLoopError(*block, loop);
    unsigned kernels = 0;
    for (Block *block : blocks)
      kernels += formKernels(func, *block, kernels,
                             /*proposals=*/block == &func.getBody().front());
    return success();
  }

  /// The innermost loop (scf.for, scf.while, ...) around `block` inside
  /// `func`, if any.
  static Operation *enclosingLoop(Block &block, func::FuncOp func) {
    for (Operation *op = block.getParentOp(); op && op != func;
         op = op->getParentOp())
      if (isa<LoopLikeOpInterface>(op))
        return op;
    return nullptr;
  }

  /// A kernel inside a loop would allocate its result anew each iteration
  /// on the device, and nothing frees device buffers inside host loops.
  static LogicalResult emitLoopError(Block &block, Operation *loop) {
    Operation *first = &*llvm::find_if(
        block, [](Operation &op) { return isKernelOp(&op); });
    return first->emitError()
           << "kgen does not form GPU kernels inside '"
           << loop->getName() << "' (a kernel's result would be a new "
           << "device buffer every iteration); unroll the loop, or run the "
           << "program on the CPU, where loops are supported";
  }

  /// Forms the kernels of one block, numbered from `firstIndex`; returns
  /// how many.
  unsigned formKernels(func::FuncOp func, Block &body, unsigned firstIndex,
                       bool proposals) {
    SmallVector<Operation *> ops;
    DenseMap<Operation *, unsigned> position;
    for (Operation &op : body)
      if (isKernelOp(&op)) {
        position[&op] = ops.size();
        ops.push_back(&op);
      }

    Grouping grouping = greedyGrouping(ops, position);
    if (!proposals) {
      // The default grouping only.
    } else if (const nlohmann::json *proposed = proposedGrouping(func)) {
      Grouping candidate;
      std::string problem = parseGrouping(*proposed, ops.size(), candidate);
      if (problem.empty())
        problem = checkGrouping(ops, position, candidate);
      if (problem.empty())
        grouping = candidate;
      else
        func.emitWarning() << "proposed kernel grouping rejected: " << problem
                           << "; using the default grouping";
    } else if (proposer) {
      askProposer(func, ops, position, grouping);
    }

    // Outline in the order of the sinks so kernel numbering follows the
    // program.
    llvm::sort(grouping, [](const SmallVector<unsigned> &a,
                            const SmallVector<unsigned> &b) {
      return a.back() < b.back();
    });
    Operation *insertAfter = lastKernelOf(func);
    for (auto [index, group] : llvm::enumerate(grouping)) {
      SmallVector<Operation *> members;
      for (unsigned i : group)
        members.push_back(ops[i]);
      insertAfter = outline(func, members, firstIndex + index, insertAfter);
    }
    return grouping.size();
  }

  /// The last kernel outlined from `func` so far (they follow it in the
  /// module), or `func` itself.
  static Operation *lastKernelOf(func::FuncOp func) {
    Operation *last = func;
    for (Operation *next = func->getNextNode();
         next && next->hasAttr(kKernelAttr); next = next->getNextNode())
      last = next;
    return last;
  }

  /// Asks the grouping proposer, round by round, for a legal grouping of
  /// `ops`; replaces `grouping` (the default) with the first legal one.
  void askProposer(func::FuncOp func, ArrayRef<Operation *> ops,
                   DenseMap<Operation *, unsigned> &position,
                   Grouping &grouping) {
    GroupingRequest request;
    request.function = func.getSymName().str();
    llvm::raw_string_ostream program(request.program);
    func.print(program);
    for (Operation *op : ops) {
      request.opNames.push_back(op->getName().getStringRef().str());
      request.roots.push_back(isRoot(op));
      std::vector<unsigned> users;
      for (Operation *user : op->getUsers())
        if (auto it = position.find(user); it != position.end())
          users.push_back(it->second);
      llvm::sort(users);
      users.erase(std::unique(users.begin(), users.end()), users.end());
      request.users.push_back(users);
    }
    for (const SmallVector<unsigned> &group : grouping)
      request.greedy.emplace_back(group.begin(), group.end());
    Grouping candidate; // the last one checked
    auto check = [&](const GroupingCandidate &c) {
      candidate.clear();
      if (std::string problem =
              parseGrouping(*c.grouping, ops.size(), candidate);
          !problem.empty())
        return Verdict::reject(Reason::Schema, problem);
      if (std::string illegal = checkGrouping(ops, position, candidate);
          !illegal.empty())
        return Verdict::reject(Reason::IllegalGrouping, illegal);
      return Verdict::accept();
    };
    auto record = [&](const CheckedCandidate<GroupingCandidate> &attempt) {
      logProposal(func, attempt.round, attempt.candidate, attempt.verdict);
    };
    ProposalDriver<GroupingCandidate> driver(check, record,
                                             {groupingRounds, false});
    ProposalOutcome<GroupingCandidate> outcome =
        driver.run([&](llvm::ArrayRef<GroupingAttempt> history)
                       -> std::vector<GroupingCandidate> {
          request.history = history;
          return {proposer->propose(request)};
        });
    if (outcome.accepted) {
      grouping = candidate; // the run stopped at it
      func.emitRemark() << "kernel grouping from " << proposer->name() << ": "
                        << outcome.accepted->grouping->dump();
      return;
    }
    Verdict last = outcome.lastRejection.value_or(
        Verdict::reject(Reason::None, "no grouping was proposed"));
    func.emitWarning() << "no kernel grouping from the " << proposer->name()
                       << " proposer was legal (last: ["
                       << stringifyReason(last.reason) << "] " << last.message
                       << "); using the default grouping";
  }

  void logProposal(func::FuncOp func, unsigned round,
                   const GroupingCandidate &c, const Verdict &verdict) {
    if (groupingTrajectory.empty())
      return;
    nlohmann::json line = {
        {"function", func.getSymName().str()},
        {"proposer", proposer->name().str()},
        {"round", round},
        {"prompt", c.prompt},
        {"reply", c.reply},
        {"grouping", c.grouping ? *c.grouping : nlohmann::json()},
        {"verdict", verdict.toJson()}};
    if (llvm::Error err = appendTrajectory(groupingTrajectory, line)) {
      if (!trajectoryWarned)
        getOperation().emitWarning()
            << "could not append to the grouping trajectory log: "
            << llvm::toString(std::move(err));
      trajectoryWarned = true;
    }
  }

  /// The greedy default: each group lists op positions in program order.
  Grouping greedyGrouping(ArrayRef<Operation *> ops,
                          DenseMap<Operation *, unsigned> &position) {
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
    // Never into a pad, though (padProducerIn).
    for (Operation *op : llvm::reverse(ops)) {
      Operation *user = soleUser(op);
      if (!isRoot(op) && user && position.count(user) &&
          !isa<tensor::PadOp>(user) && (!isRoot(user) || isCheapProducer(op, user)))
        groups.unionSets(op, user);
    }
    // Root-free elementwise groups join the root they are the only user of,
    // when the root's loops span them (see spansGroup).
    for (Operation *op : ops) {
      Operation *user = soleUser(op);
      if (isRoot(op) && user && position.count(user) &&
          !isa<tensor::PadOp>(user) && !hasRoot(user) &&
          spansGroup(op, groups, user))
        groups.unionSets(op, user);
    }
    joinRowStatistics(ops, position, groups);
    DenseMap<Operation *, unsigned> groupOf;
    Grouping grouping;
    for (auto [i, op] : llvm::enumerate(ops)) {
      Operation *leader = groups.getLeaderValue(op);
      auto [it, inserted] = groupOf.try_emplace(leader, grouping.size());
      if (inserted)
        grouping.emplace_back();
      grouping[it->second].push_back(i);
    }
    return grouping;
  }

  /// A reduction whose group it ends (or ends with an epilogue over the
  /// reduction's own outputs: a norm's sqrt and clamp), and whose group's
  /// users all belong to one group built around a reduction over the same
  /// rows, joins that group as a row statistic: softmax's max, exp-sum and
  /// normalization become one kernel, which reads each row from memory
  /// once per statistic instead of once per kernel; so do the two norms
  /// and the dot product of a cosine similarity. Latest first, so chains
  /// join whole.
  static void joinRowStatistics(ArrayRef<Operation *> ops,
                                DenseMap<Operation *, unsigned> &position,
                                llvm::EquivalenceClasses<Operation *> &groups) {
    auto membersOf = [&](Operation *op) {
      SmallVector<unsigned> members;
      for (auto it = groups.findLeader(op); it != groups.member_end(); ++it)
        members.push_back(position.lookup(*it));
      llvm::sort(members);
      return members;
    };
    for (Operation *stat : llvm::reverse(ops)) {
      if (!isRoot(stat))
        continue;
      SmallVector<unsigned> own = membersOf(stat);
      Operation *sink = ops[own.back()];
      if (sink->getResult(0).use_empty() ||
          (sink != stat && !isStatisticEpilogue(stat, sink, ops, own)))
        continue;
      Operation *target = nullptr;
      bool oneGroup = llvm::all_of(sink->getUsers(), [&](Operation *user) {
        if (!position.count(user))
          return false;
        Operation *leader = groups.getLeaderValue(user);
        if (target && groups.getLeaderValue(target) != leader)
          return false;
        target = user;
        return true;
      });
      if (!oneGroup)
        continue;
      Operation *root = lastRoot(ops, membersOf(target));
      if (root && isRowStatisticOf(stat, root))
        groups.unionSets(stat, target);
    }
  }

  /// Whether `sink`, the last op of reduction `stat`'s group (`members`),
  /// ends an elementwise epilogue of the statistic alone: the group's other
  /// ops have no reduction loop, iterate over no more than the statistic's
  /// outputs and read only values of the group, so the kernel computes
  /// them once per row from the statistic (KernelInfo's statistic
  /// epilogues: the lanes find their operands in workgroup memory).
  static bool isStatisticEpilogue(Operation *stat, Operation *sink,
                                  ArrayRef<Operation *> ops,
                                  ArrayRef<unsigned> members) {
    auto outputs = dyn_cast<RankedTensorType>(stat->getResult(0).getType());
    if (!isa<linalg::LinalgOp>(sink) || !outputs || !outputs.hasStaticShape())
      return false;
    SmallPtrSet<Operation *, 8> group;
    for (unsigned i : members)
      group.insert(ops[i]);
    auto inGroup = [&](Value input) {
      return group.contains(input.getDefiningOp());
    };
    return llvm::all_of(members, [&](unsigned i) {
      return ops[i] == stat || isa<linalg::FillOp>(ops[i]) ||
             isRowStatisticEpilogue(ops[i], outputs.getNumElements(), inGroup);
    });
  }

  LogicalResult createProposer() {
    proposer.reset();
    auto kind = parseProposerKind(groupingProposer, ProposalDomain::Grouping);
    if (!kind)
      return getOperation().emitError(llvm::toString(kind.takeError()));
    ProposerConfig config;
    config.kind = *kind;
    config.seed = groupingSeed;
    config.replayFile = groupingReplay;
    config.llm = llmOptionsOf(*this);
    auto created = kgen::createProposer<GroupingProposer>(config);
    if (!created)
      return getOperation().emitError(llvm::toString(created.takeError()));
    proposer = std::move(*created);
    return success();
  }

  /// Reads the `grouping` file into `groupings`; an unusable file is
  /// warned about and leaves it empty (the default grouping everywhere).
  void loadGroupings() {
    groupings = nlohmann::json::object();
    if (groupingFile.empty())
      return;
    auto buffer = llvm::MemoryBuffer::getFile(groupingFile, /*IsText=*/true);
    if (!buffer) {
      getOperation().emitWarning()
          << "cannot read the kernel grouping file '" << groupingFile
          << "': " << buffer.getError().message()
          << "; using the default grouping";
      return;
    }
    llvm::Expected<nlohmann::json> parsed =
        parseBoundedJson((*buffer)->getBuffer());
    if (!parsed) {
      getOperation().emitWarning()
          << "kernel grouping file '" << groupingFile
          << "': " << llvm::toString(parsed.takeError())
          << "; using the default grouping";
      return;
    }
    if (parsed->is_discarded() || !parsed->is_object()) {
      getOperation().emitWarning()
          << "'" << groupingFile
          << "' is not a JSON object mapping function names to groups; "
             "using the default grouping";
      return;
    }
    groupings = std::move(*parsed);
  }

  /// Warns about groupings for functions the module does not define (a
  /// typo, or a file written for another program): they would otherwise be
  /// ignored without a word.
  void warnUnknownGroupings(ArrayRef<func::FuncOp> functions) {
    llvm::StringSet<> names;
    for (func::FuncOp func : functions)
      names.insert(func.getSymName());
    for (auto it = groupings.begin(); it != groupings.end(); ++it)
      if (!names.contains(it.key()))
        getOperation().emitWarning()
            << "kernel grouping file '" << groupingFile << "' names function '"
            << it.key()
            << "', which this module does not define; ignoring its grouping";
  }

  /// The grouping proposed for `func` in the `grouping` file, if any.
  const nlohmann::json *proposedGrouping(func::FuncOp func) {
    auto it = groupings.find(func.getSymName().str());
    return it == groupings.end() ? nullptr : &*it;
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

  /// The `grouping` file's proposals by function name, read once per run.
  nlohmann::json groupings;
  // Created per run (shared only so the pass stays copyable).
  std::shared_ptr<GroupingProposer> proposer;
  bool trajectoryWarned = false;
};

} // namespace
