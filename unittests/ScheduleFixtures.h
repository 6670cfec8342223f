//===- ScheduleFixtures.h - kernels and schedules for the tests -*- C++ -*-===//

#ifndef KGEN_UNITTESTS_SCHEDULEFIXTURES_H
#define KGEN_UNITTESTS_SCHEDULEFIXTURES_H

#include "kgen/Schedule/Schedule.h"

namespace mlir::kgen::testing {

/// The context the fixtures' element types live in.
inline MLIRContext &fixtureContext() {
  static MLIRContext context;
  return context;
}

inline Type f32Type() { return Float32Type::get(&fixtureContext()); }
inline Type f16Type() { return Float16Type::get(&fixtureContext()); }
inline Type bf16Type() { return BFloat16Type::get(&fixtureContext()); }

inline KernelOp fillOp() { return {OpKind::Fill, "linalg.fill"}; }
inline KernelOp genericOp() { return {OpKind::Generic, "linalg.generic"}; }

/// A 64x128x96 gemm + bias + relu kernel as kgen-form-kernels describes it:
/// ops 0 fill, 1 matmul (root), 2 bias add, 3 relu (sink).
inline KernelInfo gemmKernel() {
  KernelInfo k;
  k.name = "main_kernel_0";
  k.fingerprint = "0x1234";
  k.elementType = f32Type();
  k.elementBytes = 4;
  k.ops = {fillOp(), {OpKind::Matmul, "linalg.matmul"}, genericOp(),
           genericOp()};
  k.consumers = {{1}, {2}, {3}, {}};
  k.rootIndex = 1;
  k.sinkIndex = 3;
  k.sinkLoops = {64, 128};
  k.sinkParallel = {true, true};
  k.rootLoops = {64, 128, 96};
  k.rootParallel = {true, true, false};
  k.rootInputLoops = {{0, 2}, {2, 1}};
  k.rootInitProducers = {0};
  k.rootOperandTypes = {f32Type(), f32Type(), f32Type()};
  return k;
}

/// The gemm kernel with f16 operands accumulated in f32 (kgen's f16
/// matmul), its output 64x128 and K 96.
inline KernelInfo f16GemmKernel() {
  KernelInfo k = gemmKernel();
  k.elementType = f16Type();
  k.elementBytes = 2;
  k.rootOperandTypes = {f16Type(), f16Type(), f32Type()};
  return k;
}

/// The f16 gemm with K 256 (wgmma takes 64-steps of K).
inline KernelInfo f16GemmKernelK256() {
  KernelInfo k = f16GemmKernel();
  k.rootLoops = {64, 128, 256};
  return k;
}

/// A row sum: 256 rows of 1024, the root (a linalg.generic reducing the
/// inner loop, initialized by a fill) is the sink.
inline KernelInfo rowSumKernel() {
  KernelInfo k;
  k.name = "main_kernel_1";
  k.fingerprint = "0x5678";
  k.elementType = f32Type();
  k.ops = {fillOp(), genericOp()};
  k.consumers = {{1}, {}};
  k.rootIndex = k.sinkIndex = 1;
  k.sinkInitProducers = k.rootInitProducers = {0};
  k.sinkLoops = k.rootLoops = {256, 1024};
  k.sinkParallel = k.rootParallel = {true, false};
  k.rootInputLoops = {{0, 1}};
  k.rootOperandTypes = {f32Type(), f32Type()};
  return k;
}

/// A plausible schedule of gemmKernel.
inline nlohmann::json base() {
  return {{"version", 1},
          {"workgroup_tile", {32, 64}},
          {"thread_tile", {4, 4}},
          {"reduction_tile", {16}}};
}

inline nlohmann::json mmaSchedule() {
  return {{"version", 1},
          {"workgroup_tile", {64, 64}},
          {"thread_tile", {32, 32}},
          {"reduction_tile", {32}},
          {"vector_width", 8},
          {"promote_operands", {0, 1}},
          {"fuse", {0, 1, 2}},
          {"matrix_instruction", "mma_sync"}};
}

inline nlohmann::json wgmmaSchedule() {
  return {{"version", 1},
          {"workgroup_tile", {64, 128}},
          {"thread_tile", {64, 64}},
          {"reduction_tile", {64}},
          {"vector_width", 8},
          {"promote_operands", {0, 1}},
          {"fuse", {0, 1, 2}},
          {"matrix_instruction", "wgmma"}};
}

/// Rungs 1 and 2 on `target`; the parsed schedule goes to `out`.
inline Verdict verdictOf(const nlohmann::json &j, Schedule *out = nullptr,
                         const KernelInfo &k = gemmKernel(),
                         const char *target = "sm_90a") {
  Schedule s;
  Verdict verdict = parseSchedule(j, k, s);
  if (!verdict.accepted)
    return verdict;
  if (out)
    *out = s;
  return checkSchedule(s, k, *lookupTarget(target));
}

/// Rung 1 only: the schedule, or a failure with `verdict` set.
inline std::optional<Schedule> parsed(const nlohmann::json &j,
                                      const KernelInfo &k = gemmKernel()) {
  Schedule s;
  if (!parseSchedule(j, k, s).accepted)
    return std::nullopt;
  return s;
}

} // namespace mlir::kgen::testing

#endif // KGEN_UNITTESTS_SCHEDULEFIXTURES_H
