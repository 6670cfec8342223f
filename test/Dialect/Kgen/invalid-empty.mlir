// A maximum or minimum over a zero-sized dimension has no value (PyTorch
// raises); sums and means of empty dimensions are valid (0 and NaN).
// RUN: kgen-opt %s -split-input-file -verify-diagnostics

func.func @max_over_empty(%x: tensor<3x0xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{cannot take the maximum over dimension 1, which has size 0}}
  %0 = kgen.max %x dims [1] : tensor<3x0xf32> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @min_over_empty(%x: tensor<0x4xf16>) -> tensor<4xf16> {
  // expected-error @+1 {{cannot take the minimum over dimension 0, which has size 0}}
  %0 = kgen.min %x dims [0] : tensor<0x4xf16> -> tensor<4xf16>
  return %0 : tensor<4xf16>
}

// -----

// Over a non-empty dimension of an empty tensor the result is empty: valid.
func.func @max_of_empty_rows(%x: tensor<0x4xf32>) -> tensor<0xf32> {
  %0 = kgen.max %x dims [1] : tensor<0x4xf32> -> tensor<0xf32>
  return %0 : tensor<0xf32>
}

func.func @sum_over_empty(%x: tensor<3x0xf32>) -> tensor<3xf32> {
  %0 = kgen.sum %x dims [1] : tensor<3x0xf32> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}
