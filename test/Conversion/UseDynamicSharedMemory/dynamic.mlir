// RUN: kgen-opt %s --split-input-file -kgen-use-dynamic-shared-memory | FileCheck %s

// 64 KB of shared buffers, both live until the last op: past the 48 KB
// static limit, they become views of dynamic shared memory at
// 16-byte-aligned offsets, and the launch declares the total.
// CHECK-LABEL: func.func @past_the_limit
// CHECK:         %[[SIZE:.*]] = arith.constant 65552 : i32
// CHECK:         gpu.launch {{.*}} dynamic_shared_memory_size %[[SIZE]] {
// CHECK-NOT:       workgroup(
// CHECK:           %[[DYN:.*]] = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
// CHECK:           %[[C0:.*]] = arith.constant 0 : index
// CHECK:           memref.view %[[DYN]][%{{.*}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<4097xf32, #gpu.address_space<workgroup>>
// CHECK:           %[[OFF:.*]] = arith.constant 16400 : index
// CHECK:           %[[AT:.*]] = arith.addi %[[C0]], %[[OFF]]
// CHECK:           %[[B:.*]] = memref.view %[[DYN]][%[[AT]]][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<12288xf32, #gpu.address_space<workgroup>>
// CHECK:           memref.store %{{.*}}, %[[B]]
func.func @past_the_limit(%v: f32, %i: index) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1)
             workgroup(%a : memref<4097xf32, #gpu.address_space<workgroup>>, %b : memref<12288xf32, #gpu.address_space<workgroup>>) {
    memref.store %v, %a[%i] : memref<4097xf32, #gpu.address_space<workgroup>>
    memref.store %v, %b[%i] : memref<12288xf32, #gpu.address_space<workgroup>>
    %r = memref.load %a[%i] : memref<4097xf32, #gpu.address_space<workgroup>>
    memref.store %r, %b[%i] : memref<12288xf32, #gpu.address_space<workgroup>>
    gpu.terminator
  }
  return
}

// -----

// A launch using wgmma aligns its buffers to 1024-byte swizzle atoms; the
// dynamic base is only 16-byte aligned, so the views start at the first
// aligned byte and the size has 1008 bytes of slack.
// CHECK-LABEL: func.func @swizzled
// CHECK:         %[[SIZE:.*]] = arith.constant 67568 : i32
// CHECK:         gpu.launch {{.*}} dynamic_shared_memory_size %[[SIZE]] {
// CHECK:           %[[DYN:.*]] = gpu.dynamic_shared_memory
// CHECK:           %[[BASE:.*]] = memref.extract_aligned_pointer_as_index %[[DYN]]
// CHECK:           %[[C1024:.*]] = arith.constant 1024 : index
// CHECK:           %[[MIS:.*]] = arith.remui %[[BASE]], %[[C1024]]
// CHECK:           %[[UP:.*]] = arith.subi %[[C1024]], %[[MIS]]
// CHECK:           %[[SHIFT:.*]] = arith.remui %[[UP]], %[[C1024]]
// CHECK:           arith.addi %[[SHIFT]], %{{.*}}
// CHECK:           memref.view
// CHECK:           %[[OFF:.*]] = arith.constant 17408 : index
// CHECK:           arith.addi %[[SHIFT]], %[[OFF]]
func.func @swizzled(%v: f32, %i: index, %d: i64, %acc: !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)>) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1)
             workgroup(%a : memref<4097xf32, #gpu.address_space<workgroup>>, %b : memref<12288xf32, #gpu.address_space<workgroup>>) {
    memref.store %v, %a[%i] : memref<4097xf32, #gpu.address_space<workgroup>>
    memref.store %v, %b[%i] : memref<12288xf32, #gpu.address_space<workgroup>>
    %l = memref.load %a[%i] : memref<4097xf32, #gpu.address_space<workgroup>>
    memref.store %l, %b[%i] : memref<12288xf32, #gpu.address_space<workgroup>>
    %r = nvvm.wgmma.mma_async %d, %d, %acc, <m = 64, n = 64, k = 16>, D[<f32>, <one>], A[<f16>, <one>, <row>], B[<f16>, <one>, <row>] : !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)> -> !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)>
    gpu.terminator
  }
  return
}

// -----

