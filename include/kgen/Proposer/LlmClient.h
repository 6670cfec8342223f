//===- LlmClient.h - OpenAI-compatible chat-completions client --*- C++ -*-===//
//
// The transport and parsing layer of the `llm` proposers: one blocking
// chat-completions call with retries, request, token and wall-clock budgets,
// and a bounded response size, plus the extraction of the JSON a model wrote
// into its (possibly chatty) reply. Every failure is an LlmError naming its
// kind; nothing here prints or exits. The API key never leaves the client
// other than in the Authorization header: messages and reply texts have it
// (and any Bearer token) replaced by "<redacted>", since kgen prints and logs
// them and an endpoint may echo the header back.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_PROPOSER_LLMCLIENT_H
#define KGEN_PROPOSER_LLMCLIENT_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir::kgen {

struct LlmOptions {
  /// Base URL, e.g. "http://127.0.0.1:8000/v1"; the client POSTs to
  /// endpoint + "/chat/completions" (a trailing '/' is ignored).
  std::string endpoint;
  std::string model;
  double temperature = 0.2;
  /// Per request (`max_tokens`).
  int maxTokens = 2048;
  /// Whole-request timeout, connection included; a timed-out request is not
  /// retried (it already used the time the caller granted).
  double timeoutSeconds = 60;
  /// Choices per request (`n`).
  int candidates = 1;
  /// Requests over the client's lifetime; retries count. Spelt
  /// `llm-max-requests` in the passes (the messages name it).
  int maxRequests = 16;
  /// Prompt + completion tokens over the client's lifetime, as reported by
  /// the replies' `usage`. Checked before each request: the reply that
  /// crosses the budget is still returned, the next call is refused.
  /// Spelt `llm-token-budget`.
  int64_t tokenBudget = 1000000;
  /// Wall-clock seconds the client may spend over its lifetime, in requests
  /// and in the waits between retries (time between calls, when kgen
  /// verifies candidates, is not counted). Each request's timeout is cut to
  /// what is left, and a wait that does not fit is not started: the call
  /// fails with BudgetExhausted. Spelt `llm-wall-budget`.
  double wallBudgetSeconds = 300;
  /// Environment variable read at request time; unset or empty means no
  /// Authorization header.
  std::string apiKeyEnv = "KGEN_LLM_API_KEY";
  /// Retries on 429, 5xx and connection failures.
  int maxRetries = 3;
  /// Exponential backoff: base * 2^attempt, at most kMaxRetryWaitSeconds. A
  /// Retry-After header (seconds) replaces it; one asking for more than
  /// kMaxRetryWaitSeconds is not waited for (see LlmClient::complete).
  double backoffBaseSeconds = 0.5;
  /// A larger body is an OversizedReply; it is never buffered past this.
  size_t maxResponseBytes = 4 << 20;
};

/// The longest wait before a retry, whatever the server asks.
constexpr double kMaxRetryWaitSeconds = 30;

/// Keys shorter than this are placeholders that local servers accept
/// ("EMPTY", "none"), not secrets: redacting them would corrupt replies that
/// happen to hold the word (`"matrix_instruction": "none"`).
constexpr size_t kMinRedactedKeyLength = 8;

struct ChatMessage {
  std::string role;
  std::string content;
};

struct LlmReply {
  /// `message.content` of each choice, in order.
  std::vector<std::string> contents;
  int64_t promptTokens = 0, completionTokens = 0;
  /// Of the first choice ("stop", "length", ...); "length" means the model
  /// ran out of max_tokens and its content is likely cut.
  std::string finishReason;
};

enum class LlmFailure {
  Unreachable,
  Timeout,
  HttpStatus,
  MalformedReply,
  TruncatedReply,
  OversizedReply,
  BudgetExhausted,
  NoJsonFound,
  /// The API key holds a control character; nothing was sent.
  InvalidApiKey
};

/// "unreachable", "timeout", "http_status", "malformed_reply",
/// "truncated_reply", "oversized_reply", "budget_exhausted", "no_json_found",
/// "invalid_api_key".
llvm::StringRef llmFailureName(LlmFailure failure);

