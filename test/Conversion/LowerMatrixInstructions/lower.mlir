// RUN: kgen-opt %s --split-input-file -kgen-lower-matrix-instructions | FileCheck %s

// A warp's 32x16 tile of a matmul with K 16: 2x2 m16n8k16 instructions, the
// accumulator fragments loaded once and stored once. Lane l holds A at rows
// l/4 (+8) and columns 2(l%4) (+1, +8), B at rows 2(l%4) (+1, +8) and
// column l/4, the accumulator at rows l/4 (+8) and columns 2(l%4) (+1).
// CHECK-LABEL: func.func @warp_tile
// CHECK:         scf.forall
// CHECK:           %[[LANE:.*]] = gpu.lane_id
// CHECK:           %[[G:.*]] = arith.divui %[[LANE]], %c4
// CHECK:           %[[Q:.*]] = arith.remui %[[LANE]], %c4
// CHECK:           %[[Q2:.*]] = arith.muli %[[Q]], %c2
// CHECK:           memref.load %{{.*}}[%[[G]], %[[Q2]]] : memref<32x16xf32
// CHECK:           %[[G8:.*]] = arith.addi %[[G]], %c8
// CHECK:           memref.load %{{.*}}[%[[G8]], %[[Q2]]] : memref<32x16xf32
// CHECK-COUNT-8:   memref.load %{{.*}} : memref<32x16xf32
// CHECK:           memref.load %{{.*}}[%[[G]], %[[Q2]]] : memref<32x16xf16
// CHECK:           vector.from_elements {{.*}} : vector<4x2xf16>
// CHECK:           memref.load %{{.*}}[%[[Q2]], %[[G]]] : memref<16x16xf16
// CHECK:           vector.from_elements {{.*}} : vector<2x2xf16>
// CHECK-COUNT-4:   nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK-COUNT-16:  memref.store {{.*}} : memref<32x16xf32
// CHECK-NOT:       linalg.matmul
// CHECK:         } {mapping = [#gpu.warp<x>]}
func.func @warp_tile(%a: memref<64x16xf16>, %b: memref<16x16xf16>, %c: memref<64x16xf32>) {
  scf.forall (%w) in (2) {
    %m = affine.apply affine_map<(d0) -> (d0 * 32)>(%w)
    %sa = memref.subview %a[%m, 0] [32, 16] [1, 1] : memref<64x16xf16> to memref<32x16xf16, strided<[16, 1], offset: ?>>
    %sc = memref.subview %c[%m, 0] [32, 16] [1, 1] : memref<64x16xf32> to memref<32x16xf32, strided<[16, 1], offset: ?>>
    linalg.matmul {kgen.mma_sync} ins(%sa, %b : memref<32x16xf16, strided<[16, 1], offset: ?>>, memref<16x16xf16>) outs(%sc : memref<32x16xf32, strided<[16, 1], offset: ?>>)
  } {mapping = [#gpu.warp<x>]}
  return
}

// -----

// A batch matmul's warp tile covers one batch index, which every load and
// store indexes at 0; K 32 takes two instructions per 16x8 tile.
// CHECK-LABEL: func.func @batched
// CHECK:         %[[LANE:.*]] = gpu.lane_id
// CHECK:         memref.load %{{.*}}[%c0, %{{.*}}, %{{.*}}] : memref<1x16x8xf32>
// CHECK-COUNT-2: nvgpu.mma.sync
// CHECK-NOT:     nvgpu.mma.sync
// CHECK:         memref.store %{{.*}}, %{{.*}}[%c0, %{{.*}}, %{{.*}}] : memref<1x16x8xf32>
func.func @batched(%a: memref<1x16x32xf16>, %b: memref<1x32x8xf16>, %c: memref<1x16x8xf32>) {
  scf.forall (%w) in (1) {
    linalg.batch_matmul {kgen.mma_sync} ins(%a, %b : memref<1x16x32xf16>, memref<1x32x8xf16>) outs(%c : memref<1x16x8xf32>)
  } {mapping = [#gpu.warp<x>]}
  return
}

// -----

// Unmarked matmuls are left alone.
// CHECK-LABEL: func.func @unmarked
// CHECK:         linalg.matmul ins
// CHECK-NOT:     nvgpu.mma.sync
func.func @unmarked(%a: memref<16x16xf16>, %b: memref<16x8xf16>, %c: memref<16x8xf32>) {
  linalg.matmul ins(%a, %b : memref<16x16xf16>, memref<16x8xf16>) outs(%c : memref<16x8xf32>)
  return
}

// -----

// Operand tiles in shared memory whose rows start 16-byte aligned (a row
// stride of 72 halves, the warp's rows at multiples of 32): A's fragments
// are read with ldmatrix.x4 (lane l gives row l % 16, column 8 (l / 16)),
// B's with ldmatrix.x2.trans (lane l gives row l % 16). The accumulator,
// f32, is still read with loads.
// CHECK-LABEL: func.func @ldmatrix
// CHECK:         %[[LANE:.*]] = gpu.lane_id
// CHECK:         %[[ROW:.*]] = arith.remui %[[LANE]], %c16
// CHECK:         %[[HALF:.*]] = arith.divui %[[LANE]], %c16
// CHECK:         %[[COL:.*]] = arith.muli %[[HALF]], %c8
// CHECK:         nvgpu.ldmatrix %{{.*}}[%[[ROW]], %[[COL]]] {numTiles = 4 : i32, transpose = false} : memref<32x16xf16, strided<[72, 1], offset: ?>, #gpu.address_space<workgroup>> -> vector<4x2xf16>
// CHECK:         nvgpu.ldmatrix %{{.*}}[%[[ROW]], %{{.*}}] {numTiles = 2 : i32, transpose = true} : memref<16x16xf16, strided<[72, 1]>, #gpu.address_space<workgroup>> -> vector<2x2xf16>
// CHECK-COUNT-4: nvgpu.mma.sync
func.func @ldmatrix(%a: memref<64x16xf16, strided<[72, 1]>, #gpu.address_space<workgroup>>, %b: memref<16x16xf16, strided<[72, 1]>, #gpu.address_space<workgroup>>, %c: memref<64x16xf32>) {
  scf.forall (%w) in (2) {
    %m = affine.apply affine_map<(d0) -> (d0 * 32)>(%w)
    %sa = memref.subview %a[%m, 0] [32, 16] [1, 1] : memref<64x16xf16, strided<[72, 1]>, #gpu.address_space<workgroup>> to memref<32x16xf16, strided<[72, 1], offset: ?>, #gpu.address_space<workgroup>>
    %sc = memref.subview %c[%m, 0] [32, 16] [1, 1] : memref<64x16xf32> to memref<32x16xf32, strided<[16, 1], offset: ?>>
    linalg.matmul {kgen.mma_sync} ins(%sa, %b : memref<32x16xf16, strided<[72, 1], offset: ?>, #gpu.address_space<workgroup>>, memref<16x16xf16, strided<[72, 1]>, #gpu.address_space<workgroup>>) outs(%sc : memref<32x16xf32, strided<[16, 1], offset: ?>>)
  } {mapping = [#gpu.warp<x>]}
  return
}

// -----

// Rows of 20 halves (40 bytes, A) and of 12 (24 bytes, B) do not all start
// 16-byte aligned: loads, not ldmatrix.
// CHECK-LABEL: func.func @no_ldmatrix
// CHECK-NOT:     nvgpu.ldmatrix
// CHECK:         nvgpu.mma.sync
func.func @no_ldmatrix(%a: memref<16x20xf16, #gpu.address_space<workgroup>>, %b: memref<16x12xf16, #gpu.address_space<workgroup>>, %c: memref<16x8xf32>) {
  scf.forall (%w) in (1) {
    %sa = memref.subview %a[0, 0] [16, 16] [1, 1] : memref<16x20xf16, #gpu.address_space<workgroup>> to memref<16x16xf16, strided<[20, 1]>, #gpu.address_space<workgroup>>
    %sb = memref.subview %b[0, 0] [16, 8] [1, 1] : memref<16x12xf16, #gpu.address_space<workgroup>> to memref<16x8xf16, strided<[12, 1]>, #gpu.address_space<workgroup>>
    linalg.matmul {kgen.mma_sync} ins(%sa, %sb : memref<16x16xf16, strided<[20, 1]>, #gpu.address_space<workgroup>>, memref<16x8xf16, strided<[12, 1]>, #gpu.address_space<workgroup>>) outs(%c : memref<16x8xf32>)
  } {mapping = [#gpu.warp<x>]}
  return
}
