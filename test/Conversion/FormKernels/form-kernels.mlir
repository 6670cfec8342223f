// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels -split-input-file | FileCheck %s

// matmul + bias + relu: the fill joins the matmul as a producer, the bias add
// and relu (one generic each) join it as consumers: one kernel.
// CHECK-LABEL: func.func @gemm_bias_relu
// CHECK-SAME:    (%[[X:.*]]: tensor<16x32xf32>, %[[W:.*]]: tensor<32x8xf32>, %[[B:.*]]: tensor<8xf32>)
// CHECK:         %[[R:.*]] = call @gemm_bias_relu_kernel_0(%[[X]], %[[W]], %[[B]])
// CHECK-NEXT:    return %[[R]]
// CHECK:       func.func private @gemm_bias_relu_kernel_0(%{{.*}}: tensor<16x32xf32>, %{{.*}}: tensor<32x8xf32>, %{{.*}}: tensor<8xf32>) -> tensor<16x8xf32> attributes {kgen.kernel}
// CHECK:         linalg.fill {kgen.op = 0 : i64}
// CHECK:         linalg.matmul {kgen.op = 1 : i64, kgen.root}
// CHECK:         linalg.generic {{.*}} attrs = {kgen.op = 2 : i64}
// CHECK:         linalg.generic {{.*}} attrs = {kgen.op = 3 : i64, kgen.sink}
// CHECK:         return
func.func @gemm_bias_relu(%x: tensor<16x32xf32>, %w: tensor<32x8xf32>, %b: tensor<8xf32>) -> tensor<16x8xf32> {
  %0 = kgen.matmul %x, %w : (tensor<16x32xf32>, tensor<32x8xf32>) -> tensor<16x8xf32>
  %1 = kgen.add %0, %b : (tensor<16x8xf32>, tensor<8xf32>) -> tensor<16x8xf32>
  %2 = kgen.relu %1 : tensor<16x8xf32>
  return %2 : tensor<16x8xf32>
}

// -----

// Row statistics: softmax's row max feeds both the exp-sum and the final
// division, and reduces over the same loops as the exp-sum, so it joins the
// exp-sum's kernel (with the division, the exp-sum's only user): one kernel,
// whose root is the last reduction.
// CHECK-LABEL: func.func @softmax
// CHECK:         %[[Y:.*]] = call @softmax_kernel_0(%[[X:[a-z0-9]+]])
// CHECK-NEXT:    return %[[Y]]
// CHECK:       func.func private @softmax_kernel_0
// CHECK:         linalg.fill {kgen.op = 0 : i64}
// CHECK:         %[[MAX:.*]] = linalg.generic {{.*}}"reduction"{{.*}} attrs = {kgen.op = 1 : i64} {
// CHECK:           arith.maximumf
// CHECK:         linalg.fill {kgen.op = 2 : i64}
// CHECK:         %[[SUM:.*]] = linalg.generic {{.*}}"reduction"{{.*}} ins(%{{.*}}, %[[MAX]] : {{.*}} attrs = {kgen.op = 3 : i64, kgen.root}
// CHECK:         linalg.generic {{.*}} ins(%{{.*}}, %[[MAX]], %[[SUM]] : {{.*}} attrs = {kgen.op = 4 : i64, kgen.sink}
// CHECK-NOT:   func.func private @softmax_kernel_1
func.func @softmax(%x: tensor<4x7xf32>) -> tensor<4x7xf32> {
  %0 = kgen.softmax %x dim 1 : tensor<4x7xf32>
  return %0 : tensor<4x7xf32>
}

// -----

// layer_norm: the row sum (its mean is divided out where it is read) and
// the sum of squared deviations share one kernel with the normalization.
// CHECK-LABEL: func.func @layer_norm
// CHECK:         call @layer_norm_kernel_0(
// CHECK-NOT:     call
// CHECK:       func.func private @layer_norm_kernel_0
// CHECK:         linalg.generic {{.*}}"reduction"{{.*}} attrs = {kgen.op = 1 : i64}
// CHECK:         linalg.generic {{.*}}"reduction"{{.*}} attrs = {kgen.op = 3 : i64, kgen.root}
// CHECK:         attrs = {kgen.op = 4 : i64, kgen.sink}
func.func @layer_norm(%x: tensor<4x7xf32>) -> tensor<4x7xf32> {
  %0 = kgen.layer_norm %x normalized_shape [7] eps 1.0e-5 : (tensor<4x7xf32>) -> tensor<4x7xf32>
  return %0 : tensor<4x7xf32>
}

// -----

