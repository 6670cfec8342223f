//===- Records.h - decisions file and trajectory log ------------*- C++ -*-===//
//
// The decisions file maps a kernel fingerprint and target to the accepted
// schedule, so that a later build reproduces this one exactly with no LLM.
// The trajectory log keeps every proposal (prompt, reply, schedule, verdict,
// measurements) as one JSON line: the raw material for training kernel
// models.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_SCHEDULE_RECORDS_H
#define KGEN_SCHEDULE_RECORDS_H

#include "llvm/Support/Error.h"

#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace mlir::kgen {

class DecisionsFile {
public:
  static constexpr const char *kFormat = "kgen-decisions";
  static constexpr int kVersion = 1;

  /// Loads `path`; a missing file is an empty one. A file that is not a
  /// kgen decisions file (corrupt, foreign, another version) or that kgen
  /// may not write (read-only, a directory; see AtomicFile.h) sets
  /// `warning` and makes this object read-only, so the file is never
  /// overwritten; the decisions of a read-only file are still used.
  static DecisionsFile load(const std::string &path, std::string &warning);

  /// Every entry, by key.
  const nlohmann::json &allEntries() const { return entries; }
  /// The recorded entry for `key`, or nullptr.
  const nlohmann::json *lookup(const std::string &key) const;
  void record(const std::string &key, nlohmann::json entry);
  /// Merges the entries recorded since load() into the file as it is now
  /// and writes it atomically, under a lock on `<path>.lock`, so that
  /// builds sharing the file keep each other's entries. A no-op when there
  /// is no path, nothing was recorded, or the file is read-only.
  llvm::Error save() const;

  bool isWritable() const { return writable; }

  /// The key of a kernel on a target.
  static std::string key(const std::string &fingerprint,
                         const std::string &target) {
    return fingerprint + "@" + target;
  }

private:
  std::string path;
  nlohmann::json entries = nlohmann::json::object();
  /// The keys record() set: this build's entries, which save() merges.
  std::set<std::string> recorded;
  bool writable = true;
};

/// Appends one JSON line to the trajectory log at `path` in a single write,
/// creating the file if needed. `path` follows the policy of every kgen
/// output (AtomicFile.h): a symbolic link is followed, a read-only file,
/// a link to a missing file or a directory is refused.
llvm::Error appendTrajectory(const std::string &path,
                             const nlohmann::json &line);

} // namespace mlir::kgen

#endif // KGEN_SCHEDULE_RECORDS_H
