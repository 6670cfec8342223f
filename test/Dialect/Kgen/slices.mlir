// kgen.slice, kgen.flip, kgen.tril and kgen.triu: the round trip, and the
// slices PyTorch cannot express or that read past the input.
// RUN: kgen-opt %s -split-input-file -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @round_trip
func.func @round_trip(%x: tensor<4x9xf32>) -> tensor<4x4xf32> {
  // CHECK: kgen.slice %{{.*}} offsets [0, 1] strides [1, 2] : tensor<4x9xf32> -> tensor<4x4xf32>
  %0 = kgen.slice %x offsets [0, 1] strides [1, 2] : tensor<4x9xf32> -> tensor<4x4xf32>
  // CHECK: kgen.flip %{{.*}} dims [0, 1] : tensor<4x4xf32>
  %1 = kgen.flip %0 dims [0, 1] : tensor<4x4xf32>
  // CHECK: kgen.tril %{{.*}} diagonal 0 : tensor<4x4xf32>
  %2 = kgen.tril %1 diagonal 0 : tensor<4x4xf32>
  // CHECK: kgen.triu %{{.*}} diagonal -2 : tensor<4x4xf32>
  %3 = kgen.triu %2 diagonal -2 : tensor<4x4xf32>
  return %3 : tensor<4x4xf32>
}

// -----

func.func @past_the_end(%x: tensor<4x9xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{dimension 1 reads past the input: 5 elements from offset 1 with stride 2 in a dimension of 9}}
  %0 = kgen.slice %x offsets [0, 1] strides [1, 2] : tensor<4x9xf32> -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

func.func @zero_stride(%x: tensor<4x9xf32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{stride 0 of dimension 1 is not positive}}
  %0 = kgen.slice %x offsets [0, 1] strides [1, 0] : tensor<4x9xf32> -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @rank(%x: tensor<4x9xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{needs one offset and one stride per dimension}}
  %0 = kgen.slice %x offsets [0] strides [1] : tensor<4x9xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @flip_dim(%x: tensor<4x9xf32>) -> tensor<4x9xf32> {
  // expected-error @+1 {{out of range}}
  %0 = kgen.flip %x dims [2] : tensor<4x9xf32>
  return %0 : tensor<4x9xf32>
}

// -----

func.func @tril_of_a_vector(%x: tensor<9xf32>) -> tensor<9xf32> {
  // expected-error @+1 {{'kgen.tril' op masks the last two dims of a matrix; the input has rank 1}}
  %0 = kgen.tril %x diagonal 0 : tensor<9xf32>
  return %0 : tensor<9xf32>
}

// -----

func.func @triu_of_a_scalar(%x: tensor<f32>) -> tensor<f32> {
  // expected-error @+1 {{'kgen.triu' op masks the last two dims of a matrix; the input has rank 0}}
  %0 = kgen.triu %x diagonal 1 : tensor<f32>
  return %0 : tensor<f32>
}