// A reduction over other loops is no row statistic: the column sums (with
// the subtraction, their only user) feed a row reduction, but reduce the
// other dimension, so they stay a kernel of their own.
// CHECK-LABEL: func.func @column_then_row
// CHECK:         %[[D:.*]] = call @column_then_row_kernel_0(
// CHECK:         call @column_then_row_kernel_1(%[[D]])
func.func @column_then_row(%x: tensor<7x7xf32>) -> tensor<7xf32> {
  %c = kgen.sum %x dims [0] : tensor<7x7xf32> -> tensor<7xf32>
  %d = kgen.sub %x, %c : (tensor<7x7xf32>, tensor<7xf32>) -> tensor<7x7xf32>
  %r = kgen.sum %d dims [1] : tensor<7x7xf32> -> tensor<7xf32>
  return %r : tensor<7xf32>
}

// -----

// An elementwise chain with a scalar function argument: the scalar captured in
// the generic bodies becomes a kernel argument; the two generics fuse.
// CHECK-LABEL: func.func @chain
// CHECK:         call @chain_kernel_0(%{{.*}}, %{{.*}}) : (tensor<3x5xf32>, f32) -> tensor<3x5xf32>
// CHECK:       func.func private @chain_kernel_0(%{{.*}}: tensor<3x5xf32>, %[[S:.*]]: f32)
// CHECK:         arith.mulf %{{.*}}, %[[S]]
// CHECK:         kgen.root, kgen.sink
func.func @chain(%x: tensor<3x5xf32>, %s: f32) -> tensor<3x5xf32> {
  %0 = kgen.mul %x, %s : (tensor<3x5xf32>, f32) -> tensor<3x5xf32>
  %1 = kgen.tanh %0 : tensor<3x5xf32>
  return %1 : tensor<3x5xf32>
}

// -----

// A reshape between ops stays in the caller and separates kernels.
// CHECK-LABEL: func.func @reshape_between
// CHECK:         call @reshape_between_kernel_0
// CHECK:         tensor.collapse_shape
// CHECK:         tensor.expand_shape
// CHECK:         call @reshape_between_kernel_1
func.func @reshape_between(%x: tensor<4x6xf32>) -> tensor<24xf32> {
  %0 = kgen.exp %x : tensor<4x6xf32>
  %1 = kgen.reshape %0 : tensor<4x6xf32> -> tensor<2x12xf32>
  %2 = kgen.reshape %1 : tensor<2x12xf32> -> tensor<24xf32>
  %3 = kgen.neg %2 : tensor<24xf32>
  return %3 : tensor<24xf32>
}

// -----

// A convolution's padding is a bounds check in the convolution's read of
// its input, not a padded copy: one kernel reading the unpadded input.
// (A tensor.pad would be a kernel of its own: fused into the convolution's
// tiles it would materialize each thread's padded window.)
// CHECK-LABEL: func.func @conv_padding
// CHECK:         call @conv_padding_kernel_0(%{{.*}}, %arg0) : (tensor<1x4x4x3x3xf32>, tensor<1x4x8x8xf32>)
// CHECK-NOT:     call @conv_padding_kernel_1
// CHECK:       func.func private @conv_padding_kernel_0
// CHECK-NOT:     tensor.pad
// CHECK:         linalg.generic
// CHECK:           tensor.extract
func.func @conv_padding(%x: tensor<1x4x8x8xf32>, %w: tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32> {
  %y = kgen.conv %x, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %y : tensor<1x4x8x8xf32>
}

// -----

// An epilogue larger than its root stays out of the root's kernel: the
// blocks and threads of a kernel are the root's tiles, and this sum has 8
// outputs, each of 8 elements, where the scaling that reads them covers
// 32768. The root is a kernel of its own; the scaling, with the rsqrt it
// reads, another, spread over all its elements.
// CHECK-LABEL: func.func @wide_epilogue
// CHECK:         %[[S:.*]] = call @wide_epilogue_kernel_0(%{{.*}})
// CHECK:         %[[Y:.*]] = call @wide_epilogue_kernel_1(%{{.*}}, %{{.*}})
// CHECK-NEXT:    return %[[Y]]
// CHECK:       func.func private @wide_epilogue_kernel_0({{.*}}: tensor<2x4x8xf32>) -> tensor<2x4xf32>
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]{{.*}}kgen.root, kgen.sink
// CHECK:       func.func private @wide_epilogue_kernel_1(
// CHECK-NOT:     "reduction"
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel"]{{.*}}kgen.sink
// CHECK:         return
func.func @wide_epilogue(%p: tensor<2x4x8xf32>, %x: tensor<2x4x4096xf32>) -> tensor<2x4x4096xf32> {
  %s = kgen.sum %p dims [2] keepdim : tensor<2x4x8xf32> -> tensor<2x4x1xf32>
  %r = kgen.rsqrt %s : tensor<2x4x1xf32>
  %y = kgen.mul %x, %r : (tensor<2x4x4096xf32>, tensor<2x4x1xf32>) -> tensor<2x4x4096xf32>
  return %y : tensor<2x4x4096xf32>
}
