// Computations over zero-sized dimensions, as PyTorch defines them: an
// empty result is an empty tensor; a sum over nothing is 0, a mean NaN, a
// contraction over an empty inner dimension its initial value (0, plus the
// bias). kgen-to-linalg folds them away, so no kernel is formed for them.
// RUN: kgen-opt %s -kgen-to-linalg --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @elementwise
// CHECK-NEXT:    %[[E:.*]] = tensor.empty() : tensor<0x5xf32>
// CHECK-NEXT:    return %[[E]]
func.func @elementwise(%x: tensor<0x5xf32>, %y: tensor<5xf32>) -> tensor<0x5xf32> {
  %0 = kgen.add %x, %y : (tensor<0x5xf32>, tensor<5xf32>) -> tensor<0x5xf32>
  %1 = kgen.relu %0 : tensor<0x5xf32>
  return %1 : tensor<0x5xf32>
}

// -----

// The sum is its fill; the mean divides that 0 by the count 0.
// CHECK-LABEL: func.func @reductions
// CHECK-NOT:     linalg.generic {{.*}}reduction
// CHECK:         linalg.fill
// CHECK:         arith.divf
// CHECK:         return
func.func @reductions(%x: tensor<3x0xf32>) -> (tensor<3xf32>, tensor<3xf32>) {
  %0 = kgen.sum %x dims [1] : tensor<3x0xf32> -> tensor<3xf32>
  %1 = kgen.mean %x dims [1] : tensor<3x0xf32> -> tensor<3xf32>
  return %0, %1 : tensor<3xf32>, tensor<3xf32>
}

// -----

// linear with in_features 0 is its bias, broadcast over the rows.
// CHECK-LABEL: func.func @linear
// CHECK-NOT:     linalg.matmul
// CHECK:         linalg.fill
// CHECK:         linalg.generic
// CHECK:         return
func.func @linear(%x: tensor<4x0xf32>, %w: tensor<3x0xf32>, %b: tensor<3xf32>) -> tensor<4x3xf32> {
  %0 = kgen.linear %x, %w, %b : (tensor<4x0xf32>, tensor<3x0xf32>, tensor<3xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// CHECK-LABEL: func.func @matmul
// CHECK-NOT:     linalg.matmul
// CHECK:         %[[Z:.*]] = linalg.fill
// CHECK:         return %[[Z]]
func.func @matmul(%a: tensor<8x0xf32>, %b: tensor<0x4xf32>) -> tensor<8x4xf32> {
  %0 = kgen.matmul %a, %b : (tensor<8x0xf32>, tensor<0x4xf32>) -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}

// -----

// A convolution of an empty batch, a normalization and a softmax of empty
// rows, and data movement of empty tensors: nothing is computed.
// CHECK-LABEL: func.func @empty_results
// CHECK-NOT:     linalg.
// CHECK-NOT:     tensor.pad
// CHECK:         return
func.func @empty_results(%img: tensor<0x3x8x8xf32>, %k: tensor<4x3x3x3xf32>, %rows: tensor<0x6xf32>) -> (tensor<0x4x8x8xf32>, tensor<0x6xf32>, tensor<0x6xf32>, tensor<6x0xf32>) {
  %0 = kgen.conv %img, %k stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 : (tensor<0x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<0x4x8x8xf32>
  %1 = kgen.softmax %rows dim 1 : tensor<0x6xf32>
  %2 = kgen.rms_norm %rows normalized_shape [6] : (tensor<0x6xf32>) -> tensor<0x6xf32>
  %3 = kgen.permute %rows dims [1, 0] : tensor<0x6xf32> -> tensor<6x0xf32>
  return %0, %1, %2, %3 : tensor<0x4x8x8xf32>, tensor<0x6xf32>, tensor<0x6xf32>, tensor<6x0xf32>
}
