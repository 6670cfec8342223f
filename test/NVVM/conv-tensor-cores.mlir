// Every kind of f16 convolution is one kernel on tensor cores: the 3x3, the
// strided, the dilated and the grouped one as implicit GEMMs (the im2col
// gather with its padding as a bounds check, computed into shared memory
// inside the matmul's kernel: no padding or im2col kernel before it), the
// pointwise one as a plain batch matmul. wgmma on sm_90a (their K, 64
// channels x 9 taps, is whole 64-steps), mma.sync on sm_80.
// RUN: kgen-opt %s --split-input-file -kgen-gpu-pipeline="chip=sm_90a format=isa" 2>&1 | FileCheck %s --check-prefixes=CHECK,SM90
// RUN: kgen-opt %s --split-input-file -kgen-gpu-pipeline="chip=sm_80 format=isa" 2>&1 | FileCheck %s --check-prefixes=CHECK,SM80

// CHECK-NOT: warning
// CHECK: gpu.binary @k3x3_kernel_0_kernel
// SM90-SAME: wgmma.mma_async.sync.aligned
// SM80-SAME: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// CHECK-NOT: gpu.binary @k3x3_kernel_1
func.func @k3x3(%x: tensor<2x64x16x16xf16>, %w: tensor<64x64x3x3xf16>) -> tensor<2x64x16x16xf16> {
  %0 = kgen.conv %x, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 : (tensor<2x64x16x16xf16>, tensor<64x64x3x3xf16>) -> tensor<2x64x16x16xf16>
  return %0 : tensor<2x64x16x16xf16>
}

// -----

// CHECK-NOT: warning
// CHECK: gpu.binary @strided_kernel_0_kernel
// SM90-SAME: wgmma.mma_async.sync.aligned
// SM80-SAME: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// CHECK-NOT: gpu.binary @strided_kernel_1
func.func @strided(%x: tensor<2x64x32x32xf16>, %w: tensor<64x64x3x3xf16>) -> tensor<2x64x16x16xf16> {
  %0 = kgen.conv %x, %w stride [2, 2] padding [1, 1] dilation [1, 1] groups 1 : (tensor<2x64x32x32xf16>, tensor<64x64x3x3xf16>) -> tensor<2x64x16x16xf16>
  return %0 : tensor<2x64x16x16xf16>
}

// -----

// CHECK-NOT: warning
// CHECK: gpu.binary @dilated_kernel_0_kernel
// SM90-SAME: wgmma.mma_async.sync.aligned
// SM80-SAME: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// CHECK-NOT: gpu.binary @dilated_kernel_1
func.func @dilated(%x: tensor<2x64x36x36xf16>, %w: tensor<64x64x3x3xf16>) -> tensor<2x64x32x32xf16> {
  %0 = kgen.conv %x, %w stride [1, 1] padding [0, 0] dilation [2, 2] groups 1 : (tensor<2x64x36x36xf16>, tensor<64x64x3x3xf16>) -> tensor<2x64x32x32xf16>
  return %0 : tensor<2x64x32x32xf16>
}

// -----

// CHECK-NOT: warning
// CHECK: gpu.binary @grouped_kernel_0_kernel
// SM90-SAME: wgmma.mma_async.sync.aligned
// SM80-SAME: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// CHECK-NOT: gpu.binary @grouped_kernel_1
func.func @grouped(%x: tensor<2x128x16x16xf16>, %w: tensor<128x64x3x3xf16>) -> tensor<2x128x16x16xf16> {
  %0 = kgen.conv %x, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 2 : (tensor<2x128x16x16xf16>, tensor<128x64x3x3xf16>) -> tensor<2x128x16x16xf16>
  return %0 : tensor<2x128x16x16xf16>
}

// -----

// CHECK-NOT: warning
// CHECK: gpu.binary @pointwise_kernel_0_kernel
// SM90-SAME: wgmma.mma_async.sync.aligned
// SM80-SAME: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// CHECK-NOT: gpu.binary @pointwise_kernel_1
func.func @pointwise(%x: tensor<2x64x16x16xf16>, %w: tensor<128x64x1x1xf16>) -> tensor<2x128x16x16xf16> {
  %0 = kgen.conv %x, %w stride [1, 1] padding [0, 0] dilation [1, 1] groups 1 : (tensor<2x64x16x16xf16>, tensor<128x64x1x1xf16>) -> tensor<2x128x16x16xf16>
  return %0 : tensor<2x128x16x16xf16>
}
