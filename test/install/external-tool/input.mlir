// CHECK-LABEL: func.func @relu
// CHECK: linalg.generic
// CHECK: arith.maximumf
// CHECK-NOT: kgen.
func.func @relu(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = kgen.relu %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}
