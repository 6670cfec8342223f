// An f16 gemm on sm_80: the heuristic schedules it for tensor cores, and
// the PTX multiplies with mma.sync (on sm_90a it uses wgmma: wgmma.mlir). 4 warps (a 64x2 block) each compute
// a 32x32 quarter of the 64x64 tile; K steps of 64 halves are staged in
// shared memory next to the f32 accumulator, rows padded by 16 bytes (so
// the warps' column reads do not conflict in banks). A second buffer per
// tile would pass the 48 KB of static shared memory: pipeline_depth 1.
// RUN: kgen-opt %s -kgen-gpu-pipeline="chip=sm_80 format=isa" | FileCheck %s
// CHECK: .visible .entry main_kernel_0_kernel(
// CHECK-SAME: .maxntid 64, 2, 1
// CHECK-SAME: .shared .align 16 .b8 __wg_main_kernel_0_kernel_0[17408]
// CHECK-SAME: .shared .align 16 .b8 __wg_main_kernel_0_kernel_1[9216]
// CHECK-SAME: .shared .align 16 .b8 __wg_main_kernel_0_kernel_2[9216]
// CHECK-NOT: __wg_main_kernel_0_kernel_3
// The fill of the accumulator, its pairs loaded once into registers
// (kgen-hoist-accumulators); then each 64-step: the copies (16 bytes per
// thread and row, 144-byte rows in shared memory), and 4x4 instructions of
// 16 halves per warp and step, fragments read from shared memory: A's with
// ldmatrix.x4, B's with ldmatrix.x2.trans (rows of 144 bytes start 16-byte
// aligned); the accumulator stored once after the loop.
// CHECK-SAME: st.shared.v4.b32
// CHECK-SAME: bar.sync
// CHECK-SAME: ld.shared.v2.b32
// CHECK-SAME: $L__BB0_1:
// CHECK-SAME: ld.global.v4.b32
// CHECK-SAME: st.shared.v4.b32 \09[%rd{{[0-9]+}}+144]
// CHECK-SAME: bar.sync
// CHECK-NOT: ld.shared.v2
// CHECK-SAME: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK-SAME: ldmatrix.sync.aligned.m8n8.x2.trans.shared.b16
// CHECK-SAME: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// CHECK-NOT: st.shared
// CHECK-SAME: bra \09$L__BB0_1;
// CHECK-SAME: st.shared.v2.b32
// CHECK-SAME: bar.sync
// CHECK-SAME: cvt.rn.f16.f32
// CHECK-SAME: st.global
func.func @main(%a: tensor<128x256xf16>, %b: tensor<256x64xf16>) -> tensor<128x64xf16> {
  %0 = kgen.matmul %a, %b : (tensor<128x256xf16>, tensor<256x64xf16>) -> tensor<128x64xf16>
  %1 = kgen.relu %0 : tensor<128x64xf16>
  return %1 : tensor<128x64xf16>
}
