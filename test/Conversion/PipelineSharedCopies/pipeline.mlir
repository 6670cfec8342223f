// RUN: kgen-opt %s --split-input-file -kgen-pipeline-shared-copies | FileCheck %s

// A staged reduction after kgen-map-kernels-to-gpu: each 16-step copies a
// 16-byte row of A into shared memory and a 4-byte element of B (a copy
// cp.async takes, synchronizing between them), then computes on both.
// Double-buffered: both buffers get a second copy, step 0's copies are
// issued before the loop, and each step issues the next one's, waits for
// its own (one group may stay pending) and synchronizes once.
// CHECK-LABEL: func.func @double_buffered
// CHECK: gpu.launch {{.*}} workgroup(%[[A0:[a-z0-9_]+]] : memref<4x16xf16, #gpu.address_space<workgroup>>, %[[B0:[a-z0-9_]+]] : memref<16x2xf16, #gpu.address_space<workgroup>>, %[[A1:[a-z0-9_]+]] : memref<4x16xf16, #gpu.address_space<workgroup>>, %[[B1:[a-z0-9_]+]] : memref<16x2xf16, #gpu.address_space<workgroup>>)
// CHECK: %[[FIRST:[a-z0-9_]+]] = arith.addi %[[LB:[a-z0-9_]+]], %{{.*}} : index
// CHECK: %[[EXISTS0:[a-z0-9_]+]] = arith.cmpi slt, %[[FIRST]], %[[UB:[a-z0-9_]+]] : index
// CHECK: scf.if %[[EXISTS0]] {
// CHECK:   arith.select %{{.*}}, %[[A0]], %[[A1]]
// CHECK:   arith.select %{{.*}}, %[[B0]], %[[B1]]
// CHECK:   nvgpu.device_async_copy {{.*}}, 8 {bypassL1}
// CHECK:   nvgpu.device_async_copy {{.*}}, 2 :
// CHECK: }
// CHECK: nvgpu.device_async_create_group
// CHECK: scf.for %[[K:[a-z0-9_]+]] = %[[LB]] to %[[UB]] step
// CHECK:   %[[NEXT:[a-z0-9_]+]] = arith.addi %[[K]], %{{.*}} : index
// CHECK:   %[[EXISTS:[a-z0-9_]+]] = arith.cmpi slt, %[[NEXT]], %[[UB]] : index
// CHECK:   scf.if %[[EXISTS]] {
// CHECK:     nvgpu.device_async_copy
// CHECK:     nvgpu.device_async_copy
// CHECK:   }
// CHECK:   %[[GROUP:[a-z0-9_]+]] = nvgpu.device_async_create_group
// CHECK:   nvgpu.device_async_wait %[[GROUP]] {numGroups = 1 : i32}
// CHECK:   gpu.barrier
// CHECK-NOT: gpu.barrier
// CHECK-NOT: nvgpu.device_async_copy
// CHECK:   memref.load
// CHECK:   gpu.barrier
// CHECK-NEXT: }
// CHECK-NOT: kgen.pipeline_depth
func.func @double_buffered(%a: memref<4x64xf16>, %b: memref<64x2xf16>, %out: memref<4x2xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c16, %sy = %c1, %sz = %c1)
      workgroup(%sa : memref<4x16xf16, #gpu.address_space<workgroup>>,
                %sb : memref<16x2xf16, #gpu.address_space<workgroup>>) {
    scf.for %k = %c0 to %c64 step %c16 {
      %t = gpu.thread_id x
      %row = affine.apply affine_map<()[s0] -> (s0 mod 4)>()[%t]
      %ga = memref.subview %a[%row, %k] [1, 16] [1, 1] : memref<4x64xf16> to memref<1x16xf16, strided<[64, 1], offset: ?>>
      %sa_row = memref.subview %sa[%row, 0] [1, 16] [1, 1] : memref<4x16xf16, #gpu.address_space<workgroup>> to memref<1x16xf16, strided<[16, 1], offset: ?>, #gpu.address_space<workgroup>>
      %va = vector.load %ga[%c0, %c0] {alignment = 16} : memref<1x16xf16, strided<[64, 1], offset: ?>>, vector<8xf16>
      vector.store %va, %sa_row[%c0, %c0] {alignment = 16} : memref<1x16xf16, strided<[16, 1], offset: ?>, #gpu.address_space<workgroup>>, vector<8xf16>
      gpu.barrier
      %kb = arith.addi %k, %t : index
      %vb = vector.load %b[%kb, %c0] {alignment = 4} : memref<64x2xf16>, vector<2xf16>
      vector.store %vb, %sb[%t, %c0] {alignment = 4} : memref<16x2xf16, #gpu.address_space<workgroup>>, vector<2xf16>
      gpu.barrier
      %x = memref.load %sa[%c0, %t] : memref<4x16xf16, #gpu.address_space<workgroup>>
      %y = memref.load %sb[%t, %c1] : memref<16x2xf16, #gpu.address_space<workgroup>>
      %p = arith.mulf %x, %y : f16
      %pe = arith.extf %p : f16 to f32
      %acc = memref.load %out[%c0, %c0] : memref<4x2xf32>
      %s = arith.addf %acc, %pe : f32
      memref.store %s, %out[%c0, %c0] : memref<4x2xf32>
      gpu.barrier
    } {kgen.pipeline_depth = 2 : i64}
    gpu.terminator
  }
  return
}

