// RUN: kgen-opt %s --split-input-file -kgen-lower-lane-combines -cse | FileCheck %s
// RUN: kgen-opt %s --split-input-file -kgen-lower-lane-combines="subgroup-size=64" -cse | FileCheck %s --check-prefix=WAVE64

// 64 lanes of 4 partials per output, 4 outputs. Each lane combines its own
// vector, the warp butterflies (offsets 1..16), and the two warps of an
// output meet in shared memory after a barrier; lane 0 writes the fill
// and folds the result into it. With 64-wide waves one butterfly of 6
// steps does it all.
// CHECK-LABEL: func.func @combine
// CHECK: %[[SCRATCH:.*]] = memref.alloc() : memref<4x2xf32, #gpu.address_space<workgroup>>
// CHECK: scf.forall (%[[ROW:.*]], %[[LANE:.*]]) in (4, 64)
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %[[LANE]], %c0
// CHECK: scf.if %[[FIRST]] {
// CHECK-NEXT: linalg.fill
// CHECK: %[[OFFSET:.*]] = arith.muli %[[LANE]], %c4
// CHECK: vector.load %{{.*}}[%c0, %[[OFFSET]]] : {{.*}}, vector<4xf32>
// CHECK-COUNT-3: arith.addf
// CHECK: gpu.shuffle  xor %{{.*}}, %c1_i32, %c32_i32 : f32
// CHECK: gpu.shuffle  xor %{{.*}}, %c2_i32, %c32_i32 : f32
// CHECK: gpu.shuffle  xor %{{.*}}, %c4_i32, %c32_i32 : f32
// CHECK: gpu.shuffle  xor %{{.*}}, %c8_i32, %c32_i32 : f32
// CHECK: gpu.shuffle  xor %{{.*}}, %c16_i32, %c32_i32 : f32
// CHECK: memref.store %{{.*}}, %[[SCRATCH]]
// CHECK: gpu.barrier
// CHECK: memref.load %[[SCRATCH]]
// CHECK: memref.load %[[SCRATCH]]
// CHECK: scf.if %[[FIRST]] {
// CHECK: %[[INIT:.*]] = memref.load
// CHECK: arith.addf %[[INIT]]
// CHECK: memref.store
// CHECK: } {mapping = [#gpu.thread<y>, #gpu.thread<x>]}
// CHECK-NOT: linalg.generic
// WAVE64-LABEL: func.func @combine
// WAVE64-NOT: memref.alloc
// WAVE64-COUNT-6: gpu.shuffle  xor
// WAVE64-NOT: gpu.barrier
#partials = affine_map<(d0, d1) -> (d0, d1)>
#output = affine_map<(d0, d1) -> (d0)>
func.func @combine(%partials: memref<4x256xf32, #gpu.address_space<workgroup>>, %out: memref<4xf32>) {
  %cst = arith.constant 0.0 : f32
  scf.forall (%r) in (4) {
    %in = memref.subview %partials[%r, 0] [1, 256] [1, 1] : memref<4x256xf32, #gpu.address_space<workgroup>> to memref<1x256xf32, strided<[256, 1], offset: ?>, #gpu.address_space<workgroup>>
    %o = memref.subview %out[%r] [1] [1] : memref<4xf32> to memref<1xf32, strided<[1], offset: ?>>
    linalg.fill ins(%cst : f32) outs(%o : memref<1xf32, strided<[1], offset: ?>>)
    linalg.generic {indexing_maps = [#partials, #output], iterator_types = ["parallel", "reduction"]}
        ins(%in : memref<1x256xf32, strided<[256, 1], offset: ?>, #gpu.address_space<workgroup>>)
        outs(%o : memref<1xf32, strided<[1], offset: ?>>) attrs = {kgen.lane_combine = 64 : i64} {
    ^bb0(%a: f32, %b: f32):
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    }
  } {mapping = [#gpu.thread<x>]}
  return
}

// -----

// f16 partials are combined in f32 and the result rounded once, into the
// output. A warp of lanes needs no shared memory.
// CHECK-LABEL: func.func @halves
// CHECK-NOT: memref.alloc
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.maximumf %{{.*}} : f32
// CHECK: gpu.shuffle  xor %{{.*}}, %c16_i32, %c32_i32 : f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
#p = affine_map<(d0, d1) -> (d0, d1)>
#o = affine_map<(d0, d1) -> (d0)>
func.func @halves(%partials: memref<1x256xf16, #gpu.address_space<workgroup>>, %out: memref<1xf16>) {
  scf.forall (%r) in (1) {
    linalg.generic {indexing_maps = [#p, #o], iterator_types = ["parallel", "reduction"]}
        ins(%partials : memref<1x256xf16, #gpu.address_space<workgroup>>)
        outs(%out : memref<1xf16>) attrs = {kgen.lane_combine = 32 : i64} {
    ^bb0(%a: f16, %b: f16):
      %m = arith.maximumf %a, %b : f16
      linalg.yield %m : f16
    }
  } {mapping = [#gpu.thread<x>]}
  return
}
