//===- Tune.cpp - the C interface of a tuning session ---------------------===//
//
// Thin: JSON text in, TuningSession calls, JSON text out. Every exception
// nlohmann::json could throw on a caller's malformed document is caught at
// this boundary and becomes an error string.
//
//===----------------------------------------------------------------------===//

#include "kgen-c/Tune.h"

#include "CApiStrings.h"

#include "kgen/Schedule/Records.h"
#include "kgen/Schedule/ScheduleJson.h"
#include "kgen/Support/BoundedJson.h"
#include "kgen/Tune/TuningSession.h"

#include <chrono>

using namespace mlir;
using namespace mlir::kgen;
using capi::copyString;
using capi::setError;
using json = nlohmann::json;

struct KgenTuningSession {
  std::unique_ptr<TuningSession> session;
};

/// `text` parsed as JSON ("" is `empty`), or an error naming `what`.
static llvm::Expected<json> parseArgument(const char *text, const char *what,
                                          json empty) {
  if (!text || !*text)
    return empty;
  auto parsed = parseBoundedJson(text);
  if (!parsed)
    return llvm::createStringError(std::string("bad ") + what + ": " +
                                   llvm::toString(parsed.takeError()));
  if (parsed->is_discarded())
    return llvm::createStringError(std::string("bad ") + what +
                                   ": not valid JSON");
  return *parsed;
}

static LlmOptions llmOptionsFrom(const json &j) {
  LlmOptions o;
  o.endpoint = j.value("endpoint", o.endpoint);
  o.model = j.value("model", o.model);
  o.temperature = j.value("temperature", o.temperature);
  o.maxTokens = j.value("max_tokens", o.maxTokens);
  o.timeoutSeconds = j.value("timeout", o.timeoutSeconds);
  o.maxRequests = j.value("max_requests", o.maxRequests);
  o.tokenBudget = j.value("token_budget", o.tokenBudget);
  o.wallBudgetSeconds = j.value("wall_budget", o.wallBudgetSeconds);
  o.apiKeyEnv = j.value("api_key_env", o.apiKeyEnv);
  return o;
}

static llvm::Expected<TuningOptions> tuningOptionsFrom(const json &j) {
  if (!j.is_object())
    return llvm::createStringError("bad options: not a JSON object");
  TuningOptions o;
  o.function = j.value("function", o.function);
  o.checkSeeds = j.value("check_seeds", o.checkSeeds);
  if (auto llm = j.find("llm"); llm != j.end())
    o.llm = llmOptionsFrom(*llm);
  return o;
}

static Verdict verdictFrom(const json &j) {
  if (j.value("accepted", false))
    return Verdict::accept();
  std::optional<Reason> reason =
      symbolizeReason(j.value("reason", std::string()));
  return Verdict::reject(reason.value_or(Reason::None),
                         j.value("message", std::string()));
}

/// A history entry's measurement: "milliseconds", "measurer",
/// "floor_fraction", "registers", "spill_bytes", "shared_bytes".
static AttemptMeasurement measurementFrom(const json &entry,
                                          double milliseconds) {
  AttemptMeasurement m;
  m.milliseconds = milliseconds;
  m.measurer = entry.value("measurer", std::string());
  auto optional = [&](const char *name, auto &field) {
    if (auto it = entry.find(name); it != entry.end() && it->is_number())
      field = it->get<typename std::decay_t<decltype(field)>::value_type>();
  };
  optional("floor_fraction", m.floorFraction);
  optional("registers", m.registers);
  optional("spill_bytes", m.spillBytes);
  optional("shared_bytes", m.sharedBytes);
  return m;
}

