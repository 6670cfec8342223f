//===- kgen-schedule-schema.cpp - print the schedule JSON Schema ----------===//
//
// Prints the JSON Schema that kgen gives to the LLM and validates proposals
// against; docs/schedule.schema.json is its committed copy (checked by a
// lit test).
//
//===----------------------------------------------------------------------===//

#include "kgen/Schedule/Schedule.h"

#include "llvm/Support/raw_ostream.h"

int main() {
  llvm::outs() << mlir::kgen::scheduleJsonSchema().dump(
                      2, ' ', false, nlohmann::json::error_handler_t::replace)
               << "\n";
  return 0;
}
