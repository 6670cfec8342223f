// An f16 gemm on sm_90a: the heuristic schedules it for wgmma, one
// warpgroup (128 threads) per 64x64 tile, K steps of 64 halves staged in
// shared memory in the 128-byte swizzled layout (unpadded, 1024-byte
// aligned: the hardware swizzles on address bits) next to the f32
// accumulator (padded rows, 17408 bytes).
// RUN: kgen-opt %s -kgen-gpu-pipeline="chip=sm_90a format=isa" | FileCheck %s
// CHECK: .visible .entry main_kernel_0_kernel(
// CHECK-SAME: .maxntid 128, 1, 1
// CHECK-SAME: .shared .align 1024 .b8 __wg_main_kernel_0_kernel_0[17408]
// CHECK-SAME: .shared .align 1024 .b8 __wg_main_kernel_0_kernel_1[8192]
// CHECK-SAME: .shared .align 1024 .b8 __wg_main_kernel_0_kernel_2[8192]
// CHECK-NOT: __wg_main_kernel_0_kernel_3
// The fill of the accumulator and its pairs loaded once into registers
// (kgen-hoist-accumulators); then each 64-step: the copies (16 bytes per
// thread and row), a barrier; every thread's proxy fence and a barrier
// (wgmma reads shared memory through the async proxy); 4 m64n64k16
// instructions (one per 16-step) committed as one group and waited for,
// with no shared-memory trip of the accumulator; after the loop the
// accumulator is stored once, a barrier, and the epilogue.
// CHECK-SAME: st.shared.v4.b32
// CHECK-SAME: bar.sync
// CHECK-SAME: ld.shared.v2.b32
// CHECK-SAME: $L__BB0_1:
// CHECK-SAME: ld.global.v4.b32
// CHECK-SAME: st.shared.v4.b32
// CHECK-SAME: bar.sync
// CHECK-SAME: fence.proxy.async.shared::cta;\0A\09bar.sync
// CHECK-NOT: ld.shared
// CHECK-SAME: wgmma.fence.sync.aligned;
// CHECK-SAME: wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16
// CHECK-SAME: wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16
// CHECK-SAME: wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16
// CHECK-SAME: wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16
// CHECK-NOT: wgmma.mma_async
// CHECK-SAME: wgmma.commit_group.sync.aligned;
// CHECK-SAME: wgmma.wait_group.sync.aligned \090;
// CHECK-NOT: st.shared
// CHECK-SAME: bra \09$L__BB0_1;
// CHECK-SAME: st.shared.v2.b32
// CHECK-SAME: bar.sync
// CHECK-SAME: cvt.rn.f16x2.f32
// CHECK-SAME: st.global.v4.b32
func.func @main(%a: tensor<128x256xf16>, %b: tensor<256x64xf16>) -> tensor<128x64xf16> {
  %0 = kgen.matmul %a, %b : (tensor<128x256xf16>, tensor<256x64xf16>) -> tensor<128x64xf16>
  %1 = kgen.relu %0 : tensor<128x64xf16>
  return %1 : tensor<128x64xf16>
}
