// RUN: kgen-opt %s --kgen-map-kernels-to-gpu --split-input-file | FileCheck %s
// RUN: kgen-opt %s --kgen-map-kernels-to-gpu="private-address-space=5" --split-input-file | FileCheck %s --check-prefix=AMD

// A scheduled kernel: the block forall becomes a launch whose grid is its
// trip count, the thread forall's trip counts give the block (innermost on
// x), and a per-thread buffer lives on the thread's stack.

// CHECK-LABEL: func.func private @kernel
// CHECK:         gpu.launch blocks({{.*}}) in (%{{.*}} = %c4{{.*}}, %{{.*}} = %c1{{.*}}, %{{.*}} = %c1{{.*}}) threads({{.*}}) in (%{{.*}} = %c8{{.*}}, %{{.*}} = %c2{{.*}}, %{{.*}} = %c1{{.*}})
// CHECK:           memref.alloca() : memref<1x1xf32>
// CHECK-NOT:       memref.alloc()
// CHECK-NOT:       memref.copy
// CHECK:           gpu.terminator
// AMD-LABEL: func.func private @kernel
// AMD:         %[[A:.*]] = memref.alloca() : memref<1x1xf32, 5>
// AMD:         memref.memory_space_cast %[[A]] : memref<1x1xf32, 5> to memref<1x1xf32>
func.func private @kernel(%in: memref<8x32xf32>, %out: memref<8x32xf32>) attributes {kgen.kernel} {
  scf.forall (%b) in (4) {
    %col = affine.apply affine_map<(d0) -> (d0 * 8)>(%b)
    %bin = memref.subview %in[0, %col] [8, 8] [1, 1] : memref<8x32xf32> to memref<8x8xf32, strided<[32, 1], offset: ?>>
    %bout = memref.subview %out[0, %col] [8, 8] [1, 1] : memref<8x32xf32> to memref<8x8xf32, strided<[32, 1], offset: ?>>
    scf.forall (%r, %c) in (2, 8) {
      %row = affine.apply affine_map<(d0) -> (d0 * 4)>(%r)
      %tin = memref.subview %bin[%row, %c] [1, 1] [1, 1] : memref<8x8xf32, strided<[32, 1], offset: ?>> to memref<1x1xf32, strided<[32, 1], offset: ?>>
      %tout = memref.subview %bout[%row, %c] [1, 1] [1, 1] : memref<8x8xf32, strided<[32, 1], offset: ?>> to memref<1x1xf32, strided<[32, 1], offset: ?>>
      %tmp = memref.alloc() : memref<1x1xf32>
      linalg.exp ins(%tin : memref<1x1xf32, strided<[32, 1], offset: ?>>) outs(%tmp : memref<1x1xf32>)
      linalg.exp ins(%tmp : memref<1x1xf32>) outs(%tout : memref<1x1xf32, strided<[32, 1], offset: ?>>)
      memref.dealloc %tmp : memref<1x1xf32>
      // The tile's write-back onto itself, as bufferization leaves it.
      memref.copy %tout, %tout : memref<1x1xf32, strided<[32, 1], offset: ?>> to memref<1x1xf32, strided<[32, 1], offset: ?>>
    } {mapping = [#gpu.thread<y>, #gpu.thread<x>]}
  } {mapping = [#gpu.block<x>]}
  return
}

// -----

// Each thread loop sizes the dimensions its mapping names: lanes on x (2)
// and rows on y (16), then a loop over the rows alone, on y. The block is
// 2x16, not 16 wide (threads past the lanes would skip the lanes' shuffles).
// CHECK-LABEL: func.func private @rows_on_y
// CHECK:         gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c2{{.*}}, %{{.*}} = %c16{{.*}}, %{{.*}} = %c1{{.*}})
func.func private @rows_on_y(%in: memref<16x2xf32>, %out: memref<16xf32>) attributes {kgen.kernel} {
  scf.forall (%b) in (1) {
    scf.forall (%r, %l) in (16, 2) {
      %x = memref.load %in[%r, %l] : memref<16x2xf32>
      memref.store %x, %in[%r, %l] : memref<16x2xf32>
    } {mapping = [#gpu.thread<y>, #gpu.thread<x>]}
    scf.forall (%r) in (16) {
      %c0 = arith.constant 0 : index
      %x = memref.load %in[%r, %c0] : memref<16x2xf32>
      memref.store %x, %out[%r] : memref<16xf32>
    } {mapping = [#gpu.thread<y>]}
  } {mapping = [#gpu.block<x>]}
  return
}

// -----

// A reduction to a scalar has no parallel loop for its schedule to tile: it
// runs as one thread of a one-block launch; its buffers stay outside (for
// kgen-place-host-buffers-on-device to place).
// CHECK-LABEL: func.func private @scalar
// CHECK:         %[[ACC:.*]] = memref.alloc() : memref<f32>
// CHECK-NOT:     arith.constant {{[02-9]}} : index
// CHECK:         gpu.launch
// CHECK:           linalg.fill {{.*}} outs(%[[ACC]]
// CHECK:           linalg.reduce
// CHECK:           linalg.copy ins(%[[ACC]]
func.func private @scalar(%in: memref<2048xf32>, %out: memref<f32>) attributes {kgen.kernel} {
  %zero = arith.constant 0.0 : f32
  %acc = memref.alloc() : memref<f32>
  linalg.fill ins(%zero : f32) outs(%acc : memref<f32>)
  linalg.reduce ins(%in : memref<2048xf32>) outs(%acc : memref<f32>) dimensions = [0]
    (%a: f32, %b: f32) {
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    }
  memref.copy %acc, %out : memref<f32> to memref<f32>
  return
}

// -----

// A schedule that stages a tile in shared memory: its workgroup buffer
// becomes the launch's workgroup attribution (allocated once, in a loop
// too), and the block is as large as its largest thread loop: the copy's
// 4x8 threads and the compute's 2x8 give 8x4 threads.

// CHECK-LABEL: func.func private @staged
// CHECK:         gpu.launch blocks({{.*}}) in (%{{.*}} = %c2{{[_0-9]*}}, %{{.*}} = %c1{{[_0-9]*}}, %{{.*}} = %c1{{[_0-9]*}}) threads({{.*}}) in (%{{.*}} = %c8{{[_0-9]*}}, %{{.*}} = %c4{{[_0-9]*}}, %{{.*}} = %c1{{[_0-9]*}})
// CHECK-SAME:      workgroup(%[[TILE:[a-z0-9]+]] : memref<4x8xf32, #gpu.address_space<workgroup>>)
// CHECK-NOT:       memref.alloc
// CHECK:           scf.for
// CHECK:             memref.subview %[[TILE]]
// CHECK:             gpu.barrier
// CHECK-NOT:       memref.dealloc
// CHECK:           gpu.terminator
func.func private @staged(%in: memref<4x16xf32>, %out: memref<4x16xf32>) attributes {kgen.kernel} {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c1 = arith.constant 1 : index
  scf.forall (%b) in (2) {
    %col = affine.apply affine_map<(d0) -> (d0 * 8)>(%b)
    %bin = memref.subview %in[0, %col] [4, 8] [1, 1] : memref<4x16xf32> to memref<4x8xf32, strided<[16, 1], offset: ?>>
    %bout = memref.subview %out[0, %col] [4, 8] [1, 1] : memref<4x16xf32> to memref<4x8xf32, strided<[16, 1], offset: ?>>
    scf.for %step = %c0 to %c2 step %c1 {
      %tile = memref.alloc() : memref<4x8xf32, #gpu.address_space<workgroup>>
      scf.forall (%r, %c) in (4, 8) {
        %src = memref.subview %bin[%r, %c] [1, 1] [1, 1] : memref<4x8xf32, strided<[16, 1], offset: ?>> to memref<1x1xf32, strided<[16, 1], offset: ?>>
        %dst = memref.subview %tile[%r, %c] [1, 1] [1, 1] : memref<4x8xf32, #gpu.address_space<workgroup>> to memref<1x1xf32, strided<[8, 1], offset: ?>, #gpu.address_space<workgroup>>
        linalg.copy ins(%src : memref<1x1xf32, strided<[16, 1], offset: ?>>) outs(%dst : memref<1x1xf32, strided<[8, 1], offset: ?>, #gpu.address_space<workgroup>>)
      } {mapping = [#gpu.thread<y>, #gpu.thread<x>]}
      scf.forall (%r, %c) in (2, 8) {
        %row = affine.apply affine_map<(d0) -> (d0 * 2)>(%r)
        %src = memref.subview %tile[%row, %c] [2, 1] [1, 1] : memref<4x8xf32, #gpu.address_space<workgroup>> to memref<2x1xf32, strided<[8, 1], offset: ?>, #gpu.address_space<workgroup>>
        %dst = memref.subview %bout[%row, %c] [2, 1] [1, 1] : memref<4x8xf32, strided<[16, 1], offset: ?>> to memref<2x1xf32, strided<[16, 1], offset: ?>>
        linalg.exp ins(%src : memref<2x1xf32, strided<[8, 1], offset: ?>, #gpu.address_space<workgroup>>) outs(%dst : memref<2x1xf32, strided<[16, 1], offset: ?>>)
      } {mapping = [#gpu.thread<y>, #gpu.thread<x>]}
      memref.dealloc %tile : memref<4x8xf32, #gpu.address_space<workgroup>>
    }
  } {mapping = [#gpu.block<x>]}
  return
}

// -----

// An mma_sync schedule's loops: 2x2 warps need 64x2 threads (warp x is
// thread x / 32), and a loop on linear thread ids of 128 iterations fits
// them; each loop gets its own ids.
// CHECK-LABEL: func.func private @warps
// CHECK:         gpu.launch blocks({{.*}}) threads({{.*}}) in (%{{.*}} = %c64{{[_0-9]*}}, %{{.*}} = %c2{{[_0-9]*}}, %{{.*}} = %c1{{[_0-9]*}})
// CHECK:           %[[TX:.*]] = gpu.thread_id x
// CHECK:           %[[TY:.*]] = gpu.thread_id y
// CHECK:           affine.apply #{{.*}}()[%[[TX]], %[[TY]]
// CHECK:           gpu.barrier
// CHECK:           gpu.thread_id x
// CHECK:           affine.apply #{{.*}}()[%{{.*}}]
// CHECK:           gpu.barrier
func.func private @warps(%out: memref<128xf32>, %acc: memref<2x2xf32>) attributes {kgen.kernel} {
  %c = arith.constant 1.0 : f32
  scf.forall (%b) in (1) {
    scf.forall (%t) in (128) {
      memref.store %c, %out[%t] : memref<128xf32>
    } {mapping = [#gpu.thread<linear_dim_0>]}
    scf.forall (%wy, %wx) in (2, 2) {
      memref.store %c, %acc[%wy, %wx] : memref<2x2xf32>
    } {mapping = [#gpu.warp<y>, #gpu.warp<x>]}
  } {mapping = [#gpu.block<x>]}
  return
}

// -----

// A wgmma schedule's loops: 2 warpgroups along y need 128x2 threads
// (a warpgroup is 4 warps, 128 consecutive threads along x), and a loop on
// linear thread ids of 256 iterations fits them.
// CHECK-LABEL: func.func private @warpgroups
// CHECK:         gpu.launch blocks({{.*}}) threads({{.*}}) in (%{{.*}} = %c128{{[_0-9]*}}, %{{.*}} = %c2{{[_0-9]*}}, %{{.*}} = %c1{{[_0-9]*}})
// CHECK:           gpu.barrier
// CHECK:           gpu.barrier
func.func private @warpgroups(%out: memref<256xf32>, %acc: memref<2xf32>) attributes {kgen.kernel} {
  %c = arith.constant 1.0 : f32
  scf.forall (%b) in (1) {
    scf.forall (%t) in (256) {
      memref.store %c, %out[%t] : memref<256xf32>
    } {mapping = [#gpu.thread<linear_dim_0>]}
    scf.forall (%wy, %wx) in (2, 1) {
      memref.store %c, %acc[%wy] : memref<2xf32>
    } {mapping = [#gpu.warpgroup<y>, #gpu.warpgroup<x>]}
  } {mapping = [#gpu.block<x>]}
  return
}
