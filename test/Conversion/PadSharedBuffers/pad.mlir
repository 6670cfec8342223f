// RUN: kgen-opt %s --split-input-file -kgen-pad-shared-buffers | FileCheck %s

// A 64x64 f16 tile (128-byte rows) is allocated 64x72; its users see a
// 64x64 view with a row stride of 72, through rebuilt subviews.
// CHECK-LABEL: func.func @padded
// CHECK: %[[ALLOC:.*]] = memref.alloc() {alignment = 16 : i64} : memref<64x72xf16, #gpu.address_space<workgroup>>
// CHECK: %[[VIEW:.*]] = memref.subview %[[ALLOC]][0, 0] [64, 64] [1, 1] : memref<64x72xf16, #gpu.address_space<workgroup>> to memref<64x64xf16, strided<[72, 1]>, #gpu.address_space<workgroup>>
// CHECK: %[[TILE:.*]] = memref.subview %[[VIEW]][%{{.*}}, 0] [4, 8] [1, 1] : memref<64x64xf16, strided<[72, 1]>, #gpu.address_space<workgroup>> to memref<4x8xf16, strided<[72, 1], offset: ?>, #gpu.address_space<workgroup>>
// CHECK: vector.store %{{.*}}, %[[TILE]]
// CHECK: memref.load %[[VIEW]]
// CHECK: memref.dealloc %[[ALLOC]]
func.func @padded(%v: vector<8xf16>, %i: index) -> f16 {
  %c0 = arith.constant 0 : index
  %smem = memref.alloc() {alignment = 16 : i64} : memref<64x64xf16, #gpu.address_space<workgroup>>
  %tile = memref.subview %smem[%i, 0] [4, 8] [1, 1] : memref<64x64xf16, #gpu.address_space<workgroup>> to memref<4x8xf16, strided<[64, 1], offset: ?>, #gpu.address_space<workgroup>>
  vector.store %v, %tile[%c0, %c0] : memref<4x8xf16, strided<[64, 1], offset: ?>, #gpu.address_space<workgroup>>, vector<8xf16>
  %x = memref.load %smem[%i, %c0] : memref<64x64xf16, #gpu.address_space<workgroup>>
  memref.dealloc %smem : memref<64x64xf16, #gpu.address_space<workgroup>>
  return %x : f16
}

// -----

// Left as they are: rows that are not a multiple of 64 bytes (12 floats),
// one-row buffers, buffers outside workgroup memory, and a buffer with a
// user that needs its exact type.
// CHECK-LABEL: func.func @left_alone
// CHECK: memref.alloc() : memref<16x12xf32, #gpu.address_space<workgroup>>
// CHECK: memref.alloc() : memref<64xf32, #gpu.address_space<workgroup>>
// CHECK: memref.alloc() : memref<64x64xf32>
// CHECK: memref.alloc() : memref<64x64xf32, #gpu.address_space<workgroup>>
// CHECK: call @use
func.func private @use(memref<64x64xf32, #gpu.address_space<workgroup>>)
func.func @left_alone() {
  %a = memref.alloc() : memref<16x12xf32, #gpu.address_space<workgroup>>
  %b = memref.alloc() : memref<64xf32, #gpu.address_space<workgroup>>
  %c = memref.alloc() : memref<64x64xf32>
  %d = memref.alloc() : memref<64x64xf32, #gpu.address_space<workgroup>>
  call @use(%d) : (memref<64x64xf32, #gpu.address_space<workgroup>>) -> ()
  return
}
