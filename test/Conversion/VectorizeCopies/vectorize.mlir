// RUN: kgen-opt %s --split-input-file -kgen-vectorize-copies | FileCheck %s
// RUN: not kgen-opt %s -kgen-vectorize-copies=alignment=12 -o /dev/null 2>&1 | FileCheck %s --check-prefix=OPTION

// OPTION: kgen-vectorize-copies: alignment 12 is not a power of two

// A thread's 4x8 tile of a staged f16 operand: rows of 8 halves become
// 16-byte loads and stores, aligned because every offset is a multiple of 8
// elements (the block's 64-row tile, the 64-step loop, the thread's column
// 8 * x) and every row stride one of 16 bytes.
// CHECK-LABEL: func.func @staged_tile
// CHECK: scf.for
// CHECK-COUNT-4: vector.load %{{.*}}[%{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<4x8xf16, strided<[1024, 1], offset: ?>>, vector<8xf16>
// CHECK-NOT: memref.copy
// CHECK: vector.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<4x8xf16, strided<[64, 1], offset: ?>, #gpu.address_space<workgroup>>, vector<8xf16>
func.func @staged_tile(%a: memref<1024x1024xf16>) {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %c1024 = arith.constant 1024 : index
  scf.forall (%bi) in (16) {
    %row = affine.apply affine_map<(d0) -> (d0 * 64)>(%bi)
    %smem = memref.alloc() : memref<64x64xf16, #gpu.address_space<workgroup>>
    scf.for %k = %c0 to %c1024 step %c64 {
      %tile = memref.subview %a[%row, %k] [64, 64] [1, 1] : memref<1024x1024xf16> to memref<64x64xf16, strided<[1024, 1], offset: ?>>
      scf.forall (%ty, %tx) in (16, 8) {
        %r = affine.apply affine_map<(d0) -> (d0 * 4)>(%ty)
        %c = affine.apply affine_map<(d0) -> (d0 * 8)>(%tx)
        %src = memref.subview %tile[%r, %c] [4, 8] [1, 1] : memref<64x64xf16, strided<[1024, 1], offset: ?>> to memref<4x8xf16, strided<[1024, 1], offset: ?>>
        %dst = memref.subview %smem[%r, %c] [4, 8] [1, 1] : memref<64x64xf16, #gpu.address_space<workgroup>> to memref<4x8xf16, strided<[64, 1], offset: ?>, #gpu.address_space<workgroup>>
        memref.copy %src, %dst : memref<4x8xf16, strided<[1024, 1], offset: ?>> to memref<4x8xf16, strided<[64, 1], offset: ?>, #gpu.address_space<workgroup>>
      } {mapping = [#gpu.thread<y>, #gpu.thread<x>]}
    }
  } {mapping = [#gpu.block<x>]}
  return
}

// -----

// A column per thread: 4-byte accesses. A row of 12 floats at an offset
// of 12j floats splits into chunks of 4 (16 bytes); at 12j + 1, only 4
// bytes are proven, so the accesses are 4 bytes wide: a wider one would be
// misaligned.
// CHECK-LABEL: func.func @column_and_odd_offsets
// CHECK-COUNT-2: vector.load %{{.*}} {alignment = 4 : i64} : memref<2x1xf32, strided<[96, 1], offset: ?>>, vector<1xf32>
// CHECK-COUNT-3: vector.load %{{.*}} {alignment = 16 : i64} : memref<1x12xf32, strided<[96, 1], offset: ?>>, vector<4xf32>
// CHECK-COUNT-12: vector.load %{{.*}} {alignment = 4 : i64} : memref<1x12xf32, strided<[96, 1], offset: ?>>, vector<1xf32>
func.func @column_and_odd_offsets(%a: memref<64x96xf32>, %b: memref<64x96xf32>) {
  scf.forall (%i, %j) in (32, 8) {
    %r = affine.apply affine_map<(d0) -> (d0 * 2)>(%i)
    %src = memref.subview %a[%r, %j] [2, 1] [1, 1] : memref<64x96xf32> to memref<2x1xf32, strided<[96, 1], offset: ?>>
    %dst = memref.subview %b[%r, %j] [2, 1] [1, 1] : memref<64x96xf32> to memref<2x1xf32, strided<[96, 1], offset: ?>>
    memref.copy %src, %dst : memref<2x1xf32, strided<[96, 1], offset: ?>> to memref<2x1xf32, strided<[96, 1], offset: ?>>
    %c4 = affine.apply affine_map<(d0) -> (d0 * 12)>(%j)
    %src4 = memref.subview %a[%i, %c4] [1, 12] [1, 1] : memref<64x96xf32> to memref<1x12xf32, strided<[96, 1], offset: ?>>
    %dst4 = memref.subview %b[%i, %c4] [1, 12] [1, 1] : memref<64x96xf32> to memref<1x12xf32, strided<[96, 1], offset: ?>>
    linalg.copy ins(%src4 : memref<1x12xf32, strided<[96, 1], offset: ?>>) outs(%dst4 : memref<1x12xf32, strided<[96, 1], offset: ?>>)
    %c = affine.apply affine_map<(d0) -> (d0 * 12 + 1)>(%j)
    %src2 = memref.subview %a[%i, %c] [1, 12] [1, 1] : memref<64x96xf32> to memref<1x12xf32, strided<[96, 1], offset: ?>>
    %dst2 = memref.subview %b[%i, %c] [1, 12] [1, 1] : memref<64x96xf32> to memref<1x12xf32, strided<[96, 1], offset: ?>>
    linalg.copy ins(%src2 : memref<1x12xf32, strided<[96, 1], offset: ?>>) outs(%dst2 : memref<1x12xf32, strided<[96, 1], offset: ?>>)
  } {mapping = [#gpu.thread<y>, #gpu.thread<x>]}
  return
}

// -----

// Left alone: copies outside the scheduled loops (host-side buffer moves),
// copies whose rows are not contiguous, too large ones, and a tile's
// write-back onto itself.
// CHECK-LABEL: func.func @left_alone
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<64x96xf32> to memref<64x96xf32>
// CHECK: scf.forall
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<4x4xf32, strided<[1, 96]>>
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<32x32xf32
// CHECK: memref.copy %[[SAME:.*]], %[[SAME]]
// CHECK-NOT: vector.load
func.func @left_alone(%a: memref<64x96xf32>, %b: memref<64x96xf32>) {
  memref.copy %a, %b : memref<64x96xf32> to memref<64x96xf32>
  scf.forall (%i) in (2) {
    %t = memref.transpose %a (d0, d1) -> (d1, d0) : memref<64x96xf32> to memref<96x64xf32, strided<[1, 96]>>
    %src = memref.subview %t[0, 0] [4, 4] [1, 1] : memref<96x64xf32, strided<[1, 96]>> to memref<4x4xf32, strided<[1, 96]>>
    %dst = memref.subview %b[0, 0] [4, 4] [1, 1] : memref<64x96xf32> to memref<4x4xf32, strided<[96, 1]>>
    memref.copy %src, %dst : memref<4x4xf32, strided<[1, 96]>> to memref<4x4xf32, strided<[96, 1]>>
    %big = memref.subview %a[0, 0] [32, 32] [1, 1] : memref<64x96xf32> to memref<32x32xf32, strided<[96, 1]>>
    %bigdst = memref.subview %b[0, 0] [32, 32] [1, 1] : memref<64x96xf32> to memref<32x32xf32, strided<[96, 1]>>
    memref.copy %big, %bigdst : memref<32x32xf32, strided<[96, 1]>> to memref<32x32xf32, strided<[96, 1]>>
    memref.copy %big, %big : memref<32x32xf32, strided<[96, 1]>> to memref<32x32xf32, strided<[96, 1]>>
  } {mapping = [#gpu.block<x>]}
  return
}
