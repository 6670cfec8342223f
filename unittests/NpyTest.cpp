//===- NpyTest.cpp - .npy parsing, serialization and atomic writes --------===//

#include "kgen/Support/Npy.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

using namespace mlir::kgen;

namespace {

std::string errorOf(llvm::Expected<HostTensor> result) {
  if (result)
    return "";
  return llvm::toString(result.takeError());
}

TEST(Npy, RoundTripsF32AndF16) {
  for (ElementType type : {ElementType::F32, ElementType::F16}) {
    HostTensor t(type, {2, 3});
    for (int i = 0; i < 6; ++i)
      t.set(i, i * 0.5f - 1.0f);
    auto parsed = parseNpy(serializeNpy(t));
    ASSERT_TRUE(bool(parsed)) << llvm::toString(parsed.takeError());
    EXPECT_EQ(parsed->elementType, type);
    EXPECT_EQ(parsed->shape, t.shape);
    EXPECT_EQ(parsed->bytes, t.bytes);
  }
}

TEST(Npy, RoundTripsInt64Positions) {
  HostTensor t(ElementType::I64, {2, 2});
  for (int i = 0; i < 4; ++i)
    t.set(i, (int64_t(1) << 40) + i); // beyond f32's 24 bits, exact
  std::string bytes = serializeNpy(t);
  EXPECT_NE(bytes.find("'descr': '<i8'"), std::string::npos);
  auto parsed = parseNpy(bytes);
  ASSERT_TRUE(bool(parsed)) << llvm::toString(parsed.takeError());
  EXPECT_EQ(parsed->elementType, ElementType::I64);
  EXPECT_EQ(parsed->bytes, t.bytes);
  EXPECT_EQ(parsed->get(3), double((int64_t(1) << 40) + 3));
}

TEST(Npy, RoundTripsBoolsAsNumpyBool) {
  HostTensor t(ElementType::I8, {3});
  t.set(0, 1.0);
  t.set(2, 1.0);
  std::string bytes = serializeNpy(t);
  EXPECT_NE(bytes.find("'descr': '|b1'"), std::string::npos);
  auto parsed = parseNpy(bytes);
  ASSERT_TRUE(bool(parsed)) << llvm::toString(parsed.takeError());
  EXPECT_EQ(parsed->elementType, ElementType::I8);
  EXPECT_EQ(parsed->bytes, (std::vector<uint8_t>{1, 0, 1}));
}

TEST(Npy, RoundTripsRank0AndRank1) {
  for (std::vector<int64_t> shape :
       {std::vector<int64_t>{}, std::vector<int64_t>{5}}) {
    HostTensor t(ElementType::F32, shape);
    auto parsed = parseNpy(serializeNpy(t));
    ASSERT_TRUE(bool(parsed)) << llvm::toString(parsed.takeError());
    EXPECT_EQ(parsed->shape, shape);
  }
}

TEST(Npy, HeaderIsAlignedTo64Bytes) {
  std::string s = serializeNpy(HostTensor(ElementType::F32, {7, 13}));
  size_t headerLen = uint8_t(s[8]) | (uint8_t(s[9]) << 8);
  EXPECT_EQ((10 + headerLen) % 64, 0u);
  EXPECT_EQ(s[10 + headerLen - 1], '\n');
}

TEST(Npy, BF16IsWrittenAsFloat32) {
  HostTensor t(ElementType::BF16, {2});
  t.set(0, 1.5f);
  t.set(1, -2.0f);
  auto parsed = parseNpy(serializeNpy(t));
  ASSERT_TRUE(bool(parsed));
  EXPECT_EQ(parsed->elementType, ElementType::F32);
  EXPECT_EQ(parsed->get(0), 1.5f);
  EXPECT_EQ(parsed->get(1), -2.0f);
}

TEST(Npy, ParsesNumpyVersion2Header) {
  std::string header =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }";
  header.append(64 - (12 + header.size() + 1) % 64, ' ');
  header += '\n';
  std::string file("\x93NUMPY\x02\x00", 8);
  uint32_t len = header.size();
  file.append(reinterpret_cast<char *>(&len), 4);
  file += header;
  float one = 1.0f;
  file.append(reinterpret_cast<char *>(&one), 4);
  auto parsed = parseNpy(file);
  ASSERT_TRUE(bool(parsed)) << llvm::toString(parsed.takeError());
  EXPECT_EQ(parsed->get(0), 1.0f);
}

TEST(Npy, RejectsGarbage) {
  EXPECT_NE(errorOf(parseNpy("hello world")).find("magic"), std::string::npos);
  EXPECT_NE(errorOf(parseNpy("")).find("magic"), std::string::npos);
}

TEST(Npy, RejectsTruncatedFiles) {
  std::string full = serializeNpy(HostTensor(ElementType::F32, {4, 4}));
  EXPECT_NE(errorOf(parseNpy(full.substr(0, 9))).find("truncated"),
            std::string::npos);
  EXPECT_NE(errorOf(parseNpy(full.substr(0, 40))).find("truncated"),
            std::string::npos);
  EXPECT_NE(errorOf(parseNpy(full.substr(0, full.size() - 1)))
                .find("expected 64 bytes"),
            std::string::npos);
}

TEST(Npy, RejectsUnsupportedDtypesAndOrder) {
  std::string s = serializeNpy(HostTensor(ElementType::F32, {2}));
  std::string f8 = s;
  f8.replace(f8.find("<f4"), 3, "<f8");
  EXPECT_NE(errorOf(parseNpy(f8)).find("unsupported .npy dtype '<f8'"),
            std::string::npos);
  std::string i4 = s;
  i4.replace(i4.find("<f4"), 3, "<i4");
  EXPECT_NE(errorOf(parseNpy(i4)).find("int64 ('<i8')"), std::string::npos);
  std::string be = s;
  be.replace(be.find("<f4"), 3, ">f4");
  EXPECT_NE(errorOf(parseNpy(be)).find("unsupported"), std::string::npos);
  std::string fortran = s;
  fortran.replace(fortran.find("False"), 5, "True ");
  EXPECT_NE(errorOf(parseNpy(fortran)).find("Fortran"), std::string::npos);
}

