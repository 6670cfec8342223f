// RUN: kgen-opt %s --split-input-file -kgen-pipeline-shared-copies -verify-diagnostics

func.func @outside_launch(%a: memref<64xf32>, %s: memref<4xf32, #gpu.address_space<workgroup>>) {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  // expected-error @below {{a loop marked for pipelining must be inside a gpu.launch (run kgen-map-kernels-to-gpu first)}}
  scf.for %k = %c0 to %c64 step %c4 {
    %v = vector.load %a[%k] : memref<64xf32>, vector<4xf32>
    vector.store %v, %s[%c0] : memref<4xf32, #gpu.address_space<workgroup>>, vector<4xf32>
  } {kgen.pipeline_depth = 2 : i64}
  return
}

// -----

func.func @bad_mark(%a: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    // expected-error @below {{kgen.pipeline_depth must be a positive integer}}
    scf.for %k = %c0 to %c64 step %c4 {
    } {kgen.pipeline_depth = 0 : i64}
    gpu.terminator
  }
  return
}

// -----

func.func @nothing_staged(%a: memref<64xf32>, %out: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    // expected-warning @below {{pipeline_depth 2 not applied, the copies stay synchronous: it fills no shared buffer (used only in the loop) from global memory}}
    scf.for %k = %c0 to %c64 step %c4 {
      %v = vector.load %a[%k] : memref<64xf32>, vector<4xf32>
      vector.store %v, %out[%k] : memref<64xf32>, vector<4xf32>
    } {kgen.pipeline_depth = 2 : i64}
    gpu.terminator
  }
  return
}

// -----

// A step whose copy also writes global memory cannot be issued early: the
// loop keeps its synchronous copies (the verifier's rungs do not run this
// pass, so a schedule's depth may cost speed, never the build).
func.func @copy_with_side_effects(%a: memref<64xf32>, %out: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %true = arith.constant true
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1)
      workgroup(%s : memref<4xf32, #gpu.address_space<workgroup>>) {
    // expected-note @below {{in this loop}}
    scf.for %k = %c0 to %c64 step %c4 {
      scf.if %true {
        %v = vector.load %a[%k] : memref<64xf32>, vector<4xf32>
        vector.store %v, %s[%c0] : memref<4xf32, #gpu.address_space<workgroup>>, vector<4xf32>
        // expected-warning @below {{pipeline_depth 2 not applied, the copies stay synchronous: this op shares a step with the copies and cannot move ahead with them}}
        vector.store %v, %out[%k] : memref<64xf32>, vector<4xf32>
      }
      gpu.barrier
    } {kgen.pipeline_depth = 2 : i64}
    gpu.terminator
  }
  return
}

// -----

func.func @carried_values(%a: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1)
      workgroup(%s : memref<4xf32, #gpu.address_space<workgroup>>) {
    // expected-error @below {{cannot pipeline a loop that carries values (expected a bufferized reduction loop)}}
    %r = scf.for %k = %c0 to %c64 step %c4 iter_args(%i = %c0) -> (index) {
      %v = vector.load %a[%i] : memref<64xf32>, vector<4xf32>
      vector.store %v, %s[%c0] : memref<4xf32, #gpu.address_space<workgroup>>, vector<4xf32>
      scf.yield %k : index
    } {kgen.pipeline_depth = 2 : i64}
    gpu.terminator
  }
  return
}

// -----

// The copy's address comes from shared memory: it cannot move steps ahead.
func.func @address_from_shared(%a: memref<64xf32>, %idx: memref<1xindex, #gpu.address_space<workgroup>>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1)
      workgroup(%s : memref<4xf32, #gpu.address_space<workgroup>>) {
    // expected-note @below {{in this loop}}
    scf.for %k = %c0 to %c64 step %c4 {
      // expected-warning @below {{pipeline_depth 2 not applied, the copies stay synchronous: the copies' addresses depend on this op, which cannot move ahead}}
      %i = memref.load %idx[%c0] : memref<1xindex, #gpu.address_space<workgroup>>
      %v = vector.load %a[%i] : memref<64xf32>, vector<4xf32>
      vector.store %v, %s[%c0] : memref<4xf32, #gpu.address_space<workgroup>>, vector<4xf32>
      gpu.barrier
    } {kgen.pipeline_depth = 2 : i64}
    gpu.terminator
  }
  return
}
