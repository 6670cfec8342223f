// kgen-import: Model from benchmarks/problems/layer_norm.py (torch 1.13.0a0), dtype f32, parameters as arguments
// kgen-import: arguments: x, norm.weight, norm.bias
// kgen-import: results: tensor<8192x8192xf32>
func.func @main(%x: tensor<8192x8192xf32>, %norm.weight: tensor<8192xf32>, %norm.bias: tensor<8192xf32>) -> (tensor<8192x8192xf32>) {
  %norm = kgen.layer_norm %x weight %norm.weight bias %norm.bias normalized_shape [8192] eps 1.0e-05 : (tensor<8192x8192xf32>, tensor<8192xf32>, tensor<8192xf32>) -> tensor<8192x8192xf32>
  return %norm : tensor<8192x8192xf32>
}
