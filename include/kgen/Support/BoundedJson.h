//===- BoundedJson.h - JSON parsing with a nesting bound --------*- C++ -*-===//
//
// nlohmann::json parses iteratively, but copying, comparing and printing a
// value recurse once per nesting level: a hostile file or reply nested
// 200,000 levels deep parses fine and then overflows the stack. Every JSON
// text kgen reads from outside (LLM replies, transcripts, decisions and
// grouping files) therefore goes through parseBoundedJson, which measures
// the depth with a flat scan and refuses a deep text before any value of
// that depth exists.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_SUPPORT_BOUNDEDJSON_H
#define KGEN_SUPPORT_BOUNDEDJSON_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <nlohmann/json.hpp>

namespace mlir::kgen {

/// The deepest nesting of arrays and objects kgen accepts. Schedules,
/// groupings and decisions files nest fewer than 10 levels; the bound only
/// has to keep recursion over a value far from the stack's limit.
constexpr unsigned kMaxJsonDepth = 128;

/// The index of the quote closing the JSON string that opens at
/// `text[open]` (a '"'), skipping escaped characters; text.size() if the
/// string is not closed.
size_t skipJsonString(llvm::StringRef text, size_t open);

/// Whether `text` opens more than `maxDepth` arrays and objects at once,
/// counting brackets outside JSON strings. Exact for valid JSON; never an
/// underestimate of the value nlohmann::json would build from a prefix of
/// invalid text.
bool jsonNestsDeeperThan(llvm::StringRef text, unsigned maxDepth);

/// `text` parsed without throwing: a discarded value (is_discarded()) when
/// it is not JSON, an error saying so when it nests deeper than `maxDepth`
/// (nothing is built then).
llvm::Expected<nlohmann::json>
parseBoundedJson(llvm::StringRef text, unsigned maxDepth = kMaxJsonDepth);

} // namespace mlir::kgen

#endif // KGEN_SUPPORT_BOUNDEDJSON_H
