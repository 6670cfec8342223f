// Each normalization is one kernel that reads every element of its input
// rows from global memory once (staged rows, kgen-stage-rows): four
// 16-byte loads per lane, 4 KiB apart, copy a 4096-float row into shared
// memory, and no later global load reads the row again. The weight and
// bias of a norm are read where they are used (a row of them per block).
// RUN: kgen-opt %s --split-input-file -kgen-gpu-pipeline="chip=sm_90a format=isa" | FileCheck %s

// log_softmax: the copy is the kernel's only global load.
// CHECK: gpu.binary @log_softmax_kernel_0_kernel
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[X:[0-9]+]]];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[X]]+4096];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[X]]+8192];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[X]]+12288];
// CHECK-NOT: ld.global
// CHECK-SAME: shfl.sync.bfly.b32
// CHECK-NOT: ld.global
// CHECK-NOT: gpu.binary @log_softmax_kernel_1
func.func @log_softmax(%x: tensor<64x4096xf32>) -> tensor<64x4096xf32> {
  %r = kgen.log_softmax %x dim 1 : tensor<64x4096xf32>
  return %r : tensor<64x4096xf32>
}

// -----

// layer_norm: the row once, then the weight and bias in the last pass.
// CHECK: gpu.binary @ln_kernel_0_kernel
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[X:[0-9]+]]];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[X]]+4096];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[X]]+8192];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[X]]+12288];
// CHECK-NOT: [%rd[[X]]
// CHECK-SAME: rsqrt.approx
// CHECK-SAME: ld.global.v4.b32
// CHECK-NOT: [%rd[[X]]
// CHECK-NOT: gpu.binary @ln_kernel_1
func.func @ln(%x: tensor<32x4096xf32>, %w: tensor<4096xf32>, %b: tensor<4096xf32>) -> tensor<32x4096xf32> {
  %r = kgen.layer_norm %x weight %w bias %b normalized_shape [4096] eps 1.0e-5 : (tensor<32x4096xf32>, tensor<4096xf32>, tensor<4096xf32>) -> tensor<32x4096xf32>
  return %r : tensor<32x4096xf32>
}

// -----

// residual + layer_norm: both inputs of the sum staged, each read once.
// CHECK: gpu.binary @residual_ln_kernel_0_kernel
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[X:[0-9]+]]];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[X]]+4096];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[X]]+8192];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[X]]+12288];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[Y:[0-9]+]]];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[Y]]+4096];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[Y]]+8192];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[Y]]+12288];
// CHECK-NOT: [%rd[[X]]
// CHECK-SAME: rsqrt.approx
// CHECK-NOT: [%rd[[Y]]
// CHECK-NOT: gpu.binary @residual_ln_kernel_1
func.func @residual_ln(%x: tensor<32x4096xf32>, %y: tensor<32x4096xf32>, %w: tensor<4096xf32>, %b: tensor<4096xf32>) -> tensor<32x4096xf32> {
  %s = kgen.add %x, %y : (tensor<32x4096xf32>, tensor<32x4096xf32>) -> tensor<32x4096xf32>
  %r = kgen.layer_norm %s weight %w bias %b normalized_shape [4096] eps 1.0e-5 : (tensor<32x4096xf32>, tensor<4096xf32>, tensor<4096xf32>) -> tensor<32x4096xf32>
  return %r : tensor<32x4096xf32>
}

// -----

// rms_norm: the row once, then the weight.
// CHECK: gpu.binary @rms_kernel_0_kernel
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[X:[0-9]+]]];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[X]]+4096];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[X]]+8192];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[X]]+12288];
// CHECK-NOT: [%rd[[X]]
// CHECK-SAME: ld.global.v4.b32
// CHECK-NOT: [%rd[[X]]
// CHECK-NOT: gpu.binary @rms_kernel_1
func.func @rms(%x: tensor<16x4096xf32>, %w: tensor<4096xf32>) -> tensor<16x4096xf32> {
  %r = kgen.rms_norm %x weight %w normalized_shape [4096] eps 1.0e-06 : (tensor<16x4096xf32>, tensor<4096xf32>) -> tensor<16x4096xf32>
  return %r : tensor<16x4096xf32>
}
