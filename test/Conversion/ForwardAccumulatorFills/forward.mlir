// RUN: kgen-opt %s --split-input-file -kgen-forward-accumulator-fills | FileCheck %s

// A staged gemm's accumulators after kgen-hoist-accumulators: each thread
// fills its 2 places with zeros, loads them ahead of the loop, and stores
// them after it. The loads become zeros and the fill goes: each thread
// stores as many elements after the loop (2) as it filled (a vector of 2).
// CHECK-LABEL: func.func @hoisted
// CHECK:         gpu.launch
// CHECK-NOT:       vector.transfer_write
// CHECK:           gpu.barrier
// CHECK-NOT:       memref.load
// CHECK:           %[[Z0:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:           %[[Z1:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:           %[[R:.*]]:2 = scf.for {{.*}} iter_args(%{{.*}} = %[[Z0]], %{{.*}} = %[[Z1]])
// CHECK:           memref.store %[[R]]#0
// CHECK:           memref.store %[[R]]#1
// CHECK:           gpu.barrier
// CHECK:           memref.load
func.func @hoisted(%n: index, %x: f32, %out: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1)
             workgroup(%acc : memref<64xf32, #gpu.address_space<workgroup>>) {
    %zero = arith.constant dense<0.0> : vector<2xf32>
    %mine = memref.subview %acc[%tx] [2] [1] : memref<64xf32, #gpu.address_space<workgroup>> to memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    vector.transfer_write %zero, %mine[%c0] {in_bounds = [true]} : vector<2xf32>, memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    gpu.barrier
    %a0 = memref.load %mine[%c0] : memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    %a1 = memref.load %mine[%c1] : memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    %r:2 = scf.for %k = %c0 to %n step %c1 iter_args(%s0 = %a0, %s1 = %a1) -> (f32, f32) {
      %t0 = arith.addf %s0, %x : f32
      %t1 = arith.addf %s1, %x : f32
      scf.yield %t0, %t1 : f32, f32
    }
    memref.store %r#0, %mine[%c0] : memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    memref.store %r#1, %mine[%c1] : memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    gpu.barrier
    %v = memref.load %acc[%tx] : memref<64xf32, #gpu.address_space<workgroup>>
    memref.store %v, %out[%tx] : memref<64xf32>
    gpu.terminator
  }
  return
}

// -----

// After the loop each thread stores 1 of the 2 places it filled: the other
// keeps the fill's zero, which the epilogue may read. Left as it is.
// CHECK-LABEL: func.func @partly_stored
// CHECK:           vector.transfer_write
// CHECK:           memref.load
// CHECK:           scf.for
func.func @partly_stored(%n: index, %x: f32, %out: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1)
             workgroup(%acc : memref<64xf32, #gpu.address_space<workgroup>>) {
    %zero = arith.constant dense<0.0> : vector<2xf32>
    %mine = memref.subview %acc[%tx] [2] [1] : memref<64xf32, #gpu.address_space<workgroup>> to memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    vector.transfer_write %zero, %mine[%c0] {in_bounds = [true]} : vector<2xf32>, memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    gpu.barrier
    %a0 = memref.load %mine[%c0] : memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    %r = scf.for %k = %c0 to %n step %c1 iter_args(%s0 = %a0) -> (f32) {
      %t0 = arith.addf %s0, %x : f32
      scf.yield %t0 : f32
    }
    memref.store %r, %mine[%c0] : memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    gpu.barrier
    %v = memref.load %acc[%tx] : memref<64xf32, #gpu.address_space<workgroup>>
    memref.store %v, %out[%tx] : memref<64xf32>
    gpu.terminator
  }
  return
}

// -----

// A fill with a value computed at run time is left alone.
// CHECK-LABEL: func.func @not_a_constant
// CHECK:           vector.transfer_write
// CHECK:           memref.load
// CHECK:           scf.for
func.func @not_a_constant(%n: index, %x: f32, %out: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1)
             workgroup(%acc : memref<64xf32, #gpu.address_space<workgroup>>) {
    %fill = vector.broadcast %x : f32 to vector<2xf32>
    %mine = memref.subview %acc[%tx] [2] [1] : memref<64xf32, #gpu.address_space<workgroup>> to memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    vector.transfer_write %fill, %mine[%c0] {in_bounds = [true]} : vector<2xf32>, memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    gpu.barrier
    %a0 = memref.load %mine[%c0] : memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    %r = scf.for %k = %c0 to %n step %c1 iter_args(%s0 = %a0) -> (f32) {
      %t0 = arith.addf %s0, %x : f32
      scf.yield %t0 : f32
    }
    memref.store %r, %mine[%c0] : memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    gpu.barrier
    gpu.terminator
  }
  return
}

// -----

