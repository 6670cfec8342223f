// kgen.max_pool and kgen.avg_pool: the round trip and every verifier message.
// RUN: kgen-opt %s -split-input-file -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @round_trip
func.func @round_trip(%x: tensor<2x3x7x9xf32>, %s: tensor<2x4x11xf16>) -> (tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32>, tensor<2x4x5xf16>) {
  // CHECK: kgen.max_pool %{{.*}} kernel [3, 3] stride [2, 2] padding [1, 1] dilation [1, 1] : tensor<2x3x7x9xf32> -> tensor<2x3x4x5xf32>
  %0 = kgen.max_pool %x kernel [3, 3] stride [2, 2] padding [1, 1] dilation [1, 1] : tensor<2x3x7x9xf32> -> tensor<2x3x4x5xf32>
  // CHECK: kgen.avg_pool %{{.*}} kernel [3, 3] stride [2, 2] padding [1, 1] dilation [1, 1] ceil_mode count_include_pad divisor 5 : tensor<2x3x7x9xf32> -> tensor<2x3x4x5xf32>
  %1 = kgen.avg_pool %x kernel [3, 3] stride [2, 2] padding [1, 1] dilation [1, 1] ceil_mode count_include_pad divisor 5 : tensor<2x3x7x9xf32> -> tensor<2x3x4x5xf32>
  // CHECK: kgen.max_pool %{{.*}} kernel [3] stride [2] padding [1] dilation [2] ceil_mode : tensor<2x4x11xf16> -> tensor<2x4x5xf16>
  %2 = kgen.max_pool %s kernel [3] stride [2] padding [1] dilation [2] ceil_mode : tensor<2x4x11xf16> -> tensor<2x4x5xf16>
  return %0, %1, %2 : tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32>, tensor<2x4x5xf16>
}

// -----

func.func @no_batch_dim(%x: tensor<7x9xf32>) -> tensor<3x4xf32> {
  // expected-error @+1 {{pools 1 to 3 trailing dims of an input with at least one more dim; got 2 kernel values for rank 2}}
  %0 = kgen.max_pool %x kernel [3, 3] stride [2, 2] padding [0, 0] dilation [1, 1] : tensor<7x9xf32> -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

func.func @stride_count(%x: tensor<1x7x9xf32>) -> tensor<1x3x4xf32> {
  // expected-error @+1 {{stride must have 2 values (one per pooled dim), got 1}}
  %0 = kgen.max_pool %x kernel [3, 3] stride [2] padding [0, 0] dilation [1, 1] : tensor<1x7x9xf32> -> tensor<1x3x4xf32>
  return %0 : tensor<1x3x4xf32>
}

// -----

func.func @zero_kernel(%x: tensor<1x7x9xf32>) -> tensor<1x3x4xf32> {
  // expected-error @+1 {{kernel values must be at least 1, got [0, 3]}}
  %0 = kgen.max_pool %x kernel [0, 3] stride [2, 2] padding [0, 0] dilation [1, 1] : tensor<1x7x9xf32> -> tensor<1x3x4xf32>
  return %0 : tensor<1x3x4xf32>
}

// -----

func.func @wide_padding(%x: tensor<1x7x9xf32>) -> tensor<1x5x5xf32> {
  // expected-error @+1 {{padding [2, 1] must be at most half the kernel [3, 3]}}
  %0 = kgen.max_pool %x kernel [3, 3] stride [2, 2] padding [2, 1] dilation [1, 1] : tensor<1x7x9xf32> -> tensor<1x5x5xf32>
  return %0 : tensor<1x5x5xf32>
}

// -----

func.func @max_with_divisor(%x: tensor<1x7x9xf32>) -> tensor<1x3x4xf32> {
  // expected-error @+1 {{count_include_pad and divisor are avg_pool's}}
  %0 = kgen.max_pool %x kernel [3, 3] stride [2, 2] padding [0, 0] dilation [1, 1] divisor 4 : tensor<1x7x9xf32> -> tensor<1x3x4xf32>
  return %0 : tensor<1x3x4xf32>
}

// -----

func.func @avg_dilation(%x: tensor<1x7x9xf32>) -> tensor<1x2x3xf32> {
  // expected-error @+1 {{avg_pool has no dilation; got [2, 2]}}
  %0 = kgen.avg_pool %x kernel [2, 2] stride [2, 2] padding [0, 0] dilation [2, 2] : tensor<1x7x9xf32> -> tensor<1x2x3xf32>
  return %0 : tensor<1x2x3xf32>
}

// -----

func.func @zero_divisor(%x: tensor<1x8x8xf32>) -> tensor<1x4x4xf32> {
  // expected-error @+1 {{divisor must be positive, got 0}}
  %0 = kgen.avg_pool %x kernel [2, 2] stride [2, 2] padding [0, 0] dilation [1, 1] divisor 0 : tensor<1x8x8xf32> -> tensor<1x4x4xf32>
  return %0 : tensor<1x4x4xf32>
}

// -----

func.func @window_too_big(%x: tensor<1x2x9xf32>) -> tensor<1x1x4xf32> {
  // expected-error @+1 {{the windows do not fit the input: pooled shape [1, 0, 4]}}
  %0 = kgen.max_pool %x kernel [3, 3] stride [2, 2] padding [0, 0] dilation [1, 1] : tensor<1x2x9xf32> -> tensor<1x1x4xf32>
  return %0 : tensor<1x1x4xf32>
}

// -----

func.func @wrong_result(%x: tensor<1x7x9xf32>) -> tensor<1x3x3xf32> {
  // expected-error @+1 {{result shape [1, 3, 3] should be [1, 3, 4]}}
  %0 = kgen.max_pool %x kernel [3, 3] stride [2, 2] padding [0, 0] dilation [1, 1] : tensor<1x7x9xf32> -> tensor<1x3x3xf32>
  return %0 : tensor<1x3x3xf32>
}

// -----

func.func @element_type(%x: tensor<1x8x8xf32>) -> tensor<1x4x4xf16> {
  // expected-error @+1 {{mixes element types 'f32' and 'f16'; all operands and results must share one element type}}
  %0 = kgen.max_pool %x kernel [2, 2] stride [2, 2] padding [0, 0] dilation [1, 1] : tensor<1x8x8xf32> -> tensor<1x4x4xf16>
  return %0 : tensor<1x4x4xf16>
}
