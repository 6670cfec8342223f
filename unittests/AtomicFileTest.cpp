//===- AtomicFileTest.cpp - the policy of every kgen output ---------------===//

#include "kgen/Support/AtomicFile.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace mlir::kgen;
namespace fs = llvm::sys::fs;

namespace {

class AtomicFileTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(fs::createUniqueDirectory("kgen-atomic", dir));
  }
  void TearDown() override { fs::remove_directories(dir); }
  std::string path(const char *name) {
    llvm::SmallString<128> p(dir);
    llvm::sys::path::append(p, name);
    return std::string(p);
  }
  static std::string read(const std::string &p) {
    auto buffer = llvm::MemoryBuffer::getFile(p);
    return buffer ? (*buffer)->getBuffer().str() : "<unreadable>";
  }
  static void write(const std::string &p, llvm::StringRef contents) {
    std::error_code ec;
    llvm::raw_fd_ostream os(p, ec);
    os << contents;
  }
  static unsigned mode(const std::string &p) {
    struct stat st;
    return ::stat(p.c_str(), &st) ? 0 : st.st_mode & 07777;
  }
  /// The message of a failed write (and "" when it succeeded).
  static std::string failure(const std::string &p, llvm::StringRef contents) {
    llvm::Error err = writeFileAtomically(p, contents);
    return err ? llvm::toString(std::move(err)) : "";
  }
  /// The entries of the directory: temporary files left behind show here.
  size_t entries() {
    std::error_code ec;
    size_t count = 0;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end;
         it.increment(ec))
      ++count;
    return count;
  }
  llvm::SmallString<128> dir;
};

TEST_F(AtomicFileTest, ReplacesARegularFileKeepingItsMode) {
  std::string p = path("out.npy");
  write(p, "old");
  ASSERT_EQ(::chmod(p.c_str(), 0640), 0);
  EXPECT_EQ(failure(p, "new"), "");
  EXPECT_EQ(read(p), "new");
  EXPECT_EQ(mode(p), 0640u);
  EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicFileTest, ReadOnlyFileIsLeftUntouched) {
  // Even for root, who may write anything: no write bit means "keep it".
  std::string p = path("ro.json");
  write(p, "keep me");
  ASSERT_EQ(::chmod(p.c_str(), 0444), 0);
  std::string message = failure(p, "new");
  EXPECT_NE(message.find("is read-only; leaving it untouched"),
            std::string::npos)
      << message;
  EXPECT_EQ(read(p), "keep me");
  EXPECT_EQ(mode(p), 0444u);
  EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicFileTest, SymbolicLinkIsFollowedAndKept) {
  std::string target = path("target.npy"), link = path("link.npy");
  write(target, "old");
  ASSERT_FALSE(fs::create_link("target.npy", link));
  EXPECT_EQ(failure(link, "new"), "");
  EXPECT_TRUE(fs::is_symlink_file(link));
  EXPECT_EQ(read(target), "new");
  EXPECT_EQ(entries(), 2u);
}

TEST_F(AtomicFileTest, DanglingLinkAndDirectoryAreRefused) {
  std::string link = path("dangling");
  ASSERT_FALSE(fs::create_link("missing", link));
  EXPECT_NE(failure(link, "x").find("is a symbolic link to a missing file"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(path("missing")));
  EXPECT_NE(failure(std::string(dir), "x").find("is a directory"),
            std::string::npos);
  EXPECT_TRUE(fs::is_directory(dir));
}

TEST_F(AtomicFileTest, FifoIsWrittenThroughNotReplaced) {
  std::string p = path("pipe");
  ASSERT_EQ(::mkfifo(p.c_str(), 0600), 0);
  std::string received;
  std::thread reader([&] {
    int fd = ::open(p.c_str(), O_RDONLY);
    char buffer[64];
    for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;)
      received.append(buffer, n);
    ::close(fd);
  });
  std::string message = failure(p, "through the pipe");
  EXPECT_EQ(message, "");
  if (!message.empty()) // the reader still waits for a writer
    ::close(::open(p.c_str(), O_WRONLY));
  reader.join();
  EXPECT_EQ(received, "through the pipe");
  fs::file_status st;
  ASSERT_FALSE(fs::status(p, st));
  EXPECT_EQ(st.type(), fs::file_type::fifo_file);
}

TEST_F(AtomicFileTest, CharacterDeviceIsWrittenThrough) {
  EXPECT_EQ(failure("/dev/null", "discarded"), "");
  fs::file_status st;
  ASSERT_FALSE(fs::status("/dev/null", st, /*Follow=*/false));
  EXPECT_EQ(st.type(), fs::file_type::character_file);
}

TEST_F(AtomicFileTest, LockIsExclusiveAndReleased) {
  std::string p = path("shared.json");
  {
    llvm::Expected<FileLock> first =
        FileLock::acquire(p, std::chrono::milliseconds(0));
    ASSERT_TRUE(bool(first));
    // A second holder waits, here in vain.
    std::thread other([&] {
      llvm::Expected<FileLock> second =
          FileLock::acquire(p, std::chrono::milliseconds(50));
      EXPECT_FALSE(bool(second));
      if (!second)
        EXPECT_NE(llvm::toString(second.takeError()).find("still locked"),
                  std::string::npos);
    });
    other.join();
  }
  llvm::Expected<FileLock> again =
      FileLock::acquire(p, std::chrono::milliseconds(0));
  EXPECT_TRUE(bool(again));
  if (!again)
    llvm::consumeError(again.takeError());
}

} // namespace
