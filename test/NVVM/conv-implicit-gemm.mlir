// Convolutions as implicit GEMMs: one kernel each, a batch_matmul per image
// whose operand tiles are computed into shared memory at every step of the
// reduction (the im2col gather with its stride, dilation and padding, and
// the weight's broadcast over the images), then read like any staged gemm
// operand: 128-bit shared loads and FMAs with the accumulators in registers
// in f32, mma.sync in f16.
// RUN: kgen-opt %s --split-input-file -kgen-gpu-pipeline="chip=sm_90a format=isa" 2>&1 | FileCheck %s

// CHECK-NOT: warning
// CHECK: gpu.binary @strided_kernel_0_kernel
// CHECK-SAME: ld.global.b32
// CHECK-SAME: st.shared
// CHECK-SAME: bar.sync
// CHECK-SAME: ld.shared.v4.b32
// CHECK-SAME: fma.rn.f32
// CHECK-NOT: gpu.binary @strided_kernel_1
func.func @strided(%x: tensor<2x32x32x32xf32>, %w: tensor<64x32x3x3xf32>, %b: tensor<64xf32>) -> tensor<2x64x16x16xf32> {
  %0 = kgen.conv %x, %w, %b stride [2, 2] padding [1, 1] dilation [1, 1] groups 1 : (tensor<2x32x32x32xf32>, tensor<64x32x3x3xf32>, tensor<64xf32>) -> tensor<2x64x16x16xf32>
  return %0 : tensor<2x64x16x16xf32>
}

// -----

// CHECK-NOT: warning
// CHECK: gpu.binary @dilated_kernel_0_kernel
// CHECK-SAME: ld.global
// CHECK-SAME: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// CHECK-NOT: gpu.binary @dilated_kernel_1
func.func @dilated(%x: tensor<2x32x36x36xf16>, %w: tensor<64x32x3x3xf16>) -> tensor<2x64x32x32xf16> {
  %0 = kgen.conv %x, %w stride [1, 1] padding [0, 0] dilation [2, 2] groups 1 : (tensor<2x32x36x36xf16>, tensor<64x32x3x3xf16>) -> tensor<2x64x32x32xf16>
  return %0 : tensor<2x64x32x32xf16>
}

// -----

// A transposed convolution (stride 2, the decoder's upsampling) in f16: one
// implicit GEMM per output phase, whose taps' gather and weight's gather
// join one wgmma kernel (K = 32 channels x 2x2 taps), then a gather that
// interleaves the phases and adds the bias.
// CHECK-NOT: warning
// CHECK: gpu.binary @upsample_kernel_0_kernel
// CHECK-SAME: wgmma.mma_async
// CHECK: gpu.binary @upsample_kernel_1_kernel
// CHECK-NOT: wgmma
// CHECK-NOT: gpu.binary @upsample_kernel_2
func.func @upsample(%x: tensor<2x32x16x16xf16>, %w: tensor<32x64x3x3xf16>, %b: tensor<64xf16>) -> tensor<2x64x32x32xf16> {
  %0 = kgen.conv_transpose %x, %w, %b stride [2, 2] padding [1, 1] output_padding [1, 1] dilation [1, 1] groups 1 : (tensor<2x32x16x16xf16>, tensor<32x64x3x3xf16>, tensor<64xf16>) -> tensor<2x64x32x32xf16>
  return %0 : tensor<2x64x32x32xf16>
}
