// Rows reduced by lanes on AMD's wave64 chips: the lanes' butterfly uses
// 64-wide waves (ds_swizzle within 32 lanes, ds_bpermute across the
// halves), then the waves' results meet in LDS.
// REQUIRES: rocm-device-libs
// RUN: kgen-opt %s -kgen-gpu-pipeline="chip=gfx942 format=isa" | FileCheck %s

// CHECK: gpu.binary @rows_kernel_0_kernel
// CHECK-SAME: global_load_dwordx4
// CHECK-SAME: ds_swizzle_b32
// CHECK-SAME: ds_bpermute_b32
// CHECK-SAME: s_barrier
// CHECK-SAME: .amdhsa_kernel rows_kernel_0_kernel
// CHECK-SAME: .wavefront_size: 64
func.func @rows(%x: tensor<64x8192xf32>) -> tensor<64xf32> {
  %r = kgen.sum %x dims [1] : tensor<64x8192xf32> -> tensor<64xf32>
  return %r : tensor<64xf32>
}
