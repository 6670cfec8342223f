func.func @main(%a: tensor<4096x4096xf32>, %b: tensor<4096x4096xf32>, %bias: tensor<4096xf32>) -> tensor<4096x4096xf32> {
  %0 = kgen.matmul %a, %b : (tensor<4096x4096xf32>, tensor<4096x4096xf32>) -> tensor<4096x4096xf32>
  %1 = kgen.add %0, %bias : (tensor<4096x4096xf32>, tensor<4096xf32>) -> tensor<4096x4096xf32>
  %2 = kgen.relu %1 : tensor<4096x4096xf32>
  return %2 : tensor<4096x4096xf32>
}