// Left alone: a fill of different values (each place its own constant),
// and an epilogue that reads a place after the loop before it is stored.
// CHECK-LABEL: func.func @not_one_value
// CHECK:           vector.transfer_write
// CHECK:           memref.load
// CHECK-LABEL: func.func @read_before_stored
// CHECK:           memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<64xf32, #gpu.address_space<workgroup>>
// CHECK:           memref.load
// CHECK:           scf.for
func.func @not_one_value(%n: index, %x: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1)
             workgroup(%acc : memref<64xf32, #gpu.address_space<workgroup>>) {
    %ramp = arith.constant dense<[0.0, 1.0]> : vector<2xf32>
    %mine = memref.subview %acc[%tx] [2] [1] : memref<64xf32, #gpu.address_space<workgroup>> to memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    vector.transfer_write %ramp, %mine[%c0] {in_bounds = [true]} : vector<2xf32>, memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    gpu.barrier
    %a0 = memref.load %mine[%c1] : memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    %r = scf.for %k = %c0 to %n step %c1 iter_args(%s0 = %a0) -> (f32) {
      %t0 = arith.addf %s0, %x : f32
      scf.yield %t0 : f32
    }
    memref.store %r, %mine[%c1] : memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    memref.store %r, %mine[%c0] : memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    gpu.terminator
  }
  return
}
func.func @read_before_stored(%n: index, %x: f32, %out: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1)
             workgroup(%acc : memref<64xf32, #gpu.address_space<workgroup>>) {
    %zero = arith.constant 0.0 : f32
    memref.store %zero, %acc[%tx] : memref<64xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    %a0 = memref.load %acc[%tx] : memref<64xf32, #gpu.address_space<workgroup>>
    %r = scf.for %k = %c0 to %n step %c1 iter_args(%s0 = %a0) -> (f32) {
      %t0 = arith.addf %s0, %x : f32
      scf.yield %t0 : f32
    }
    %old = memref.load %acc[%tx] : memref<64xf32, #gpu.address_space<workgroup>>
    memref.store %old, %out[%tx] : memref<64xf32>
    memref.store %r, %acc[%tx] : memref<64xf32, #gpu.address_space<workgroup>>
    gpu.terminator
  }
  return
}

// -----

// A reduction of one step (K = 64 under wgmma) leaves no loop: the
// accumulators are loaded, updated in straight-line code and stored back.
// The first store after the loads splits the uses as the loop would: the
// loads become zeros and the fill goes.
// CHECK-LABEL: func.func @one_step
// CHECK:         gpu.launch
// CHECK-NOT:       vector.transfer_write
// CHECK:           gpu.barrier
// CHECK-NOT:       memref.load
// CHECK:           %[[Z0:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:           arith.addf %[[Z0]]
// CHECK:           memref.store
// CHECK:           memref.store
// CHECK:           gpu.barrier
// CHECK:           memref.load
func.func @one_step(%x: f32, %out: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1)
             workgroup(%acc : memref<64xf32, #gpu.address_space<workgroup>>) {
    %zero = arith.constant dense<0.0> : vector<2xf32>
    %mine = memref.subview %acc[%tx] [2] [1] : memref<64xf32, #gpu.address_space<workgroup>> to memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    vector.transfer_write %zero, %mine[%c0] {in_bounds = [true]} : vector<2xf32>, memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    gpu.barrier
    %a0 = memref.load %mine[%c0] : memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    %a1 = memref.load %mine[%c1] : memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    %t0 = arith.addf %a0, %x : f32
    %t1 = arith.addf %a1, %x : f32
    memref.store %t0, %mine[%c0] : memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    memref.store %t1, %mine[%c1] : memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    gpu.barrier
    %v = memref.load %acc[%tx] : memref<64xf32, #gpu.address_space<workgroup>>
    memref.store %v, %out[%tx] : memref<64xf32>
    gpu.terminator
  }
  return
}

// -----

// Without a loop, a load between the write-back's stores reads a place
// the fill wrote and no store has rewritten yet: left as it is.
// CHECK-LABEL: func.func @one_step_read_between
// CHECK:           vector.transfer_write
// CHECK:           memref.load
func.func @one_step_read_between(%x: f32, %out: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1)
             workgroup(%acc : memref<64xf32, #gpu.address_space<workgroup>>) {
    %zero = arith.constant dense<0.0> : vector<2xf32>
    %mine = memref.subview %acc[%tx] [2] [1] : memref<64xf32, #gpu.address_space<workgroup>> to memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    vector.transfer_write %zero, %mine[%c0] {in_bounds = [true]} : vector<2xf32>, memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    gpu.barrier
    %a0 = memref.load %mine[%c0] : memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    %t0 = arith.addf %a0, %x : f32
    memref.store %t0, %mine[%c0] : memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    %a1 = memref.load %mine[%c1] : memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    %t1 = arith.addf %a1, %x : f32
    memref.store %t1, %mine[%c1] : memref<2xf32, strided<[1], offset: ?>, #gpu.address_space<workgroup>>
    gpu.barrier
    %v = memref.load %acc[%tx] : memref<64xf32, #gpu.address_space<workgroup>>
    memref.store %v, %out[%tx] : memref<64xf32>
    gpu.terminator
  }
  return
}
