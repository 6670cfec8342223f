// RUN: kgen-opt %s -split-input-file -verify-diagnostics

// Padding and dilation are attributes of any size: the padded input and the
// dilated kernel are computed with overflow checks, and a size past 64 bits
// is reported as too large (it used to print wrapped, negative sizes).

func.func @conv_padding_overflow(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'kgen.conv' op spatial dimension 0: the padded input size (8 + 2 * 4611686018427387904) is too large (more than 2^63 - 1)}}
  %0 = kgen.conv %x, %w stride [1, 1] padding [4611686018427387904, 0] dilation [1, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_padded_sum_overflow(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'kgen.conv' op spatial dimension 1: the padded input size (8 + 2 * 4611686018427387903) is too large (more than 2^63 - 1)}}
  %0 = kgen.conv %x, %w stride [1, 1] padding [0, 4611686018427387903] dilation [1, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_dilation_overflow(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'kgen.conv' op spatial dimension 0: the dilated kernel size (4611686018427387904 * (3 - 1) + 1) is too large (more than 2^63 - 1)}}
  %0 = kgen.conv %x, %w stride [1, 1] padding [0, 0] dilation [4611686018427387904, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

// Large but representable sizes keep the usual message, with true values.
func.func @conv_dilation_large(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'kgen.conv' op spatial dimension 0 is too small: padded input size 8 is less than the dilated kernel size 4611686018427387903}}
  %0 = kgen.conv %x, %w stride [1, 1] padding [0, 0] dilation [2305843009213693951, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

// A kernel of size 0 (PyTorch raises) would make the dilated kernel size
// 1 - dilation, and the output size overflow.
func.func @conv_empty_kernel(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x0x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'kgen.conv' op weight's spatial dimension 0 has size 0; kernel sizes must be at least 1 (PyTorch raises too)}}
  %0 = kgen.conv %x, %w stride [1, 1] padding [0, 0] dilation [4611686018427387904, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<4x3x0x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}
