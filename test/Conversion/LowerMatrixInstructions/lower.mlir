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
