//===- GroupingProposers.cpp - random, replay and LLM kernel groupings ----===//

#include "kgen/Proposer/GroupingProposer.h"
#include "kgen/Proposer/Proposer.h"
#include "kgen/Support/BoundedJson.h"

#include "llvm/ADT/EquivalenceClasses.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"

#include <map>
#include <random>

using namespace mlir;
using namespace mlir::kgen;
using json = nlohmann::json;

GroupingProposer::~GroupingProposer() = default;

namespace {

/// A raw reply as a candidate: the grouping it holds (a bare array or the
/// "grouping" member of an object), or why not.
GroupingCandidate candidateFromReply(std::string prompt, std::string reply) {
  GroupingCandidate c;
  c.prompt = std::move(prompt);
  c.reply = std::move(reply);
  auto parsed = extractJson(c.reply);
  if (!parsed) {
    c.failure = verdictOfUnusableReply(parsed.takeError(), "grouping");
    return c;
  }
  if (parsed->is_object() && parsed->contains("grouping"))
    c.grouping = (*parsed)["grouping"];
  else
    c.grouping = std::move(*parsed);
  return c;
}

//===----------------------------------------------------------------------===//
// Random
//===----------------------------------------------------------------------===//

class RandomGroupingProposer final : public GroupingProposer {
public:
  explicit RandomGroupingProposer(uint64_t seed) : generator(seed) {}
  llvm::StringRef name() const override { return "random"; }

  GroupingCandidate propose(const GroupingRequest &request) override {
    // Union-find over the ops: each op joins the kernel of one of its users
    // with probability 1/2, which gives mostly legal groupings (the greedy
    // rules are one such) and some with two roots or values escaping.
    size_t n = request.opNames.size();
    llvm::EquivalenceClasses<unsigned> kernels;
    for (unsigned i = 0; i < n; ++i)
      kernels.insert(i);
    std::bernoulli_distribution join(0.5);
    for (size_t i = n; i-- > 0;) {
      const std::vector<unsigned> &users = request.users[i];
      if (users.empty() || !join(generator))
        continue;
      std::uniform_int_distribution<size_t> pick(0, users.size() - 1);
      kernels.unionSets(static_cast<unsigned>(i), users[pick(generator)]);
    }
    // Kernels in the order of their first op, ops in program order.
    std::map<unsigned, size_t> indexOfLeader;
    json grouping = json::array();
    for (unsigned i = 0; i < n; ++i) {
      auto [it, inserted] =
          indexOfLeader.try_emplace(kernels.getLeaderValue(i), grouping.size());
      if (inserted)
        grouping.push_back(json::array());
      grouping[it->second].push_back(i);
    }
    GroupingCandidate c;
    c.grouping = grouping;
    return c;
  }

private:
  std::mt19937_64 generator;
};

//===----------------------------------------------------------------------===//
// Replay
//===----------------------------------------------------------------------===//

class ReplayGroupingProposer final : public GroupingProposer {
public:
  llvm::StringRef name() const override { return "replay"; }
  GroupingCandidate propose(const GroupingRequest &request) override {
    auto it = entries.find(request.function);
    size_t &next = cursor[request.function];
    if (it == entries.end() || next >= it->second.size()) {
      GroupingCandidate c;
      c.failure = Verdict::reject(Reason::ReplayExhausted,
                                  "the transcript has no (more) groupings for "
                                  "function '" +
                                      request.function + "'");
      return c;
    }
    return it->second[next++];
  }
  std::map<std::string, std::vector<GroupingCandidate>> entries;
  std::map<std::string, size_t> cursor;
};

//===----------------------------------------------------------------------===//
// LLM
//===----------------------------------------------------------------------===//

class LlmGroupingProposer final : public GroupingProposer {
public:
  explicit LlmGroupingProposer(LlmOptions options)
      : client(std::move(options)) {}
  llvm::StringRef name() const override { return "llm"; }

  GroupingCandidate propose(const GroupingRequest &request) override {
    std::vector<ChatMessage> messages = buildGroupingPrompt(request);
    std::string prompt;
    for (const ChatMessage &m : messages)
      prompt += "[" + m.role + "]\n" + m.content + "\n";
    auto reply = client.complete(messages, /*responseSchema=*/nullptr);
    if (!reply) {
      GroupingCandidate c;
      c.prompt = prompt;
      c.failure = verdictOfLlmError(reply.takeError());
      return c;
    }
    if (reply->contents.empty()) {
      GroupingCandidate c;
      c.prompt = prompt;
      c.failure = Verdict::reject(Reason::LlmMalformedReply, "the reply has no choices");
      return c;
    }
    return candidateFromReply(prompt, reply->contents.front());
  }

private:
  LlmClient client;
};

std::string formatGroups(const KernelGrouping &grouping) {
  return json(grouping).dump();
}
} // namespace

