// kgen-import: Model from benchmarks/problems/sum_rows.py (torch 1.13.0a0), dtype f32, parameters as arguments
// kgen-import: arguments: x
// kgen-import: results: tensor<8192xf32>
func.func @main(%x: tensor<8192x8192xf32>) -> (tensor<8192xf32>) {
  %sum_1 = kgen.sum %x dims [1] : tensor<8192x8192xf32> -> tensor<8192xf32>
  return %sum_1 : tensor<8192xf32>
}
