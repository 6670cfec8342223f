// Reductions of rows with lanes cooperating on each row (reduction_lanes):
// 16-byte loads interleaved across the lanes, partials in registers, then
// shfl.sync.bfly butterflies and, past a warp, shared memory.
// RUN: kgen-opt %s --split-input-file -kgen-gpu-pipeline="chip=sm_90a format=isa" | FileCheck %s

// Long rows: a block of 512 lanes per 8192-long row; each lane loads four
// 16-byte vectors 8 KiB apart (lanes side by side), one warp butterfly,
// then the 16 warps' results through shared memory. One kernel.
// CHECK: gpu.binary @rows_kernel_0_kernel
// CHECK-SAME: .maxntid 512, 1, 1
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd{{[0-9]+}}];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd{{[0-9]+}}+8192];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd{{[0-9]+}}+16384];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd{{[0-9]+}}+24576];
// CHECK-SAME: st.shared.v4.b32
// CHECK-SAME: bar.sync
// CHECK-SAME: shfl.sync.bfly.b32 {{[^;]*}}, 1, 31, -1;
// CHECK-SAME: shfl.sync.bfly.b32 {{[^;]*}}, 2, 31, -1;
// CHECK-SAME: shfl.sync.bfly.b32 {{[^;]*}}, 4, 31, -1;
// CHECK-SAME: shfl.sync.bfly.b32 {{[^;]*}}, 8, 31, -1;
// CHECK-SAME: shfl.sync.bfly.b32 {{[^;]*}}, 16, 31, -1;
// CHECK-SAME: bar.sync
// CHECK-NOT: ld.local
// CHECK-NOT: gpu.binary @rows_kernel_1
func.func @rows(%x: tensor<64x8192xf32>) -> tensor<64xf32> {
  %r = kgen.sum %x dims [1] : tensor<64x8192xf32> -> tensor<64xf32>
  return %r : tensor<64xf32>
}

// -----

// Short rows: a warp per 256-long row, 8 rows per block; the warp's
// butterfly needs no shared memory for the combination.
// CHECK: gpu.binary @short_rows_kernel_0_kernel
// CHECK-SAME: .maxntid 32, 8, 1
// CHECK-SAME: ld.global.v4.b32
// CHECK-SAME: ld.global.v4.b32
// CHECK-SAME: shfl.sync.bfly.b32 {{[^;]*}}, 1, 31, -1;
// CHECK-SAME: shfl.sync.bfly.b32 {{[^;]*}}, 16, 31, -1;
// CHECK-NOT: ld.local
func.func @short_rows(%x: tensor<64x256xf32>) -> tensor<64xf32> {
  %r = kgen.max %x dims [1] : tensor<64x256xf32> -> tensor<64xf32>
  return %r : tensor<64xf32>
}

// -----

// Softmax: one kernel, which reads each element from global memory once.
// The block first copies its row into shared memory (kgen-stage-rows: the
// four 16-byte loads of each lane, 8 KiB apart, the only global loads),
// then its lanes reduce the row max, the sum of exponentials (reading the
// max from shared memory after a barrier) and normalize, all from the
// staged row. The normalization is interleaved like the partials: each
// step, every lane takes one 16-byte vector, and the block moves on by 512
// lanes x 16 bytes. Its steps write only the output, so they need no
// barrier (kgen-elide-barriers) and are unrolled.
// CHECK: gpu.binary @softmax_kernel_0_kernel
// CHECK-SAME: .maxntid 512, 1, 1
// CHECK-SAME: .shared .align 16 .b8 __dynamic_shmem__0;
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[IN:[0-9]+]]];
// CHECK-SAME: st.shared.v4.b32 {{[^;]*}}[%rd[[ROW:[0-9]+]]]
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[IN]]+8192];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[IN]]+16384];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[IN]]+24576];
// CHECK-NOT: ld.global
// CHECK-SAME: bar.sync
// CHECK-SAME: ld.shared.v4.b32 {{[^;]*}}[%rd[[ROW]]];
// CHECK-SAME: max.NaN.f32
// CHECK-SAME: shfl.sync.bfly.b32 {{[^;]*}}, 16, 31, -1;
// CHECK-SAME: bar.sync
// CHECK-SAME: ld.shared.v4.b32 {{[^;]*}}[%rd[[ROW]]];
// CHECK-SAME: ex2.approx
// CHECK-SAME: shfl.sync.bfly.b32 {{[^;]*}}, 16, 31, -1;
// CHECK-SAME: bar.sync
// CHECK-SAME: ld.shared.v4.b32 {{[^;]*}}[%rd[[ROW]]];
// CHECK-SAME: div.rn.f32
// CHECK-SAME: st.global.v4.b32 {{[^;]*}}[%rd[[OUT:[0-9]+]]]
// CHECK-SAME: ld.shared.v4.b32 {{[^;]*}}[%rd[[ROW]]+8192];
// CHECK-SAME: st.global.v4.b32 {{[^;]*}}[%rd[[OUT]]+8192]
// CHECK-NOT: bar.sync
// CHECK-NOT: ld.global
// CHECK-NOT: ld.local
// CHECK-NOT: gpu.binary @softmax_kernel_1
func.func @softmax(%x: tensor<64x8192xf32>) -> tensor<64x8192xf32> {
  %r = kgen.softmax %x dim 1 : tensor<64x8192xf32>
  return %r : tensor<64x8192xf32>
}