std::unique_ptr<GroupingProposer>
mlir::kgen::createRandomGroupingProposer(uint64_t seed) {
  return std::make_unique<RandomGroupingProposer>(seed);
}

std::unique_ptr<GroupingProposer>
mlir::kgen::createLlmGroupingProposer(LlmOptions options) {
  return std::make_unique<LlmGroupingProposer>(std::move(options));
}

llvm::Expected<std::unique_ptr<GroupingProposer>>
mlir::kgen::createReplayGroupingProposer(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return llvm::createStringError(buffer.getError(),
                                   "grouping transcript " + path + ": " +
                                       buffer.getError().message());
  auto proposer = std::make_unique<ReplayGroupingProposer>();
  llvm::SmallVector<llvm::StringRef> lines;
  (*buffer)->getBuffer().split(lines, '\n', -1, /*KeepEmpty=*/false);
  for (auto [number, line] : llvm::enumerate(lines)) {
    if (line.trim().empty())
      continue;
    size_t lineNumber = number + 1;
    auto bad = [&](const llvm::Twine &why) {
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "grouping transcript " + path + " line " +
                                         llvm::Twine(lineNumber) + ": " + why);
    };
    llvm::Expected<json> parsed = parseBoundedJson(line);
    if (!parsed)
      return bad(llvm::toString(parsed.takeError()));
    json entry = std::move(*parsed);
    if (entry.is_discarded() || !entry.is_object())
      return bad("not a JSON object");
    auto function = entry.find("function");
    if (function == entry.end() || !function->is_string())
      return bad("no \"function\" string");
    GroupingCandidate c;
    if (auto g = entry.find("grouping"); g != entry.end() && !g->is_null()) {
      c.grouping = *g;
    } else if (auto r = entry.find("reply");
               r != entry.end() && r->is_string()) {
      c = candidateFromReply("", r->get<std::string>());
    } else {
      return bad("neither a \"grouping\" array nor a \"reply\" string");
    }
    proposer->entries[function->get<std::string>()].push_back(std::move(c));
  }
  return proposer;
}

std::vector<ChatMessage>
mlir::kgen::buildGroupingPrompt(const GroupingRequest &r) {
  std::string system =
      "You are an expert GPU compiler engineer deciding kernel fusion for the "
      "kgen MLIR compiler. The ops of a function (linalg on tensors) are "
      "grouped into kernels; each kernel becomes one GPU launch, and values "
      "passed between kernels go through global memory. Propose a grouping "
      "as JSON only: {\"grouping\": [[op positions of kernel 0], ...]}. A "
      "grouping is used only if it is legal: every op in exactly one kernel; "
      "at most one root (contraction or reduction) per kernel; and no op's "
      "result used outside its kernel unless it is the kernel's last op. "
      "Fusing arithmetic producers into a contraction recomputes them per "
      "tile; fusing elementwise consumers into their producer's kernel saves "
      "memory traffic.";
  std::string user;
  llvm::raw_string_ostream os(user);
  os << "## Function '" << r.function << "' (MLIR, linalg on tensors)\n```mlir\n"
     << r.program << "\n```\n\n## Ops (position: name, users)\n";
  for (size_t i = 0; i < r.opNames.size(); ++i) {
    os << i << ": " << r.opNames[i] << (r.roots[i] ? " (root)" : "")
       << ", used by ";
    if (r.users[i].empty())
      os << "the function's result or reshapes";
    else
      os << json(r.users[i]).dump();
    os << "\n";
  }
  os << "\n## Default (greedy) grouping\n" << formatGroups(r.greedy) << "\n";
  if (!r.history.empty()) {
    os << "\n## Earlier proposals and verdicts\n";
    for (const GroupingAttempt &a : r.history)
      os << "- " << (a.grouping.is_null() ? "(none)" : a.grouping.dump())
         << ": " << a.verdict.outcome()
         << (a.verdict.accepted ? "" : " - " + a.verdict.message) << "\n";
  }
  os << "\nReply with the JSON grouping only.";
  return {{"system", system}, {"user", user}};
}
