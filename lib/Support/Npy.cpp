//===- Npy.cpp - NumPy .npy reading and writing ---------------------------===//
//
// Format: magic "\x93NUMPY", major and minor version bytes, a little-endian
// header length (2 bytes in 1.0, 4 bytes in 2.0/3.0), then a Python dict
// literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// padded with spaces to a 64-byte boundary, then the raw data.
//
//===----------------------------------------------------------------------===//

#include "kgen/Support/Npy.h"

#include "kgen/Support/AtomicFile.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir::kgen;
using llvm::StringRef;

static llvm::Error malformed(const llvm::Twine &why) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "malformed .npy file: " + why);
}

/// Takes a quoted string (quotes included) off the front of `text`.
static std::optional<StringRef> takeQuoted(StringRef &text) {
  if (text.empty() || (text.front() != '\'' && text.front() != '"'))
    return std::nullopt;
  size_t close = text.find(text.front(), 1);
  if (close == StringRef::npos)
    return std::nullopt;
  StringRef quoted = text.take_front(close + 1);
  text = text.drop_front(close + 1);
  return quoted;
}

/// Takes one header value off the front of `text`: a quoted string, a
/// tuple, or a bare word such as False (the only forms NumPy writes).
static std::optional<StringRef> takeValue(StringRef &text) {
  if (std::optional<StringRef> quoted = takeQuoted(text))
    return quoted;
  size_t end = text.starts_with("(") ? text.find(')') : text.find(',');
  if (end == StringRef::npos)
    end = text.size();
  else if (text.starts_with("("))
    ++end; // the ')'
  StringRef value = text.take_front(end).rtrim();
  text = text.drop_front(end);
  if (value.empty())
    return std::nullopt;
  return value;
}

/// The header dict literal's entries: unquoted key -> value text. NumPy
/// evaluates the header as a Python dict, where a repeated key silently
/// takes its last value and any key but the three below is an error; kgen
/// refuses repeated keys outright, so the two can never read one file
/// differently.
static llvm::Expected<llvm::StringMap<StringRef>>
parseHeaderDict(StringRef header) {
  StringRef rest = header.trim();
  if (!rest.consume_front("{") || !rest.consume_back("}"))
    return malformed("the header is not a dict literal {...}");
  llvm::StringMap<StringRef> entries;
  while (!(rest = rest.ltrim()).empty()) {
    std::optional<StringRef> key = takeQuoted(rest);
    if (!key)
      return malformed("a header key is not a quoted string");
    StringRef name = key->drop_front().drop_back();
    rest = rest.ltrim();
    if (!rest.consume_front(":"))
      return malformed("no ':' after header key '" + name + "'");
    rest = rest.ltrim();
    std::optional<StringRef> value = takeValue(rest);
    if (!value)
      return malformed("header key '" + name + "' has no value");
    if (name != "descr" && name != "fortran_order" && name != "shape")
      return malformed("unexpected header key '" + name +
                       "' (NumPy allows only 'descr', 'fortran_order' and "
                       "'shape')");
    if (!entries.try_emplace(name, *value).second)
      return malformed("header key '" + name +
                       "' appears twice (NumPy would silently use the last "
                       "value; kgen refuses such headers)");
    rest = rest.ltrim();
    if (!rest.consume_front(",") && !rest.empty())
      return malformed("expected ',' after header key '" + name + "'");
  }
  return entries;
}

/// Bytes of data a C-ordered array of `shape` and `type` holds; nullopt when
/// the count does not fit in 63 bits (no file can hold that much).
static std::optional<int64_t> dataBytes(llvm::ArrayRef<int64_t> shape,
                                        ElementType type) {
  if (llvm::is_contained(shape, 0))
    return 0;
  int64_t bytes = static_cast<int64_t>(elementSize(type));
  for (int64_t dim : shape)
    if (llvm::MulOverflow(bytes, dim, bytes))
      return std::nullopt;
  return bytes;
}