// -----

// layer_norm: one kernel, the row sum and the sum of squared deviations
// each reduced by the block's lanes, then the normalization.
// CHECK: gpu.binary @ln_kernel_0_kernel
// CHECK-SAME: shfl.sync.bfly.b32 {{[^;]*}}, 16, 31, -1;
// CHECK-SAME: bar.sync
// CHECK-SAME: shfl.sync.bfly.b32 {{[^;]*}}, 16, 31, -1;
// CHECK-SAME: bar.sync
// CHECK-SAME: rsqrt.approx
// CHECK-SAME: st.global.v4.b32
// CHECK-NOT: ld.local
// CHECK-NOT: gpu.binary @ln_kernel_1
func.func @ln(%x: tensor<32x4096xf32>, %w: tensor<4096xf32>, %b: tensor<4096xf32>) -> tensor<32x4096xf32> {
  %r = kgen.layer_norm %x weight %w bias %b normalized_shape [4096] eps 1.0e-5 : (tensor<32x4096xf32>, tensor<4096xf32>, tensor<4096xf32>) -> tensor<32x4096xf32>
  return %r : tensor<32x4096xf32>
}

// -----

// rms_norm in bf16: the sum of squares with lanes of 8 halves (16 bytes),
// combined in f32.
// CHECK: gpu.binary @rms_kernel_0_kernel
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd{{[0-9]+}}];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd{{[0-9]+}}+4096];
// CHECK-SAME: shfl.sync.bfly.b32
// CHECK-NOT: ld.local
func.func @rms(%x: tensor<16x4096xbf16>, %w: tensor<4096xbf16>) -> tensor<16x4096xbf16> {
  %r = kgen.rms_norm %x weight %w normalized_shape [4096] eps 1.0e-06 : (tensor<16x4096xbf16>, tensor<4096xbf16>) -> tensor<16x4096xbf16>
  return %r : tensor<16x4096xbf16>
}

// -----

// A vocabulary of 32000: 8000 vectors of 4 floats per row, which 800 lanes
// (25 warps, not a power of two) split evenly, where the largest power of
// two dividing them is 64. The block holds one row, so it stages the row
// (128 KB, dynamic shared memory) though it passes the 64 KB of a block of
// several rows: each lane copies 10 vectors, 800 x 16 bytes apart, the
// kernel's only global loads. The row max and the sum of exponentials each
// take a warp butterfly and then the 25 warps' results.
// CHECK: gpu.binary @vocab_kernel_0_kernel
// CHECK-SAME: .maxntid 800, 1, 1
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[X:[0-9]+]]];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[X]]+12800];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[X]]+115200];
// CHECK-NOT: ld.global
// CHECK-SAME: shfl.sync.bfly.b32 {{[^;]*}}, 16, 31, -1;
// CHECK-NOT: ld.global
// CHECK-SAME: shfl.sync.bfly.b32 {{[^;]*}}, 16, 31, -1;
// CHECK-NOT: ld.global
// CHECK-SAME: st.global.v4.b32
// CHECK-NOT: ld.local
// CHECK-NOT: gpu.binary @vocab_kernel_1
func.func @vocab(%x: tensor<256x32000xf32>) -> tensor<256x32000xf32> {
  %r = kgen.log_softmax %x dim 1 : tensor<256x32000xf32>
  return %r : tensor<256x32000xf32>
}

