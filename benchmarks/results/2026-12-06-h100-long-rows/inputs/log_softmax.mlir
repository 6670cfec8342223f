// kgen-import: Model from /work/main/benchmarks/problems/log_softmax.py (torch 1.13.0a0), dtype f32, parameters as arguments
// kgen-import: arguments: logits
// kgen-import: results: tensor<4096x32000xf32>
func.func @main(%logits: tensor<4096x32000xf32>) -> (tensor<4096x32000xf32>) {
  %log_softmax = kgen.log_softmax %logits dim 1 : tensor<4096x32000xf32>
  return %log_softmax : tensor<4096x32000xf32>
}