/// The roofline floor's time of `kernel` on `target` over `milliseconds`,
/// for a GPU-measured attempt: the arithmetic at the peak of the schedule's
/// instructions, or the bytes at the bandwidth, whichever is longer.
static double floorFraction(const KernelInfo &kernel,
                            const TargetDescription &target,
                            const json &schedule, double milliseconds) {
  bool matrix = schedule.is_object() &&
                schedule.value("matrix_instruction", std::string("none")) !=
                    "none";
  double peak = matrix ? target.peakFlopsF16 : target.peakFlopsF32;
  double floorSeconds = std::max(kernel.bytes / target.memoryBandwidth,
                                 peak > 0 ? kernel.flops / peak : 0.0);
  return milliseconds > 0 ? 1e3 * floorSeconds / milliseconds : 0.0;
}

static llvm::Expected<std::vector<Attempt>>
historyFrom(const json &j, const TuningSession &session, size_t index) {
  if (!j.is_array())
    return llvm::createStringError("bad history: not a JSON array");
  std::vector<Attempt> history;
  for (const json &entry : j) {
    Attempt a;
    a.schedule = entry.value("schedule", json());
    a.verdict = verdictFrom(entry.value("verdict", json::object()));
    if (auto ms = entry.find("milliseconds");
        ms != entry.end() && ms->is_number())
      a.measurement = measurementFrom(entry, ms->get<double>());
    if (a.measurement && a.measurement->measurer == "gpu" &&
        !a.measurement->floorFraction)
      a.measurement->floorFraction =
          floorFraction(session.kernel(index), session.targetDescription(),
                        a.schedule, a.measurement->milliseconds);
    history.push_back(std::move(a));
  }
  return history;
}

/// An example entry: "kernel", "sink_parallel_sizes",
/// "root_reduction_sizes", "schedule", and "milliseconds", "measurer", ...
/// as in a history entry.
static Example exampleFrom(const json &entry) {
  Example e;
  e.kernel = entry.value("kernel", std::string("a kernel"));
  e.sinkParallelSizes =
      entry.value("sink_parallel_sizes", std::vector<int64_t>());
  e.rootReductionSizes =
      entry.value("root_reduction_sizes", std::vector<int64_t>());
  e.schedule = entry.value("schedule", json());
  if (auto ms = entry.find("milliseconds");
      ms != entry.end() && ms->is_number())
    e.measurement = measurementFrom(entry, ms->get<double>());
  return e;
}

/// A proposer's request context: the history array, or an object
/// {"history": [...], "examples": [...]}.
struct RequestContext {
  std::vector<Attempt> history;
  std::vector<Example> examples;
};

static llvm::Expected<RequestContext>
requestContextFrom(const char *text, const TuningSession &session,
                   size_t index) {
  auto parsed = parseArgument(text, "history", json::array());
  if (!parsed)
    return parsed.takeError();
  RequestContext context;
  json history = *parsed;
  if (parsed->is_object()) {
    history = parsed->value("history", json::array());
    json examples = parsed->value("examples", json::array());
    if (!examples.is_array())
      return llvm::createStringError("bad examples: not a JSON array");
    for (const json &e : examples)
      context.examples.push_back(exampleFrom(e));
  }
  auto attempts = historyFrom(history, session, index);
  if (!attempts)
    return attempts.takeError();
  context.history = std::move(*attempts);
  return context;
}

static json candidateJson(const Candidate &c) {
  return {{"schedule", c.schedule ? *c.schedule : json(nullptr)},
          {"failure", c.failure ? c.failure->toJson() : json(nullptr)},
          {"prompt", c.prompt},
          {"reply", c.reply}};
}

/// Runs `body` (which returns JSON or an error) and hands its text across,
/// or null with *error set; exceptions from malformed caller JSON included.
template <typename Body>
static char *answer(char **error, Body body) {
  try {
    llvm::Expected<json> result = body();
    if (!result) {
      setError(error, llvm::toString(result.takeError()));
      return nullptr;
    }
    return copyString(result->dump());
  } catch (const json::exception &e) {
    setError(error, std::string("bad JSON argument: ") + e.what());
    return nullptr;
  }
}

