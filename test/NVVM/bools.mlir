// Bools in memory are bytes (i8, PyTorch's layout): four mask bytes beside
// four floats are one 32-bit load, unpacked with prmt, and a bool result is
// written as bytes, packed four to a 32-bit store.
// RUN: kgen-opt %s --split-input-file -kgen-gpu-pipeline="chip=sm_90a format=isa" | FileCheck %s

// CHECK-LABEL: gpu.binary @masked_scale_kernel_0_kernel
// CHECK-SAME:    ld.global.v4.b32
// CHECK-SAME:    ld.global.b32
// CHECK-SAME:    prmt.b32
// CHECK-SAME:    cvt.rn.f32.s16
// CHECK-SAME:    st.global.v4.b32
func.func @masked_scale(%x: tensor<64x1024xf32>, %mask: tensor<64x1024xi8>) -> tensor<64x1024xf32> {
  %m = kgen.convert %mask : tensor<64x1024xi8> -> tensor<64x1024xf32>
  %y = kgen.mul %x, %m : (tensor<64x1024xf32>, tensor<64x1024xf32>) -> tensor<64x1024xf32>
  return %y : tensor<64x1024xf32>
}

// -----

// CHECK-LABEL: gpu.binary @nonzero_kernel_0_kernel
// CHECK-SAME:    ld.global.v4.b32
// CHECK-SAME:    setp.neu.f32
// CHECK-SAME:    prmt.b32
// CHECK-SAME:    st.global.b32
func.func @nonzero(%x: tensor<64x1024xf32>) -> tensor<64x1024xi8> {
  %b = kgen.convert %x : tensor<64x1024xf32> -> tensor<64x1024xi8>
  return %b : tensor<64x1024xi8>
}
