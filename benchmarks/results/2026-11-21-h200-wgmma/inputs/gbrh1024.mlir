func.func @main(%x: tensor<1024x1024xf16>, %w: tensor<1024x1024xf16>, %b: tensor<1024xf16>) -> tensor<1024x1024xf16> {
  %0 = kgen.matmul %x, %w : (tensor<1024x1024xf16>, tensor<1024x1024xf16>) -> tensor<1024x1024xf16>
  %1 = kgen.add %0, %b : (tensor<1024x1024xf16>, tensor<1024xf16>) -> tensor<1024x1024xf16>
  %2 = kgen.relu %1 : tensor<1024x1024xf16>
  return %2 : tensor<1024x1024xf16>
}
