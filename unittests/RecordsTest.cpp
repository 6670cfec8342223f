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

TEST_F(RecordsTest, ReadOnlyDecisionsAreUsedButNeverReplaced) {
  std::string p = path("ro.json");
  writeDecisions(p, "0xab@sm_90a");
  ASSERT_EQ(::chmod(p.c_str(), 0444), 0);
  std::string before = read(p), warning;
  DecisionsFile d = DecisionsFile::load(p, warning);
  EXPECT_NE(warning.find("is read-only; leaving it untouched (its decisions "
                         "are used; new ones are not saved)"),
            std::string::npos)
      << warning;
  EXPECT_NE(d.lookup("0xab@sm_90a"), nullptr);
  d.record("0xcd@sm_90a", {{"schedule", base()}});
  ASSERT_FALSE(bool(d.save()));
  EXPECT_EQ(read(p), before);
  EXPECT_EQ(mode(p), 0444u);
}

TEST_F(RecordsTest, SavingKeepsModeAndLinks) {
  std::string target = path("real.json"), link = path("link.json");
  writeDecisions(target, "0x01@sm_90a");
  ASSERT_EQ(::chmod(target.c_str(), 0640), 0);
  ASSERT_FALSE(llvm::sys::fs::create_link("real.json", link));
  writeDecisions(link, "0x02@sm_90a");
  EXPECT_TRUE(llvm::sys::fs::is_symlink_file(link));
  EXPECT_EQ(mode(target), 0640u);
  std::string warning;
  DecisionsFile d = DecisionsFile::load(target, warning);
  EXPECT_NE(d.lookup("0x01@sm_90a"), nullptr);
  EXPECT_NE(d.lookup("0x02@sm_90a"), nullptr);
}

TEST_F(RecordsTest, TrajectoryFollowsLinksAndRespectsReadOnlyFiles) {
  std::string target = path("t.jsonl"), link = path("link.jsonl");
  ASSERT_FALSE(bool(appendTrajectory(target, {{"n", 1}})));
  ASSERT_FALSE(llvm::sys::fs::create_link("t.jsonl", link));
  ASSERT_FALSE(bool(appendTrajectory(link, {{"n", 2}})));
  EXPECT_TRUE(llvm::sys::fs::is_symlink_file(link));
  EXPECT_EQ(read(target), "{\"n\":1}\n{\"n\":2}\n");

  ASSERT_EQ(::chmod(target.c_str(), 0444), 0);
  llvm::Error err = appendTrajectory(link, {{"n", 3}});
  ASSERT_TRUE(bool(err));
  EXPECT_NE(llvm::toString(std::move(err)).find("is read-only"),
            std::string::npos);
  EXPECT_EQ(read(target), "{\"n\":1}\n{\"n\":2}\n");

  std::string dangling = path("dangling.jsonl");
  ASSERT_FALSE(llvm::sys::fs::create_link("missing.jsonl", dangling));
  err = appendTrajectory(dangling, {{"n", 4}});
  ASSERT_TRUE(bool(err));
  EXPECT_NE(llvm::toString(std::move(err)).find("link to a missing file"),
            std::string::npos);
  EXPECT_FALSE(llvm::sys::fs::exists(path("missing.jsonl")));
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
