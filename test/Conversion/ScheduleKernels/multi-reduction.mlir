// A root with two reduction loops (a sum over dims 0 and 2, which are not
// adjacent, written as the generic itself: kgen-to-linalg reduces dims
// apart in two stages) tiled on both:
// one scf.for per tiled reduction loop, outermost first, inside the thread
// loop; the numerical check (rung 4, the default seeds) accepts it.
// RUN: echo '{"kernel": "main_kernel_0", "schedule": {"version": 1, "workgroup_tile": [16], "thread_tile": [4], "reduction_tile": [8, 16], "vector_width": 4}}' > %t.jsonl
// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.jsonl rounds=1 print-schedules trajectory=%t.traj" -o %t.mlir 2>&1 | FileCheck %s --check-prefix=SCRIPT
// RUN: FileCheck %s < %t.mlir
// RUN: FileCheck %s --check-prefix=TRAJ < %t.traj
// SCRIPT: remark: schedule from replay: {{.*}}"reduction_tile":[8,16]
// SCRIPT: %{{[^ ,]+}}, %{{[^ ,]+}}:2 = transform.structured.tile_using_for %{{.*}} tile_sizes [8, 0, 16]
// TRAJ: "verdict":{"accepted":true
// CHECK-LABEL: func.func private @main_kernel_0
// CHECK:         scf.forall
// CHECK:           scf.forall
// CHECK:             scf.for %{{.*}} = %c0 to %c32 step %c8
// CHECK:               scf.for %{{.*}} = %c0 to %c32 step %c16
// CHECK:                 vector.transfer_read
// CHECK:             } {mapping = [#gpu.thread<x>]}
// CHECK:         } {mapping = [#gpu.block<x>]}

// The GPU code: 128-bit loads of the rows.
// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.jsonl rounds=1 target=sm_90a" -kgen-gpu-codegen="chip=sm_90a format=isa" | FileCheck %s --check-prefix=PTX
// PTX: ld.global.v4.b32
#in = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#out = affine_map<(d0, d1, d2) -> (d1)>
func.func @main(%x: tensor<32x64x32xf32>) -> tensor<64xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<64xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<64xf32>) -> tensor<64xf32>
  %0 = linalg.generic {indexing_maps = [#in, #out], iterator_types = ["reduction", "parallel", "reduction"]} ins(%x : tensor<32x64x32xf32>) outs(%init : tensor<64xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  } -> tensor<64xf32>
  return %0 : tensor<64xf32>
}
