//===- LlmClient.cpp - OpenAI-compatible chat-completions client ----------===//
//
// libcurl's easy interface, one handle per HTTP request. kgen builds with
// -fno-exceptions, so every nlohmann::json access here is type-checked first
// and parsing/dumping use the non-throwing forms (a throw would abort).
//
//===----------------------------------------------------------------------===//

#include "kgen/Proposer/LlmClient.h"
#include "kgen/Support/BoundedJson.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

using namespace mlir::kgen;
using llvm::StringRef;
using nlohmann::json;

char LlmError::ID = 0;

StringRef mlir::kgen::llmFailureName(LlmFailure failure) {
  switch (failure) {
  case LlmFailure::Unreachable:
    return "unreachable";
  case LlmFailure::Timeout:
    return "timeout";
  case LlmFailure::HttpStatus:
    return "http_status";
  case LlmFailure::MalformedReply:
    return "malformed_reply";
  case LlmFailure::TruncatedReply:
    return "truncated_reply";
  case LlmFailure::OversizedReply:
    return "oversized_reply";
  case LlmFailure::BudgetExhausted:
    return "budget_exhausted";
  case LlmFailure::NoJsonFound:
    return "no_json_found";
  case LlmFailure::InvalidApiKey:
    return "invalid_api_key";
  }
  return "unknown";
}

LlmError::LlmError(LlmFailure kind, std::string message, int httpStatus)
    : failureKind(kind), text(std::move(message)), status(httpStatus) {}

void LlmError::log(llvm::raw_ostream &os) const {
  os << llmFailureName(failureKind) << ": " << text;
}

