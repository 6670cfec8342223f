//===- LlmClientTest.cpp - the LLM client against a scripted HTTP server --===//
//
// Each client test starts test/llm/mock_openai_server.py on 127.0.0.1 with a
// script of replies, then checks both the client's result and what the server
// logged as received. Timeouts are short and backoffs a few ms so that no test
// can hang or take long.
//
//===----------------------------------------------------------------------===//

#include "kgen/Proposer/LlmClient.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace mlir::kgen;
using nlohmann::json;

namespace mlir::kgen {
// Lets GoogleTest print failure kinds by name.
void PrintTo(LlmFailure failure, std::ostream *os) {
  *os << llmFailureName(failure).str();
}
} // namespace mlir::kgen

namespace {

constexpr const char *kPython = "/usr/bin/python3";
/// The variable the tests point apiKeyEnv at, so that a real
/// KGEN_LLM_API_KEY in the environment never reaches the mock server.
constexpr const char *kKeyEnv = "KGEN_LLM_TEST_API_KEY";
constexpr const char *kSecretKey = "sk-kgen-TOPSECRET-5f2e9d71c0";

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<ChatMessage> prompt() {
  return {{"system", "You propose kernel schedules as JSON."},
          {"user", "Tile a 512x512x512 matmul."}};
}

/// The failure kind of `error` (consumed), or nullopt if it is no LlmError;
/// `text` receives the error as the caller would print it.
std::optional<LlmFailure> failureOfError(llvm::Error error, std::string *text) {
  std::optional<LlmFailure> kind;
  std::string message;
  llvm::handleAllErrors(
      std::move(error),
      [&](const LlmError &e) {
        kind = e.kind();
        llvm::raw_string_ostream os(message);
        e.log(os);
      },
      [&](const llvm::ErrorInfoBase &e) { message = e.message(); });
  if (text)
    *text = message;
  return kind;
}

/// The failure of an Expected that must have failed.
template <typename T>
std::optional<LlmFailure> failureOf(llvm::Expected<T> value,
                                    std::string *text = nullptr) {
  if (value) {
    if (text)
      *text = "(succeeded)";
    return std::nullopt;
  }
  return failureOfError(value.takeError(), text);
}

/// A port on 127.0.0.1 that nothing listens on (bound, then released).
int unusedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t length = sizeof(addr);
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &length) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

json okStep(std::string content) { return {{"content", std::move(content)}}; }
json statusStep(int status) { return {{"status", status}}; }

class LlmClientTest : public ::testing::Test {
protected:
  void SetUp() override {
    ::setenv("no_proxy", "127.0.0.1,localhost", 1);
    ::setenv("NO_PROXY", "127.0.0.1,localhost", 1);
    ::unsetenv(kKeyEnv);
    ASSERT_FALSE(
        llvm::sys::fs::createUniqueDirectory("kgen-llm-test", workDir));
  }

  void TearDown() override {
    stopServer();
    ::unsetenv(kKeyEnv);
    llvm::sys::fs::remove_directories(workDir);
  }

  std::string pathIn(llvm::StringRef name) {
    llvm::SmallString<256> path(workDir);
    llvm::sys::path::append(path, name);
    return std::string(path);
  }

