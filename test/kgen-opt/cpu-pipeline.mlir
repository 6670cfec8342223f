// RUN: kgen-opt %s -kgen-cpu-pipeline | FileCheck %s

// The CPU pipeline takes kgen all the way to the LLVM dialect; the result
// becomes a caller-provided out-parameter.
// CHECK-NOT: kgen.
// CHECK-NOT: linalg.
// CHECK: llvm.func @main(
// CHECK-NOT: -> !llvm.struct
// CHECK: llvm.fadd
// CHECK: llvm.fcmp
// CHECK: llvm.select
func.func @main(%a: tensor<4x5xf32>, %b: tensor<5xf32>) -> tensor<4x5xf32> {
  %0 = kgen.add %a, %b : (tensor<4x5xf32>, tensor<5xf32>) -> tensor<4x5xf32>
  %1 = kgen.relu %0 : tensor<4x5xf32>
  return %1 : tensor<4x5xf32>
}