static llvm::Error checkIndex(const KgenTuningSession *s, size_t index) {
  if (!s)
    return llvm::createStringError("no tuning session (null handle)");
  if (index >= s->session->numKernels())
    return llvm::createStringError(
        "no kernel " + std::to_string(index) + "; the program has " +
        std::to_string(s->session->numKernels()));
  return llvm::Error::success();
}

static json kernelJson(const TuningSession &session, size_t index) {
  const KernelInfo &info = session.kernel(index);
  return {{"name", info.name},
          {"fingerprint", info.fingerprint},
          {"key", session.key(index)},
          {"summary", info.toJson()},
          {"text", info.text},
          {"heuristic", session.heuristic(index).toJson()},
          {"flops", info.flops},
          {"bytes_floor", info.bytes},
          {"sink_parallel_sizes", info.sinkParallelSizes()},
          {"root_reduction_sizes", info.rootReductionSizes()}};
}

/// kgenTuneVerify's and kgenTuneScreen's answer: the verdict of `rungs`,
/// the time it took, and the cost model's estimate of an accepted schedule.
static char *checkAnswer(KgenTuningSession *s, size_t index,
                         const char *scheduleJson, TuningSession::Rungs rungs,
                         char **error) {
  return answer(error, [&]() -> llvm::Expected<json> {
    if (llvm::Error err = checkIndex(s, index))
      return std::move(err);
    auto schedule = parseArgument(scheduleJson, "schedule", json());
    if (!schedule)
      return schedule.takeError();
    std::optional<CostEstimate> estimate;
    auto start = std::chrono::steady_clock::now();
    Verdict verdict = s->session->verify(index, *schedule, &estimate, rungs);
    std::chrono::duration<double> seconds =
        std::chrono::steady_clock::now() - start;
    return json{{"verdict", verdict.toJson()},
                {"verify_seconds", seconds.count()},
                {"estimate", estimate ? estimate->toJson() : json(nullptr)}};
  });
}

