//===- BoundedJson.cpp - JSON parsing with a nesting bound ----------------===//

#include "kgen/Support/BoundedJson.h"

bool mlir::kgen::jsonNestsDeeperThan(llvm::StringRef text, unsigned maxDepth) {
  size_t depth = 0;
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
    if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > maxDepth)
        return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      // A stray closer ends the parse there, so never counting below zero
      // can only overestimate the depth of invalid text.
      --depth;
    }
  }
  return false;
}

llvm::Expected<nlohmann::json>
mlir::kgen::parseBoundedJson(llvm::StringRef text, unsigned maxDepth) {
  if (jsonNestsDeeperThan(text, maxDepth))
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "JSON nests arrays and objects more than %u levels deep (kgen's limit)",
        maxDepth);
  return nlohmann::json::parse(text.begin(), text.end(), /*cb=*/nullptr,
                               /*allow_exceptions=*/false);
}
