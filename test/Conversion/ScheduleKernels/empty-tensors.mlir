// The GPU pipeline on empty tensors: an empty result launches nothing, a
// reduction over an empty dimension launches only its fill, and a matmul
// over an empty inner dimension returns its accumulator argument.
// RUN: kgen-opt %s -kgen-gpu-pipeline="format=isa" | FileCheck %s
// CHECK:         llvm.func @main_kernel_0()
// CHECK-COUNT-1: gpu.launch_func
// CHECK-NOT:     gpu.launch_func

// Linalg written directly, not folded by kgen-to-linalg: a kernel with a
// zero-sized loop is left unscheduled with a warning, never tiled.
// RUN: kgen-opt %s -split-input-file -kgen-form-kernels -kgen-schedule-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=LINALG
// LINALG: warning: left unscheduled: kernel 'linalg_kernel_0' has a loop of size 0 (an empty tensor): there is nothing to schedule
func.func @main(%x: tensor<0x5xf32>, %y: tensor<3x0xf32>) -> (tensor<0x5xf32>, tensor<3xf32>) {
  %0 = kgen.relu %x : tensor<0x5xf32>
  %1 = kgen.sum %y dims [1] : tensor<3x0xf32> -> tensor<3xf32>
  return %0, %1 : tensor<0x5xf32>, tensor<3xf32>
}

// -----

func.func @linalg(%a: tensor<8x0xf32>, %b: tensor<0x4xf32>, %c: tensor<8x4xf32>) -> tensor<8x4xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<8x0xf32>, tensor<0x4xf32>) outs(%c : tensor<8x4xf32>) -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}
