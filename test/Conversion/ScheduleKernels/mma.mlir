// matrix_instruction = mma_sync: the root is tiled over warps (the thread
// tile is a warp's tile) and marked for kgen-lower-matrix-instructions; the
// copies, the accumulator's fill and the consumers spread over the block's
// 128 threads by linear id. Rung 4 runs the marked matmul as loops on the
// CPU against the unscheduled kernel.
// RUN: echo '{"kernel": "main_kernel_0", "schedule": {"version": 1, "workgroup_tile": [64, 64], "thread_tile": [32, 32], "reduction_tile": [32], "vector_width": 8, "promote_operands": [0, 1], "fuse": [0, 1, 2], "matrix_instruction": "mma_sync"}}' > %t.mma.jsonl
// RUN: kgen-opt %s --split-input-file -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.mma.jsonl rounds=1 print-schedules" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SCRIPT
// RUN: kgen-opt %s --split-input-file -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.mma.jsonl rounds=1" 2>/dev/null | FileCheck %s

// SCRIPT: remark: schedule from replay: {{.*}}"matrix_instruction":"mma_sync"
// SCRIPT: %[[PROMOTED_ROOT:[^ ,]+]], %{{[^ ,]+}}, %{{[^ ,]+}} = transform.structured.pad
// SCRIPT: %[[COPY:.*]]:2 = transform.split_handle
// SCRIPT: tile_using_forall %[[COPY]]#0 tile_sizes [2, 8](mapping = [#gpu.thread<linear_dim_1>, #gpu.thread<linear_dim_0>])
// SCRIPT: tile_using_forall %[[COPY]]#1 tile_sizes [2, 8](mapping = [#gpu.thread<linear_dim_1>, #gpu.thread<linear_dim_0>])
// SCRIPT: tile_sizes [4, 8](mapping = [#gpu.thread<linear_dim_1>, #gpu.thread<linear_dim_0>])
// SCRIPT: %[[ROOT_THREADS:[^ ,]+]], %{{[^ ,]+}} = transform.structured.tile_using_forall %[[PROMOTED_ROOT]] tile_sizes [32, 32, 0](mapping = [#gpu.warp<y>, #gpu.warp<x>])
// SCRIPT: transform.annotate %[[ROOT_THREADS]] "kgen.mma_sync"
// The root's step is neither tiled further nor vectorized.
// SCRIPT-NOT: %[[ROOT_THREADS]]{{[^0-9_]}}
// SCRIPT: transform.yield

// CHECK-LABEL: func.func private @main_kernel_0
// CHECK:         scf.forall
// CHECK:           scf.for
// CHECK:             linalg.matmul {kgen.mma_sync, kgen.op = 1 : i64, kgen.root} ins(%{{.*}}, %{{.*}} : tensor<32x32xf16>, tensor<32x32xf16>) outs(%{{.*}} : tensor<32x32xf32>)
// CHECK:           } {mapping = [#gpu.warp<y>, #gpu.warp<x>]}
// CHECK:       } {mapping = [#gpu.thread<linear_dim_1>, #gpu.thread<linear_dim_0>]}
// CHECK:     } {mapping = [#gpu.block<y>, #gpu.block<x>]}
func.func @main(%a: tensor<128x96xf16>, %b: tensor<96x128xf16>) -> tensor<128x128xf16> {
  %0 = kgen.matmul %a, %b : (tensor<128x96xf16>, tensor<96x128xf16>) -> tensor<128x128xf16>
  %1 = kgen.relu %0 : tensor<128x128xf16>
  return %1 : tensor<128x128xf16>
}

// -----

// f32 operands would run as tf32 and lose precision: rejected at rung 2,
// and the heuristic's schedule (no tensor cores for f32) is used.
// RUN: echo '{"kernel": "main_kernel_0", "schedule": {"version": 1, "workgroup_tile": [64, 64], "thread_tile": [32, 32], "reduction_tile": [32], "promote_operands": [0, 1], "fuse": [0, 1], "matrix_instruction": "mma_sync"}}' > %t.f32.jsonl
// RUN: kgen-opt %s --split-input-file -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.f32.jsonl rounds=1" -o /dev/null 2>&1 | FileCheck %s --check-prefix=F32
// F32: warning: no schedule from the replay proposer passed verification (last: [matrix_instruction] mma_sync takes f16 operands accumulated in f32; this root's operands are f32, f32, f32); using the heuristic schedule
func.func @main(%a: tensor<128x96xf32>, %b: tensor<96x128xf32>) -> tensor<128x128xf32> {
  %0 = kgen.matmul %a, %b : (tensor<128x96xf32>, tensor<96x128xf32>) -> tensor<128x128xf32>
  %1 = kgen.relu %0 : tensor<128x128xf32>
  return %1 : tensor<128x128xf32>
}

// -----

