// A kgen op that does not exist.
func.func @main(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = kgen.frobnicate %a : tensor<4xf32>
  return %0 : tensor<4xf32>
}