std::error_code LlmError::convertToErrorCode() const {
  return llvm::inconvertibleErrorCode();
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

static constexpr llvm::StringLiteral kRedacted = "<redacted>";

/// Whether `c` may appear in a Bearer token (RFC 6750's b64token).
static bool isTokenChar(char c) {
  return llvm::isAlnum(c) || StringRef("-._~+/=").contains(c);
}

/// `text` with every "Bearer <token>" (any case) holding kRedacted as the
/// token: an endpoint or proxy may echo an Authorization header other than
/// ours.
static std::string redactBearerTokens(StringRef text) {
  std::string out;
  size_t copied = 0;
  for (size_t pos = text.find_insensitive("bearer"); pos != StringRef::npos;
       pos = text.find_insensitive("bearer", pos + 1)) {
    if (pos < copied || (pos > 0 && llvm::isAlnum(text[pos - 1])))
      continue;
    size_t token = pos + 6;
    while (token < text.size() && (text[token] == ' ' || text[token] == '\t'))
      ++token;
    size_t end = token;
    while (end < text.size() && isTokenChar(text[end]))
      ++end;
    if (token == pos + 6 || end == token)
      continue;
    out.append(text.data() + copied, token - copied);
    out += kRedacted;
    copied = end;
  }
  out.append(text.data() + copied, text.size() - copied);
  return out;
}

std::string mlir::kgen::redactSecrets(StringRef text, StringRef apiKey) {
  std::string out = text.str();
  if (apiKey.size() >= kMinRedactedKeyLength) {
    for (size_t pos = out.find(apiKey.data(), 0, apiKey.size());
         pos != std::string::npos;
         pos = out.find(apiKey.data(), pos + kRedacted.size(), apiKey.size()))
      out.replace(pos, apiKey.size(), kRedacted.data(), kRedacted.size());
  }
  return redactBearerTokens(out);
}

llvm::Expected<std::string> mlir::kgen::readApiKey(StringRef variable) {
  const char *value =
      variable.empty() ? nullptr : std::getenv(variable.str().c_str());
  StringRef key = value ? value : "";
  auto control = llvm::find_if(key, [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
  if (control == key.end())
    return key.str();
  // Never the key itself: only where the bad byte is and what it is.
  return llvm::make_error<LlmError>(
      LlmFailure::InvalidApiKey,
      llvm::formatv("the API key in environment variable {0} holds a control "
                    "character (byte {1:x2} at offset {2}); a CR or LF would "
                    "add headers to the request, so none is sent",
                    variable, static_cast<unsigned>(*control),
                    control - key.begin())
          .str());
}

/// At most `limit` bytes of `text` on one line, with `secret` and Bearer
/// tokens redacted: error messages quote server replies, which may echo the
/// key.
static std::string oneLine(StringRef text, StringRef secret = {},
                           size_t limit = 300) {
  std::string out = redactSecrets(text, secret);
  for (char &c : out)
    if (c == '\n' || c == '\r' || c == '\t')
      c = ' ';
  if (out.size() > limit) {
    out.resize(limit);
    out += "...";
  }
  return out;
}

/// "0.3", "60": seconds as a person would write them.
static std::string seconds(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%g", value);
  return buffer;
}

/// Parses `text` as JSON without throwing; nullopt when it does not parse
/// or nests deeper than kMaxJsonDepth (then `*tooDeep` is set).
static std::optional<json> parseJson(StringRef text, bool *tooDeep = nullptr) {
  llvm::Expected<json> value = parseBoundedJson(text);
  if (!value) {
    llvm::consumeError(value.takeError());
    if (tooDeep)
      *tooDeep = true;
    return std::nullopt;
  }
  if (value->is_discarded())
    return std::nullopt;
  return std::move(*value);
}

/// True if `text` ends inside a string or with brackets still open: the
/// mark of a body cut short rather than one that is wrong.
static bool endsOpen(StringRef text) {
  int depth = 0;
  bool inString = false, escaped = false;
  for (char c : text) {
    if (inString) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"')
      inString = true;
    else if (c == '{' || c == '[')
      ++depth;
    else if (c == '}' || c == ']')
      --depth;
  }
  return inString || depth > 0;
}

/// A token count from `usage`, clamped so that summing counts from a bogus
/// reply cannot overflow.
static int64_t tokenCount(const json &usage, const char *key) {
  constexpr int64_t kMax = int64_t(1) << 40;
  auto it = usage.find(key);
  if (it == usage.end())
    return 0;
  if (it->is_number_unsigned())
    return static_cast<int64_t>(std::min<uint64_t>(it->get<uint64_t>(), kMax));
  if (it->is_number_integer())
    return std::clamp<int64_t>(it->get<int64_t>(), 0, kMax);
  if (it->is_number_float() && std::isfinite(it->get<double>()))
    return static_cast<int64_t>(
        std::clamp(it->get<double>(), 0.0, static_cast<double>(kMax)));
  return 0;
}

/// The server's own explanation in an error body, if it gave one.
static std::string serverMessage(StringRef body) {
  if (std::optional<json> parsed = parseJson(body)) {
    if (parsed->is_object()) {
      auto error = parsed->find("error");
      if (error != parsed->end()) {
        if (error->is_string())
          return error->get<std::string>();
        if (error->is_object()) {
          auto message = error->find("message");
          if (message != error->end() && message->is_string())
            return message->get<std::string>();
        }
      }
    }
  }
  return body.trim().str();
}

//===----------------------------------------------------------------------===//
// One HTTP request
//===----------------------------------------------------------------------===//

namespace {

/// The outcome of one POST.
struct Exchange {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  /// Set when the body outgrew maxResponseBytes.
  bool oversized = false;
  std::optional<double> retryAfterSeconds;
  std::string curlMessage;
};

struct BodySink {
  std::string *body;
  size_t limit;
  bool *oversized;
};

struct CurlDeleter {
  void operator()(CURL *handle) const { curl_easy_cleanup(handle); }
};
struct SlistDeleter {
  void operator()(curl_slist *list) const { curl_slist_free_all(list); }
};

} // namespace

/// Refusing the data (returning less than offered) makes curl fail the
/// transfer with CURLE_WRITE_ERROR, so a huge body is never held in memory.
static size_t onBody(char *data, size_t size, size_t count, void *user) {
  auto *sink = static_cast<BodySink *>(user);
  size_t bytes = size * count;
  if (bytes > sink->limit - sink->body->size()) {
    *sink->oversized = true;
    return 0;
  }
  sink->body->append(data, bytes);
  return bytes;
}

static size_t onHeader(char *data, size_t size, size_t count, void *user) {
  auto *retryAfter = static_cast<std::optional<double> *>(user);
  size_t bytes = size * count;
  StringRef line(data, bytes);
  // A new status line starts a new response (e.g. after "100 Continue").
  if (line.starts_with("HTTP/"))
    retryAfter->reset();
  auto [name, value] = line.split(':');
  double seconds;
  // Only the delta-seconds form; an HTTP-date falls back to the backoff.
  if (name.trim().equals_insensitive("retry-after") &&
      !value.trim().getAsDouble(seconds) && std::isfinite(seconds) &&
      seconds >= 0)
    *retryAfter = seconds;
  return bytes;
}

static CURLcode globalInit() {
  static std::once_flag once;
  static CURLcode result = CURLE_FAILED_INIT;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  return result;
}

/// One POST of `payload`, given `timeoutSeconds` in all (connection
/// included).
static Exchange post(const std::string &url, const std::string &payload,
                     StringRef apiKey, double timeoutSeconds,
                     const LlmOptions &options) {
  Exchange exchange;
  std::unique_ptr<CURL, CurlDeleter> handle(curl_easy_init());
  if (!handle) {
    exchange.code = CURLE_FAILED_INIT;
    exchange.curlMessage = "cannot create a libcurl handle";
    return exchange;
  }
  CURL *curl = handle.get();

  std::unique_ptr<curl_slist, SlistDeleter> headers;
  auto addHeader = [&](const std::string &header) {
    // curl_slist_append returns the list's head, or null (list untouched).
    if (curl_slist *head = curl_slist_append(headers.get(), header.c_str())) {
      (void)headers.release();
      headers.reset(head);
    }
  };
  addHeader("Content-Type: application/json");
  addHeader("Accept: application/json");
  // No "Expect: 100-continue" round trip for large prompts.
  addHeader("Expect:");
  if (!apiKey.empty())
    addHeader("Authorization: Bearer " + apiKey.str());

  char errorBuffer[CURL_ERROR_SIZE] = {0};
  BodySink sink{&exchange.body, options.maxResponseBytes, &exchange.oversized};
  long timeoutMs =
      static_cast<long>(std::clamp(timeoutSeconds * 1000.0, 1.0, 1e9));

  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
#if CURL_AT_LEAST_VERSION(7, 85, 0)
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                   static_cast<curl_off_t>(payload.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "kgen-llm-client/1");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeoutMs);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeoutMs);
  // Refused up front when the server announces a larger Content-Length.
  curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(options.maxResponseBytes));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &exchange.retryAfterSeconds);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errorBuffer);

  exchange.code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &exchange.status);
  exchange.curlMessage =
      errorBuffer[0] ? errorBuffer : curl_easy_strerror(exchange.code);
  return exchange;
}

