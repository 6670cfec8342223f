// Post-norm residual connection of a transformer block:
// y = layer_norm(x + residual) * weight + bias over the last dimension.
//
// batch 4, sequence 32, model dimension 256.
func.func @main(%x: tensor<4x32x256xf32>, %residual: tensor<4x32x256xf32>,
                %weight: tensor<256xf32>, %bias: tensor<256xf32>) -> tensor<4x32x256xf32> {
  %sum = kgen.add %x, %residual
      : (tensor<4x32x256xf32>, tensor<4x32x256xf32>) -> tensor<4x32x256xf32>
  %y = kgen.layer_norm %sum weight %weight bias %bias normalized_shape [256] eps 1.000000e-05
      : (tensor<4x32x256xf32>, tensor<256xf32>, tensor<256xf32>) -> tensor<4x32x256xf32>
  return %y : tensor<4x32x256xf32>
}