llvm::Expected<HostTensor> mlir::kgen::parseNpy(StringRef contents) {
  if (!contents.starts_with("\x93NUMPY"))
    return malformed("missing the \\x93NUMPY magic string (is this a .npy "
                     "file?)");
  if (contents.size() < 10)
    return malformed("truncated header");
  uint8_t major = contents[6];
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = uint8_t(contents[8]) | (uint8_t(contents[9]) << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (contents.size() < 12)
      return malformed("truncated header");
    headerLen = uint32_t(uint8_t(contents[8])) |
                (uint32_t(uint8_t(contents[9])) << 8) |
                (uint32_t(uint8_t(contents[10])) << 16) |
                (uint32_t(uint8_t(contents[11])) << 24);
    headerStart = 12;
  } else {
    return malformed("unsupported format version " + llvm::Twine(major));
  }
  if (contents.size() < headerStart + headerLen)
    return malformed("truncated header");
  StringRef header = contents.substr(headerStart, headerLen);
  StringRef data = contents.drop_front(headerStart + headerLen);

  llvm::Expected<llvm::StringMap<StringRef>> dict = parseHeaderDict(header);
  if (!dict)
    return dict.takeError();
  auto entry = [&](StringRef key) -> std::optional<StringRef> {
    auto it = dict->find(key);
    return it == dict->end() ? std::nullopt
                             : std::optional<StringRef>(it->second);
  };
  std::optional<StringRef> descr = entry("descr");
  std::optional<StringRef> fortran = entry("fortran_order");
  std::optional<StringRef> shapeText = entry("shape");
  if (!descr || !fortran || !shapeText)
    return malformed("header lacks 'descr', 'fortran_order' or 'shape'");

  char quote = descr->empty() ? 0 : descr->front();
  if (quote != '\'' && quote != '"')
    return malformed("'descr' is not a string");
  StringRef dtype =
      descr->drop_front().take_until([&](char c) { return c == quote; });
  ElementType elementType;
  if (dtype == "<f4" || dtype == "=f4" || dtype == "f4")
    elementType = ElementType::F32;
  else if (dtype == "<f2" || dtype == "=f2" || dtype == "f2")
    elementType = ElementType::F16;
  else if (dtype == "<i8" || dtype == "=i8" || dtype == "i8")
    elementType = ElementType::I64;
  else if (dtype == "|b1")
    elementType = ElementType::I8;
  else
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "unsupported .npy dtype '" + dtype +
            "': kgen reads float32 ('<f4'), float16 ('<f2'), int64 ('<i8') "
            "and bool ('|b1') arrays; convert with numpy's astype");

  if (fortran->starts_with("True"))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "Fortran-ordered .npy arrays are not "
                                   "supported; save a C-ordered array "
                                   "(numpy.ascontiguousarray)");
  if (!fortran->starts_with("False"))
    return malformed("'fortran_order' is neither True nor False");

  if (!shapeText->consume_front("("))
    return malformed("'shape' is not a tuple");
  StringRef dims = shapeText->take_until([](char c) { return c == ')'; });
  if (dims.size() == shapeText->size())
    return malformed("'shape' tuple is not closed");
  std::vector<int64_t> shape;
  llvm::SmallVector<StringRef> parts;
  dims.split(parts, ',', -1, /*KeepEmpty=*/false);
  for (StringRef part : parts) {
    part = part.trim();
    if (part.empty())
      continue;
    int64_t dim;
    if (part.getAsInteger(10, dim) || dim < 0)
      return malformed("bad dimension '" + part + "' in 'shape'");
    shape.push_back(dim);
  }

  // Checked before allocating: a header may declare far more data than the
  // file holds (or than memory can), and only the file's size is trusted.
  std::optional<int64_t> expected = dataBytes(shape, elementType);
  if (!expected)
    return malformed("shape (" + dims.trim() +
                     ") declares more than 2^63 bytes of data, found " +
                     llvm::Twine(data.size()));
  if (static_cast<uint64_t>(*expected) != data.size())
    return malformed("expected " + llvm::Twine(*expected) +
                     " bytes of data for shape " + dims.trim() + ", found " +
                     llvm::Twine(data.size()));
  HostTensor tensor(elementType, shape);
  std::copy(data.begin(), data.end(), tensor.bytes.begin());
  return tensor;
}

llvm::Expected<HostTensor> mlir::kgen::readNpy(StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return llvm::createStringError(buffer.getError(),
                                   path + ": " + buffer.getError().message());
  llvm::Expected<HostTensor> tensor = parseNpy((*buffer)->getBuffer());
  if (!tensor)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": " +
                                       llvm::toString(tensor.takeError()));
  return tensor;
}

std::string mlir::kgen::serializeNpy(const HostTensor &tensor) {
  HostTensor widened;
  const HostTensor *source = &tensor;
  if (tensor.elementType == ElementType::BF16) {
    widened = HostTensor(ElementType::F32, tensor.shape);
    for (int64_t i = 0, e = tensor.numElements(); i < e; ++i)
      widened.set(i, tensor.get(i));
    source = &widened;
  }
  std::string shape = "(";
  for (int64_t d : source->shape)
    shape += std::to_string(d) + ", ";
  if (source->shape.size() > 1)
    shape.resize(shape.size() - 2); // "(2, 3)", but "(5,)" for rank 1
  else if (source->shape.size() == 1)
    shape.resize(shape.size() - 1);
  shape += ")";
  std::string header = "{'descr': '";
  header += source->elementType == ElementType::F32   ? "<f4"
            : source->elementType == ElementType::I64 ? "<i8"
            : source->elementType == ElementType::I8  ? "|b1"
                                                      : "<f2";
  header += "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad with spaces so that magic + version + length + header + '\n' is a
  // multiple of 64 bytes.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  out.append(source->bytes.begin(), source->bytes.end());
  return out;
}

llvm::Error mlir::kgen::writeNpy(StringRef path, const HostTensor &tensor) {
  return writeFileAtomically(path.str(), serializeNpy(tensor));
}
