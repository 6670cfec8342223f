// RUN: kgen-opt %s --split-input-file -kgen-lower-matrix-instructions -cse | FileCheck %s

// A warpgroup's 64x64 tile with K 64, A and B staged in shared memory by
// 16-byte stores: each tile gets a one-dimensional buffer in the 128-byte
// swizzled layout, every store is re-indexed (chunk xor row mod 8), and the
// matmul becomes 4 m64n64k16 wgmma.mma_async (one per 16-step of K) between
// a fence and a wait, the accumulator's 32 registers per thread loaded
// before and stored after. A proxy fence and a barrier ahead of the
// warpgroup loop make the stores visible to wgmma.
// CHECK-LABEL: func.func @staged_tile
// CHECK:         %[[A:.*]] = memref.alloc() : memref<4096xf16, #gpu.address_space<workgroup>>
// CHECK:         %[[B:.*]] = memref.alloc() : memref<4096xf16, #gpu.address_space<workgroup>>
// CHECK:         scf.forall
// CHECK:           %[[CHUNK:.*]] = arith.divui %{{.*}}, %c8
// CHECK:           %[[PHASE:.*]] = arith.remui %{{.*}}, %c8
// CHECK:           %[[XOR:.*]] = arith.xori %[[CHUNK]], %[[PHASE]]
// CHECK:           arith.muli %[[XOR]], %c8
// CHECK:           vector.store %{{.*}}, %[[A]][%{{.*}}] {alignment = 16 : i64} : memref<4096xf16, #gpu.address_space<workgroup>>, vector<8xf16>
// CHECK:         } {mapping = [#gpu.thread<linear_dim_1>, #gpu.thread<linear_dim_0>]}
// CHECK:         vector.store %{{.*}}, %[[B]][%{{.*}}] {alignment = 16 : i64}
// CHECK:         nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK-NEXT:    gpu.barrier
// CHECK-NEXT:    scf.forall
// CHECK-COUNT-32:  memref.load %{{.*}} : memref<64x64xf32
// CHECK:           nvvm.wgmma.fence.aligned
// CHECK:           memref.extract_aligned_pointer_as_index %[[A]]
// CHECK:           memref.extract_aligned_pointer_as_index %[[B]]
// CHECK:           nvvm.wgmma.mma_async {{.*}} <m = 64, n = 64, k = 16>, D[<f32>, <one>], A[<f16>, <one>, <row>], B[<f16>, <one>, <row>]
// CHECK-COUNT-3:   nvvm.wgmma.mma_async
// CHECK:           nvvm.wgmma.commit.group.sync.aligned
// CHECK-NEXT:      nvvm.wgmma.wait.group.sync.aligned 0
// CHECK-COUNT-32:  memref.store %{{.*}} : memref<64x64xf32
// CHECK-NOT:       linalg.matmul
// CHECK:         } {mapping = [#gpu.warpgroup<x>]}
func.func @staged_tile(%a: memref<64x64xf16>, %b: memref<64x64xf16>, %c: memref<64x64xf32, #gpu.address_space<workgroup>>) {
  %c0 = arith.constant 0 : index
  %sa = memref.alloc() : memref<64x64xf16, #gpu.address_space<workgroup>>
  %sb = memref.alloc() : memref<64x64xf16, #gpu.address_space<workgroup>>
  scf.forall (%r, %k) in (64, 8) {
    %col = affine.apply affine_map<(d0) -> (d0 * 8)>(%k)
    %va = vector.load %a[%r, %col] : memref<64x64xf16>, vector<8xf16>
    %dst = memref.subview %sa[%r, %col] [1, 8] [1, 1] : memref<64x64xf16, #gpu.address_space<workgroup>> to memref<1x8xf16, strided<[64, 1], offset: ?>, #gpu.address_space<workgroup>>
    vector.store %va, %dst[%c0, %c0] : memref<1x8xf16, strided<[64, 1], offset: ?>, #gpu.address_space<workgroup>>, vector<8xf16>
  } {mapping = [#gpu.thread<linear_dim_1>, #gpu.thread<linear_dim_0>]}
  scf.forall (%r, %k) in (64, 8) {
    %col = affine.apply affine_map<(d0) -> (d0 * 8)>(%k)
    %vb = vector.load %b[%r, %col] : memref<64x64xf16>, vector<8xf16>
    vector.store %vb, %sb[%r, %col] : memref<64x64xf16, #gpu.address_space<workgroup>>, vector<8xf16>
  } {mapping = [#gpu.thread<linear_dim_1>, #gpu.thread<linear_dim_0>]}
  scf.forall (%w) in (1) {
    linalg.matmul {kgen.wgmma} ins(%sa, %sb : memref<64x64xf16, #gpu.address_space<workgroup>>, memref<64x64xf16, #gpu.address_space<workgroup>>) outs(%c : memref<64x64xf32, #gpu.address_space<workgroup>>)
  } {mapping = [#gpu.warpgroup<x>]}
  return
}

// -----

// Two warpgroups, each a 64x128 tile of a 128x128 block, K 16, bf16: per
// warpgroup one m64n128k16 instruction over B's two 64-column blocks. A's
// descriptor: 128-byte swizzle, 1024 bytes between 8-row groups, leading
// offset unused (1); B's: the same, and 16 rows x 128 bytes between its
// column blocks. Warpgroup w's A starts at row 64w.
// CHECK-LABEL: func.func @two_warpgroups
// CHECK:         scf.forall (%[[W:[a-z0-9_]+]]) in (2)
// CHECK:           %[[ROW:[0-9]+]] = affine.apply #{{.*}}(%[[W]])
// CHECK-COUNT-64:  memref.load
// CHECK:           arith.muli %[[ROW]], %c64
// CHECK:           arith.ori %{{.*}}, %c4611686293305360384_i64 : i64
// CHECK:           arith.ori %{{.*}}, %c4611686293313683456_i64 : i64
// CHECK:           nvvm.wgmma.mma_async {{.*}} <m = 64, n = 128, k = 16>, D[<f32>, <one>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <row>] : !llvm.struct<(f32, {{.*}})> -> !llvm.struct
// CHECK-NOT:       nvvm.wgmma.mma_async
// CHECK-COUNT-64:  memref.store
func.func @two_warpgroups(%a: memref<128x16xbf16>, %b: memref<16x128xbf16>, %c: memref<128x128xf32>) {
  %sa = memref.alloc() : memref<128x64xbf16, #gpu.address_space<workgroup>>
  %sb = memref.alloc() : memref<16x128xbf16, #gpu.address_space<workgroup>>
  scf.forall (%r, %k) in (128, 8) {
    %col = affine.apply affine_map<(d0) -> (d0 * 8)>(%k)
    %va = vector.load %a[%r, %col] : memref<128x16xbf16>, vector<8xbf16>
    vector.store %va, %sa[%r, %col] : memref<128x64xbf16, #gpu.address_space<workgroup>>, vector<8xbf16>
  } {mapping = [#gpu.thread<linear_dim_1>, #gpu.thread<linear_dim_0>]}
  scf.forall (%k, %n) in (16, 16) {
    %col = affine.apply affine_map<(d0) -> (d0 * 8)>(%n)
    %vb = vector.load %b[%k, %col] : memref<16x128xbf16>, vector<8xbf16>
    vector.store %vb, %sb[%k, %col] : memref<16x128xbf16, #gpu.address_space<workgroup>>, vector<8xbf16>
  } {mapping = [#gpu.thread<linear_dim_1>, #gpu.thread<linear_dim_0>]}
  scf.forall (%w) in (2) {
    %row = affine.apply affine_map<(d0) -> (d0 * 64)>(%w)
    %ta = memref.subview %sa[%row, 0] [64, 16] [1, 1] : memref<128x64xbf16, #gpu.address_space<workgroup>> to memref<64x16xbf16, strided<[64, 1], offset: ?>, #gpu.address_space<workgroup>>
    %tc = memref.subview %c[%row, 0] [64, 128] [1, 1] : memref<128x128xf32> to memref<64x128xf32, strided<[128, 1], offset: ?>>
    linalg.matmul {kgen.wgmma} ins(%ta, %sb : memref<64x16xbf16, strided<[64, 1], offset: ?>, #gpu.address_space<workgroup>>, memref<16x128xbf16, #gpu.address_space<workgroup>>) outs(%tc : memref<64x128xf32, strided<[128, 1], offset: ?>>)
  } {mapping = [#gpu.warpgroup<x>]}
  return
}
