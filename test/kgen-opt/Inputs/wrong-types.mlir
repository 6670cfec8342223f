// kgen ops take float tensors only.
func.func @main(%a: tensor<4xi32>) -> tensor<4xi32> {
  %0 = kgen.add %a, %a : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}
