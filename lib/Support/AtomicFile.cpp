//===- AtomicFile.cpp - all-or-nothing file writes ------------------------===//

#include "kgen/Support/AtomicFile.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

llvm::Error mlir::kgen::writeFileAtomically(const std::string &path,
                                            llvm::StringRef contents) {
  llvm::SmallString<128> model(path);
  model += ".tmp-%%%%%%";
  llvm::SmallString<128> temp;
  int fd;
  if (std::error_code ec = llvm::sys::fs::createUniqueFile(model, fd, temp))
    return llvm::createStringError(ec, path + ": " + ec.message());
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << contents;
    os.close();
    if (os.has_error()) {
      std::error_code ec = os.error();
      os.clear_error();
      llvm::sys::fs::remove(temp);
      return llvm::createStringError(ec, path + ": " + ec.message());
    }
  }
  if (std::error_code ec = llvm::sys::fs::rename(temp, path)) {
    llvm::sys::fs::remove(temp);
    return llvm::createStringError(ec, path + ": " + ec.message());
  }
  return llvm::Error::success();
}
