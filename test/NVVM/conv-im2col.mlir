// A 3x3 convolution with padding reaches the matmul path: an im2col gather
// (scalar loads, the padding a bounds check), the weight broadcast over the
// images, then a batch_matmul per image on wgmma from 128-byte-swizzled
// shared tiles. The gather's schedule is not vectorized (the vectorizer
// refuses tensor.extract at computed indices), so the heuristic's schedule
// is taken as it is, with no fallback warning.
// RUN: kgen-opt %s -kgen-gpu-pipeline="chip=sm_90a format=isa" 2>&1 | FileCheck %s

// CHECK-NOT: warning
// CHECK: gpu.binary @conv3x3_kernel_0_kernel
// CHECK-SAME: setp.
// CHECK-SAME: ld.global.b16
// CHECK: gpu.binary @conv3x3_kernel_1_kernel
// CHECK: gpu.binary @conv3x3_kernel_2_kernel
// CHECK-SAME: wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16
// CHECK-NOT: ld.local
// CHECK-NOT: gpu.binary @conv3x3_kernel_3
func.func @conv3x3(%x: tensor<2x64x56x56xf16>, %w: tensor<64x64x3x3xf16>) -> tensor<2x64x56x56xf16> {
  %0 = kgen.conv %x, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 : (tensor<2x64x56x56xf16>, tensor<64x64x3x3xf16>) -> tensor<2x64x56x56xf16>
  return %0 : tensor<2x64x56x56xf16>
}