//===----------------------------------------------------------------------===//
// LlmClient
//===----------------------------------------------------------------------===//

LlmClient::LlmClient(LlmOptions options) : opts(std::move(options)) {}

struct mlir::kgen::LlmAttemptFailure {
  LlmFailure kind;
  /// One line, secrets redacted.
  std::string message;
  int status = 0;
  bool retryable = false;
  std::optional<double> retryAfterSeconds;
};
using AttemptFailure = LlmAttemptFailure;

/// Turns a 2xx body into a reply.
static llvm::Expected<LlmReply> parseReply(StringRef body, StringRef url,
                                           StringRef secret) {
  auto fail = [&](LlmFailure kind, const llvm::Twine &why) {
    return llvm::make_error<LlmError>(
        kind, oneLine((why + " from " + url).str(), secret));
  };
  if (body.trim().empty())
    return fail(LlmFailure::MalformedReply, "empty reply body");
  bool tooDeep = false;
  std::optional<json> root = parseJson(body, &tooDeep);
  if (!root) {
    if (tooDeep)
      return fail(LlmFailure::MalformedReply,
                  "reply body nests more than " + llvm::Twine(kMaxJsonDepth) +
                      " levels deep");
    if (endsOpen(body))
      return fail(LlmFailure::TruncatedReply, "reply body cut short after " +
                                                  llvm::Twine(body.size()) +
                                                  " bytes");
    return fail(LlmFailure::MalformedReply,
                "reply body is not JSON: '" + oneLine(body, secret, 80) + "'");
  }
  if (!root->is_object())
    return fail(LlmFailure::MalformedReply, "reply is not a JSON object");
  auto choices = root->find("choices");
  if (choices == root->end() || !choices->is_array() || choices->empty()) {
    auto error = root->find("error");
    if (error != root->end())
      return fail(LlmFailure::MalformedReply,
                  "reply carries an error instead of choices: '" +
                      oneLine(serverMessage(body), secret, 200) + "'");
    return fail(LlmFailure::MalformedReply, "reply has no 'choices'");
  }

  LlmReply reply;
  for (const json &choice : *choices) {
    size_t index = reply.contents.size();
    auto message = choice.is_object() ? choice.find("message") : choice.end();
    if (!choice.is_object() || message == choice.end() || !message->is_object())
      return fail(LlmFailure::MalformedReply,
                  "choice " + llvm::Twine(index) + " has no 'message'");
    auto content = message->find("content");
    if (content == message->end() || !content->is_string()) {
      auto refusal = message->find("refusal");
      if (refusal != message->end() && refusal->is_string())
        return fail(LlmFailure::MalformedReply,
                    "choice " + llvm::Twine(index) + " is a refusal: '" +
                        oneLine(refusal->get<std::string>(), secret, 200) +
                        "'");
      return fail(LlmFailure::MalformedReply,
                  "choice " + llvm::Twine(index) +
                      " has no string 'message.content'");
    }
    // Every text the reply hands on is redacted here, once: kgen prints
    // the schedules and verdicts derived from it and logs it verbatim in
    // trajectories, and an endpoint may echo the Authorization header.
    reply.contents.push_back(
        redactSecrets(content->get<std::string>(), secret));
    if (index == 0) {
      auto finish = choice.find("finish_reason");
      if (finish != choice.end() && finish->is_string())
        reply.finishReason = redactSecrets(finish->get<std::string>(), secret);
    }
  }

  auto usage = root->find("usage");
  if (usage != root->end() && usage->is_object()) {
    reply.promptTokens = tokenCount(*usage, "prompt_tokens");
    reply.completionTokens = tokenCount(*usage, "completion_tokens");
  }
  return reply;
}