  /// Starts the mock server on `steps`; fails the test if it does not print
  /// its port within 10 s.
  void startServer(const json &steps) {
    std::string script = pathIn("script.json"), stdoutPath = pathIn("stdout"),
                stderrPath = pathIn("stderr");
    logPath = pathIn("requests.jsonl");
    {
      std::error_code ec;
      llvm::raw_fd_ostream os(script, ec);
      ASSERT_FALSE(ec) << ec.message();
      os << steps.dump();
    }
    std::string server = KGEN_SOURCE_DIR "/test/llm/mock_openai_server.py";
    llvm::SmallVector<llvm::StringRef> args = {kPython, server, script,
                                               logPath};
    std::optional<llvm::StringRef> redirects[] = {llvm::StringRef(""),
                                                  llvm::StringRef(stdoutPath),
                                                  llvm::StringRef(stderrPath)};
    std::string error;
    bool failed = false;
    serverProcess = llvm::sys::ExecuteNoWait(kPython, args, std::nullopt,
                                             redirects, 0, &error, &failed);
    ASSERT_FALSE(failed) << error;

    Clock::time_point start = Clock::now();
    while (secondsSince(start) < 10) {
      if (auto buffer = llvm::MemoryBuffer::getFile(stdoutPath)) {
        llvm::StringRef text = (*buffer)->getBuffer();
        if (text.consume_front("PORT ") && text.contains('\n')) {
          ASSERT_FALSE(text.take_until([](char c) { return c == '\n'; })
                           .getAsInteger(10, port));
          return;
        }
      }
      int status;
      if (::waitpid(serverProcess.Pid, &status, WNOHANG) == serverProcess.Pid) {
        serverProcess.Pid = 0;
        auto err = llvm::MemoryBuffer::getFile(stderrPath);
        FAIL() << "mock server exited: "
               << (err ? (*err)->getBuffer().str() : "");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL() << "mock server printed no port";
  }

  void stopServer() {
    if (serverProcess.Pid <= 0)
      return;
    ::kill(serverProcess.Pid, SIGTERM);
    Clock::time_point start = Clock::now();
    int status;
    while (::waitpid(serverProcess.Pid, &status, WNOHANG) == 0) {
      if (secondsSince(start) > 2) {
        ::kill(serverProcess.Pid, SIGKILL);
        ::waitpid(serverProcess.Pid, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    serverProcess.Pid = 0;
  }

  /// Options for the running server: short timeout, ms backoff.
  LlmOptions options() {
    LlmOptions o;
    o.endpoint = "http://127.0.0.1:" + std::to_string(port) + "/v1";
    o.model = "mock-model";
    o.timeoutSeconds = 2;
    o.backoffBaseSeconds = 0.001;
    o.apiKeyEnv = kKeyEnv;
    return o;
  }

  /// The requests the server logged, in order.
  std::vector<json> requests() {
    std::vector<json> out;
    auto buffer = llvm::MemoryBuffer::getFile(logPath);
    if (!buffer)
      return out;
    llvm::SmallVector<llvm::StringRef> lines;
    (*buffer)->getBuffer().split(lines, '\n', -1, false);
    for (llvm::StringRef line : lines)
      out.push_back(json::parse(line.begin(), line.end(), nullptr, false));
    return out;
  }

  llvm::SmallString<128> workDir;
  std::string logPath;
  llvm::sys::ProcessInfo serverProcess;
  int port = 0;
};

constexpr const char *kSchedule =
    R"({"tile": [64, 64, 32], "vectorize": true, "note": "a {brace} in a string"})";

//===----------------------------------------------------------------------===//
// Replies
//===----------------------------------------------------------------------===//

TEST_F(LlmClientTest, GoodReply) {
  startServer(json::array({okStep(kSchedule)}));
  LlmClient client(options());
  auto reply = client.complete(prompt(), nullptr);
  ASSERT_TRUE(bool(reply)) << llvm::toString(reply.takeError());
  ASSERT_EQ(reply->contents.size(), 1u);
  EXPECT_EQ(reply->contents[0], kSchedule);
  EXPECT_EQ(reply->finishReason, "stop");
  EXPECT_EQ(reply->promptTokens, 10);
  EXPECT_EQ(reply->completionTokens, 20);
  EXPECT_EQ(client.requestsMade(), 1);
  EXPECT_EQ(client.tokensUsed(), 30);

  auto schedule = extractJson(reply->contents[0]);
  ASSERT_TRUE(bool(schedule)) << llvm::toString(schedule.takeError());
  EXPECT_EQ((*schedule)["tile"], json({64, 64, 32}));
}

TEST_F(LlmClientTest, SeveralCandidates) {
  startServer(json::array({{{"contents", {"{\"a\": 1}", "{\"a\": 2}"}},
                            {"finish_reason", "length"}}}));
  LlmOptions o = options();
  o.candidates = 2;
  LlmClient client(o);
  auto reply = client.complete(prompt(), nullptr);
  ASSERT_TRUE(bool(reply)) << llvm::toString(reply.takeError());
  EXPECT_EQ(reply->contents,
            std::vector<std::string>({"{\"a\": 1}", "{\"a\": 2}"}));
  EXPECT_EQ(reply->finishReason, "length");
}

TEST_F(LlmClientTest, JsonWrappedInProse) {
  startServer(json::array(
      {okStep(std::string("Sure! Here is a schedule that should work well:\n") +
              kSchedule + "\nLet me know if you want { another } one.")}));
  LlmClient client(options());
  auto reply = client.complete(prompt(), nullptr);
  ASSERT_TRUE(bool(reply)) << llvm::toString(reply.takeError());
  auto schedule = extractJson(reply->contents[0]);
  ASSERT_TRUE(bool(schedule)) << llvm::toString(schedule.takeError());
  EXPECT_EQ(*schedule, json::parse(kSchedule));
}

TEST_F(LlmClientTest, JsonInFences) {
  startServer(
      json::array({okStep(std::string("Here you go:\n```json\n") + kSchedule +
                          "\n```\nThe tile {m, n, k}...")}));
  LlmClient client(options());
  auto reply = client.complete(prompt(), nullptr);
  ASSERT_TRUE(bool(reply)) << llvm::toString(reply.takeError());
  auto schedule = extractJson(reply->contents[0]);
  ASSERT_TRUE(bool(schedule)) << llvm::toString(schedule.takeError());
  EXPECT_EQ(*schedule, json::parse(kSchedule));
}

TEST_F(LlmClientTest, InvalidJsonContent) {
  startServer(json::array({okStep("I would use {tile: [64, 64,}, roughly.")}));
  LlmClient client(options());
  auto reply = client.complete(prompt(), nullptr);
  ASSERT_TRUE(bool(reply)) << llvm::toString(reply.takeError());
  EXPECT_EQ(failureOf(extractJson(reply->contents[0])),
            LlmFailure::NoJsonFound);
}

TEST_F(LlmClientTest, MalformedReplies) {
  startServer(json::array(
      {{{"raw_body", "this is not JSON at all"}},
       {{"raw_body", R"({"id": "x", "object": "chat.completion"})"}},
       {{"raw_body", R"({"choices": []})"}},
       {{"raw_body", R"({"choices": [{"message": {"role": "assistant"}}]})"}},
       {{"content", nullptr}},
       {{"raw_body", R"({"error": {"message": "overloaded"}})"}},
       {{"raw_body", R"([1, 2, 3])"}}}));
  for (int i = 0; i < 7; ++i) {
    LlmClient client(options());
    std::string text;
    EXPECT_EQ(failureOf(client.complete(prompt(), nullptr), &text),
              LlmFailure::MalformedReply)
        << "step " << i << ": " << text;
    EXPECT_EQ(client.requestsMade(), 1);
    EXPECT_EQ(client.tokensUsed(), 0);
  }
}

//===----------------------------------------------------------------------===//
// Retries
//===----------------------------------------------------------------------===//

TEST_F(LlmClientTest, TooManyRequestsHonoursRetryAfter) {
  startServer(
      json::array({{{"status", 429}, {"headers", {{"Retry-After", "1"}}}},
                   okStep(kSchedule)}));
  LlmClient client(options());
  Clock::time_point start = Clock::now();
  auto reply = client.complete(prompt(), nullptr);
  ASSERT_TRUE(bool(reply)) << llvm::toString(reply.takeError());
  EXPECT_EQ(client.requestsMade(), 2);
  EXPECT_EQ(requests().size(), 2u);
  // The 1 ms backoff base would have retried at once.
  EXPECT_GE(secondsSince(start), 0.9);
}

TEST_F(LlmClientTest, ServerErrorTwiceThenSuccess) {
  startServer(
      json::array({statusStep(500), statusStep(503), okStep(kSchedule)}));
  LlmClient client(options());
  auto reply = client.complete(prompt(), nullptr);
  ASSERT_TRUE(bool(reply)) << llvm::toString(reply.takeError());
  EXPECT_EQ(reply->contents[0], kSchedule);
  EXPECT_EQ(client.requestsMade(), 3);
}

TEST_F(LlmClientTest, ServerErrorAlwaysIsHttpStatus) {
  json crash = {{"status", 500}, {"error", "model crashed"}};
  startServer(json::array({crash, crash, crash}));
  LlmOptions o = options();
  o.maxRetries = 2;
  LlmClient client(o);
  auto reply = client.complete(prompt(), nullptr);
  ASSERT_FALSE(bool(reply));
  llvm::Error error = reply.takeError();
  int status = 0;
  std::string text;
  llvm::handleAllErrors(std::move(error), [&](const LlmError &e) {
    EXPECT_EQ(e.kind(), LlmFailure::HttpStatus);
    status = e.httpStatus();
    text = e.detail();
  });
  EXPECT_EQ(status, 500);
  EXPECT_NE(text.find("HTTP 500"), std::string::npos) << text;
  EXPECT_NE(text.find("model crashed"), std::string::npos) << text;
  EXPECT_NE(text.find("after 3 attempts"), std::string::npos) << text;
  EXPECT_EQ(client.requestsMade(), 3);
  EXPECT_EQ(requests().size(), 3u);
}

TEST_F(LlmClientTest, ClientErrorIsNotRetried) {
  startServer(json::array({statusStep(400), okStep(kSchedule)}));
  LlmClient client(options());
  EXPECT_EQ(failureOf(client.complete(prompt(), nullptr)),
            LlmFailure::HttpStatus);
  EXPECT_EQ(client.requestsMade(), 1);
}

TEST_F(LlmClientTest, DroppedConnectionIsRetried) {
  startServer(
      json::array({{{"close_without_reply", true}}, okStep(kSchedule)}));
  LlmClient client(options());
  auto reply = client.complete(prompt(), nullptr);
  ASSERT_TRUE(bool(reply)) << llvm::toString(reply.takeError());
  EXPECT_EQ(client.requestsMade(), 2);
}

//===----------------------------------------------------------------------===//
// Transport failures
//===----------------------------------------------------------------------===//

TEST_F(LlmClientTest, SlowReplyTimesOut) {
  startServer(json::array({{{"delay", 3.0}, {"content", kSchedule}}}));
  LlmOptions o = options();
  o.timeoutSeconds = 0.3;
  LlmClient client(o);
  Clock::time_point start = Clock::now();
  std::string text;
  EXPECT_EQ(failureOf(client.complete(prompt(), nullptr), &text),
            LlmFailure::Timeout)
      << text;
  EXPECT_LT(secondsSince(start), 2.0);
  EXPECT_EQ(client.requestsMade(), 1);
}

TEST_F(LlmClientTest, TruncatedBody) {
  // Content-Length announces more than is sent, then the server hangs up.
  startServer(json::array({{{"content", kSchedule}, {"truncate_after", 40}}}));
  LlmClient client(options());
  std::string text;
  EXPECT_EQ(failureOf(client.complete(prompt(), nullptr), &text),
            LlmFailure::TruncatedReply)
      << text;
}

TEST_F(LlmClientTest, TruncatedBodyWithoutContentLength) {
  // A close-delimited body that stops mid-object.
  startServer(json::array(
      {{{"raw_body", R"({"choices": [{"message": {"content": "{\"ti)"},
        {"omit_content_length", true}}}));
  LlmClient client(options());
  std::string text;
  EXPECT_EQ(failureOf(client.complete(prompt(), nullptr), &text),
            LlmFailure::TruncatedReply)
      << text;
}

TEST_F(LlmClientTest, ConnectionRefusedIsUnreachable) {
  port = unusedPort();
  ASSERT_GT(port, 0);
  LlmOptions o = options();
  o.maxRetries = 2;
  LlmClient client(o);
  std::string text;
  EXPECT_EQ(failureOf(client.complete(prompt(), nullptr), &text),
            LlmFailure::Unreachable)
      << text;
  EXPECT_EQ(client.requestsMade(), 3);
}

TEST_F(LlmClientTest, OversizedBody) {
  startServer(json::array({{{"content", kSchedule}, {"body_bytes", 200000}},
                           {{"content", kSchedule},
                            {"body_bytes", 200000},
                            {"omit_content_length", true}}}));
  LlmOptions o = options();
  o.maxResponseBytes = 4096;
  // Refused from the announced Content-Length, then while streaming.
  for (int i = 0; i < 2; ++i) {
    LlmClient client(o);
    std::string text;
    EXPECT_EQ(failureOf(client.complete(prompt(), nullptr), &text),
              LlmFailure::OversizedReply)
        << "step " << i << ": " << text;
  }
}

TEST_F(LlmClientTest, EmptyEndpointIsUnreachable) {
  LlmOptions o = options();
  o.endpoint = "";
  LlmClient client(o);
  EXPECT_EQ(failureOf(client.complete(prompt(), nullptr)),
            LlmFailure::Unreachable);
  EXPECT_EQ(client.requestsMade(), 0);
}

//===----------------------------------------------------------------------===//
// Budgets
//===----------------------------------------------------------------------===//

TEST_F(LlmClientTest, RequestBudgetExhausted) {
  startServer(json::array({okStep("{}"), okStep("{}"), okStep("{}")}));
  LlmOptions o = options();
  o.maxRequests = 2;
  LlmClient client(o);
  ASSERT_TRUE(bool(client.complete(prompt(), nullptr)));
  ASSERT_TRUE(bool(client.complete(prompt(), nullptr)));
  EXPECT_EQ(failureOf(client.complete(prompt(), nullptr)),
            LlmFailure::BudgetExhausted);
  EXPECT_EQ(client.requestsMade(), 2);
  EXPECT_EQ(requests().size(), 2u);
}

TEST_F(LlmClientTest, RetriesCountAgainstRequestBudget) {
  startServer(json::array(
      {statusStep(500), statusStep(500), statusStep(500), statusStep(500)}));
  LlmOptions o = options();
  o.maxRequests = 2;
  o.maxRetries = 3;
  LlmClient client(o);
  std::string text;
  EXPECT_EQ(failureOf(client.complete(prompt(), nullptr), &text),
            LlmFailure::BudgetExhausted)
      << text;
  EXPECT_NE(text.find("HTTP 500"), std::string::npos) << text;
  EXPECT_EQ(client.requestsMade(), 2);
  EXPECT_EQ(requests().size(), 2u);
}

TEST_F(LlmClientTest, TokenBudgetExhausted) {
  json usage = {{"prompt_tokens", 60}, {"completion_tokens", 50}};
  startServer(json::array({{{"content", "{}"}, {"usage", usage}},
                           {{"content", "{}"}, {"usage", usage}}}));
  LlmOptions o = options();
  o.tokenBudget = 100;
  LlmClient client(o);
  // The reply that crosses the budget is still delivered...
  auto reply = client.complete(prompt(), nullptr);
  ASSERT_TRUE(bool(reply)) << llvm::toString(reply.takeError());
  EXPECT_EQ(client.tokensUsed(), 110);
  // ...the next call is refused without a request.
  EXPECT_EQ(failureOf(client.complete(prompt(), nullptr)),
            LlmFailure::BudgetExhausted);
  EXPECT_EQ(client.requestsMade(), 1);
  EXPECT_EQ(requests().size(), 1u);
}

//===----------------------------------------------------------------------===//
// What is sent, and what is never said
//===----------------------------------------------------------------------===//

TEST_F(LlmClientTest, RequestCarriesOptionsSchemaAndKey) {
  startServer(json::array({okStep("{}")}));
  ::setenv(kKeyEnv, kSecretKey, 1);
  LlmOptions o = options();
  o.endpoint += "/"; // a trailing slash is tolerated
  o.temperature = 0.7;
  o.maxTokens = 321;
  o.candidates = 3;
  json schema = {{"type", "object"},
                 {"properties", {{"tile", {{"type", "array"}}}}},
                 {"required", {"tile"}}};
  LlmClient client(o);
  auto reply = client.complete(prompt(), &schema);
  ASSERT_TRUE(bool(reply)) << llvm::toString(reply.takeError());
  EXPECT_EQ(reply->contents.size(), 3u);

  std::vector<json> log = requests();
  ASSERT_EQ(log.size(), 1u);
  json &request = log[0];
  EXPECT_EQ(request["method"], "POST");
  EXPECT_EQ(request["path"], "/v1/chat/completions");
  EXPECT_EQ(request["headers"]["authorization"],
            std::string("Bearer ") + kSecretKey);
  EXPECT_EQ(request["headers"]["content-type"], "application/json");
  json &body = request["body"];
  EXPECT_EQ(body["model"], "mock-model");
  ASSERT_TRUE(body["temperature"].is_number());
  EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.7);
  EXPECT_EQ(body["max_tokens"], 321);
  EXPECT_EQ(body["n"], 3);
  EXPECT_EQ(body["messages"], json::parse(R"([{"role": "system",
                             "content": "You propose kernel schedules as JSON."},
                            {"role": "user",
                             "content": "Tile a 512x512x512 matmul."}])"));
  EXPECT_EQ(body["response_format"], json({{"type", "json_schema"},
                                           {"json_schema",
                                            {{"name", "kgen_schedule"},
                                             {"schema", schema},
                                             {"strict", true}}}}));
}

TEST_F(LlmClientTest, NoKeyNoAuthorizationAndNoSchemaNoResponseFormat) {
  startServer(json::array({okStep("{}")}));
  LlmClient client(options());
  ASSERT_TRUE(bool(client.complete(prompt(), nullptr)));
  std::vector<json> log = requests();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_FALSE(log[0]["headers"].contains("authorization"));
  EXPECT_FALSE(log[0]["body"].contains("response_format"));
}

TEST_F(LlmClientTest, KeyAppearsInNoErrorMessage) {
  ::setenv(kKeyEnv, kSecretKey, 1);
  std::string echoed = std::string("invalid key ") + kSecretKey;
  startServer(json::array(
      {{{"status", 401}, {"error", echoed}},
       {{"status", 500}, {"error", echoed}},
       {{"raw_body", echoed}},
       {{"raw_body", R"({"error": {"message": ")" + echoed + "\"}}"}},
       {{"raw_body",
         R"({"choices": [{"message": {"refusal": ")" + echoed + "\"}}]}"}},
       {{"content", kSchedule}, {"truncate_after", 30}},
       {{"content", kSchedule}, {"body_bytes", 10000}},
       {{"content", "{}"}, {"usage", {{"prompt_tokens", 1000}}}},
       {{"delay", 3.0}, {"content", kSchedule}}}));
  std::vector<std::string> messages;
  std::vector<LlmFailure> kinds;
  auto expectFailure = [&](LlmClient &client) {
    std::string text;
    std::optional<LlmFailure> kind =
        failureOf(client.complete(prompt(), nullptr), &text);
    EXPECT_TRUE(kind.has_value()) << text;
    if (kind)
      kinds.push_back(*kind);
    messages.push_back(text);
  };
  LlmOptions o = options();
  o.maxRetries = 0;
  o.maxResponseBytes = 2048;
  o.timeoutSeconds = 0.3;
  for (int i = 0; i < 5; ++i) {
    LlmClient client(o);
    expectFailure(client);
  }
  {
    LlmClient client(o);
    expectFailure(client); // truncated
  }
  {
    LlmClient client(o);
    expectFailure(client); // oversized
  }
  {
    LlmOptions budget = o;
    budget.tokenBudget = 10;
    LlmClient client(budget);
    ASSERT_TRUE(bool(client.complete(prompt(), nullptr)));
    expectFailure(client); // token budget
  }
  {
    LlmClient client(o);
    expectFailure(client); // timeout
  }
  {
    LlmOptions refused = o;
    refused.endpoint =
        "http://127.0.0.1:" + std::to_string(unusedPort()) + "/v1";
    LlmClient client(refused);
    expectFailure(client); // unreachable
  }
  EXPECT_EQ(kinds, std::vector<LlmFailure>(
                       {LlmFailure::HttpStatus, LlmFailure::HttpStatus,
                        LlmFailure::MalformedReply, LlmFailure::MalformedReply,
                        LlmFailure::MalformedReply, LlmFailure::TruncatedReply,
                        LlmFailure::OversizedReply, LlmFailure::BudgetExhausted,
                        LlmFailure::Timeout, LlmFailure::Unreachable}));
  for (const std::string &message : messages) {
    EXPECT_EQ(message.find(kSecretKey), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
  // The server did receive the key: the redaction is what kept it out.
  EXPECT_NE(messages[0].find("<redacted>"), std::string::npos) << messages[0];
}

//===----------------------------------------------------------------------===//
// The wall-clock budget
//===----------------------------------------------------------------------===//

/// The message of a failure that must be BudgetExhausted.
std::string budgetMessage(llvm::Expected<LlmReply> reply) {
  std::string text;
  EXPECT_EQ(failureOf(std::move(reply), &text), LlmFailure::BudgetExhausted)
      << text;
  return text;
}

TEST_F(LlmClientTest, RetryAfterBeyondTheCapIsNotWaitedFor) {
  // A day: before the budget, the client slept 60 s, 3 times.
  json tooLong = {{"status", 429}, {"headers", {{"Retry-After", "86400"}}}};
  startServer(json::array({tooLong, okStep(kSchedule)}));
  LlmOptions o = options();
  o.wallBudgetSeconds = 2;
  LlmClient client(o);
  Clock::time_point start = Clock::now();
  std::string text;
  EXPECT_EQ(failureOf(client.complete(prompt(), nullptr), &text),
            LlmFailure::HttpStatus)
      << text;
  EXPECT_NE(text.find("HTTP 429"), std::string::npos) << text;
  EXPECT_NE(text.find("asks to wait 86400 s (Retry-After), longer than the "
                      "30 s kgen waits"),
            std::string::npos)
      << text;
  // Later calls respect the server's wish without asking it again.
  EXPECT_EQ(failureOf(client.complete(prompt(), nullptr), &text),
            LlmFailure::HttpStatus)
      << text;
  EXPECT_NE(text.find("no request sent"), std::string::npos) << text;
  EXPECT_LT(secondsSince(start), 1.0);
  EXPECT_EQ(client.requestsMade(), 1);
  EXPECT_EQ(requests().size(), 1u);
}

TEST_F(LlmClientTest, RetryWaitsStopAtTheWallBudget) {
  json busy = {
      {"status", 429}, {"headers", {{"Retry-After", "1"}}}, {"repeat", 10}};
  startServer(json::array({busy}));
  LlmOptions o = options();
  o.wallBudgetSeconds = 2.5;
  o.maxRetries = 9;
  LlmClient client(o);
  Clock::time_point start = Clock::now();
  std::string text = budgetMessage(client.complete(prompt(), nullptr));
  // Two 1 s waits fit; the third would overrun, so it is not started.
  EXPECT_LT(secondsSince(start), 2.5);
  EXPECT_EQ(client.requestsMade(), 3);
  EXPECT_NE(text.find("HTTP 429"), std::string::npos) << text;
  EXPECT_NE(text.find("wall-clock budget of 2.5 s (llm-wall-budget)"),
            std::string::npos)
      << text;
  // A request fits in the 0.5 s left, its retry does not.
  text = budgetMessage(client.complete(prompt(), nullptr));
  EXPECT_EQ(client.requestsMade(), 4);
  EXPECT_LT(client.secondsSpent(), 2.5);
}

TEST_F(LlmClientTest, WallBudgetCutsASlowRequest) {
  startServer(json::array({{{"delay", 5.0}, {"content", kSchedule}}}));
  LlmOptions o = options();
  o.timeoutSeconds = 60;
  o.wallBudgetSeconds = 0.5;
  LlmClient client(o);
  Clock::time_point start = Clock::now();
  std::string text = budgetMessage(client.complete(prompt(), nullptr));
  EXPECT_LT(secondsSince(start), 2.0);
  EXPECT_NE(text.find("all that was left of the wall-clock budget of 0.5 s "
                      "(llm-wall-budget)"),
            std::string::npos)
      << text;
  EXPECT_GE(client.secondsSpent(), 0.4);
}

TEST_F(LlmClientTest, WallBudgetCountsOnlyTimeInTheClient) {
  startServer(json::array({{{"delay", 0.5}, {"content", "{}"}},
                           {{"delay", 5.0}, {"content", "{}"}},
                           okStep("{}")}));
  LlmOptions o = options();
  o.timeoutSeconds = 60;
  o.wallBudgetSeconds = 1;
  LlmClient client(o);
  ASSERT_TRUE(bool(client.complete(prompt(), nullptr)));
  // Time between calls (kgen verifying a candidate) is not the LLM's: the
  // next request still gets the ~0.5 s left, and is cut there.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  std::string text = budgetMessage(client.complete(prompt(), nullptr));
  EXPECT_NE(text.find("all that was left"), std::string::npos) << text;
  EXPECT_EQ(client.requestsMade(), 2);
  EXPECT_GE(client.secondsSpent(), 0.95);
  EXPECT_LT(client.secondsSpent(), 1.5);
  // Nothing is left: no request.
  budgetMessage(client.complete(prompt(), nullptr));
  EXPECT_EQ(client.requestsMade(), 2);
}

TEST_F(LlmClientTest, BudgetMessagesNameTheirOption) {
  startServer(json::array({okStep("{}")}));
  LlmOptions o = options();
  o.maxRequests = 1;
  LlmClient client(o);
  ASSERT_TRUE(bool(client.complete(prompt(), nullptr)));
  EXPECT_NE(budgetMessage(client.complete(prompt(), nullptr))
                .find("request budget of 1 (llm-max-requests) exhausted"),
            std::string::npos);
  o.maxRequests = 16;
  o.tokenBudget = 0;
  LlmClient tokens(o);
  EXPECT_NE(budgetMessage(tokens.complete(prompt(), nullptr))
                .find("token budget of 0 (llm-token-budget) exhausted"),
            std::string::npos);
}

//===----------------------------------------------------------------------===//
// Echoed credentials and bad keys
//===----------------------------------------------------------------------===//

TEST_F(LlmClientTest, EchoedKeyIsRedactedInEveryReplyText) {
  ::setenv(kKeyEnv, kSecretKey, 1);
  startServer(json::array({{{"contents",
                             {"{\"@KEY@\": \"@AUTHORIZATION@\", \"tile\": [1]}",
                              "you sent @AUTHORIZATION@; key @KEY@@KEY@"}},
                            {"finish_reason", "@KEY@"}}}));
  LlmOptions o = options();
  o.candidates = 2;
  LlmClient client(o);
  auto reply = client.complete(prompt(), nullptr);
  ASSERT_TRUE(bool(reply)) << llvm::toString(reply.takeError());
  // The server did receive the key: redaction is what keeps it out.
  EXPECT_EQ(requests()[0]["headers"]["authorization"],
            std::string("Bearer ") + kSecretKey);
  ASSERT_EQ(reply->contents.size(), 2u);
  EXPECT_EQ(reply->contents[0],
            R"({"<redacted>": "Bearer <redacted>", "tile": [1]})");
  EXPECT_EQ(reply->contents[1],
            "you sent Bearer <redacted>; key <redacted><redacted>");
  EXPECT_EQ(reply->finishReason, "<redacted>");
}

TEST(RedactSecrets, BearerTokensAndShortKeys) {
  // Any Bearer token, ours or not, in any case.
  EXPECT_EQ(redactSecrets("Authorization: bearer abc.DEF-123_x~+/== ok", ""),
            "Authorization: bearer <redacted> ok");
  EXPECT_EQ(redactSecrets("BEARER\tt0k", ""), "BEARER\t<redacted>");
  // Not a Bearer token: no separator, no token, part of a word.
  EXPECT_EQ(redactSecrets("Bearer: x, Bearer , unbearer x", ""),
            "Bearer: x, Bearer , unbearer x");
  // A placeholder key is no secret and a common word.
  EXPECT_EQ(redactSecrets(R"({"matrix_instruction": "none"})", "none"),
            R"({"matrix_instruction": "none"})");
  EXPECT_EQ(redactSecrets("k=sk-12345678", "sk-12345678"), "k=<redacted>");
}

TEST_F(LlmClientTest, KeyWithControlCharactersIsNeverSent) {
  startServer(json::array({okStep("{}")}));
  for (const char *key : {"sk-abc\r\nX-Evil: 1", "sk-abc\nX-Evil: 1",
                          "sk-abc\rX", "sk-\x01", "sk-abc\x7f"}) {
    ::setenv(kKeyEnv, key, 1);
    LlmClient client(options());
    std::string text;
    EXPECT_EQ(failureOf(client.complete(prompt(), nullptr), &text),
              LlmFailure::InvalidApiKey)
        << text;
    EXPECT_NE(text.find(std::string("environment variable ") + kKeyEnv),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find("sk-"), std::string::npos) << text;
    EXPECT_EQ(text.find_first_of("\r\n"), std::string::npos) << text;
    EXPECT_EQ(client.requestsMade(), 0);
  }
  EXPECT_TRUE(requests().empty());
  // A key of printable text (UTF-8 included) is sent as it is.
  ::setenv(kKeyEnv, "sk-ok-\xc3\xa9", 1);
  LlmClient client(options());
  ASSERT_TRUE(bool(client.complete(prompt(), nullptr)));
}

//===----------------------------------------------------------------------===//
// extractJson
//===----------------------------------------------------------------------===//

json extracted(llvm::StringRef text) {
  auto value = extractJson(text);
  if (!value) {
    ADD_FAILURE() << llvm::toString(value.takeError());
    return json();
  }
  return std::move(*value);
}

TEST(ExtractJson, WholeText) {
  EXPECT_EQ(extracted(R"(  {"a": 1}  )"), json({{"a", 1}}));
  EXPECT_EQ(extracted("[1, 2, 3]\n"), json({1, 2, 3}));
}

TEST(ExtractJson, ProseAround) {
  EXPECT_EQ(extracted(R"(The best schedule is {"a": {"b": [1, 2]}}. Enjoy!)"),
            json::parse(R"({"a": {"b": [1, 2]}})"));
}

TEST(ExtractJson, BracesInsideStrings) {
  EXPECT_EQ(extracted(R"(Result: {"a": "}{", "b": {"c": "[x]"}} trailing })"),
            json::parse(R"({"a": "}{", "b": {"c": "[x]"}})"));
  EXPECT_EQ(extracted(R"(x {"q": "say \"}\" twice", "r": "\\"} y)"),
            json::parse(R"({"q": "say \"}\" twice", "r": "\\"})"));
}

TEST(ExtractJson, SkipsSpansThatDoNotParse) {
  EXPECT_EQ(extracted(R"(With {m, n} tiles: {"m": 64, "n": 32})"),
            json::parse(R"({"m": 64, "n": 32})"));
  EXPECT_EQ(extracted(R"(Use {"a": 1,} or rather {"a": 2})"),
            json::parse(R"({"a": 2})"));
}

TEST(ExtractJson, Fences) {
  EXPECT_EQ(extracted("```json\n{\"a\": 1}\n```"), json({{"a", 1}}));
  EXPECT_EQ(extracted("Bare:\n```\n[{\"a\": 1}]\n```\n"),
            json::parse(R"([{"a": 1}])"));
  // An unterminated fence (the reply was cut) still yields its content.
  EXPECT_EQ(extracted("```json\n{\"a\": 1}\n"), json({{"a", 1}}));
}

TEST(ExtractJson, MultipleFences) {
  // Code in another language is skipped even if it holds a balanced span.
  EXPECT_EQ(extracted("```python\nd = [1, 2]\n```\nThen:\n```json\n"
                      "{\"tile\": [8]}\n```\n```json\n{\"tile\": [16]}\n```"),
            json::parse(R"({"tile": [8]})"));
  // A fence that does not parse gives way to the next one.
  EXPECT_EQ(extracted("```json\n{tile: 8}\n```\n```json\n{\"tile\": 16}\n```"),
            json::parse(R"({"tile": 16})"));
}

TEST(ExtractJson, Arrays) {
  EXPECT_EQ(extracted(R"(Candidates: [{"a": 1}, {"a": 2}] as asked.)"),
            json::parse(R"([{"a": 1}, {"a": 2}])"));
  EXPECT_EQ(extracted(R"([[1, [2]], {"x": "]"}])"),
            json::parse(R"([[1, [2]], {"x": "]"}])"));
}

TEST(ExtractJson, NothingFound) {
  for (llvm::StringRef text :
       {"", "   ", "no json here", "42", "\"a string\"", "{unclosed",
        "{\"a\": 1", "[1, 2", "} backwards {", "{\"a\": 1]"}) {
    std::string message;
    EXPECT_EQ(failureOf(extractJson(text), &message), LlmFailure::NoJsonFound)
        << "'" << text.str() << "'";
    EXPECT_NE(message.find("no_json_found"), std::string::npos) << message;
  }
}

TEST(ExtractJson, PathologicalInputIsBounded) {
  std::string text(1 << 20, '[');
  Clock::time_point start = Clock::now();
  EXPECT_EQ(failureOf(extractJson(text)), LlmFailure::NoJsonFound);
  EXPECT_LT(secondsSince(start), 5.0);
}

TEST(ExtractJson, FailureNames) {
  EXPECT_EQ(llmFailureName(LlmFailure::Unreachable), "unreachable");
  EXPECT_EQ(llmFailureName(LlmFailure::Timeout), "timeout");
  EXPECT_EQ(llmFailureName(LlmFailure::HttpStatus), "http_status");
  EXPECT_EQ(llmFailureName(LlmFailure::MalformedReply), "malformed_reply");
  EXPECT_EQ(llmFailureName(LlmFailure::TruncatedReply), "truncated_reply");
  EXPECT_EQ(llmFailureName(LlmFailure::OversizedReply), "oversized_reply");
  EXPECT_EQ(llmFailureName(LlmFailure::BudgetExhausted), "budget_exhausted");
  EXPECT_EQ(llmFailureName(LlmFailure::NoJsonFound), "no_json_found");
  EXPECT_EQ(llmFailureName(LlmFailure::InvalidApiKey), "invalid_api_key");
  EXPECT_EQ(llvm::toString(
                llvm::make_error<LlmError>(LlmFailure::Timeout, "too slow")),
            "timeout: too slow");
}

} // namespace
