//===- Registration.h - one-call registration of kgen -----------*- C++ -*-===//
//
// For compilers that embed kgen: adds the kgen dialect to `registry` and
// registers kgen's passes and named pipelines with MLIR's global pass
// registry (so they show up in an MlirOptMain-based tool's command line).
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_REGISTRATION_REGISTRATION_H
#define KGEN_REGISTRATION_REGISTRATION_H

namespace mlir {
class DialectRegistry;
namespace kgen {

/// Registers the kgen dialect, its dependent dialects, and all kgen passes
/// and pipelines. Safe to call more than once.
void registerAllKgen(DialectRegistry &registry);

} // namespace kgen
} // namespace mlir

#endif // KGEN_REGISTRATION_REGISTRATION_H