/// Classifies a transfer that did not end in a usable 2xx body.
static AttemptFailure classify(const Exchange &exchange, StringRef url,
                               StringRef secret, double timeoutSeconds,
                               const LlmOptions &options) {
  auto failure = [&](LlmFailure kind, const llvm::Twine &why,
                     bool retryable = false) {
    return AttemptFailure{kind, oneLine(why.str(), secret), 0, retryable,
                          std::nullopt};
  };
  switch (exchange.code) {
  case CURLE_OK:
    break;
  case CURLE_OPERATION_TIMEDOUT:
    return failure(LlmFailure::Timeout, "no complete reply from " + url +
                                            " within " +
                                            seconds(timeoutSeconds) + " s");
  case CURLE_FILESIZE_EXCEEDED:
  case CURLE_WRITE_ERROR:
    if (exchange.code == CURLE_FILESIZE_EXCEEDED || exchange.oversized)
      return failure(LlmFailure::OversizedReply,
                     "reply from " + url + " exceeds the limit of " +
                         llvm::Twine(options.maxResponseBytes) + " bytes");
    break;
  case CURLE_PARTIAL_FILE:
    return failure(LlmFailure::TruncatedReply,
                   "reply from " + url + " cut short after " +
                       llvm::Twine(exchange.body.size()) + " bytes (" +
                       exchange.curlMessage + ")");
  case CURLE_COULDNT_CONNECT:
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY:
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_GOT_NOTHING:
  case CURLE_SSL_CONNECT_ERROR:
    return failure(LlmFailure::Unreachable,
                   "cannot reach " + url + ": " + exchange.curlMessage,
                   /*retryable=*/true);
  default:
    break;
  }
  if (exchange.code != CURLE_OK)
    return failure(LlmFailure::Unreachable,
                   "request to " + url + " failed: " + exchange.curlMessage);

  // An HTTP status outside 2xx.
  long status = exchange.status;
  std::string explanation = serverMessage(exchange.body);
  AttemptFailure result = failure(
      LlmFailure::HttpStatus,
      "HTTP " + llvm::Twine(status) + " from " + url +
          (explanation.empty() ? std::string()
                               : ": " + oneLine(explanation, secret, 200)),
      /*retryable=*/status == 429 || status >= 500);
  result.status = static_cast<int>(status);
  result.retryAfterSeconds = exchange.retryAfterSeconds;
  return result;
}

