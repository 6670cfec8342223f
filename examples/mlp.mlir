// A two-layer perceptron: y = linear(gelu(linear(x, w1, b1)), w2, b2).
//
// x: a batch of 32 feature vectors of size 256; hidden size 512; 128 outputs.
// Weights use PyTorch's nn.Linear layout [out_features, in_features].
//
//   kgen-run examples/mlp.mlir --output=y.npy
//   python3 examples/reference.py mlp x.npy w1.npy b1.npy w2.npy b2.npy -o y_ref.npy
func.func @main(%x: tensor<32x256xf32>,
                %w1: tensor<512x256xf32>, %b1: tensor<512xf32>,
                %w2: tensor<128x512xf32>, %b2: tensor<128xf32>) -> tensor<32x128xf32> {
  %h = kgen.linear %x, %w1, %b1
      : (tensor<32x256xf32>, tensor<512x256xf32>, tensor<512xf32>) -> tensor<32x512xf32>
  %a = kgen.gelu %h : tensor<32x512xf32>
  %y = kgen.linear %a, %w2, %b2
      : (tensor<32x512xf32>, tensor<128x512xf32>, tensor<128xf32>) -> tensor<32x128xf32>
  return %y : tensor<32x128xf32>
}
