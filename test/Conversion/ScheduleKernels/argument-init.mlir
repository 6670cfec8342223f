// Kernels whose output starts from a function argument (a matmul
// accumulating into its init argument) pass the numerical rung: the
// reference run must not write the sum into the inputs the scheduled run
// then reads.
// RUN: kgen-opt %s -kgen-form-kernels -kgen-schedule-kernels="trajectory=%t.traj" -o /dev/null 2>&1 | FileCheck %s --allow-empty --implicit-check-not=warning
// RUN: FileCheck %s --check-prefix=TRAJ < %t.traj
// TRAJ: "proposer":"heuristic"{{.*}}"verdict":{"accepted":true

// The same for every op of the attention example in its own kernel.
// RUN: echo '{"main": [[0], [1], [2], [3], [4], [5], [6], [7], [8], [9], [10]]}' > %t.grouping.json
// RUN: kgen-opt %S/../../../examples/attention.mlir -kgen-to-linalg -kgen-form-kernels=grouping=%t.grouping.json -kgen-schedule-kernels="trajectory=%t.attention.traj" -o /dev/null 2>&1 | FileCheck %s --allow-empty --implicit-check-not=warning
// RUN: FileCheck %s --check-prefix=ATTENTION --implicit-check-not='"accepted":false' < %t.attention.traj
// ATTENTION-COUNT-11: "verdict":{"accepted":true
func.func @main(%a: tensor<64x32xf32>, %b: tensor<32x48xf32>, %c: tensor<64x48xf32>) -> tensor<64x48xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<64x32xf32>, tensor<32x48xf32>) outs(%c : tensor<64x48xf32>) -> tensor<64x48xf32>
  return %0 : tensor<64x48xf32>
}
