// The exponential, softplus and shrink activations on NVIDIA: one fused
// elementwise kernel whose expm1/log1p/tanh calls resolve in libdevice
// (no unresolved calls left in the PTX), 128-bit loads and stores.
// RUN: kgen-opt %s -kgen-gpu-pipeline="chip=sm_90a format=isa" | FileCheck %s
// CHECK-COUNT-1: gpu.launch_func
// CHECK-NOT:     gpu.launch_func
// CHECK:         gpu.binary @main_kernel_0_kernel
// CHECK-SAME:    ld.global.v4.b32
// CHECK-SAME:    ex2.approx
// CHECK-SAME:    st.global.v4.b32
// CHECK-NOT:     .extern .func
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