/// The JSON body of a chat-completions request.
static std::string requestPayload(const LlmOptions &opts,
                                  llvm::ArrayRef<ChatMessage> messages,
                                  const json *responseSchema) {
  json request = json::object();
  request["model"] = opts.model;
  json chat = json::array();
  for (const ChatMessage &message : messages)
    chat.push_back({{"role", message.role}, {"content", message.content}});
  request["messages"] = std::move(chat);
  request["temperature"] = opts.temperature;
  request["max_tokens"] = opts.maxTokens;
  request["n"] = opts.candidates;
  if (responseSchema)
    request["response_format"] = {{"type", "json_schema"},
                                  {"json_schema",
                                   {{"name", "kgen_schedule"},
                                    {"schema", *responseSchema},
                                    {"strict", true}}}};
  // Invalid UTF-8 in a prompt is replaced rather than thrown on (= abort).
  return request.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// " (after N attempts)" once a request was retried.
static std::string attemptsNote(int attempt) {
  return attempt > 0 ? " (after " + std::to_string(attempt + 1) + " attempts)"
                     : "";
}

/// Less wall-clock budget than this is none: no request completes in it (a
/// request cut at the budget's end leaves a few ms that curl's timer did not
/// use).
static constexpr double kMinRequestSeconds = 0.05;

/// How the wall-clock budget is named in messages, with the option that
/// raises it.
static std::string wallBudgetName(const LlmOptions &opts) {
  return "wall-clock budget of " + seconds(opts.wallBudgetSeconds) +
         " s (llm-wall-budget)";
}

llvm::Expected<LlmReply>
LlmClient::complete(llvm::ArrayRef<ChatMessage> messages,
                    const json *responseSchema) {
  // Read at request time so a key rotated in the environment is picked up.
  llvm::Expected<std::string> apiKey = readApiKey(opts.apiKeyEnv);
  if (!apiKey)
    return apiKey.takeError();

  StringRef base = StringRef(opts.endpoint).trim();
  while (base.ends_with("/"))
    base = base.drop_back();
  if (base.empty())
    return llvm::make_error<LlmError>(LlmFailure::Unreachable,
                                      "no LLM endpoint configured");
  std::string url = (base + "/chat/completions").str();

  if (CURLcode init = globalInit(); init != CURLE_OK)
    return llvm::make_error<LlmError>(
        LlmFailure::Unreachable,
        std::string("cannot initialise libcurl: ") + curl_easy_strerror(init));

  callStart = Clock::now();
  llvm::Expected<LlmReply> reply =
      send(url, requestPayload(opts, messages, responseSchema), *apiKey);
  spent += std::chrono::duration<double>(Clock::now() - callStart).count();
  return reply;
}

double LlmClient::wallSecondsLeft() const {
  double left = opts.wallBudgetSeconds - spent -
                std::chrono::duration<double>(Clock::now() - callStart).count();
  return std::isnan(left) ? 0 : left;
}

llvm::Error LlmClient::refusal(const AttemptFailure *last) const {
  auto refuse = [&](LlmFailure kind, std::string why, int status = 0) {
    if (last)
      why += "; last attempt: " + llmFailureName(last->kind).str() + ": " +
             last->message;
    return llvm::make_error<LlmError>(kind, std::move(why),
                                      last ? last->status : status);
  };
  if (tokens >= opts.tokenBudget)
    return refuse(LlmFailure::BudgetExhausted,
                  "token budget of " + std::to_string(opts.tokenBudget) +
                      " (llm-token-budget) exhausted: " +
                      std::to_string(tokens) + " used");
  if (requests >= opts.maxRequests)
    return refuse(LlmFailure::BudgetExhausted,
                  "request budget of " + std::to_string(opts.maxRequests) +
                      " (llm-max-requests) exhausted");
  if (!(wallSecondsLeft() >= kMinRequestSeconds))
    return refuse(LlmFailure::BudgetExhausted,
                  wallBudgetName(opts) + " exhausted");
  if (retryNotBefore && Clock::now() < *retryNotBefore) {
    double wait =
        std::chrono::duration<double>(*retryNotBefore - Clock::now()).count();
    return refuse(LlmFailure::HttpStatus,
                  "the server asked (Retry-After) not to be called for " +
                      seconds(std::ceil(wait)) + " s more; no request sent",
                  429);
  }
  return llvm::Error::success();
}

llvm::Error LlmClient::waitBeforeRetry(const AttemptFailure &last,
                                       int attempt) {
  auto fail = [&](LlmFailure kind, const std::string &why) {
    return llvm::make_error<LlmError>(
        kind, last.message + attemptsNote(attempt) + "; " + why, last.status);
  };
  double wait = last.retryAfterSeconds
                    ? *last.retryAfterSeconds
                    : opts.backoffBaseSeconds * std::ldexp(1.0, attempt);
  if (last.retryAfterSeconds && wait > kMaxRetryWaitSeconds) {
    // The server will not answer before then: asking sooner, in this call
    // or a later one, would only spend the budgets.
    retryNotBefore =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(std::min(wait, 1e9)));
    return fail(last.kind, "the server asks to wait " + seconds(wait) +
                               " s (Retry-After), longer than the " +
                               seconds(kMaxRetryWaitSeconds) + " s kgen waits");
  }
  wait = std::min(wait, kMaxRetryWaitSeconds);
  double left = wallSecondsLeft();
  if (wait + kMinRequestSeconds > left)
    return fail(LlmFailure::BudgetExhausted,
                "a " + seconds(wait) + " s wait to retry would overrun the " +
                    wallBudgetName(opts) + ", which has " +
                    llvm::formatv("{0:F2}", std::max(left, 0.0)).str() +
                    " s left");
  if (wait > 0)
    std::this_thread::sleep_for(std::chrono::duration<double>(wait));
  return llvm::Error::success();
}