/// An LlmClient or extractJson failure: its kind and a one-line message.
/// log() and message() give "<kind>: <detail>", e.g. "timeout: no complete
/// reply from ... within 60 s".
class LlmError : public llvm::ErrorInfo<LlmError> {
public:
  static char ID;

  LlmError(LlmFailure kind, std::string message, int httpStatus = 0);

  LlmFailure kind() const { return failureKind; }
  /// The message without the kind prefix.
  const std::string &detail() const { return text; }
  /// The last HTTP status for HttpStatus failures, 0 otherwise.
  int httpStatus() const { return status; }

  void log(llvm::raw_ostream &os) const override;
  std::error_code convertToErrorCode() const override;

private:
  LlmFailure failureKind;
  std::string text;
  int status;
};

/// What one attempt came to, when it did not produce a reply (LlmClient.cpp).
struct LlmAttemptFailure;

/// A blocking OpenAI-compatible chat-completions client. Not thread-safe: use
/// one client per thread (the budgets are per client).
class LlmClient {
public:
  explicit LlmClient(LlmOptions options);

  /// One chat-completions call, with retries. If `responseSchema` is non-null
  /// the request carries "response_format": {"type": "json_schema",
  /// "json_schema": {"name": "kgen_schedule", "schema": <schema>,
  /// "strict": true}}. The reply's texts come with the API key and Bearer
  /// tokens redacted. A 429 whose Retry-After exceeds kMaxRetryWaitSeconds
  /// fails at once, and later calls fail without a request until that time
  /// has passed: the server said it will not answer before.
  llvm::Expected<LlmReply> complete(llvm::ArrayRef<ChatMessage> messages,
                                    const nlohmann::json *responseSchema);

  /// HTTP requests sent so far, retries included.
  int requestsMade() const { return requests; }
  /// Prompt + completion tokens reported by the replies so far.
  int64_t tokensUsed() const { return tokens; }
  /// Wall-clock seconds spent in complete() so far.
  double secondsSpent() const { return spent; }

  const LlmOptions &options() const { return opts; }

private:
  using Clock = std::chrono::steady_clock;

  llvm::Expected<LlmReply> send(const std::string &url,
                                const std::string &payload,
                                llvm::StringRef apiKey);
  /// Why no further request may be sent, if one may not.
  llvm::Error refusal(const LlmAttemptFailure *last) const;
  /// Sleeps before the retry after `last`, or fails when the wait is longer
  /// than kgen waits or than the wall-clock budget has left.
  llvm::Error waitBeforeRetry(const LlmAttemptFailure &last, int attempt);
  /// Seconds left of wallBudgetSeconds (never NaN; may be negative).
  double wallSecondsLeft() const;

  LlmOptions opts;
  int requests = 0;
  int64_t tokens = 0;
  /// Seconds spent in earlier calls, and the start of the current one.
  double spent = 0;
  Clock::time_point callStart;
  /// Set by a Retry-After too long to wait for: no request before it.
  std::optional<Clock::time_point> retryNotBefore;
};

/// The API key held by environment variable `variable`: "" when the
/// variable is unset or empty (or `variable` is ""). Fails with
/// InvalidApiKey when the key holds a control character: sent in a header,
/// a CR or LF would start headers of its own.
llvm::Expected<std::string> readApiKey(llvm::StringRef variable);

/// `text` with `apiKey` (when at least kMinRedactedKeyLength long) and the
/// token after every "Bearer " replaced by "<redacted>".
std::string redactSecrets(llvm::StringRef text, llvm::StringRef apiKey);

/// The first top-level JSON object or array in `text`: the whole text if it
/// parses, else the content of the first ```json (or bare ```) fence that
/// parses, else the first balanced {...} / [...] span (string-aware) that
/// parses. Fails with LlmFailure::NoJsonFound, or MalformedReply when the
/// JSON it holds nests deeper than kMaxJsonDepth (BoundedJson.h).
llvm::Expected<nlohmann::json> extractJson(llvm::StringRef text);

} // namespace mlir::kgen

#endif // KGEN_PROPOSER_LLMCLIENT_H
