//===- RecordsTest.cpp - decisions file and trajectory log ----------------===//

#include "kgen/Schedule/Records.h"

#include "ScheduleFixtures.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

using namespace mlir::kgen;
using namespace mlir::kgen::testing;
using nlohmann::json;

namespace {

class RecordsTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("kgen-records", dir));
  }
  void TearDown() override { llvm::sys::fs::remove_directories(dir); }
  std::string path(const char *name) {
    llvm::SmallString<128> p(dir);
    llvm::sys::path::append(p, name);
    return std::string(p);
  }
  std::string read(const std::string &p) {
    auto buffer = llvm::MemoryBuffer::getFile(p);
    return buffer ? (*buffer)->getBuffer().str() : "";
  }
  static unsigned mode(const std::string &p) {
    struct stat st;
    return ::stat(p.c_str(), &st) ? 0 : st.st_mode & 07777;
  }
  /// A decisions file holding one entry for `key`.
  void writeDecisions(const std::string &p, const std::string &key) {
    std::string warning;
    DecisionsFile d = DecisionsFile::load(p, warning);
    d.record(key, {{"schedule", base()}});
    ASSERT_FALSE(bool(d.save()));
  }
  llvm::SmallString<128> dir;
};

TEST_F(RecordsTest, DecisionsRoundTrip) {
  std::string p = path("d.json");
  std::string warning;
  DecisionsFile d = DecisionsFile::load(p, warning);
  EXPECT_TRUE(warning.empty());
  d.record(DecisionsFile::key("0xab", "sm_90a"), {{"schedule", base()}});
  ASSERT_FALSE(bool(d.save()));
  DecisionsFile again = DecisionsFile::load(p, warning);
  EXPECT_TRUE(warning.empty());
  const json *entry = again.lookup("0xab@sm_90a");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ((*entry)["schedule"], base());
  EXPECT_EQ(again.lookup("0xab@sm_80"), nullptr);
}

TEST_F(RecordsTest, CorruptOrForeignDecisionsAreNeverOverwritten) {
  for (const char *contents :
       {"{not json", "[1, 2]",
        "{\"format\": \"other\", \"version\": 1, \"entries\": {}}",
        "{\"format\": \"kgen-decisions\", \"version\": 99, \"entries\": {}}"}) {
    std::string p = path("bad.json");
    {
      std::error_code ec;
      llvm::raw_fd_ostream os(p, ec);
      os << contents;
    }
    std::string warning;
    DecisionsFile d = DecisionsFile::load(p, warning);
    EXPECT_NE(warning.find("is not a kgen decisions file"), std::string::npos)
        << contents;
    EXPECT_FALSE(d.isWritable());
    d.record("k", {{"schedule", base()}});
    ASSERT_FALSE(bool(d.save()));
    EXPECT_EQ(read(p), contents);
  }
}

TEST_F(RecordsTest, BuildsSharingAFileKeepEachOthersEntries) {
  // Two builds load the file before either saves: each save merges its own
  // entries into the file as it is then, instead of writing its stale view.
  std::string p = path("shared.json");
  writeDecisions(p, "0x01@sm_90a");
  std::string warning;
  DecisionsFile first = DecisionsFile::load(p, warning);
  DecisionsFile second = DecisionsFile::load(p, warning);
  first.record("0x02@sm_90a", {{"schedule", base()}});
  second.record("0x03@sm_90a", {{"schedule", base()}});
  second.record("0x04@sm_90a", {{"schedule", base()}});
  ASSERT_FALSE(bool(first.save()));
  ASSERT_FALSE(bool(second.save()));
  DecisionsFile merged = DecisionsFile::load(p, warning);
  for (const char *key :
       {"0x01@sm_90a", "0x02@sm_90a", "0x03@sm_90a", "0x04@sm_90a"})
    EXPECT_NE(merged.lookup(key), nullptr) << key;
  EXPECT_TRUE(llvm::sys::fs::exists(p + ".lock"));
}

TEST_F(RecordsTest, TrajectoryAppendsOneLinePerRecord) {
  std::string p = path("t.jsonl");
  ASSERT_FALSE(bool(appendTrajectory(p, {{"n", 1}})));
  ASSERT_FALSE(bool(appendTrajectory(p, {{"n", 2}})));
  EXPECT_EQ(read(p), "{\"n\":1}\n{\"n\":2}\n");
  llvm::Error err = appendTrajectory(path("missing/t.jsonl"), {{"n", 3}});
  EXPECT_TRUE(bool(err));
  llvm::consumeError(std::move(err));
}

} // namespace