llvm::Expected<LlmReply> LlmClient::send(const std::string &url,
                                         const std::string &payload,
                                         StringRef apiKey) {
  std::optional<AttemptFailure> last;
  for (int attempt = 0;; ++attempt) {
    if (llvm::Error refused = refusal(last ? &*last : nullptr))
      return std::move(refused);

    ++requests;
    // No request may outlast the wall-clock budget.
    double timeout = std::min(opts.timeoutSeconds, wallSecondsLeft());
    Exchange exchange = post(url, payload, apiKey, timeout, opts);
    if (exchange.code == CURLE_OK && exchange.status >= 200 &&
        exchange.status < 300) {
      llvm::Expected<LlmReply> reply = parseReply(exchange.body, url, apiKey);
      if (reply)
        tokens += reply->promptTokens + reply->completionTokens;
      return reply;
    }

    last = classify(exchange, url, apiKey, timeout, opts);
    if (last->kind == LlmFailure::Timeout && timeout < opts.timeoutSeconds)
      return llvm::make_error<LlmError>(
          LlmFailure::BudgetExhausted,
          last->message + ", all that was left of the " + wallBudgetName(opts) +
              attemptsNote(attempt));
    if (!last->retryable || attempt >= opts.maxRetries)
      return llvm::make_error<LlmError>(
          last->kind, last->message + attemptsNote(attempt), last->status);
    // No sleeping before a retry the request budget forbids.
    if (requests >= opts.maxRequests)
      continue;
    if (llvm::Error refused = waitBeforeRetry(*last, attempt))
      return std::move(refused);
  }
}

