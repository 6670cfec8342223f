// Kernels on element types kgen does not support (linalg written by hand:
// the kgen dialect computes in f32, f16 and bf16 and returns i64 positions;
// i32 appears only inside kernels) are left unscheduled with
// a warning that names the type and the supported ones. They are the user's
// input, not a kgen bug.
// RUN: kgen-opt %s -split-input-file -kgen-form-kernels -kgen-schedule-kernels -verify-diagnostics -o /dev/null

func.func @f64(%x: tensor<16x32xf64>, %w: tensor<32x8xf64>) -> tensor<16x8xf64> {
  %c = arith.constant 0.0 : f64
  %e = tensor.empty() : tensor<16x8xf64>
  %f = linalg.fill ins(%c : f64) outs(%e : tensor<16x8xf64>) -> tensor<16x8xf64>
  // expected-warning @+1 {{left unscheduled: kernel 'f64_kernel_0' computes on f64 tensors; kgen supports f32, f16, bf16 and i64 positions only}}
  %0 = linalg.matmul ins(%x, %w : tensor<16x32xf64>, tensor<32x8xf64>) outs(%f : tensor<16x8xf64>) -> tensor<16x8xf64>
  return %0 : tensor<16x8xf64>
}

// -----

func.func @i32(%x: tensor<8x4xi32>) -> tensor<8x4xi32> {
  %e = tensor.empty() : tensor<8x4xi32>
  // expected-warning @+1 {{left unscheduled: kernel 'i32_kernel_0' computes on i32 tensors; kgen supports f32, f16, bf16 and i64 positions only}}
  %0 = linalg.add ins(%x, %x : tensor<8x4xi32>, tensor<8x4xi32>) outs(%e : tensor<8x4xi32>) -> tensor<8x4xi32>
  return %0 : tensor<8x4xi32>
}

// -----

// An f32 result computed from f64 inputs: every tensor counts, not only
// the result's.
func.func @mixed(%x: tensor<8x4xf64>) -> tensor<8x4xf32> {
  %e = tensor.empty() : tensor<8x4xf32>
  // expected-warning @+1 {{left unscheduled: kernel 'mixed_kernel_0' computes on f64 tensors; kgen supports f32, f16, bf16 and i64 positions only}}
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<8x4xf64>) outs(%e : tensor<8x4xf32>) {
  ^bb0(%in: f64, %out: f32):
    %t = arith.truncf %in : f64 to f32
    linalg.yield %t : f32
  } -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}