// -----

// Depth 1 leaves the loop as it is (only the mark goes).
// CHECK-LABEL: func.func @depth_one
// CHECK-NOT: nvgpu
// CHECK: vector.store
// CHECK: gpu.barrier
// CHECK-NOT: kgen.pipeline_depth
func.func @depth_one(%a: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1)
      workgroup(%s : memref<4xf32, #gpu.address_space<workgroup>>) {
    scf.for %k = %c0 to %c64 step %c4 {
      %v = vector.load %a[%k] : memref<64xf32>, vector<4xf32>
      vector.store %v, %s[%c0] : memref<4xf32, #gpu.address_space<workgroup>>, vector<4xf32>
      gpu.barrier
    } {kgen.pipeline_depth = 1 : i64}
    gpu.terminator
  }
  return
}

// -----

// Three stages: two steps issued ahead, two groups may stay pending, and
// each buffer has three copies selected by the step index mod 3.
// CHECK-LABEL: func.func @three_stages
// CHECK: workgroup(%[[S0:[a-z0-9_]+]] : memref<4xf32, #gpu.address_space<workgroup>>, %[[S1:[a-z0-9_]+]] : memref<4xf32, #gpu.address_space<workgroup>>, %[[S2:[a-z0-9_]+]] : memref<4xf32, #gpu.address_space<workgroup>>)
// CHECK-COUNT-2: nvgpu.device_async_create_group
// CHECK: scf.for
// CHECK: arith.remui %{{.*}}, %c3
// CHECK: nvgpu.device_async_wait %{{.*}} {numGroups = 2 : i32}
func.func @three_stages(%a: memref<64xf32>, %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1)
      workgroup(%s : memref<4xf32, #gpu.address_space<workgroup>>) {
    scf.for %k = %c0 to %c64 step %c4 {
      %v = vector.load %a[%k] {alignment = 16} : memref<64xf32>, vector<4xf32>
      vector.store %v, %s[%c0] {alignment = 16} : memref<4xf32, #gpu.address_space<workgroup>>, vector<4xf32>
      gpu.barrier
      %x = vector.load %s[%c0] : memref<4xf32, #gpu.address_space<workgroup>>, vector<4xf32>
      vector.store %x, %out[%c0] : memref<4xf32>, vector<4xf32>
      gpu.barrier
    } {kgen.pipeline_depth = 3 : i64}
    gpu.terminator
  }
  return
}

// -----

// A copy not proven aligned to its size is not made asynchronous (cp.async
// of a misaligned address is undefined): it is issued a step ahead all the
// same, as a load and a store.
// CHECK-LABEL: func.func @synchronous_copy_ahead
// CHECK-NOT: nvgpu.device_async_copy
// CHECK: scf.if
// CHECK:   vector.load
// CHECK:   vector.store
// CHECK: nvgpu.device_async_create_group
// CHECK: scf.for
// CHECK:   scf.if
// CHECK:     vector.load
// CHECK:     vector.store
// CHECK:   nvgpu.device_async_wait %{{.*}} {numGroups = 1 : i32}
func.func @synchronous_copy_ahead(%a: memref<64xf32>, %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1)
      workgroup(%s : memref<4xf32, #gpu.address_space<workgroup>>) {
    scf.for %k = %c0 to %c64 step %c4 {
      %v = vector.load %a[%k] : memref<64xf32>, vector<4xf32>
      vector.store %v, %s[%c0] : memref<4xf32, #gpu.address_space<workgroup>>, vector<4xf32>
      gpu.barrier
      %x = vector.load %s[%c0] : memref<4xf32, #gpu.address_space<workgroup>>, vector<4xf32>
      vector.store %x, %out[%c0] : memref<4xf32>, vector<4xf32>
      gpu.barrier
    } {kgen.pipeline_depth = 2 : i64}
    gpu.terminator
  }
  return
}
