//===- AtomicFile.cpp - how kgen writes the files it is given -------------===//

#include "kgen/Support/AtomicFile.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;
using namespace mlir::kgen;
namespace fs = llvm::sys::fs;
using Kind = OutputTarget::Kind;

static Error ioError(const std::string &path, std::error_code ec) {
  return createStringError(ec, path + ": " + ec.message());
}

static Error refuse(std::errc code, const std::string &path,
                    const Twine &why) {
  return createStringError(std::make_error_code(code),
                           "'" + path + "' " + why);
}

/// /dev/stdout, /dev/fd/N and /proc/self/fd/N are links to files this
/// process already has open (a pipe, a terminal, or a file the shell opened,
/// perhaps for appending); replacing their target would lose what is there.
static bool isOpenFileLink(const std::string &path) {
  SmallString<256> absolute(path);
  if (fs::make_absolute(absolute))
    return false;
  StringRef p = absolute;
  return p.starts_with("/dev/") || p.starts_with("/proc/");
}

/// The checks on an existing regular file at `target` (`path` resolved).
static Expected<OutputTarget> regularFile(const std::string &path,
                                          const std::string &target,
                                          const fs::file_status &st) {
  unsigned mode = st.permissions() & fs::all_perms;
  // No write bit at all is a deliberate "do not touch", which root's
  // permission to write anything would otherwise override.
  if (!(mode & fs::all_write))
    return refuse(std::errc::permission_denied, path,
                  "is read-only; leaving it untouched");
  if (fs::access(target, fs::AccessMode::Write))
    return refuse(std::errc::permission_denied, path,
                  "is not writable by this user; leaving it untouched");
  return OutputTarget{Kind::Replace, target, mode};
}

Expected<OutputTarget> mlir::kgen::resolveOutput(const std::string &path) {
  fs::file_status link, st;
  if (std::error_code ec = fs::status(path, link, /*Follow=*/false)) {
    if (ec != std::errc::no_such_file_or_directory)
      return ioError(path, ec);
    return OutputTarget{Kind::Replace, path, std::nullopt}; // a new file
  }
  bool isLink = link.type() == fs::file_type::symlink_file;
  if (std::error_code ec = fs::status(path, st, /*Follow=*/true)) {
    if (isLink && ec == std::errc::no_such_file_or_directory)
      return refuse(std::errc::no_such_file_or_directory, path,
                    "is a symbolic link to a missing file; kgen does not "
                    "create files through links");
    return ioError(path, ec);
  }
  switch (st.type()) {
  case fs::file_type::character_file:
  case fs::file_type::fifo_file:
    return OutputTarget{Kind::WriteThrough, path, std::nullopt};
  case fs::file_type::directory_file:
    return refuse(std::errc::is_a_directory, path, "is a directory");
  case fs::file_type::regular_file:
    break;
  default:
    return refuse(std::errc::operation_not_permitted, path,
                  "is a block device or socket; kgen writes only regular "
                  "files, character devices and FIFOs");
  }
  if (!isLink)
    return regularFile(path, path, st);
  if (isOpenFileLink(path))
    return OutputTarget{Kind::WriteThrough, path, std::nullopt};
  SmallString<256> target;
  if (std::error_code ec = fs::real_path(path, target))
    return ioError(path, ec);
  return regularFile(path, std::string(target), st);
}

/// Writes `contents` to the open `fd` and closes it.
static Error writeAndClose(int fd, StringRef contents,
                           const std::string &path) {
  raw_fd_ostream os(fd, /*shouldClose=*/true);
  os << contents;
  os.close();
  if (!os.has_error())
    return Error::success();
  std::error_code ec = os.error();
  os.clear_error();
  return ioError(path, ec);
}

/// A device or FIFO is opened as it is, never created or truncated. Append
/// mode keeps a regular file behind /dev/stdout (the shell's `>>`) intact.
static Error writeInPlace(const OutputTarget &target, StringRef contents,
                          const std::string &path) {
  int fd;
  if (std::error_code ec = fs::openFileForWrite(
          target.path, fd, fs::CD_OpenExisting, fs::OF_Append))
    return ioError(path, ec);
  return writeAndClose(fd, contents, path);
}

static Error replaceAtomically(const OutputTarget &target, StringRef contents,
                               const std::string &path) {
  SmallString<256> model(target.path);
  model += ".tmp-%%%%%%";
  SmallString<256> temp;
  int fd;
  if (std::error_code ec = fs::createUniqueFile(model, fd, temp))
    return ioError(path, ec);
  FileRemover removeTemp(temp);
  // A replaced file keeps its permission bits (a new one gets the umask's).
  if (target.mode)
    if (std::error_code ec =
            fs::setPermissions(fd, static_cast<fs::perms>(*target.mode))) {
      fs::closeFile(fd);
      return ioError(path, ec);
    }
  if (Error err = writeAndClose(fd, contents, path))
    return err;
  if (std::error_code ec = fs::rename(temp, target.path))
    return ioError(path, ec);
  removeTemp.releaseFile();
  return Error::success();
}

Error mlir::kgen::writeFileAtomically(const std::string &path,
                                      StringRef contents) {
  Expected<OutputTarget> target = resolveOutput(path);
  if (!target)
    return target.takeError();
  if (target->kind == Kind::WriteThrough)
    return writeInPlace(*target, contents, path);
  return replaceAtomically(*target, contents, path);
}

static Error stillLocked(const std::string &lockPath, const char *holder,
                         std::chrono::milliseconds timeout) {
  return createStringError(
      std::make_error_code(std::errc::no_lock_available),
      lockPath + ": still locked by another " + holder + " after " +
          Twine(timeout.count() / 1000) + " s");
}

Expected<FileLock> FileLock::acquire(const std::string &path,
                                     std::chrono::milliseconds timeout) {
  static std::timed_mutex processWide;
  std::string lockPath = path + ".lock";
  std::unique_lock<std::timed_mutex> thread(processWide, timeout);
  if (!thread.owns_lock())
    return stillLocked(lockPath, "thread", timeout);
  int fd;
  if (std::error_code ec =
          fs::openFileForWrite(lockPath, fd, fs::CD_OpenAlways))
    return ioError(lockPath, ec);
  if (std::error_code ec = fs::tryLockFile(fd, timeout)) {
    fs::closeFile(fd);
    if (ec == std::errc::no_lock_available)
      return stillLocked(lockPath, "process", timeout);
    return ioError(lockPath, ec);
  }
  return FileLock(fd, std::move(thread));
}

FileLock::FileLock(FileLock &&other)
    : fd(other.fd), thread(std::move(other.thread)) {
  other.fd = -1;
}

FileLock::~FileLock() {
  if (fd < 0)
    return;
  // Closing the descriptor releases the lock.
  fs::closeFile(fd);
}
