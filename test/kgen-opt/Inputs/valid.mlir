func.func @main(%a: tensor<4x5xf32>, %b: tensor<5xf32>) -> tensor<4x5xf32> {
  %0 = kgen.add %a, %b : (tensor<4x5xf32>, tensor<5xf32>) -> tensor<4x5xf32>
  %1 = kgen.relu %0 : tensor<4x5xf32>
  return %1 : tensor<4x5xf32>
}
