// RUN: kgen-opt %s -kgen-elide-barriers -split-input-file | FileCheck %s

// A normalization's last pass: a step loop whose thread code reads the row
// and two statistics from workgroup memory and writes only the output.
// Its barrier goes; those ordering the workgroup writes stay.
// CHECK-LABEL: func.func @step_loop
// CHECK:         memref.store
// CHECK-NEXT:    gpu.barrier
// CHECK:         scf.for
// CHECK-NOT:       gpu.barrier
// CHECK:         gpu.terminator
func.func @step_loop(%x: memref<4x64xf32>, %out: memref<4x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  %cst = arith.constant 1.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c4, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c16, %sy = %c1, %sz = %c1)
             workgroup(%stat : memref<1xf32, #gpu.address_space<workgroup>>) {
    memref.store %cst, %stat[%c0] : memref<1xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    scf.for %i = %c0 to %c64 step %c16 {
      %j = arith.addi %i, %tx : index
      %v = memref.load %x[%bx, %j] : memref<4x64xf32>
      %s = memref.load %stat[%c0] : memref<1xf32, #gpu.address_space<workgroup>>
      %r = arith.divf %v, %s : f32
      memref.store %r, %out[%bx, %j] : memref<4x64xf32>
      gpu.barrier
    }
    gpu.terminator
  }
  return
}

// -----

// The barrier after the last thread code, which writes only the output,
// goes too.
// CHECK-LABEL: func.func @last
// CHECK:         memref.store
// CHECK-NEXT:    gpu.terminator
func.func @last(%x: memref<16xf32>, %out: memref<16xf32>) {
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c16, %sy = %c1, %sz = %c1) {
    %v = memref.load %x[%tx] : memref<16xf32>
    memref.store %v, %out[%tx] : memref<16xf32>
    gpu.barrier
    gpu.terminator
  }
  return
}

// -----

// Kept: a write to workgroup memory that the next thread code reads.
// CHECK-LABEL: func.func @workgroup_write
// CHECK:         memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<16xf32, #gpu.address_space<workgroup>>
// CHECK-NEXT:    gpu.barrier
func.func @workgroup_write(%x: memref<16xf32>, %out: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c16, %sy = %c1, %sz = %c1)
             workgroup(%tile : memref<16xf32, #gpu.address_space<workgroup>>) {
    %v = memref.load %x[%tx] : memref<16xf32>
    memref.store %v, %tile[%tx] : memref<16xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    %w = memref.load %tile[%c0] : memref<16xf32, #gpu.address_space<workgroup>>
    memref.store %w, %out[%tx] : memref<16xf32>
    gpu.barrier
    gpu.terminator
  }
  return
}

// -----

// Kept: a global buffer written before the barrier and read after it (an
// accumulator kept in the output), and a workgroup buffer read before the
// barrier and overwritten after it.
// CHECK-LABEL: func.func @read_after_write
// CHECK:         memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<16xf32>
// CHECK-NEXT:    gpu.barrier
// CHECK-LABEL: func.func @write_after_read
// CHECK:         memref.load %{{.*}}[%{{.*}}] : memref<16xf32, #gpu.address_space<workgroup>>
// CHECK:         gpu.barrier
// CHECK-NEXT:    memref.store
func.func @read_after_write(%x: memref<16xf32>, %out: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c16, %sy = %c1, %sz = %c1) {
    %v = memref.load %x[%tx] : memref<16xf32>
    memref.store %v, %out[%tx] : memref<16xf32>
    gpu.barrier
    %w = memref.load %out[%c0] : memref<16xf32>
    memref.store %w, %x[%tx] : memref<16xf32>
    gpu.terminator
  }
  return
}

func.func @write_after_read(%x: memref<16xf32>, %out: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %cst = arith.constant 0.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c16, %sy = %c1, %sz = %c1)
             workgroup(%tile : memref<16xf32, #gpu.address_space<workgroup>>) {
    %v = memref.load %tile[%c0] : memref<16xf32, #gpu.address_space<workgroup>>
    memref.store %v, %out[%tx] : memref<16xf32>
    gpu.barrier
    memref.store %cst, %tile[%tx] : memref<16xf32, #gpu.address_space<workgroup>>
    gpu.terminator
  }
  return
}

// -----

// Kept: an op whose effects are unknown (a call) keeps every barrier of its
// launch.
// CHECK-LABEL: func.func @unknown
// CHECK:         gpu.barrier
func.func private @opaque()
func.func @unknown(%x: memref<16xf32>, %out: memref<16xf32>) {
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c16, %sy = %c1, %sz = %c1) {
    func.call @opaque() : () -> ()
    %v = memref.load %x[%tx] : memref<16xf32>
    memref.store %v, %out[%tx] : memref<16xf32>
    gpu.barrier
    gpu.terminator
  }
  return
}

// -----

// Kept: linalg ops on memrefs declare their accesses (beside the recursive
// effects of their bodies): the partials written to workgroup memory by a
// linalg.generic are read after the barrier.
// CHECK-LABEL: func.func @linalg_partials
// CHECK:         linalg.generic
// CHECK-NEXT:    ^bb0
// CHECK:         gpu.barrier
// CHECK-NEXT:    memref.load
#id = affine_map<(d0) -> (d0)>
func.func @linalg_partials(%x: memref<16xf32>, %out: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c16, %sy = %c1, %sz = %c1)
             workgroup(%tile : memref<16xf32, #gpu.address_space<workgroup>>) {
    linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
        ins(%x : memref<16xf32>) outs(%tile : memref<16xf32, #gpu.address_space<workgroup>>) {
    ^bb0(%in: f32, %acc: f32):
      %s = arith.maximumf %in, %acc : f32
      linalg.yield %s : f32
    }
    gpu.barrier
    %w = memref.load %tile[%c0] : memref<16xf32, #gpu.address_space<workgroup>>
    memref.store %w, %out[%tx] : memref<16xf32>
    gpu.terminator
  }
  return
}

// -----

// A staged gemm's step with its accumulator in registers: copy a tile into
// workgroup memory, barrier, compute from it (no workgroup write), barrier.
// The second barrier stays: the next step's copy overwrites the tile that
// slower threads may still be reading.
// CHECK-LABEL: func.func @staged_step
// CHECK:         scf.for
// CHECK:           memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<16xf32, #gpu.address_space<workgroup>>
// CHECK-NEXT:      gpu.barrier
// CHECK:           memref.load %{{.*}}[%{{.*}}] : memref<16xf32, #gpu.address_space<workgroup>>
// CHECK:           arith.addf
// CHECK-NEXT:      gpu.barrier
// CHECK-NEXT:      scf.yield
func.func @staged_step(%x: memref<64xf32>, %out: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c15 = arith.constant 15 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c16, %sy = %c1, %sz = %c1)
             workgroup(%tile : memref<16xf32, #gpu.address_space<workgroup>>) {
    %acc = scf.for %k = %c0 to %c64 step %c16 iter_args(%a = %zero) -> (f32) {
      %i = arith.addi %k, %tx : index
      %v = memref.load %x[%i] : memref<64xf32>
      memref.store %v, %tile[%tx] : memref<16xf32, #gpu.address_space<workgroup>>
      gpu.barrier
      %j = arith.subi %c15, %tx : index
      %w = memref.load %tile[%j] : memref<16xf32, #gpu.address_space<workgroup>>
      %s = arith.addf %a, %w : f32
      gpu.barrier
      scf.yield %s : f32
    }
    memref.store %acc, %out[%tx] : memref<16xf32>
    gpu.terminator
  }
  return
}
