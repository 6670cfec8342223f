//===- Verdict.h - the outcome of checking one schedule ---------*- C++ -*-===//
//
// Every rung of the verification ladder (docs/schedules.md) answers with a
// Verdict: accepted, or rejected with a stable reason code.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_SCHEDULE_VERDICT_H
#define KGEN_SCHEDULE_VERDICT_H

#include <nlohmann/json.hpp>
#include <string>

namespace mlir::kgen {

/// The outcome of checking one schedule: accepted, or rejected with a stable
/// reason code (see docs/schedules.md) and a one-line explanation.
struct Verdict {
  bool accepted = false;
  std::string reason; // empty when accepted
  std::string message;

  static Verdict accept() { return {true, "", "accepted"}; }
  static Verdict reject(std::string reason, std::string message) {
    return {false, std::move(reason), std::move(message)};
  }
  nlohmann::json toJson() const;
};

} // namespace mlir::kgen

#endif // KGEN_SCHEDULE_VERDICT_H