// -----

// argmax of long rows: one kernel. The row is read from global memory
// once and staged in shared memory; the maximum's lanes combine with f32
// butterflies, then the first position holding it is an i32 minimum with
// butterflies of its own (the positions come from a small constant the
// lanes read through L2), and lane 0 stores it as an i64.
// CHECK: gpu.binary @argmax_rows_kernel_0_kernel
// CHECK-SAME: .maxntid 512, 1, 1
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd{{[0-9]+}}];
// CHECK-SAME: st.shared.v4.b32
// CHECK-SAME: shfl.sync.bfly.b32 {{[^;]*}}, 16, 31, -1;
// CHECK-SAME: ld.shared.v4.b32
// CHECK-SAME: setp.eq.f32
// CHECK-SAME: setp.nan.f32
// CHECK-SAME: min.s32
// CHECK-SAME: shfl.sync.bfly.b32 {{[^;]*}}, 16, 31, -1;
// CHECK-SAME: st.global.b64
// CHECK-NOT: ld.local
// CHECK-NOT: gpu.binary @argmax_rows_kernel_1
func.func @argmax_rows(%x: tensor<64x8192xf32>) -> tensor<64xi64> {
  %i = kgen.argmax %x dim 1 : tensor<64x8192xf32> -> tensor<64xi64>
  return %i : tensor<64xi64>
}

// -----

// A column sum: a block of 32 columns (8 threads of 4-float vectors on x)
// and 128 lanes on y, each summing every 128th row of its columns. After
// the barrier, the x threads of lane 0 fold the 128 lanes' partials from
// shared memory 8 at a time in a loop: all 128 at once took more
// registers than a thread of a 1024-thread block has.
// CHECK: gpu.binary @columns_kernel_0_kernel
// CHECK-SAME: .maxntid 8, 128, 1
// CHECK-SAME: ld.global.v4.b32
// CHECK-SAME: st.shared.v4.b32
// CHECK-SAME: bar.sync
// CHECK-SAME: [[FOLD:\$L__BB0_[0-9]+]]:
// CHECK-COUNT-8: ld.shared.v4.b32
// CHECK-NOT: ld.shared
// CHECK-SAME: add.rn.f32
// CHECK-SAME: bra {{.*}}[[FOLD]];
// CHECK-SAME: st.global.v4.b32
// CHECK-NOT: ld.local
func.func @columns(%x: tensor<4096x1024xf32>) -> tensor<1024xf32> {
  %r = kgen.sum %x dims [0] : tensor<4096x1024xf32> -> tensor<1024xf32>
  return %r : tensor<1024xf32>
}

// -----

// A mean of 4096 elements to a scalar (a loss over a batch): one row of
// 4096 (kgen-split-whole-reductions), so a block of 256 lanes shares it,
// each reading 16-byte vectors, and the division (a multiplication by
// 2^-12) joins the kernel. As a scalar it ran on one thread.
// CHECK: gpu.binary @loss_mean_kernel_0_kernel
// CHECK-SAME: .maxntid 256, 1, 1
// CHECK-SAME: ld.global.v4.b32
// CHECK-SAME: shfl.sync.bfly.b32 {{[^;]*}}, 16, 31, -1;
// CHECK-SAME: mul.rn.f32 {{[^;]*}}, 0f39800000;
// CHECK-SAME: st.global.b32
// CHECK-NOT: gpu.binary @loss_mean_kernel_1
func.func @loss_mean(%x: tensor<4096xf32>) -> tensor<f32> {
  %m = kgen.mean %x dims [0] : tensor<4096xf32> -> tensor<f32>
  return %m : tensor<f32>
}
