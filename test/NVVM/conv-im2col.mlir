// A 3x3 convolution with padding is an implicit GEMM: one kernel, a
// batch_matmul per image on wgmma from 128-byte-swizzled shared tiles,
// whose operand tiles are computed step by step into shared memory: the
// im2col gather (scalar loads, the padding a bounds check) and the weight's
// broadcast over the images. Neither the im2col matrix nor a padded copy of
// the input exists in global memory. The gathered elements pass through a
// 16-byte private buffer on their way to shared memory (ld.local), not
// spills.
// RUN: kgen-opt %s -kgen-gpu-pipeline="chip=sm_90a format=isa" 2>&1 | FileCheck %s

// CHECK-NOT: warning
// CHECK: gpu.binary @conv3x3_kernel_0_kernel
// CHECK-SAME: setp.
// CHECK-SAME: ld.global.b16
// CHECK-SAME: st.shared
// CHECK-SAME: wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16
// CHECK-NOT: gpu.binary @conv3x3_kernel_1
func.func @conv3x3(%x: tensor<2x64x56x56xf16>, %w: tensor<64x64x3x3xf16>) -> tensor<2x64x56x56xf16> {
  %0 = kgen.conv %x, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 : (tensor<2x64x56x56xf16>, tensor<64x64x3x3xf16>) -> tensor<2x64x56x56xf16>
  return %0 : tensor<2x64x56x56xf16>
}
