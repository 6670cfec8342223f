func.func @main(%x: tensor<512x768xf16>, %w: tensor<768x384xf16>, %b: tensor<384xf16>) -> tensor<512x384xf16> {
  %0 = kgen.matmul %x, %w : (tensor<512x768xf16>, tensor<768x384xf16>) -> tensor<512x384xf16>
  %1 = kgen.add %0, %b : (tensor<512x384xf16>, tensor<384xf16>) -> tensor<512x384xf16>
  %2 = kgen.gelu %1 : tensor<512x384xf16>
  return %2 : tensor<512x384xf16>
}