// The heuristic uses tensor cores for f16 gemms on NVIDIA chips, not on
// AMD ones.
// RUN: kgen-opt %s --split-input-file -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="print-schedules target=sm_80" -o /dev/null 2>&1 | FileCheck %s --check-prefix=HEURISTIC
// RUN: kgen-opt %s --split-input-file -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="print-schedules target=gfx942" -o /dev/null 2>&1 | FileCheck %s --check-prefix=AMD
// HEURISTIC: remark: schedule from heuristic: {{.*}}"matrix_instruction":"mma_sync"{{.*}}"reduction_tile":[64]{{.*}}"thread_tile":[32,32],"vector_width":8
// AMD: remark: schedule from heuristic:
// AMD-NOT: mma_sync
// AMD: "promote_operands":[0,1]
func.func @main(%a: tensor<128x256xf16>, %b: tensor<256x64xf16>) -> tensor<128x64xf16> {
  %0 = kgen.matmul %a, %b : (tensor<128x256xf16>, tensor<256x64xf16>) -> tensor<128x64xf16>
  return %0 : tensor<128x64xf16>
}

// -----

// matrix_instruction = wgmma (sm_90a): the root is tiled over warpgroups
// (the thread tile is a warpgroup's tile, 128 threads), marked for
// kgen-lower-matrix-instructions; rung 4 runs the marked matmul as loops.
// RUN: echo '{"kernel": "main_kernel_0", "schedule": {"version": 1, "workgroup_tile": [64, 64], "thread_tile": [64, 64], "reduction_tile": [64], "vector_width": 8, "promote_operands": [0, 1], "fuse": [0, 1, 2], "matrix_instruction": "wgmma"}}' > %t.wgmma.jsonl
// RUN: kgen-opt %s --split-input-file -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.wgmma.jsonl rounds=1 print-schedules" -o /dev/null 2>&1 | FileCheck %s --check-prefix=WGMMA-SCRIPT
// RUN: kgen-opt %s --split-input-file -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.wgmma.jsonl rounds=1" 2>/dev/null | FileCheck %s --check-prefix=WGMMA
// The heuristic takes wgmma on sm_90a (one warpgroup per 128x128 tile,
// double-buffered), mma_sync on sm_80 (above).
// RUN: kgen-opt %s --split-input-file -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="print-schedules target=sm_90a" -o /dev/null 2>&1 | FileCheck %s --check-prefix=WGMMA-HEURISTIC
// The same schedule on sm_80, and wgmma with 32-steps, are rejected.
// RUN: kgen-opt %s --split-input-file -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.wgmma.jsonl rounds=1 target=sm_80" -o /dev/null 2>&1 | FileCheck %s --check-prefix=WGMMA-SM80
// RUN: echo '{"kernel": "main_kernel_0", "schedule": {"version": 1, "workgroup_tile": [64, 64], "thread_tile": [64, 64], "reduction_tile": [32], "promote_operands": [0, 1], "fuse": [0, 1, 2], "matrix_instruction": "wgmma"}}' > %t.wgmma32.jsonl
// RUN: kgen-opt %s --split-input-file -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.wgmma32.jsonl rounds=1" -o /dev/null 2>&1 | FileCheck %s --check-prefix=WGMMA-STEP

// WGMMA-SCRIPT: remark: schedule from replay: {{.*}}"matrix_instruction":"wgmma"
// WGMMA-SCRIPT: %[[PROMOTED_ROOT:[^ ,]+]], %{{[^ ,]+}}, %{{[^ ,]+}} = transform.structured.pad
// WGMMA-SCRIPT: %[[ROOT_THREADS:[^ ,]+]], %{{[^ ,]+}} = transform.structured.tile_using_forall %[[PROMOTED_ROOT]] tile_sizes [64, 64, 0](mapping = [#gpu.warpgroup<y>, #gpu.warpgroup<x>])
// WGMMA-SCRIPT: transform.annotate %[[ROOT_THREADS]] "kgen.wgmma"
// WGMMA-SCRIPT-NOT: %[[ROOT_THREADS]]{{[^0-9_]}}
// WGMMA-SCRIPT: transform.yield
// WGMMA-LABEL: func.func private @main_kernel_0
// WGMMA:         scf.for
// WGMMA:           linalg.matmul {kgen.op = 1 : i64, kgen.root, kgen.wgmma} ins(%{{.*}}, %{{.*}} : tensor<64x64xf16>, tensor<64x64xf16>) outs(%{{.*}} : tensor<64x64xf32>)
// WGMMA:         } {mapping = [#gpu.warpgroup<y>, #gpu.warpgroup<x>]}
// WGMMA-HEURISTIC: remark: schedule from heuristic: {{.*}}"matrix_instruction":"wgmma","pipeline_depth":2{{.*}}"reduction_tile":[64]{{.*}}"thread_tile":[128,128],"vector_width":8,"version":1,"workgroup_tile":[128,128]
// WGMMA-SM80: warning: no schedule from the replay proposer passed verification (last: [matrix_instruction] 'wgmma' is not available on sm_80); using the heuristic schedule
// WGMMA-STEP: warning: no schedule from the replay proposer passed verification (last: [matrix_instruction] with wgmma the reduction step must be a multiple of 64 (it is 32)); using the heuristic schedule
func.func @main(%a: tensor<128x256xf16>, %b: tensor<256x128xf16>) -> tensor<128x128xf16> {
  %0 = kgen.matmul %a, %b : (tensor<128x256xf16>, tensor<256x128xf16>) -> tensor<128x128xf16>
  %1 = kgen.relu %0 : tensor<128x128xf16>
  return %1 : tensor<128x128xf16>
}
