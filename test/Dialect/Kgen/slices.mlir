// kgen.slice and kgen.flip: the round trip, and the slices PyTorch cannot
// express or that read past the input.
// RUN: kgen-opt %s -split-input-file -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @round_trip
func.func @round_trip(%x: tensor<4x9xf32>) -> tensor<4x4xf32> {
  // CHECK: kgen.slice %{{.*}} offsets [0, 1] strides [1, 2] : tensor<4x9xf32> -> tensor<4x4xf32>
  %0 = kgen.slice %x offsets [0, 1] strides [1, 2] : tensor<4x9xf32> -> tensor<4x4xf32>
  // CHECK: kgen.flip %{{.*}} dims [0, 1] : tensor<4x4xf32>
  %1 = kgen.flip %0 dims [0, 1] : tensor<4x4xf32>
  return %1 : tensor<4x4xf32>
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
