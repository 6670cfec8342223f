// RUN: kgen-opt %s --split-input-file -kgen-lower-lane-combines="subgroup-size=64" -verify-diagnostics

#p = affine_map<(d0, d1) -> (d0, d1)>
#o = affine_map<(d0, d1) -> (d0)>
func.func @not_in_thread_loop(%partials: memref<1x64xf32>, %out: memref<1xf32>) {
  // expected-error @below {{cannot combine this op's lanes: it is not in a thread-mapped scf.forall of at most two dimensions on buffers}}
  linalg.generic {indexing_maps = [#p, #o], iterator_types = ["parallel", "reduction"]}
      ins(%partials : memref<1x64xf32>) outs(%out : memref<1xf32>) attrs = {kgen.lane_combine = 32 : i64} {
  ^bb0(%a: f32, %b: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#p = affine_map<(d0, d1) -> (d0, d1)>
#o = affine_map<(d0, d1) -> (d0)>
func.func @uneven_lanes(%partials: memref<1x100xf32>, %out: memref<1xf32>) {
  scf.forall (%r) in (1) {
    // expected-error @below {{cannot combine this op's lanes: expected the 64 lanes' partials of one output as its input}}
    linalg.generic {indexing_maps = [#p, #o], iterator_types = ["parallel", "reduction"]}
        ins(%partials : memref<1x100xf32>) outs(%out : memref<1xf32>) attrs = {kgen.lane_combine = 64 : i64} {
    ^bb0(%a: f32, %b: f32):
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    }
  } {mapping = [#gpu.thread<x>]}
  return
}

// -----

#p = affine_map<(d0, d1) -> (d0, d1)>
#o = affine_map<(d0, d1) -> (d0)>
func.func @not_a_combiner(%partials: memref<1x64xf32>, %out: memref<1xf32>) {
  scf.forall (%r) in (1) {
    // expected-error @below {{cannot combine this op's lanes: its body is not a single op combining two values}}
    linalg.generic {indexing_maps = [#p, #o], iterator_types = ["parallel", "reduction"]}
        ins(%partials : memref<1x64xf32>) outs(%out : memref<1xf32>) attrs = {kgen.lane_combine = 32 : i64} {
    ^bb0(%a: f32, %b: f32):
      %e = math.exp %a : f32
      %s = arith.addf %e, %b : f32
      linalg.yield %s : f32
    }
  } {mapping = [#gpu.thread<x>]}
  return
}

// -----

#p = affine_map<(d0, d1) -> (d0, d1)>
#o = affine_map<(d0, d1) -> (d0)>
func.func @f64_partials(%partials: memref<1x64xf64>, %out: memref<1xf64>) {
  scf.forall (%r) in (1) {
    // expected-error @below {{cannot combine this op's lanes: lanes shuffle f32, f16, bf16 or i32 partials}}
    linalg.generic {indexing_maps = [#p, #o], iterator_types = ["parallel", "reduction"]}
        ins(%partials : memref<1x64xf64>) outs(%out : memref<1xf64>) attrs = {kgen.lane_combine = 32 : i64} {
    ^bb0(%a: f64, %b: f64):
      %s = arith.addf %a, %b : f64
      linalg.yield %s : f64
    }
  } {mapping = [#gpu.thread<x>]}
  return
}

// -----

// 800 lanes are 25 subgroups of 32 but 12.5 of 64: on a 64-wide wave the
// butterfly would pair a row's last lanes with the next row's.
#p = affine_map<(d0, d1) -> (d0, d1)>
#o = affine_map<(d0, d1) -> (d0)>
func.func @lanes_straddle_subgroups(%partials: memref<1x800xf32>, %out: memref<1xf32>) {
  scf.forall (%r) in (1) {
    // expected-error @below {{cannot combine this op's lanes: 800 lanes are neither a power of two up to a subgroup of 64 nor whole subgroups}}
    linalg.generic {indexing_maps = [#p, #o], iterator_types = ["parallel", "reduction"]}
        ins(%partials : memref<1x800xf32>) outs(%out : memref<1xf32>) attrs = {kgen.lane_combine = 800 : i64} {
    ^bb0(%a: f32, %b: f32):
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    }
  } {mapping = [#gpu.thread<x>]}
  return
}
