// kgen.conv_transpose: the round trip and every verifier message.
// RUN: kgen-opt %s -split-input-file -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @round_trip
func.func @round_trip(%x: tensor<2x8x5x6xf32>, %w: tensor<8x4x3x3xf32>, %b: tensor<4xf32>) -> tensor<2x4x10x12xf32> {
  // CHECK: kgen.conv_transpose %{{.*}}, %{{.*}}, %{{.*}} stride [2, 2] padding [1, 1] output_padding [1, 1] dilation [1, 1] groups 1 : (tensor<2x8x5x6xf32>, tensor<8x4x3x3xf32>, tensor<4xf32>) -> tensor<2x4x10x12xf32>
  %0 = kgen.conv_transpose %x, %w, %b stride [2, 2] padding [1, 1] output_padding [1, 1] dilation [1, 1] groups 1 : (tensor<2x8x5x6xf32>, tensor<8x4x3x3xf32>, tensor<4xf32>) -> tensor<2x4x10x12xf32>
  return %0 : tensor<2x4x10x12xf32>
}

// -----

func.func @rank(%x: tensor<8x5xf32>, %w: tensor<8x4xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{input must have rank 3, 4 or 5 ([N, C, spatial...] with 1 to 3 spatial dimensions), got 2}}
  %0 = kgen.conv_transpose %x, %w stride [1] padding [0] output_padding [0] dilation [1] groups 1 : (tensor<8x5xf32>, tensor<8x4xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

func.func @stride_count(%x: tensor<1x8x5x6xf32>, %w: tensor<8x4x3x3xf32>) -> tensor<1x4x7x8xf32> {
  // expected-error @+1 {{stride must have 2 values (one per spatial dimension), got 1}}
  %0 = kgen.conv_transpose %x, %w stride [1] padding [0, 0] output_padding [0, 0] dilation [1, 1] groups 1 : (tensor<1x8x5x6xf32>, tensor<8x4x3x3xf32>) -> tensor<1x4x7x8xf32>
  return %0 : tensor<1x4x7x8xf32>
}

// -----

func.func @negative_padding(%x: tensor<1x8x5x6xf32>, %w: tensor<8x4x3x3xf32>) -> tensor<1x4x7x8xf32> {
  // expected-error @+1 {{padding values must be at least 0, got [-1, 0]}}
  %0 = kgen.conv_transpose %x, %w stride [1, 1] padding [-1, 0] output_padding [0, 0] dilation [1, 1] groups 1 : (tensor<1x8x5x6xf32>, tensor<8x4x3x3xf32>) -> tensor<1x4x7x8xf32>
  return %0 : tensor<1x4x7x8xf32>
}

// -----

func.func @output_padding(%x: tensor<1x8x5x6xf32>, %w: tensor<8x4x3x3xf32>) -> tensor<1x4x9x8xf32> {
  // expected-error @+1 {{output_padding [2, 0] must be smaller than the stride or the dilation}}
  %0 = kgen.conv_transpose %x, %w stride [2, 1] padding [0, 0] output_padding [2, 0] dilation [1, 1] groups 1 : (tensor<1x8x5x6xf32>, tensor<8x4x3x3xf32>) -> tensor<1x4x9x8xf32>
  return %0 : tensor<1x4x9x8xf32>
}

// -----

func.func @groups(%x: tensor<1x8x5x6xf32>, %w: tensor<8x4x3x3xf32>) -> tensor<1x12x7x8xf32> {
  // expected-error @+1 {{groups (3) must be at least 1 and divide the input channels (8)}}
  %0 = kgen.conv_transpose %x, %w stride [1, 1] padding [0, 0] output_padding [0, 0] dilation [1, 1] groups 3 : (tensor<1x8x5x6xf32>, tensor<8x4x3x3xf32>) -> tensor<1x12x7x8xf32>
  return %0 : tensor<1x12x7x8xf32>
}

// -----

func.func @weight_channels(%x: tensor<1x8x5x6xf32>, %w: tensor<6x4x3x3xf32>) -> tensor<1x4x7x8xf32> {
  // expected-error @+1 {{weight has 6 input channels, expected 8}}
  %0 = kgen.conv_transpose %x, %w stride [1, 1] padding [0, 0] output_padding [0, 0] dilation [1, 1] groups 1 : (tensor<1x8x5x6xf32>, tensor<6x4x3x3xf32>) -> tensor<1x4x7x8xf32>
  return %0 : tensor<1x4x7x8xf32>
}

// -----

func.func @bias_size(%x: tensor<1x8x5x6xf32>, %w: tensor<8x2x3x3xf32>, %b: tensor<2xf32>) -> tensor<1x4x7x8xf32> {
  // expected-error @+1 {{bias size (2) differs from the output channels (4)}}
  %0 = kgen.conv_transpose %x, %w, %b stride [1, 1] padding [0, 0] output_padding [0, 0] dilation [1, 1] groups 2 : (tensor<1x8x5x6xf32>, tensor<8x2x3x3xf32>, tensor<2xf32>) -> tensor<1x4x7x8xf32>
  return %0 : tensor<1x4x7x8xf32>
}

// -----

func.func @no_output(%x: tensor<1x8x1x1xf32>, %w: tensor<8x4x1x1xf32>) -> tensor<1x4x1x1xf32> {
  // expected-error @+1 {{the padding leaves no output: shape [1, 4, -1, -1]}}
  %0 = kgen.conv_transpose %x, %w stride [1, 1] padding [1, 1] output_padding [0, 0] dilation [1, 1] groups 1 : (tensor<1x8x1x1xf32>, tensor<8x4x1x1xf32>) -> tensor<1x4x1x1xf32>
  return %0 : tensor<1x4x1x1xf32>
}

// -----

func.func @wrong_result(%x: tensor<1x8x5x6xf32>, %w: tensor<8x4x3x3xf32>) -> tensor<1x4x7x7xf32> {
  // expected-error @+1 {{result shape [1, 4, 7, 7] should be [1, 4, 7, 8]}}
  %0 = kgen.conv_transpose %x, %w stride [1, 1] padding [0, 0] output_padding [0, 0] dilation [1, 1] groups 1 : (tensor<1x8x5x6xf32>, tensor<8x4x3x3xf32>) -> tensor<1x4x7x7xf32>
  return %0 : tensor<1x4x7x7xf32>
}
