// Each normalization is one kernel that reads every element of its input
// rows from global memory once (staged rows, kgen-stage-rows): four
// 16-byte loads per lane, 4 KiB apart, copy a 4096-float row into shared
// memory, and no later global load reads the row again. The weight and
// bias of a norm are read where they are used (a row of them per block):
// every global load of each kernel is counted.
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
// CHECK-NOT: ld.global
// CHECK-SAME: rsqrt.approx
// CHECK-NOT: ld.global
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[W:[0-9]+]]];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[B:[0-9]+]]];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[W]]+4096];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[B]]+4096];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[W]]+8192];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[B]]+8192];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[W]]+12288];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[B]]+12288];
// CHECK-NOT: ld.global
// CHECK-NOT: gpu.binary @ln_kernel_1
func.func @ln(%x: tensor<32x4096xf32>, %w: tensor<4096xf32>, %b: tensor<4096xf32>) -> tensor<32x4096xf32> {
  %r = kgen.layer_norm %x weight %w bias %b normalized_shape [4096] eps 1.0e-5 : (tensor<32x4096xf32>, tensor<4096xf32>, tensor<4096xf32>) -> tensor<32x4096xf32>
  return %r : tensor<32x4096xf32>
}

// -----

// residual + layer_norm: both inputs of the sum staged, each read once,
// then the weight and bias.
// CHECK: gpu.binary @residual_ln_kernel_0_kernel
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[X:[0-9]+]]];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[X]]+4096];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[X]]+8192];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[X]]+12288];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[Y:[0-9]+]]];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[Y]]+4096];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[Y]]+8192];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[Y]]+12288];
// CHECK-NOT: ld.global
// CHECK-SAME: rsqrt.approx
// CHECK-NOT: ld.global
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[W:[0-9]+]]];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[B:[0-9]+]]];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[W]]+4096];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[B]]+4096];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[W]]+8192];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[B]]+8192];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[W]]+12288];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[B]]+12288];
// CHECK-NOT: ld.global
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
// CHECK-NOT: ld.global
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[W:[0-9]+]]];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[W]]+4096];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[W]]+8192];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[W]]+12288];
// CHECK-NOT: ld.global
// CHECK-NOT: gpu.binary @rms_kernel_1
func.func @rms(%x: tensor<16x4096xf32>, %w: tensor<4096xf32>) -> tensor<16x4096xf32> {
  %r = kgen.rms_norm %x weight %w normalized_shape [4096] eps 1.0e-06 : (tensor<16x4096xf32>, tensor<4096xf32>) -> tensor<16x4096xf32>
  return %r : tensor<16x4096xf32>
}

// -----

// cosine similarity of rows (KernelBench's loss before its mean): the two
// norms, each with its sqrt and clamp, are row statistics of the dot
// product's reduction: one kernel stages each row once (a's for its norm,
// then b's for its norm, then the dot product reads both from shared
// memory), and each sqrt appears once: it runs in a thread loop of its own
// after its norm's combination, not in every lane.
// CHECK: gpu.binary @cosine_kernel_0_kernel
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[X:[0-9]+]]];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[X]]+4096];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[X]]+8192];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[X]]+12288];
// CHECK-NOT: ld.global.v4
// CHECK-SAME: sqrt.approx.f32
// CHECK-NOT: sqrt.approx.f32
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[Y:[0-9]+]]];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[Y]]+4096];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[Y]]+8192];
// CHECK-SAME: ld.global.v4.b32 {{[^;]*}}[%rd[[Y]]+12288];
// CHECK-NOT: ld.global.v4
// CHECK-SAME: sqrt.approx.f32
// CHECK-NOT: ld.global.v4
// CHECK-SAME: shfl.sync.bfly.b32
// CHECK-NOT: ld.global.v4
// CHECK-NOT: gpu.binary @cosine_kernel_1
func.func @cosine(%a: tensor<64x4096xf32>, %b: tensor<64x4096xf32>) -> tensor<64xf32> {
  %aa = kgen.mul %a, %a : (tensor<64x4096xf32>, tensor<64x4096xf32>) -> tensor<64x4096xf32>
  %na2 = kgen.sum %aa dims [1] keepdim : tensor<64x4096xf32> -> tensor<64x1xf32>
  %na1 = kgen.sqrt %na2 : tensor<64x1xf32>
  %na = kgen.clamp %na1 min 1.0e-08 : tensor<64x1xf32>
  %bb = kgen.mul %b, %b : (tensor<64x4096xf32>, tensor<64x4096xf32>) -> tensor<64x4096xf32>
  %nb2 = kgen.sum %bb dims [1] keepdim : tensor<64x4096xf32> -> tensor<64x1xf32>
  %nb1 = kgen.sqrt %nb2 : tensor<64x1xf32>
  %nb = kgen.clamp %nb1 min 1.0e-08 : tensor<64x1xf32>
  %an = kgen.div %a, %na : (tensor<64x4096xf32>, tensor<64x1xf32>) -> tensor<64x4096xf32>
  %bn = kgen.div %b, %nb : (tensor<64x4096xf32>, tensor<64x1xf32>) -> tensor<64x4096xf32>
  %p = kgen.mul %an, %bn : (tensor<64x4096xf32>, tensor<64x4096xf32>) -> tensor<64x4096xf32>
  %r = kgen.sum %p dims [1] : tensor<64x4096xf32> -> tensor<64xf32>
  return %r : tensor<64xf32>
}
