func.func @main(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = kgen.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

func.func @half(%a: tensor<4xf16>) -> tensor<4xf16> {
  %0 = kgen.neg %a : tensor<4xf16>
  return %0 : tensor<4xf16>
}

func.func @brain(%a: tensor<4xbf16>) -> tensor<4xbf16> {
  %0 = kgen.neg %a : tensor<4xbf16>
  return %0 : tensor<4xbf16>
}
