// A split reduction: a partial stage reduces 8 chunks of 128 in parallel
// (one workgroup per chunk and output tile), then a combining stage reduces
// the 8 partial sums; the numerical check accepts it.
// RUN: echo '{"kernel": "main_kernel_0", "schedule": {"version": 1, "workgroup_tile": [4], "thread_tile": [1], "reduction_tile": [32], "split_reduction": 8}}' > %t.jsonl
// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.jsonl rounds=1 print-schedules" -o %t.mlir 2>&1 | FileCheck %s --check-prefix=SCRIPT
// RUN: FileCheck %s < %t.mlir
// SCRIPT: remark: schedule from replay: {{.*}}"split_reduction":8
// SCRIPT: %[[SINK:.*]] = transform.structured.match attributes {kgen.sink}
// SCRIPT: %{{[^ ,]+}}, %{{[^ ,]+}}, %[[PARTIAL:[^ ,]+]], %[[COMBINE:[^ ,]+]] = transform.structured.split_reduction %[[SINK]] {insert_split_dimension = 1 : i64, split_factor = 8 : i64}
// SCRIPT: %[[PARTIAL_TILED:[^ ,]+]], %{{[^ ,]+}} = transform.structured.tile_using_forall %[[PARTIAL]] tile_sizes [4, 1, 0](mapping = [#gpu.block<y>, #gpu.block<x>])
// SCRIPT: transform.structured.tile_using_for %[[PARTIAL_TILED]] tile_sizes [0, 0, 32]
// SCRIPT: transform.structured.tile_using_forall %[[COMBINE]] tile_sizes [4, 0](mapping = [#gpu.block<x>])
// CHECK-LABEL: func.func private @main_kernel_0
// CHECK:         scf.forall (%{{.*}}, %{{.*}}) in (2, 8) shared_outs(%{{.*}} = %{{.*}}) -> (tensor<8x8xf32>)
// CHECK:           scf.for
// CHECK:         } {mapping = [#gpu.block<y>, #gpu.block<x>]}
// CHECK:         scf.forall (%{{.*}}) in (2) shared_outs(%{{.*}} = %{{.*}}) -> (tensor<8xf32>)
// CHECK:           scf.forall (%{{.*}}) in (4)

// Splits that do not divide the loop, or kernels whose root is not their
// sink (mean has a scaling epilogue), are rejected with the reason.
// RUN: echo '{"kernel": "main_kernel_0", "schedule": {"version": 1, "workgroup_tile": [4], "thread_tile": [1], "reduction_tile": [0], "split_reduction": 3}}' > %t.bad.jsonl
// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.bad.jsonl rounds=1 trajectory=%t.bad.traj" -o /dev/null 2>/dev/null
// RUN: FileCheck %s --check-prefix=BAD < %t.bad.traj
// BAD: split_reduction 3 does not divide the reduction loop of 1024 into several chunks{{.*}}"reason":"split_reduction"
func.func @main(%x: tensor<8x1024xf32>) -> tensor<8xf32> {
  %0 = kgen.sum %x dims [1] : tensor<8x1024xf32> -> tensor<8xf32>
  return %0 : tensor<8xf32>
}
