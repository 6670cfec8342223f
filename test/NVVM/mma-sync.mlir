// An f16 gemm on sm_80: the heuristic schedules it for tensor cores, and
// the PTX multiplies with mma.sync (on sm_90a it uses wgmma: wgmma.mlir).
// 4 warps (a 64x2 block) each compute a 32x32 quarter of the 64x64 tile;
// K steps of 64 halves are staged in shared memory, rows padded by 16
// bytes (so the warps' column reads do not conflict in banks),
// double-buffered: 4 x 9216 bytes. The f32 accumulator tile (17408 bytes)
// is first used after the loop (kgen-forward-accumulator-fills), so it
// lies over the staging buffers: 36864 bytes in all, in dynamic shared
// memory since the buffers together pass the 48 KB of static shared
// memory.
// RUN: kgen-opt %s -kgen-gpu-pipeline="chip=sm_80 format=isa" | FileCheck %s
// CHECK: %[[SIZE:[0-9]+]] = llvm.mlir.constant(36864 : i32) : i32
// CHECK: gpu.launch_func @main_kernel_0_kernel::@main_kernel_0_kernel {{.*}} dynamic_shared_memory_size %[[SIZE]]
// CHECK: .visible .entry main_kernel_0_kernel(
// CHECK-SAME: .maxntid 64, 2, 1
// CHECK-SAME: .shared .align 16 .b8 __dynamic_shmem__0;
// The prologue's copies (cp.async, 16 bytes); the accumulators start at
// zero in registers, not from shared memory; then each step waits for its
// copies and runs 4x4 instructions of 16 halves per warp and 16-step,
// fragments read from shared memory: A's with ldmatrix.x4, B's with
// ldmatrix.x2.trans (rows of 144 bytes start 16-byte aligned). After the
// loop every copy is waited for and the block meets at a barrier before
// the accumulator is stored once over the staging buffers.
// CHECK-SAME: cp.async.cg.shared.global [%rd{{[0-9]+}}], [%rd{{[0-9]+}}], 16;
// CHECK-SAME: cp.async.commit_group;
// CHECK-NOT: ld.shared.v2
// CHECK-SAME: cp.async.wait_group \091;
// CHECK-SAME: bar.sync
// CHECK-NOT: ld.shared.v2
// CHECK-SAME: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK-SAME: ldmatrix.sync.aligned.m8n8.x2.trans.shared.b16
// CHECK-SAME: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// CHECK-SAME: cp.async.wait_group \090;\0A\09bar.sync
// CHECK-SAME: st.shared.v2.b32
// CHECK-SAME: bar.sync
// CHECK-SAME: cvt.rn.f16.f32
// CHECK-SAME: st.global
func.func @main(%a: tensor<128x256xf16>, %b: tensor<256x64xf16>) -> tensor<128x64xf16> {
  %0 = kgen.matmul %a, %b : (tensor<128x256xf16>, tensor<256x64xf16>) -> tensor<128x64xf16>
  %1 = kgen.relu %0 : tensor<128x64xf16>
  return %1 : tensor<128x64xf16>
}
