//===- FunctionImage.cpp - a compiled function as bytes -------------------===//

#include "kgen/Execution/FunctionImage.h"

#include "kgen/Execution/NativeCode.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/xxhash.h"

using namespace mlir;
using namespace mlir::kgen;

static constexpr llvm::StringLiteral kMagic = "kgen-function-image";
static constexpr int kVersion = 1;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

static std::string checksum(llvm::StringRef bytes) {
  return llvm::utohexstr(llvm::xxh3_64bits(bytes));
}

static llvm::json::Array toJson(llvm::ArrayRef<TensorSignature> signatures) {
  llvm::json::Array array;
  for (const TensorSignature &sig : signatures)
    array.push_back(llvm::json::Object{
        {"type", elementTypeName(sig.elementType)},
        {"shape", llvm::json::Array(sig.shape)}});
  return array;
}

std::string mlir::kgen::serializeImage(const FunctionImage &image) {
  llvm::json::Object header{
      {"target", image.target},
      {"host", hostIdentity()},
      {"entry", image.entryPoint},
      {"inputs", toJson(image.inputs)},
      {"outputs", toJson(image.outputs)},
      {"flops", image.flops},
      {"bytes", image.bytes},
      {"object_bytes", int64_t(image.object.size())},
      {"object_checksum", checksum(image.object)}};
  std::string text;
  llvm::raw_string_ostream os(text);
  os << kMagic << " " << kVersion << "\n"
     << llvm::json::Value(std::move(header)) << "\n"
     << image.object;
  return text;
}

static std::optional<ElementType> parseElementType(llvm::StringRef name) {
  for (ElementType type : {ElementType::F32, ElementType::F16,
                           ElementType::BF16, ElementType::I64, ElementType::I8})
    if (elementTypeName(type) == name)
      return type;
  return std::nullopt;
}

static bool fromJson(const llvm::json::Value *value,
                     std::vector<TensorSignature> &signatures) {
  const llvm::json::Array *array = value ? value->getAsArray() : nullptr;
  if (!array)
    return false;
  for (const llvm::json::Value &entry : *array) {
    const llvm::json::Object *object = entry.getAsObject();
    if (!object)
      return false;
    std::optional<llvm::StringRef> type = object->getString("type");
    const llvm::json::Array *shape = object->getArray("shape");
    std::optional<ElementType> elementType =
        type ? parseElementType(*type) : std::nullopt;
    if (!elementType || !shape)
      return false;
    TensorSignature sig{*elementType, {}};
    for (const llvm::json::Value &extent : *shape) {
      std::optional<int64_t> size = extent.getAsInteger();
      if (!size || *size < 0)
        return false;
      sig.shape.push_back(*size);
    }
    signatures.push_back(std::move(sig));
  }
  return true;
}

/// Checks the header against the running host and `expectedTarget`, and
/// fills everything but the object.
static llvm::Error readHeader(const llvm::json::Object &header,
                              llvm::StringRef expectedTarget,
                              FunctionImage &image) {
  std::optional<llvm::StringRef> target = header.getString("target");
  std::optional<llvm::StringRef> host = header.getString("host");
  std::optional<llvm::StringRef> entry = header.getString("entry");
  std::optional<double> flops = header.getNumber("flops");
  std::optional<double> bytes = header.getNumber("bytes");
  if (!target || !host || !entry || !flops || !bytes ||
      !fromJson(header.get("inputs"), image.inputs) ||
      !fromJson(header.get("outputs"), image.outputs))
    return makeError("its header lacks a field or has one of the wrong type");
  if (*target != expectedTarget)
    return makeError("it was compiled for " + *target + ", not " +
                     expectedTarget);
  if (*host != hostIdentity())
    return makeError("it was compiled on another kind of host (" + *host +
                     "; this one is " + hostIdentity() + ")");
  image.target = target->str();
  image.entryPoint = entry->str();
  image.flops = *flops;
  image.bytes = *bytes;
  return llvm::Error::success();
}

llvm::Expected<FunctionImage>
mlir::kgen::deserializeImage(llvm::StringRef data,
                             llvm::StringRef expectedTarget) {
  auto [magicLine, rest] = data.split('\n');
  auto [magic, version] = magicLine.split(' ');
  if (magic != kMagic)
    return makeError("not a kgen function image");
  if (version != std::to_string(kVersion))
    return makeError("function image format " + version + ", expected " +
                     llvm::Twine(kVersion));
  auto [headerLine, object] = rest.split('\n');
  auto parsed = llvm::json::parse(headerLine);
  if (!parsed)
    return makeError("its header is not JSON: " +
                     llvm::toString(parsed.takeError()));
  const llvm::json::Object *header = parsed->getAsObject();
  if (!header)
    return makeError("its header is not a JSON object");

  FunctionImage image;
  if (llvm::Error err = readHeader(*header, expectedTarget, image))
    return std::move(err);
  std::optional<int64_t> size = header->getInteger("object_bytes");
  std::optional<llvm::StringRef> sum = header->getString("object_checksum");
  if (!size || !sum)
    return makeError("its header lacks the object's size or checksum");
  if (*size != int64_t(object.size()))
    return makeError("the object has " + llvm::Twine(object.size()) +
                     " bytes, the header says " + llvm::Twine(*size) +
                     " (truncated?)");
  if (*sum != checksum(object))
    return makeError("the object's checksum does not match (corrupted)");
  image.object = object.str();
  return image;
}
