// vector_width: each thread walks its tile in vectors of that many elements
// of its innermost thread-tiled loop, and every op of the tile becomes
// vector code, unrolled to 1-D vectors. Both schedules pass all four rungs
// (the numerical check included).

// An elementwise kernel, vectors of 2 along the innermost loop.
// RUN: echo '{"kernel": "main_kernel_0", "schedule": {"version": 1, "workgroup_tile": [4, 64], "thread_tile": [1, 8], "reduction_tile": [], "vector_width": 2}}' > %t.add.jsonl
// RUN: kgen-opt %s --split-input-file -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.add.jsonl rounds=1 print-schedules" 2>&1 | FileCheck %s --check-prefix=ADD

// ADD: remark: schedule from replay: {{.*}}"vector_width":2
// ADD: transform.named_sequence @__transform_main(%[[ROOT:.*]]: !transform.any_op
// ADD: %[[TILED1:[^ ,]+]], %{{[^ ,]+}} = transform.structured.tile_using_forall %{{[^ ,]+}} tile_sizes [1, 8](mapping = [#gpu.thread<y>, #gpu.thread<x>])
// ADD: %[[VECTOR:[^ ,]+]], %{{[^ ,]+}}:2 = transform.structured.tile_using_for %[[TILED1]] tile_sizes [1, 2]
// ADD: transform.structured.vectorize %[[VECTOR]]
// ADD: transform.apply_patterns to %[[ROOT]]
// ADD-LABEL: func.func private @main_kernel_0
// ADD:         scf.forall ({{.*}}) in (4, 2)
// ADD:           scf.forall ({{.*}}) in (4, 8)
// ADD:             scf.for
// ADD:               vector.transfer_read {{.*}} : tensor<1x2xf32>, vector<2xf32>
// ADD:               vector.transfer_read {{.*}} : tensor<1x2xf32>, vector<2xf32>
// ADD:               arith.addf {{.*}} : vector<2xf32>
// ADD:               math.tanh {{.*}} : vector<2xf32>
// ADD:               vector.transfer_write {{.*}} : vector<2xf32>, tensor<1x2xf32>
func.func @main(%x: tensor<16x128xf32>, %y: tensor<16x128xf32>) -> tensor<16x128xf32> {
  %0 = kgen.add %x, %y : (tensor<16x128xf32>, tensor<16x128xf32>) -> tensor<16x128xf32>
  %1 = kgen.tanh %0 : tensor<16x128xf32>
  return %1 : tensor<16x128xf32>
}

// -----

// A batched matmul (its root is its sink, so its fill stays outside the
// vector loop, written as one 2x4 vector per thread and unrolled after
// bufferization), vectors of 4
// along n: each step of 16 along k is 16 outer-product FMAs.
// RUN: echo '{"kernel": "main_kernel_0", "schedule": {"version": 1, "workgroup_tile": [1, 16, 32], "thread_tile": [0, 2, 4], "reduction_tile": [16], "vector_width": 4}}' > %t.bmm.jsonl
// RUN: kgen-opt %s --split-input-file -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.bmm.jsonl rounds=1" 2>&1 | FileCheck %s --check-prefix=BMM
// BMM-LABEL: func.func private @main_kernel_0
// BMM:         scf.forall ({{.*}}) in (2, 2, 2)
// BMM:           scf.forall ({{.*}}) in (8, 8)
// BMM:             vector.transfer_write {{.*}} : vector<2x4xf32>, tensor<1x2x4xf32>
// BMM:             scf.for {{.*}} -> (tensor<1x2x4xf32>)
// BMM:               scf.for {{.*}} -> (tensor<1x1x4xf32>)
// BMM-COUNT-16:        vector.fma {{.*}} : vector<4xf32>
func.func @main(%a: tensor<2x32x64xf32>, %b: tensor<2x64x64xf32>) -> tensor<2x32x64xf32> {
  %0 = kgen.batch_matmul %a, %b : (tensor<2x32x64xf32>, tensor<2x64x64xf32>) -> tensor<2x32x64xf32>
  return %0 : tensor<2x32x64xf32>
}

// -----

// Regressions of the vector lowering, with the heuristic's vectors of 4:
// an operand read transposed (its transpose and shape-cast patterns used to
// rewrite each other forever), and an f16 contraction (accumulating in f32,
// which outer products cannot take: it stays multiply and reduce).
// RUN: kgen-opt %s --split-input-file -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels=report -o /dev/null 2>&1 | FileCheck %s --check-prefix=HEUR
// HEUR: remark: kgen-schedule-kernels: 1 candidates verified, 1 accepted, 0 rejected
// HEUR: remark: kgen-schedule-kernels: 1 candidates verified, 1 accepted, 0 rejected
// HEUR: remark: kgen-schedule-kernels: 1 candidates verified, 1 accepted, 0 rejected
// HEUR: remark: kgen-schedule-kernels: 1 candidates verified, 1 accepted, 0 rejected
func.func @main(%x: tensor<64x64xf32>, %y: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %t = kgen.permute %x dims [1, 0] : tensor<64x64xf32> -> tensor<64x64xf32>
  %0 = kgen.add %t, %y : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  return %0 : tensor<64x64xf32>
}

// -----

func.func @main(%a: tensor<16x8x16xf16>, %b: tensor<16x16x8xf16>) -> tensor<16x8x8xf16> {
  %0 = kgen.batch_matmul %a, %b : (tensor<16x8x16xf16>, tensor<16x16x8xf16>) -> tensor<16x8x8xf16>
  return %0 : tensor<16x8x8xf16>
}