TEST(Npy, RejectsBadShape) {
  std::string s = serializeNpy(HostTensor(ElementType::F32, {2}));
  s.replace(s.find("(2,)"), 4, "(x, )");
  EXPECT_NE(errorOf(parseNpy(s)).find("bad dimension"), std::string::npos);
}

/// A version 1.0 .npy file with header dict `dict` followed by `data`.
std::string npyFile(std::string dict, std::string data) {
  dict.append(64 - (10 + dict.size() + 1) % 64, ' ');
  dict += '\n';
  std::string file("\x93NUMPY\x01\x00", 8);
  file += static_cast<char>(dict.size() & 0xff);
  file += static_cast<char>(dict.size() >> 8);
  return file + dict + data;
}

TEST(Npy, HugeDeclaredShapeIsRejectedBeforeAllocating) {
  // 40 TB declared, 4 bytes present: refused on the file's size, not by an
  // allocation failure.
  std::string huge = npyFile("{'descr': '<f4', 'fortran_order': False, "
                             "'shape': (100000, 100000, 1000), }",
                             std::string(4, '\0'));
  EXPECT_EQ(errorOf(parseNpy(huge)),
            "malformed .npy file: expected 40000000000000 bytes of data for "
            "shape 100000, 100000, 1000, found 4");
  // 2^68 bytes: the size itself overflows 64 bits.
  std::string overflow = npyFile("{'descr': '<f4', 'fortran_order': False, "
                                 "'shape': (4294967296, 4294967296, 4), }",
                                 std::string(4, '\0'));
  EXPECT_EQ(errorOf(parseNpy(overflow)),
            "malformed .npy file: shape (4294967296, 4294967296, 4) declares "
            "more than 2^63 bytes of data, found 4");
}

TEST(Npy, DuplicateHeaderKeysAreRejected) {
  // NumPy reads the header as a Python dict (the last 'shape' wins); kgen
  // refuses rather than read the file differently.
  std::string file = npyFile("{'descr': '<f4', 'fortran_order': False, "
                             "'shape': (2,), 'shape': (1,), }",
                             std::string(4, '\0'));
  EXPECT_EQ(errorOf(parseNpy(file)),
            "malformed .npy file: header key 'shape' appears twice (NumPy "
            "would silently use the last value; kgen refuses such headers)");
  std::string descr = npyFile("{'descr': '<f8', 'fortran_order': False, "
                              "'shape': (1,), \"descr\": '<f4'}",
                              std::string(4, '\0'));
  EXPECT_NE(errorOf(parseNpy(descr)).find("header key 'descr' appears twice"),
            std::string::npos);
}

TEST(Npy, HeaderDictIsParsedAsNumpyDoes) {
  // Double quotes and no trailing comma are valid Python too.
  float one = 1.0f;
  std::string data(reinterpret_cast<char *>(&one), 4);
  auto parsed = parseNpy(npyFile(
      R"({"shape": (1,), "fortran_order": False, "descr": "<f4"})", data));
  ASSERT_TRUE(bool(parsed)) << llvm::toString(parsed.takeError());
  EXPECT_EQ(parsed->get(0), 1.0f);
  // A key's name inside another value is not the key.
  EXPECT_NE(errorOf(parseNpy(npyFile("{'descr': 'shape', 'fortran_order': "
                                     "False, 'shape': (1,)}",
                                     data)))
                .find("unsupported .npy dtype 'shape'"),
            std::string::npos);
  EXPECT_NE(errorOf(parseNpy(npyFile("{'descr': '<f4', 'fortran_order': "
                                     "False, 'shape': (1,), 'extra': 1}",
                                     data)))
                .find("unexpected header key 'extra'"),
            std::string::npos);
  EXPECT_NE(errorOf(parseNpy(npyFile("['descr', '<f4']", data)))
                .find("not a dict literal"),
            std::string::npos);
  EXPECT_NE(errorOf(parseNpy(npyFile("{'descr' '<f4'}", data)))
                .find("no ':' after header key 'descr'"),
            std::string::npos);
}

TEST(Npy, WriteIsAtomicAndReadable) {
  llvm::SmallString<128> dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("kgen-npy", dir));
  llvm::SmallString<128> path(dir);
  llvm::sys::path::append(path, "t.npy");
  HostTensor t(ElementType::F16, {3});
  t.set(0, 1.0f);
  ASSERT_FALSE(bool(writeNpy(path, t)));
  auto read = readNpy(path);
  ASSERT_TRUE(bool(read));
  EXPECT_EQ(read->bytes, t.bytes);
  // Only the final file is left: no temporaries.
  std::error_code ec;
  int entries = 0;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec))
    ++entries;
  EXPECT_EQ(entries, 1);
  // Writing into a missing directory fails cleanly.
  llvm::SmallString<128> bad(dir);
  llvm::sys::path::append(bad, "missing", "t.npy");
  llvm::Error err = writeNpy(bad, t);
  EXPECT_TRUE(bool(err));
  llvm::consumeError(std::move(err));
  llvm::sys::fs::remove_directories(dir);
}

TEST(Npy, MissingFileNamesThePath) {
  auto result = readNpy("/nonexistent/kgen.npy");
  EXPECT_NE(errorOf(std::move(result)).find("/nonexistent/kgen.npy"),
            std::string::npos);
}

} // namespace
