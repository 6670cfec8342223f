// Scaled dot-product attention: softmax(Q K^T / sqrt(d)) V.
//
// batch * heads = 4, sequence length 64, head dimension d = 32.
// 0.176776695 is 1 / sqrt(32).
func.func @main(%q: tensor<4x64x32xf32>, %k: tensor<4x64x32xf32>,
                %v: tensor<4x64x32xf32>) -> tensor<4x64x32xf32> {
  %kt = kgen.permute %k dims [0, 2, 1] : tensor<4x64x32xf32> -> tensor<4x32x64xf32>
  %scores = kgen.batch_matmul %q, %kt
      : (tensor<4x64x32xf32>, tensor<4x32x64xf32>) -> tensor<4x64x64xf32>
  %scale = arith.constant 0.176776695 : f32
  %scaled = kgen.mul %scores, %scale : (tensor<4x64x64xf32>, f32) -> tensor<4x64x64xf32>
  %p = kgen.softmax %scaled dim 2 : tensor<4x64x64xf32>
  %out = kgen.batch_matmul %p, %v
      : (tensor<4x64x64xf32>, tensor<4x64x32xf32>) -> tensor<4x64x32xf32>
  return %out : tensor<4x64x32xf32>
}
