// A pointwise (1x1) convolution reaches the matmul path: a batch_matmul per
// image, here on wgmma from 128-byte-swizzled shared tiles, with the bias
// added in the matmul's kernel. One kernel: each step computes the tile of
// the weight's broadcast over the images straight into shared memory.
// RUN: kgen-opt %s -kgen-gpu-pipeline="chip=sm_90a format=isa" | FileCheck %s

// CHECK: gpu.binary @pointwise_kernel_0_kernel
// CHECK-SAME: wgmma.fence.sync.aligned;
// CHECK-SAME: wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16
// CHECK-SAME: wgmma.commit_group.sync.aligned;
// CHECK-NOT: ld.local
// CHECK-NOT: gpu.binary @pointwise_kernel_1
func.func @pointwise(%x: tensor<2x64x56x56xf16>, %w: tensor<64x64x1x1xf16>, %b: tensor<64xf16>) -> tensor<2x64x56x56xf16> {
  %0 = kgen.conv %x, %w, %b stride [1, 1] padding [0, 0] dilation [1, 1] groups 1 : (tensor<2x64x56x56xf16>, tensor<64x64x1x1xf16>, tensor<64xf16>) -> tensor<2x64x56x56xf16>
  return %0 : tensor<2x64x56x56xf16>
}
