func.func @main(%a: tensor<4x256x512xf16>, %b: tensor<4x512x192xf16>) -> tensor<4x256x192xf16> {
  %0 = kgen.batch_matmul %a, %b : (tensor<4x256x512xf16>, tensor<4x512x192xf16>) -> tensor<4x256x192xf16>
  return %0 : tensor<4x256x192xf16>
}
