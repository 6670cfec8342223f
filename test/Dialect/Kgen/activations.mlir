// The exponential, softplus and shrink activations: parameters print only
// when they differ from PyTorch's defaults, and values PyTorch refuses are
// verifier errors.
// RUN: kgen-opt %s -split-input-file -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @round_trip
func.func @round_trip(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // CHECK: kgen.elu %{{.*}} : tensor<4x5xf32>
  %0 = kgen.elu %x alpha 1.000000e+00 : tensor<4x5xf32>
  // CHECK: kgen.elu %{{.*}} alpha 5.000000e-01 : tensor<4x5xf32>
  %1 = kgen.elu %0 alpha 5.000000e-01 : tensor<4x5xf32>
  // CHECK: kgen.selu %{{.*}} : tensor<4x5xf32>
  %2 = kgen.selu %1 : tensor<4x5xf32>
  // CHECK: kgen.celu %{{.*}} alpha 2.000000e+00 : tensor<4x5xf32>
  %3 = kgen.celu %2 alpha 2.000000e+00 : tensor<4x5xf32>
  // CHECK: kgen.softplus %{{.*}} threshold 1.000000e+01 : tensor<4x5xf32>
  %4 = kgen.softplus %3 beta 1.000000e+00 threshold 1.000000e+01 : tensor<4x5xf32>
  // CHECK: kgen.mish %{{.*}} : tensor<4x5xf32>
  %5 = kgen.mish %4 : tensor<4x5xf32>
  // CHECK: kgen.softsign %{{.*}} : tensor<4x5xf32>
  %6 = kgen.softsign %5 : tensor<4x5xf32>
  // CHECK: kgen.log_sigmoid %{{.*}} : tensor<4x5xf32>
  %7 = kgen.log_sigmoid %6 : tensor<4x5xf32>
  // CHECK: kgen.tanhshrink %{{.*}} : tensor<4x5xf32>
  %8 = kgen.tanhshrink %7 : tensor<4x5xf32>
  // CHECK: kgen.softshrink %{{.*}} lambd 2.500000e-01 : tensor<4x5xf32>
  %9 = kgen.softshrink %8 lambd 2.500000e-01 : tensor<4x5xf32>
  // CHECK: kgen.hardshrink %{{.*}} : tensor<4x5xf32>
  %10 = kgen.hardshrink %9 : tensor<4x5xf32>
  return %10 : tensor<4x5xf32>
}

// -----

func.func @celu_alpha_zero(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{needs a non-zero alpha}}
  %0 = kgen.celu %x alpha 0.000000e+00 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @softplus_beta_zero(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{needs a non-zero beta}}
  %0 = kgen.softplus %x beta 0.000000e+00 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @softshrink_negative(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{needs lambd >= 0}}
  %0 = kgen.softshrink %x lambd -1.000000e+00 : tensor<4xf32>
  return %0 : tensor<4xf32>
}
