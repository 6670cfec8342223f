// kgen ops inside control flow. In the branches of scf.if each branch's
// ops become kernels whose calls stay in the branch; the GPU pipeline
// launches them there.
// RUN: kgen-opt %s -split-input-file -kgen-to-linalg -kgen-form-kernels -verify-diagnostics | FileCheck %s
// RUN: kgen-opt %s -split-input-file -kgen-gpu-pipeline="format=isa" -verify-diagnostics | FileCheck %s --check-prefix=GPU

// CHECK-LABEL: func.func @branches
// CHECK:         scf.if
// CHECK:           %[[A:.*]] = func.call @branches_kernel_0(
// CHECK:           scf.yield %[[A]]
// CHECK:         } else {
// CHECK:           %[[B:.*]] = func.call @branches_kernel_1(
// CHECK:           scf.yield %[[B]]
// CHECK:       func.func private @branches_kernel_0({{.*}} attributes {kgen.kernel}
// CHECK:         linalg.generic {{.*}}kgen.sink
// CHECK:       func.func private @branches_kernel_1({{.*}} attributes {kgen.kernel}
// GPU-LABEL:   llvm.func @branches(
// GPU-COUNT-2: gpu.launch_func
func.func @branches(%x: tensor<64x64xf32>, %c: i1) -> tensor<64x64xf32> {
  %r = scf.if %c -> tensor<64x64xf32> {
    %0 = kgen.relu %x : tensor<64x64xf32>
    scf.yield %0 : tensor<64x64xf32>
  } else {
    %1 = kgen.neg %x : tensor<64x64xf32>
    scf.yield %1 : tensor<64x64xf32>
  }
  return %r : tensor<64x64xf32>
}

// -----

// In a loop each kernel's result would be a new device buffer every
// iteration: a located error.
func.func @loop(%x: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %x) -> tensor<64x64xf32> {
    // expected-error @+1 {{kgen does not form GPU kernels inside 'scf.for'}}
    %0 = kgen.tanh %acc : tensor<64x64xf32>
    scf.yield %0 : tensor<64x64xf32>
  }
  return %r : tensor<64x64xf32>
}
