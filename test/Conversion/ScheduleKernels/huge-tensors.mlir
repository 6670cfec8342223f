// Huge tensors never abort: a size that a 64-bit byte count cannot hold is
// a verifier error, and rung 4 refuses a reduced instance it cannot hold in
// memory before allocating it (a whole, untiled reduction of 2^28 elements
// keeps its size).
// RUN: echo '{"kernel": "main_kernel_0", "schedule": {"version": 1, "workgroup_tile": [2], "thread_tile": [1], "reduction_tile": [0]}}' > %t.jsonl
// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.jsonl rounds=1 trajectory=%t.traj" -o /dev/null 2>&1
// RUN: FileCheck %s < %t.traj
// CHECK: "proposer":"replay"{{.*}}the numerical check needs 12.0 GiB of host memory for 3 input sets, over its 2 GiB limit{{.*}}"reason":"reference_failed"
// The heuristic tiles the reduction, and its instance fits.
// CHECK: "proposer":"heuristic"{{.*}}"verdict":{"accepted":true
func.func @main(%x: tensor<4x268435456xf32>) -> tensor<4xf32> {
  %0 = kgen.sum %x dims [1] : tensor<4x268435456xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
