//===- AtomicFile.h - how kgen writes the files it is given -----*- C++ -*-===//
//
// Every file kgen writes at a path a user named (kgen-run outputs and
// reports, kgen-opt -o, decisions files, trajectory logs) follows one
// policy, so that no tool destroys something that is not its output:
//  - a regular file or a new path is replaced atomically: a temporary file
//    in the same directory, then a rename; readers see the old file or the
//    whole new one, and the old file's permission bits are kept;
//  - a character device or a FIFO (/dev/null, a named pipe, /dev/stdout on
//    a pipe) is opened and written in place: a rename would replace the
//    device node itself;
//  - a symbolic link is followed: its target is written as above and the
//    link stays a link; a link to a missing file is refused;
//  - a directory, block device or socket is refused, and so is a regular
//    file with no write permission bits (even for root: someone made it
//    read-only on purpose).
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_SUPPORT_ATOMICFILE_H
#define KGEN_SUPPORT_ATOMICFILE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

namespace mlir::kgen {

/// Where and how an output path is written.
struct OutputTarget {
  enum class Kind {
    Replace,      // a regular file or a new path: temporary file and rename
    WriteThrough, // a character device or FIFO: opened and written in place
  };
  Kind kind;
  /// The file to write: `path` itself, or the end of its chain of links.
  std::string path;
  /// The permission bits of the existing file, if there is one.
  std::optional<unsigned> mode;
};

/// Applies the policy above to `path`, without writing anything. The error
/// (one line, naming the path) says why `path` cannot be written.
llvm::Expected<OutputTarget> resolveOutput(const std::string &path);

/// Writes `contents` to `path` under the policy above: atomically where
/// `path` is (or resolves to) a regular file or a new path, in place where
/// it is a character device or FIFO. On failure an existing file is
/// untouched and no temporary file is left.
llvm::Error writeFileAtomically(const std::string &path,
                                llvm::StringRef contents);

/// An exclusive lock on `<path>.lock` (created next to `path`, and left
/// there: removing it would race with a process about to lock it), held
/// until destroyed. Processes that read, merge and rewrite a shared file
/// (a decisions file used by parallel builds) take it around the whole
/// cycle, so that no process writes from a stale read.
class FileLock {
public:
  /// Waits at most `timeout` for the lock. `path` should be resolved
  /// (resolveOutput), so that every name of one file shares one lock.
  static llvm::Expected<FileLock> acquire(const std::string &path,
                                          std::chrono::milliseconds timeout);
  FileLock(FileLock &&other);
  FileLock &operator=(FileLock &&) = delete;
  ~FileLock();

private:
  FileLock(int fd, std::unique_lock<std::timed_mutex> thread)
      : fd(fd), thread(std::move(thread)) {}
  int fd;
  /// POSIX record locks do not exclude threads of one process (kgen-opt
  /// runs split inputs in parallel): a process-wide mutex does.
  std::unique_lock<std::timed_mutex> thread;
};

} // namespace mlir::kgen

#endif // KGEN_SUPPORT_ATOMICFILE_H
