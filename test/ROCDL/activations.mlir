// The exponential, softplus and shrink activations on AMD: one fused
// kernel, expm1/log1p/tanh through the ROCm device libraries.
// REQUIRES: rocm-device-libs
// RUN: kgen-opt %s -kgen-gpu-pipeline="chip=gfx942 format=isa" | FileCheck %s
// CHECK-COUNT-1: gpu.launch_func
// CHECK-NOT:     gpu.launch_func
// CHECK:         gpu.binary @main_kernel_0_kernel
// CHECK-SAME:    v_exp_f32
// CHECK-SAME:    v_log_f32
func.func @main(%x: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %0 = kgen.elu %x alpha 5.000000e-01 : tensor<64x64xf32>
  %1 = kgen.selu %0 : tensor<64x64xf32>
  %2 = kgen.celu %1 alpha 2.000000e+00 : tensor<64x64xf32>
  %3 = kgen.softplus %2 beta 2.000000e+00 threshold 1.000000e+01 : tensor<64x64xf32>
  %4 = kgen.mish %3 : tensor<64x64xf32>
  %5 = kgen.softsign %4 : tensor<64x64xf32>
  %6 = kgen.log_sigmoid %5 : tensor<64x64xf32>
  %7 = kgen.tanhshrink %6 : tensor<64x64xf32>
  %8 = kgen.softshrink %7 lambd 2.500000e-01 : tensor<64x64xf32>
  %9 = kgen.hardshrink %8 : tensor<64x64xf32>
  return %9 : tensor<64x64xf32>
}