extern "C" {

KgenTuningSession *kgenTuneOpen(const char *source, const char *chip,
                                const char *optionsJson, char **error) {
  try {
    if (!source || !chip) {
      setError(error, "kgenTuneOpen needs a program and a chip");
      return nullptr;
    }
    auto options = parseArgument(optionsJson, "options", json::object());
    if (!options) {
      setError(error, llvm::toString(options.takeError()));
      return nullptr;
    }
    auto tuning = tuningOptionsFrom(*options);
    if (!tuning) {
      setError(error, llvm::toString(tuning.takeError()));
      return nullptr;
    }
    auto session = TuningSession::open(source, chip, *tuning);
    if (!session) {
      setError(error, llvm::toString(session.takeError()));
      return nullptr;
    }
    return new KgenTuningSession{std::move(*session)};
  } catch (const json::exception &e) {
    setError(error, std::string("bad options: ") + e.what());
    return nullptr;
  }
}

char *kgenTuneKernels(KgenTuningSession *s, char **error) {
  return answer(error, [&]() -> llvm::Expected<json> {
    if (!s)
      return llvm::createStringError("no tuning session (null handle)");
    json kernels = json::array();
    for (size_t i = 0; i < s->session->numKernels(); ++i)
      kernels.push_back(kernelJson(*s->session, i));
    return kernels;
  });
}

char *kgenTuneVerify(KgenTuningSession *s, size_t index,
                     const char *scheduleJson, char **error) {
  return checkAnswer(s, index, scheduleJson, TuningSession::Rungs::All, error);
}

char *kgenTuneScreen(KgenTuningSession *s, size_t index,
                     const char *scheduleJson, char **error) {
  return checkAnswer(s, index, scheduleJson, TuningSession::Rungs::Static,
                     error);
}

char *kgenTuneMeasure(KgenTuningSession *s, size_t index,
                      const char *scheduleJson, const char *measurerName,
                      unsigned runs, char **error) {
  return answer(error, [&]() -> llvm::Expected<json> {
    if (llvm::Error err = checkIndex(s, index))
      return std::move(err);
    auto measurer = parseMeasurer(measurerName ? measurerName : "");
    if (!measurer)
      return measurer.takeError();
    auto schedule = parseArgument(scheduleJson, "schedule", json());
    if (!schedule)
      return schedule.takeError();
    auto measured = s->session->measure(index, *schedule, *measurer, runs);
    if (!measured)
      return measured.takeError();
    return measured->toJson();
  });
}

char *kgenTunePropose(KgenTuningSession *s, size_t index,
                      const char *proposerName, unsigned long long seed,
                      const char *historyJson, unsigned count, char **error) {
  return answer(error, [&]() -> llvm::Expected<json> {
    if (llvm::Error err = checkIndex(s, index))
      return std::move(err);
    auto kind = parseProposerKind(proposerName ? proposerName : "",
                                  ProposalDomain::Schedule);
    if (!kind)
      return kind.takeError();
    auto context = requestContextFrom(historyJson, *s->session, index);
    if (!context)
      return context.takeError();
    auto candidates =
        s->session->propose(index, *kind, seed, context->history,
                            std::max(1u, count), context->examples);
    if (!candidates)
      return candidates.takeError();
    json result = json::array();
    for (const Candidate &c : *candidates)
      result.push_back(candidateJson(c));
    return result;
  });
}

char *kgenTunePrompt(KgenTuningSession *s, size_t index,
                     const char *historyJson, unsigned count, char **error) {
  return answer(error, [&]() -> llvm::Expected<json> {
    if (llvm::Error err = checkIndex(s, index))
      return std::move(err);
    auto context = requestContextFrom(historyJson, *s->session, index);
    if (!context)
      return context.takeError();
    ProposalRequest request{s->session->kernel(index),
                            s->session->targetDescription(), context->history,
                            std::max(1u, count), context->examples};
    json messages = json::array();
    for (const ChatMessage &m : buildLlmPrompt(request))
      messages.push_back({{"role", m.role}, {"content", m.content}});
    return messages;
  });
}

/// The decisions file at `path`, or an error when kgen may not use it as
/// one (the builds' warning, as an error: a search must not lose results).
static llvm::Expected<DecisionsFile> loadDecisions(const char *path) {
  if (!path || !*path)
    return llvm::createStringError("no decisions file path");
  std::string warning;
  DecisionsFile file = DecisionsFile::load(path, warning);
  if (!warning.empty())
    return llvm::createStringError(warning);
  return file;
}

int kgenRecordDecisions(const char *path, const char *entriesJson,
                        char **error) {
  char *done = answer(error, [&]() -> llvm::Expected<json> {
    auto file = loadDecisions(path);
    if (!file)
      return file.takeError();
    auto entries = parseArgument(entriesJson, "entries", json::object());
    if (!entries)
      return entries.takeError();
    if (!entries->is_object())
      return llvm::createStringError("bad entries: not a JSON object");
    for (auto &[key, entry] : entries->items()) {
      if (!entry.is_object() || !entry.contains("schedule"))
        return llvm::createStringError("bad entry '" + key +
                                       "': an object with a \"schedule\"");
      file->record(key, entry);
    }
    if (llvm::Error err = file->save())
      return std::move(err);
    return json(true);
  });
  if (!done)
    return 1;
  std::free(done);
  return 0;
}

char *kgenReadDecisions(const char *path, char **error) {
  return answer(error, [&]() -> llvm::Expected<json> {
    auto file = loadDecisions(path);
    if (!file)
      return file.takeError();
    return file->allEntries();
  });
}

char *kgenTuneScheduleSchema(void) {
  return copyString(scheduleJsonSchema().dump());
}

void kgenTuneClose(KgenTuningSession *s) { delete s; }

} // extern "C"
