//===- NativeCode.h - host machine code: compile once, load anywhere -*- C++ -*-===//
//
// The two halves of a JIT kept apart: a lowered (LLVM dialect) module is
// compiled into an object file in memory, and an object file is linked into
// this process by an ORC JIT. The runners always go through the object, so
// the bytes a cache keeps are exactly what every fresh compile runs, and
// another process loads them without compiling anything.
//
// An object holds code for the host that compiled it (its CPU's features
// included): `hostIdentity()` names that host, and callers that keep objects
// refuse one made for another.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_EXECUTION_NATIVECODE_H
#define KGEN_EXECUTION_NATIVECODE_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <mutex>
#include <string>

namespace llvm::orc {
class LLJIT;
} // namespace llvm::orc

namespace mlir::kgen {

/// A symbol the loaded code calls that the process may not export (a
/// runtime function linked into kgen's own libraries).
struct RuntimeSymbol {
  llvm::StringRef name;
  void *address;
};

/// The target triple, CPU name and CPU features of this machine, as one
/// string: an object compiled here runs where this string is the same.
std::string hostIdentity();

/// Translates `module` (LLVM dialect, as the runners' pipelines leave it)
/// to LLVM IR, optimizes it at -O2 and compiles it for this host. The
/// packed entry `_mlir_<entry>` (one `void **` argument, as MLIR's
/// ExecutionEngine::invokePacked calls) is added for `entry`, and the
/// module's global constructors and destructors become the functions that
/// NativeCode runs before the first call and at its destruction.
llvm::Expected<std::string> compileObject(ModuleOp module,
                                          llvm::StringRef entry);

class NativeCode {
public:
  /// Links `object` (from compileObject with the same `entry`, in this or
  /// another process) into this process, resolving its calls against
  /// `runtimeSymbols` first, then the process's own symbols. Nothing runs
  /// until the first invoke.
  static llvm::Expected<std::unique_ptr<NativeCode>>
  load(std::string object, llvm::StringRef entry,
       llvm::ArrayRef<RuntimeSymbol> runtimeSymbols);
  ~NativeCode();

  /// Calls the entry with `args` (one pointer per argument, as MLIR's
  /// ExecutionEngine::invokePacked takes them), running the module's
  /// constructors first if this is the first call.
  void invokePacked(llvm::MutableArrayRef<void *> args);

  /// The object this code was loaded from, and its entry.
  llvm::StringRef object() const { return objectBytes; }
  llvm::StringRef entry() const { return entryName; }

private:
  NativeCode() = default;
  std::string objectBytes, entryName;
  std::unique_ptr<llvm::orc::LLJIT> jit;
  void (*packedEntry)(void **) = nullptr;
  void (*constructors)() = nullptr;
  void (*destructors)() = nullptr;
  std::once_flag constructed;
  bool ranConstructors = false;
};

} // namespace mlir::kgen

#endif // KGEN_EXECUTION_NATIVECODE_H
