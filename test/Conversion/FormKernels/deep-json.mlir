// Grouping inputs nested 200,000 levels deep are refused before a value of
// that depth is built (copying or printing one would overflow the stack):
// one clear line each, no crash.

// A grouping file: warned about, and the default grouping is used.
// RUN: %python %S/../ScheduleKernels/Inputs/deep_json.py grouping > %t.grouping.json
// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels=grouping=%t.grouping.json 2>&1 | FileCheck %s --check-prefix=FILE
// FILE: warning: kernel grouping file '{{.*}}grouping.json': JSON nests arrays and objects more than 128 levels deep (kgen's limit); using the default grouping
// FILE: call @gemm_bias_relu_kernel_0

// A grouping transcript line.
// RUN: %python %S/../ScheduleKernels/Inputs/deep_json.py grouping-replay > %t.replay.jsonl
// RUN: not kgen-opt %s -kgen-to-linalg "-kgen-form-kernels=grouping-proposer=replay grouping-replay=%t.replay.jsonl" 2>&1 | FileCheck %s --check-prefix=REPLAY
// REPLAY: error: grouping transcript {{.*}}replay.jsonl line 1: JSON nests arrays and objects more than 128 levels deep (kgen's limit)

func.func @gemm_bias_relu(%x: tensor<16x32xf32>, %w: tensor<32x8xf32>, %b: tensor<8xf32>) -> tensor<16x8xf32> {
  %0 = kgen.matmul %x, %w : (tensor<16x32xf32>, tensor<32x8xf32>) -> tensor<16x8xf32>
  %1 = kgen.add %0, %b : (tensor<16x8xf32>, tensor<8xf32>) -> tensor<16x8xf32>
  %2 = kgen.relu %1 : tensor<16x8xf32>
  return %2 : tensor<16x8xf32>
}
