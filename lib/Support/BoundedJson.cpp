//===- BoundedJson.cpp - JSON parsing with a nesting bound ----------------===//

#include "kgen/Support/BoundedJson.h"

size_t mlir::kgen::skipJsonString(llvm::StringRef text, size_t open) {
  for (size_t i = open + 1; i < text.size(); ++i) {
    if (text[i] == '\\')
      ++i;
    else if (text[i] == '"')
      return i;
  }
  return text.size();
}

bool mlir::kgen::jsonNestsDeeperThan(llvm::StringRef text, unsigned maxDepth) {
  size_t depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      i = skipJsonString(text, i);
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