// Within the limit, the buffers stay static attributions.
// CHECK-LABEL: func.func @within_the_limit
// CHECK:         gpu.launch
// CHECK-NOT:     dynamic_shared_memory_size
// CHECK-SAME:    workgroup(%{{.*}} : memref<12288xf32, #gpu.address_space<workgroup>>)
// CHECK-NOT:     gpu.dynamic_shared_memory
func.func @within_the_limit(%v: f32, %i: index) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1)
             workgroup(%b : memref<12288xf32, #gpu.address_space<workgroup>>) {
    memref.store %v, %b[%i] : memref<12288xf32, #gpu.address_space<workgroup>>
    gpu.terminator
  }
  return
}

// -----

// Buffers used at different times share bytes: %b, first used after the
// loop that reads %a and %c (copied into asynchronously), goes over them.
// Before its first use every thread waits for its copies and meets the
// others at a barrier. 48 KB + 16 KB would be 64 KB; the launch asks for
// the 48 KB that %b needs.
// CHECK-LABEL: func.func @disjoint_lifetimes
// CHECK:         %[[SIZE:.*]] = arith.constant 49152 : i32
// CHECK:         gpu.launch {{.*}} dynamic_shared_memory_size %[[SIZE]] {
// CHECK:           %[[DYN:.*]] = gpu.dynamic_shared_memory
// CHECK:           %[[C0:.*]] = arith.constant 0 : index
// CHECK:           %[[A:.*]] = memref.view %[[DYN]][%{{.*}}][] {{.*}} to memref<2048xf32
// CHECK:           %[[ZERO:.*]] = arith.constant 0 : index
// CHECK:           %[[AT0:.*]] = arith.addi %[[C0]], %[[ZERO]]
// CHECK:           %[[B:.*]] = memref.view %[[DYN]][%[[AT0]]][] {{.*}} to memref<12288xf32
// CHECK:           %[[OFF:.*]] = arith.constant 8192 : index
// CHECK:           %[[AT:.*]] = arith.addi %[[C0]], %[[OFF]]
// CHECK:           %[[C:.*]] = memref.view %[[DYN]][%[[AT]]][] {{.*}} to memref<2048xf32
// CHECK:           scf.for
// CHECK:             nvgpu.device_async_copy
// CHECK:             memref.load %[[A]]
// CHECK:           }
// CHECK-NEXT:      nvvm.cp.async.wait.group 0
// CHECK-NEXT:      gpu.barrier
// CHECK-NEXT:      memref.store %{{.*}}, %[[B]]
func.func @disjoint_lifetimes(%v: f32, %i: index, %n: index, %g: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1)
             workgroup(%a : memref<2048xf32, #gpu.address_space<workgroup>>, %b : memref<12288xf32, #gpu.address_space<workgroup>>, %c : memref<2048xf32, #gpu.address_space<workgroup>>) {
    %s = scf.for %k = %c0 to %n step %c1 iter_args(%acc = %v) -> (f32) {
      %t = nvgpu.device_async_copy %g[%c0], %c[%c0], 4 : memref<64xf32> to memref<2048xf32, #gpu.address_space<workgroup>>
      %x = memref.load %a[%k] : memref<2048xf32, #gpu.address_space<workgroup>>
      %y = arith.addf %acc, %x : f32
      scf.yield %y : f32
    }
    memref.store %s, %b[%i] : memref<12288xf32, #gpu.address_space<workgroup>>
    gpu.terminator
  }
  return
}

// -----

// A view chosen by an scf.if lives on in the scf.if's result: %a, read
// through it after %b's first use, keeps its own bytes.
// CHECK-LABEL: func.func @yielded_view
// CHECK:         arith.constant 65552 : i32
// CHECK-NOT:     gpu.barrier
// CHECK:         return
func.func @yielded_view(%v: f32, %i: index, %p: i1) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1)
             workgroup(%a : memref<4097xf32, #gpu.address_space<workgroup>>, %b : memref<12288xf32, #gpu.address_space<workgroup>>) {
    %w = scf.if %p -> memref<4097xf32, #gpu.address_space<workgroup>> {
      scf.yield %a : memref<4097xf32, #gpu.address_space<workgroup>>
    } else {
      scf.yield %a : memref<4097xf32, #gpu.address_space<workgroup>>
    }
    memref.store %v, %b[%i] : memref<12288xf32, #gpu.address_space<workgroup>>
    %r = memref.load %w[%i] : memref<4097xf32, #gpu.address_space<workgroup>>
    memref.store %r, %b[%i] : memref<12288xf32, #gpu.address_space<workgroup>>
    gpu.terminator
  }
  return
}