//===----------------------------------------------------------------------===//
// extractJson
//===----------------------------------------------------------------------===//

/// `text` parsed, if it is a JSON object or array.
static std::optional<json> parseContainer(StringRef text,
                                          bool *tooDeep = nullptr) {
  std::optional<json> value = parseJson(text.trim(), tooDeep);
  if (value && (value->is_object() || value->is_array()))
    return value;
  return std::nullopt;
}

/// The contents of ```json / ``` fences, in order. Fences tagged with another
/// language are skipped; an unterminated fence (a reply cut short) runs to the
/// end of the text.
static llvm::SmallVector<StringRef> jsonFences(StringRef text) {
  llvm::SmallVector<StringRef> fences;
  size_t pos = 0;
  while (true) {
    size_t open = text.find("```", pos);
    if (open == StringRef::npos)
      break;
    size_t lineEnd = text.find('\n', open + 3);
    if (lineEnd == StringRef::npos)
      break;
    StringRef tag = text.slice(open + 3, lineEnd).trim();
    size_t close = text.find("```", lineEnd + 1);
    StringRef content = text.slice(lineEnd + 1, close);
    if (tag.empty() || tag.equals_insensitive("json") ||
        tag.equals_insensitive("jsonc") || tag.equals_insensitive("json5"))
      fences.push_back(content);
    if (close == StringRef::npos)
      break;
    pos = close + 3;
  }
  return fences;
}

/// Bounds the span search: a pathological reply ("[[[[..." megabytes long)
/// would otherwise cost time quadratic in its length.
static constexpr size_t kSpanSearchBudget = size_t(64) << 20;

llvm::Expected<json> mlir::kgen::extractJson(StringRef text) {
  if (std::optional<json> whole = parseContainer(text))
    return std::move(*whole);

  for (StringRef fence : jsonFences(text))
    if (std::optional<json> value = parseContainer(fence))
      return std::move(*value);

  // Only a balanced span counts as JSON that nests too deeply: an unclosed
  // "[[[[..." holds no JSON at all.
  bool tooDeep = false;
  size_t work = 0;
  llvm::SmallVector<char, 32> closers;
  for (size_t start = 0; start < text.size() && work < kSpanSearchBudget;
       ++start) {
    char first = text[start];
    if (first != '{' && first != '[')
      continue;
    closers.clear();
    bool balanced = false;
    size_t end = start;
    for (; end < text.size(); ++end) {
      char c = text[end];
      if (c == '"') {
        end = skipJsonString(text, end);
      } else if (c == '{' || c == '[') {
        closers.push_back(c == '{' ? '}' : ']');
      } else if (c == '}' || c == ']') {
        if (closers.back() != c)
          break;
        closers.pop_back();
        if (closers.empty()) {
          balanced = true;
          break;
        }
      }
    }
    work += end - start + 1;
    if (!balanced)
      continue;
    StringRef span = text.slice(start, end + 1);
    work += span.size();
    bool spanTooDeep = false;
    if (std::optional<json> value = parseContainer(span, &spanTooDeep))
      return std::move(*value);
    if (spanTooDeep) {
      // Its inner spans are fragments of the same structure: skip them.
      tooDeep = true;
      start = end;
    }
  }
  if (tooDeep)
    return llvm::make_error<LlmError>(
        LlmFailure::MalformedReply,
        "the JSON in the model's reply nests more than " +
            std::to_string(kMaxJsonDepth) + " levels deep");

  std::string preview = oneLine(text.trim(), {}, 80);
  return llvm::make_error<LlmError>(
      LlmFailure::NoJsonFound,
      "no JSON object or array in the model's reply (" +
          std::to_string(text.size()) + " bytes" +
          (preview.empty() ? std::string() : ": '" + preview + "'") + ")");
}
