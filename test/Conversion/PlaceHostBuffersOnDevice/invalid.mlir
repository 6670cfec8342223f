// RUN: kgen-opt %s --kgen-place-host-buffers-on-device --split-input-file -verify-diagnostics

func.func @strided(%in: memref<8x8xf32>, %out: memref<4x4xf32>) {
  %v = memref.subview %in[0, 0] [4, 4] [2, 2] : memref<8x8xf32> to memref<4x4xf32, strided<[16, 2]>>
  // expected-error @below {{a strided copy outside the kernels cannot run on the GPU}}
  memref.copy %v, %out : memref<4x4xf32, strided<[16, 2]>> to memref<4x4xf32>
  return
}
