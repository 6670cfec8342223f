// f16 gemms on sm_90a with wgmma. The heuristic: one warpgroup (128
// threads) per 128x64 tile, two m64n64k16 per 16-step (M 128), K steps of
// 64 halves staged in the 128-byte swizzled layout and double-buffered
// (cp.async one step ahead). With the f32 accumulator tile the buffers
// take 84 KB, past the 48 KB of static shared memory: they are views of
// dynamic shared memory (kgen-use-dynamic-shared-memory), whose size the
// launch passes. The accumulator tile (34816 bytes) is first used after
// the loop (kgen-forward-accumulator-fills), so it lies over the staging
// buffers (2 x 16384 of A, 2 x 8192 of B, 1024-byte aligned): 49152
// bytes, and 1008 to align the dynamic base.
// RUN: kgen-opt %s -kgen-gpu-pipeline="chip=sm_90a format=isa" | FileCheck %s
// The same gemm with a replayed 64x64, synchronous schedule: 33 KB of
// static shared memory, each buffer 1024-byte aligned.
// RUN: echo '{"kernel": "main_kernel_0", "schedule": {"version": 1, "workgroup_tile": [64, 64], "thread_tile": [64, 64], "reduction_tile": [64], "vector_width": 8, "promote_operands": [0, 1], "fuse": [0, 1, 2], "matrix_instruction": "wgmma"}}' > %t.jsonl
// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.jsonl rounds=1" -kgen-gpu-codegen="chip=sm_90a format=isa" | FileCheck %s --check-prefix=STATIC

// CHECK: %[[SIZE:[0-9]+]] = llvm.mlir.constant(50160 : i32) : i32
// CHECK: gpu.launch_func @main_kernel_0_kernel::@main_kernel_0_kernel {{.*}} dynamic_shared_memory_size %[[SIZE]]
// CHECK: .visible .entry main_kernel_0_kernel(
// CHECK-SAME: .maxntid 128, 1, 1
// CHECK-SAME: .shared .align 16 .b8 __dynamic_shmem__0;
// The prologue issues step 0's copies; the accumulators start at zero in
// registers (no shared-memory load); each step waits for its copies,
// fences the generic-proxy writes for wgmma, and multiplies with 8
// instructions (2 x 64 rows, 4 16-steps), with no shared-memory trip of
// the accumulator; after the loop every copy is waited for, the block
// meets at a barrier, and the accumulator is stored once over the staging
// buffers.
// CHECK-SAME: cp.async.cg.shared.global [%rd{{[0-9]+}}], [%rd{{[0-9]+}}], 16;
// CHECK-SAME: cp.async.commit_group;
// CHECK-NOT: ld.shared.v2
// CHECK-SAME: cp.async.wait_group \091;
// CHECK-SAME: bar.sync
// CHECK-SAME: fence.proxy.async.shared::cta;\0A\09bar.sync
// CHECK-SAME: wgmma.fence.sync.aligned;
// CHECK-COUNT-8: wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16
// CHECK-NOT: wgmma.mma_async
// CHECK-SAME: wgmma.commit_group.sync.aligned;
// CHECK-SAME: wgmma.wait_group.sync.aligned \090;
// CHECK-SAME: cp.async.wait_group \090;
// CHECK-SAME: bar.sync
// CHECK-SAME: st.shared.v2.b32
// CHECK-SAME: cvt.rn.f16.f32
// CHECK-SAME: st.global.v4.b32

// STATIC: .visible .entry main_kernel_0_kernel(
// STATIC-SAME: .maxntid 128, 1, 1
// STATIC-SAME: .shared .align 1024 .b8 __wg_main_kernel_0_kernel_0[17408]
// STATIC-SAME: .shared .align 1024 .b8 __wg_main_kernel_0_kernel_1[8192]
// STATIC-SAME: .shared .align 1024 .b8 __wg_main_kernel_0_kernel_2[8192]
// STATIC-NOT: __wg_main_kernel_0_kernel_3
// STATIC-NOT: __dynamic_shmem
// No fill and no load of the accumulator (it starts at zero in
// registers); each 64-step: the copies (16 bytes per thread and row), a
// barrier, every thread's proxy fence and a barrier, 4 m64n64k16
// committed as one group and waited for; after the loop the accumulator
// stored once, a barrier, and the epilogue.
// STATIC-NOT: ld.shared
// STATIC-SAME: $L__BB0_1:
// STATIC-SAME: ld.global.v4.b32
// STATIC-SAME: st.shared.v4.b32
// STATIC-SAME: bar.sync
// STATIC-SAME: fence.proxy.async.shared::cta;\0A\09bar.sync
// STATIC-NOT: ld.shared
// STATIC-SAME: wgmma.fence.sync.aligned;
// STATIC-COUNT-4: wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16
// STATIC-NOT: wgmma.mma_async
// STATIC-SAME: wgmma.commit_group.sync.aligned;
// STATIC-SAME: wgmma.wait_group.sync.aligned \090;
// STATIC-NOT: st.shared
// STATIC-SAME: bra \09$L__BB0_1;
// STATIC-SAME: st.shared.v2.b32
// STATIC-SAME: bar.sync
// STATIC-SAME: cvt.rn.f16x2.f32
// STATIC-SAME: st.global.v4.b32
func.func @main(%a: tensor<128x256xf16>, %b: tensor<256x64xf16>) -> tensor<128x64xf16> {
  %0 = kgen.matmul %a, %b : (tensor<128x256xf16>, tensor<256x64xf16>) -> tensor<128x64xf16>
  %1 = kgen.relu %0 : tensor<128x64xf16>
  return %1 : tensor<128x64xf16>
}
