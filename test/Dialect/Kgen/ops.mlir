// RUN: kgen-opt %s | FileCheck %s
// Round trip through the custom form and through the generic form.
// RUN: kgen-opt %s | kgen-opt | FileCheck %s
// RUN: kgen-opt %s -mlir-print-op-generic | kgen-opt | FileCheck %s

// CHECK-LABEL: func.func @contractions
func.func @contractions(%a: tensor<8x16xf32>, %b: tensor<16x4xf32>,
                        %ba: tensor<2x8x16xf16>, %bb: tensor<2x16x4xf16>,
                        %x: tensor<3x5x16xbf16>, %w: tensor<4x16xbf16>, %bias: tensor<4xbf16>,
                        %img: tensor<2x6x9x9xf32>, %k: tensor<4x3x3x3xf32>, %kb: tensor<4xf32>,
                        %seq: tensor<2x4x17xf32>, %k1: tensor<8x4x5xf32>) {
  // CHECK: kgen.matmul %{{.*}}, %{{.*}} : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
  %0 = kgen.matmul %a, %b : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
  // CHECK: kgen.batch_matmul %{{.*}}, %{{.*}} : (tensor<2x8x16xf16>, tensor<2x16x4xf16>) -> tensor<2x8x4xf16>
  %1 = kgen.batch_matmul %ba, %bb : (tensor<2x8x16xf16>, tensor<2x16x4xf16>) -> tensor<2x8x4xf16>
  // CHECK: kgen.linear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<3x5x16xbf16>, tensor<4x16xbf16>, tensor<4xbf16>) -> tensor<3x5x4xbf16>
  %2 = kgen.linear %x, %w, %bias : (tensor<3x5x16xbf16>, tensor<4x16xbf16>, tensor<4xbf16>) -> tensor<3x5x4xbf16>
  // CHECK: kgen.linear %{{.*}}, %{{.*}} : (tensor<3x5x16xbf16>, tensor<4x16xbf16>) -> tensor<3x5x4xbf16>
  %3 = kgen.linear %x, %w : (tensor<3x5x16xbf16>, tensor<4x16xbf16>) -> tensor<3x5x4xbf16>
  // CHECK: kgen.conv %{{.*}}, %{{.*}}, %{{.*}} stride [2, 2] padding [1, 1] dilation [1, 1] groups 2 : (tensor<2x6x9x9xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<2x4x5x5xf32>
  %4 = kgen.conv %img, %k, %kb stride [2, 2] padding [1, 1] dilation [1, 1] groups 2 : (tensor<2x6x9x9xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<2x4x5x5xf32>
  // CHECK: kgen.conv %{{.*}}, %{{.*}} stride [1] padding [0] dilation [2] groups 1 : (tensor<2x4x17xf32>, tensor<8x4x5xf32>) -> tensor<2x8x9xf32>
  %5 = kgen.conv %seq, %k1 stride [1] padding [0] dilation [2] groups 1 : (tensor<2x4x17xf32>, tensor<8x4x5xf32>) -> tensor<2x8x9xf32>
  return
}

// CHECK-LABEL: func.func @elementwise
func.func @elementwise(%a: tensor<4x5xf32>, %b: tensor<5xf32>, %c: tensor<4x1xf32>, %s: f32) {
  // CHECK: kgen.add %{{.*}}, %{{.*}} : (tensor<4x5xf32>, tensor<5xf32>) -> tensor<4x5xf32>
  %0 = kgen.add %a, %b : (tensor<4x5xf32>, tensor<5xf32>) -> tensor<4x5xf32>
  // CHECK: kgen.sub %{{.*}}, %{{.*}} : (tensor<4x1xf32>, tensor<5xf32>) -> tensor<4x5xf32>
  %1 = kgen.sub %c, %b : (tensor<4x1xf32>, tensor<5xf32>) -> tensor<4x5xf32>
  // CHECK: kgen.mul %{{.*}}, %{{.*}} : (tensor<4x5xf32>, f32) -> tensor<4x5xf32>
  %2 = kgen.mul %a, %s : (tensor<4x5xf32>, f32) -> tensor<4x5xf32>
  // CHECK: kgen.div %{{.*}}, %{{.*}} : (f32, tensor<4x5xf32>) -> tensor<4x5xf32>
  %3 = kgen.div %s, %a : (f32, tensor<4x5xf32>) -> tensor<4x5xf32>
  // CHECK: kgen.maximum
  %4 = kgen.maximum %a, %b : (tensor<4x5xf32>, tensor<5xf32>) -> tensor<4x5xf32>
  // CHECK: kgen.minimum
  %5 = kgen.minimum %a, %b : (tensor<4x5xf32>, tensor<5xf32>) -> tensor<4x5xf32>
  // CHECK: kgen.pow
  %6 = kgen.pow %a, %s : (tensor<4x5xf32>, f32) -> tensor<4x5xf32>
  // CHECK: kgen.neg %{{.*}} : tensor<4x5xf32>
  %7 = kgen.neg %a : tensor<4x5xf32>
  // CHECK: kgen.abs
  %8 = kgen.abs %a : tensor<4x5xf32>
  // CHECK: kgen.exp
  %9 = kgen.exp %a : tensor<4x5xf32>
  // CHECK: kgen.log
  %10 = kgen.log %a : tensor<4x5xf32>
  // CHECK: kgen.sqrt
  %11 = kgen.sqrt %a : tensor<4x5xf32>
  // CHECK: kgen.rsqrt
  %12 = kgen.rsqrt %a : tensor<4x5xf32>
  // CHECK: kgen.tanh
  %13 = kgen.tanh %a : tensor<4x5xf32>
  // CHECK: kgen.sigmoid
  %14 = kgen.sigmoid %a : tensor<4x5xf32>
  // CHECK: kgen.relu
  %15 = kgen.relu %a : tensor<4x5xf32>
  // CHECK: kgen.leaky_relu %{{.*}} : tensor<4x5xf32>
  %16 = kgen.leaky_relu %a : tensor<4x5xf32>
  // CHECK: kgen.leaky_relu %{{.*}} negative_slope 2.000000e-01 : tensor<4x5xf32>
  %17 = kgen.leaky_relu %a negative_slope 0.2 : tensor<4x5xf32>
  // CHECK: kgen.gelu %{{.*}} : tensor<4x5xf32>
  %18 = kgen.gelu %a : tensor<4x5xf32>
  // CHECK: kgen.gelu %{{.*}} approximate <tanh> : tensor<4x5xf32>
  %19 = kgen.gelu %a approximate <tanh> : tensor<4x5xf32>
  // CHECK: kgen.silu
  %20 = kgen.silu %a : tensor<4x5xf32>
  // CHECK: kgen.hardswish
  %21 = kgen.hardswish %a : tensor<4x5xf32>
  // CHECK: kgen.clamp %{{.*}} min 0.000000e+00 max 6.000000e+00 : tensor<4x5xf32>
  %22 = kgen.clamp %a min 0.0 max 6.0 : tensor<4x5xf32>
  // CHECK: kgen.clamp %{{.*}} max 1.000000e+00 : tensor<4x5xf32>
  %23 = kgen.clamp %a max 1.0 : tensor<4x5xf32>
  return
}

// CHECK-LABEL: func.func @reductions_and_norms
func.func @reductions_and_norms(%a: tensor<4x5x6xf16>, %w: tensor<5x6xf16>, %b: tensor<5x6xf16>) {
  // CHECK: kgen.sum %{{.*}} dims [1] keepdim : tensor<4x5x6xf16> -> tensor<4x1x6xf16>
  %0 = kgen.sum %a dims [1] keepdim : tensor<4x5x6xf16> -> tensor<4x1x6xf16>
  // CHECK: kgen.mean %{{.*}} dims [0, 2] : tensor<4x5x6xf16> -> tensor<5xf16>
  %1 = kgen.mean %a dims [0, 2] : tensor<4x5x6xf16> -> tensor<5xf16>
  // CHECK: kgen.max %{{.*}} dims [0, 1, 2] : tensor<4x5x6xf16> -> tensor<f16>
  %2 = kgen.max %a dims [0, 1, 2] : tensor<4x5x6xf16> -> tensor<f16>
  // CHECK: kgen.min %{{.*}} dims [2] : tensor<4x5x6xf16> -> tensor<4x5xf16>
  %3 = kgen.min %a dims [2] : tensor<4x5x6xf16> -> tensor<4x5xf16>
  // CHECK: kgen.softmax %{{.*}} dim 2 : tensor<4x5x6xf16>
  %4 = kgen.softmax %a dim 2 : tensor<4x5x6xf16>
  // CHECK: kgen.log_softmax %{{.*}} dim 0 : tensor<4x5x6xf16>
  %5 = kgen.log_softmax %a dim 0 : tensor<4x5x6xf16>
  // CHECK: kgen.layer_norm %{{.*}} weight %{{.*}} bias %{{.*}} normalized_shape [5, 6] eps 9.9999999999999995E-7 : (tensor<4x5x6xf16>, tensor<5x6xf16>, tensor<5x6xf16>) -> tensor<4x5x6xf16>
  %6 = kgen.layer_norm %a weight %w bias %b normalized_shape [5, 6] eps 1.0e-6 : (tensor<4x5x6xf16>, tensor<5x6xf16>, tensor<5x6xf16>) -> tensor<4x5x6xf16>
  // CHECK: kgen.layer_norm %{{.*}} bias %{{.*}} normalized_shape [5, 6]
  %7 = kgen.layer_norm %a bias %b normalized_shape [5, 6] eps 1.0e-6 : (tensor<4x5x6xf16>, tensor<5x6xf16>) -> tensor<4x5x6xf16>
  // CHECK: kgen.rms_norm %{{.*}} weight %{{.*}} normalized_shape [5, 6] eps
  %8 = kgen.rms_norm %a weight %w normalized_shape [5, 6] eps 1.0e-6 : (tensor<4x5x6xf16>, tensor<5x6xf16>) -> tensor<4x5x6xf16>
  // CHECK: kgen.rms_norm %{{.*}} normalized_shape [6] : (tensor<4x5x6xf16>) -> tensor<4x5x6xf16>
  %9 = kgen.rms_norm %a normalized_shape [6] : (tensor<4x5x6xf16>) -> tensor<4x5x6xf16>
  // CHECK: kgen.argmax %{{.*}} dim 1 : tensor<4x5x6xf16> -> tensor<4x6xi64>
  %10 = kgen.argmax %a dim 1 : tensor<4x5x6xf16> -> tensor<4x6xi64>
  // CHECK: kgen.argmin %{{.*}} dim 2 keepdim : tensor<4x5x6xf16> -> tensor<4x5x1xi64>
  %11 = kgen.argmin %a dim 2 keepdim : tensor<4x5x6xf16> -> tensor<4x5x1xi64>
  return
}

// CHECK-LABEL: func.func @data_movement
func.func @data_movement(%a: tensor<4x1x6xbf16>) {
  // CHECK: kgen.permute %{{.*}} dims [2, 0, 1] : tensor<4x1x6xbf16> -> tensor<6x4x1xbf16>
  %0 = kgen.permute %a dims [2, 0, 1] : tensor<4x1x6xbf16> -> tensor<6x4x1xbf16>
  // CHECK: kgen.reshape %{{.*}} : tensor<4x1x6xbf16> -> tensor<2x12xbf16>
  %1 = kgen.reshape %a : tensor<4x1x6xbf16> -> tensor<2x12xbf16>
  // CHECK: kgen.broadcast_to %{{.*}} : tensor<4x1x6xbf16> -> tensor<3x4x7x6xbf16>
  %2 = kgen.broadcast_to %a : tensor<4x1x6xbf16> -> tensor<3x4x7x6xbf16>
  // CHECK: kgen.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xbf16>
  %3 = kgen.constant dense<[1.0, 2.0]> : tensor<2xbf16>
  return
}

// CHECK-LABEL: func.func @compare_where
func.func @compare_where(%a: tensor<4x5xf32>, %b: tensor<5xf32>, %s: f32) {
  // CHECK: kgen.le %{{.*}}, %{{.*}} : (tensor<4x5xf32>, tensor<5xf32>) -> tensor<4x5xf32>
  %0 = kgen.le %a, %b : (tensor<4x5xf32>, tensor<5xf32>) -> tensor<4x5xf32>
  // CHECK: kgen.eq %{{.*}}, %{{.*}} : (tensor<4x5xf32>, f32) -> tensor<4x5xf32>
  %1 = kgen.eq %a, %s : (tensor<4x5xf32>, f32) -> tensor<4x5xf32>
  // CHECK: kgen.where %{{.*}}, %{{.*}}, %{{.*}} : (tensor<4x5xf32>, f32, tensor<5xf32>) -> tensor<4x5xf32>
  %2 = kgen.where %0, %s, %b : (tensor<4x5xf32>, f32, tensor<5xf32>) -> tensor<4x5xf32>
  return
}

// CHECK-LABEL: func.func @gather
func.func @gather(%a: tensor<4x5x6xf32>, %t: tensor<4x1x6xi64>, %u: tensor<2x5x3xi64>) {
  // CHECK: kgen.gather %{{.*}}, %{{.*}} dim 1 : (tensor<4x5x6xf32>, tensor<4x1x6xi64>) -> tensor<4x1x6xf32>
  %0 = kgen.gather %a, %t dim 1 : (tensor<4x5x6xf32>, tensor<4x1x6xi64>) -> tensor<4x1x6xf32>
  // CHECK: kgen.reshape %{{.*}} : tensor<4x1x6xi64> -> tensor<4x6xi64>
  %r = kgen.reshape %t : tensor<4x1x6xi64> -> tensor<4x6xi64>
  // CHECK: kgen.broadcast_to %{{.*}} : tensor<4x1x6xi64> -> tensor<4x5x6xi64>
  %b = kgen.broadcast_to %t : tensor<4x1x6xi64> -> tensor<4x5x6xi64>
  // CHECK: kgen.gather %{{.*}}, %{{.*}} dim 2 fill -1.000000e+00 : (tensor<4x5x6xf32>, tensor<2x5x3xi64>) -> tensor<2x5x3xf32>
  %1 = kgen.gather %a, %u dim 2 fill -1.0 : (tensor<4x5x6xf32>, tensor<2x5x3xi64>) -> tensor<2x5x3xf32>
  return
}

// CHECK-LABEL: func.func @convert
func.func @convert(%m: tensor<4x5xi8>, %x: tensor<4x5xf32>, %t: tensor<4xi32>) {
  // CHECK: kgen.convert %{{.*}} : tensor<4x5xi8> -> tensor<4x5xf32>
  %0 = kgen.convert %m : tensor<4x5xi8> -> tensor<4x5xf32>
  // CHECK: kgen.convert %{{.*}} : tensor<4x5xf32> -> tensor<4x5xi8>
  %1 = kgen.convert %x : tensor<4x5xf32> -> tensor<4x5xi8>
  // CHECK: kgen.convert %{{.*}} : tensor<4xi32> -> tensor<4xi64>
  %2 = kgen.convert %t : tensor<4xi32> -> tensor<4xi64>
  return
}

// CHECK-LABEL: func.func @attention
func.func @attention(%q: tensor<2x3x4x8xbf16>, %k: tensor<2x3x6x8xbf16>, %v: tensor<2x3x6x5xbf16>,
                     %m: tensor<4x6xbf16>) {
  // CHECK: kgen.attention %{{.*}}, %{{.*}}, %{{.*}} scale 1.250000e-01 causal : (tensor<2x3x4x8xbf16>, tensor<2x3x6x8xbf16>, tensor<2x3x6x5xbf16>) -> tensor<2x3x4x5xbf16>
  %0 = kgen.attention %q, %k, %v scale 0.125 causal : (tensor<2x3x4x8xbf16>, tensor<2x3x6x8xbf16>, tensor<2x3x6x5xbf16>) -> tensor<2x3x4x5xbf16>
  // CHECK: kgen.attention %{{.*}}, %{{.*}}, %{{.*}} mask %{{.*}} scale 5.000000e-01 : (tensor<2x3x4x8xbf16>, tensor<2x3x6x8xbf16>, tensor<2x3x6x5xbf16>, tensor<4x6xbf16>) -> tensor<2x3x4x5xbf16>
  %1 = kgen.attention %q, %k, %v mask %m scale 0.5 : (tensor<2x3x4x8xbf16>, tensor<2x3x6x8xbf16>, tensor<2x3x6x5xbf16>, tensor<4x6xbf16>) -> tensor<2x3x4x5xbf16>
  return
}

// CHECK-LABEL: func.func @concat
// CHECK: kgen.concat %{{.*}}, %{{.*}}, %{{.*}} dim 1 : (tensor<4x2xf16>, tensor<4x0xf16>, tensor<4x3xf16>) -> tensor<4x5xf16>
func.func @concat(%a: tensor<4x2xf16>, %e: tensor<4x0xf16>, %b: tensor<4x3xf16>) -> tensor<4x5xf16> {
  %0 = kgen.concat %a, %e, %b dim 1 : (tensor<4x2xf16>, tensor<4x0xf16>, tensor<4x3xf16>) -> tensor<4x5xf16>
  return %0 : tensor<4x5xf16>
}
