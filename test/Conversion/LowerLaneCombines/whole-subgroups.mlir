// RUN: kgen-opt %s -kgen-lower-lane-combines -cse | FileCheck %s

// 96 lanes (3 warps, not a power of two) of 1 partial per output, 2
// outputs: each warp butterflies over its 32 lanes, then the 3 warps'
// results meet in a shared scratch row per output and every lane folds
// all three, in warp order.
// CHECK-LABEL: func.func @three_warps
// CHECK: %[[SCRATCH:.*]] = memref.alloc() : memref<2x3xf32, #gpu.address_space<workgroup>>
// CHECK: scf.forall (%{{.*}}, %{{.*}}) in (2, 96)
// CHECK-COUNT-5: gpu.shuffle  xor
// CHECK: memref.store %{{.*}}, %[[SCRATCH]]
// CHECK: gpu.barrier
// CHECK: memref.load %[[SCRATCH]][%{{.*}}, %c0]
// CHECK: memref.load %[[SCRATCH]][%{{.*}}, %c1]
// CHECK: memref.load %[[SCRATCH]][%{{.*}}, %c2]
// CHECK-NOT: memref.load %[[SCRATCH]]
// CHECK: } {mapping = [#gpu.thread<y>, #gpu.thread<x>]}
#partials = affine_map<(d0, d1) -> (d0, d1)>
#output = affine_map<(d0, d1) -> (d0)>
func.func @three_warps(%partials: memref<2x96xf32, #gpu.address_space<workgroup>>, %out: memref<2xf32>) {
  %cst = arith.constant 0.0 : f32
  scf.forall (%r) in (2) {
    %in = memref.subview %partials[%r, 0] [1, 96] [1, 1] : memref<2x96xf32, #gpu.address_space<workgroup>> to memref<1x96xf32, strided<[96, 1], offset: ?>, #gpu.address_space<workgroup>>
    %o = memref.subview %out[%r] [1] [1] : memref<2xf32> to memref<1xf32, strided<[1], offset: ?>>
    linalg.fill ins(%cst : f32) outs(%o : memref<1xf32, strided<[1], offset: ?>>)
    linalg.generic {indexing_maps = [#partials, #output], iterator_types = ["parallel", "reduction"]}
        ins(%in : memref<1x96xf32, strided<[96, 1], offset: ?>, #gpu.address_space<workgroup>>)
        outs(%o : memref<1xf32, strided<[1], offset: ?>>) attrs = {kgen.lane_combine = 96 : i64} {
    ^bb0(%a: f32, %b: f32):
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    }
  } {mapping = [#gpu.thread<x>]}
  return
}
