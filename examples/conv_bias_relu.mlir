// A convolution block: relu(conv2d(x, w, padding 1) + bias).
//
// x: 2 images, 3 channels, 32x32; w: 16 filters of 3x3; the bias is a
// separate [16, 1, 1] tensor added with broadcasting (as `conv(x) +
// bias.view(16, 1, 1)` in PyTorch).
func.func @main(%x: tensor<2x3x32x32xf32>, %w: tensor<16x3x3x3xf32>,
                %bias: tensor<16x1x1xf32>) -> tensor<2x16x32x32xf32> {
  %c = kgen.conv %x, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 1
      : (tensor<2x3x32x32xf32>, tensor<16x3x3x3xf32>) -> tensor<2x16x32x32xf32>
  %b = kgen.add %c, %bias
      : (tensor<2x16x32x32xf32>, tensor<16x1x1xf32>) -> tensor<2x16x32x32xf32>
  %y = kgen.relu %b : tensor<2x16x32x32xf32>
  return %y : tensor<2x16x32x32xf32>
}
