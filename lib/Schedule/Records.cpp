//===- Records.cpp - decisions file and trajectory log --------------------===//

#include "kgen/Schedule/Records.h"

#include "kgen/Support/AtomicFile.h"
#include "kgen/Support/BoundedJson.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir::kgen;
using nlohmann::json;

static std::string dumpJson(const json &j, int indent = -1) {
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

DecisionsFile DecisionsFile::load(const std::string &path,
                                  std::string &warning) {
  DecisionsFile file;
  file.path = path;
  if (path.empty())
    return file;
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer) {
    if (buffer.getError() != std::errc::no_such_file_or_directory) {
      warning = "cannot read decisions file '" + path +
                "': " + buffer.getError().message() +
                "; it will not be written";
      file.writable = false;
    }
    return file;
  }
  llvm::Expected<json> parsed = parseBoundedJson((*buffer)->getBuffer());
  if (!parsed) {
    warning = "'" + path + "' is not a kgen decisions file: " +
              llvm::toString(parsed.takeError()) +
              "; ignoring it and leaving it untouched";
    file.writable = false;
    return file;
  }
  json j = std::move(*parsed);
  auto format = j.is_object() ? j.find("format") : j.end();
  auto version = j.is_object() ? j.find("version") : j.end();
  auto entries = j.is_object() ? j.find("entries") : j.end();
  if (j.is_discarded() || !j.is_object() || format == j.end() ||
      *format != kFormat || version == j.end() || *version != kVersion ||
      entries == j.end() || !entries->is_object()) {
    warning = "'" + path + "' is not a kgen decisions file (version " +
              std::to_string(kVersion) +
              "); ignoring it and leaving it untouched: move it away or pass "
              "another decisions path";
    file.writable = false;
    return file;
  }
  file.entries = *entries;
  if (llvm::Expected<OutputTarget> target = resolveOutput(path); !target) {
    warning = llvm::toString(target.takeError()) +
              " (its decisions are used; new ones are not saved)";
    file.writable = false;
  }
  return file;
}

const json *DecisionsFile::lookup(const std::string &key) const {
  auto it = entries.find(key);
  return it == entries.end() ? nullptr : &*it;
}

void DecisionsFile::record(const std::string &key, json entry) {
  entries[key] = std::move(entry);
  recorded.insert(key);
}

llvm::Error DecisionsFile::save() const {
  if (path.empty() || !writable || recorded.empty())
    return llvm::Error::success();
  // Parallel builds sharing the file each re-read it under the lock and
  // add their own entries: writing the entries read at load() would drop
  // those another build saved since.
  llvm::Expected<OutputTarget> target = resolveOutput(path);
  if (!target)
    return target.takeError();
  llvm::Expected<FileLock> lock =
      FileLock::acquire(target->path, std::chrono::seconds(30));
  if (!lock)
    return lock.takeError();
  std::string warning;
  DecisionsFile current = load(path, warning);
  if (!current.writable) // it became corrupt or read-only since load()
    return llvm::createStringError(warning);
  for (const std::string &key : recorded)
    current.entries[key] = entries.at(key);
  json j = {{"format", kFormat},
            {"version", kVersion},
            {"entries", std::move(current.entries)}};
  return writeFileAtomically(path, dumpJson(j, 2) + "\n");
}

llvm::Error mlir::kgen::appendTrajectory(const std::string &path,
                                         const json &line) {
  // The same policy as every output: a read-only log is left alone, a
  // symbolic link is followed (the link stays), a dangling one refused.
  llvm::Expected<OutputTarget> target = resolveOutput(path);
  if (!target)
    return target.takeError();
  std::error_code ec;
  llvm::raw_fd_ostream os(target->path, ec,
                          target->kind == OutputTarget::Kind::WriteThrough
                              ? llvm::sys::fs::CD_OpenExisting
                              : llvm::sys::fs::CD_OpenAlways,
                          llvm::sys::fs::FA_Write, llvm::sys::fs::OF_Append);
  if (ec)
    return llvm::createStringError(ec, path + ": " + ec.message());
  // One write per record: concurrent appenders never interleave lines.
  os << dumpJson(line) + "\n";
  os.close();
  if (os.has_error()) {
    std::error_code err = os.error();
    os.clear_error();
    return llvm::createStringError(err, path + ": " + err.message());
  }
  return llvm::Error::success();
}
