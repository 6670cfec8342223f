// RUN: kgen-opt %s -kgen-linalg -kgen-form-kernels | FileCheck %s

// A convolution large enough for the matmul path: its im2col gather and
// its weight's broadcast over the images only move elements in order, so
// they join the batch_matmul's kernel (staging computes their tiles into
// workgroup memory): one kernel, reading the input and the weight. A
// transpose feeding a matmul stays a kernel of its own (staging would
// read it across its rows).
// CHECK-LABEL: func.func @implicit_gemm
// CHECK:         call @implicit_gemm_kernel_0(%arg0, %{{.*}}) : (tensor<2x16x16x16xf32>, tensor<32x144xf32>)
// CHECK-NOT:     call @implicit_gemm_kernel_1
// CHECK:       func.func private @implicit_gemm_kernel_0
// CHECK:         linalg.generic
// CHECK:           tensor.extract
// CHECK:         linalg.generic
// CHECK:         linalg.fill
// CHECK:         linalg.batch_matmul
// CHECK-LABEL: func.func @transposed_operand
// CHECK:         call @transposed_operand_kernel_0
// CHECK:         call @transposed_operand_kernel_1
func.func @implicit_gemm(%x: tensor<2x16x16x16xf32>, %w: tensor<32x16x3x3xf32>) -> tensor<2x32x16x16xf32> {
  %y = kgen.conv %x, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 : (tensor<2x16x16x16xf32>, tensor<32x16x3x3xf32>) -> tensor<2x32x16x16xf32>
  return %y : tensor<2x32x16x16xf32>
}
func.func @transposed_operand(%a: tensor<8x16xf32>, %b: tensor<32x16xf32>) -> tensor<8x32xf32> {
  %t = kgen.permute %b dims [1, 0] : tensor<32x16xf32> -> tensor<16x32xf32>
  %y = kgen.matmul %a, %t : (tensor<8x16xf32>, tensor<16x32xf32>) -> tensor<8x32xf32>
  return %y : tensor<8x32xf32>
}
