// RUN: kgen-opt %s -kgen-linalg -kgen-interleave-reductions -canonicalize -split-input-file | FileCheck %s

// Rows of 4097: 512 interleaved partials per row (4097 / 8, rounded down to
// a power of two), 512 elements a step, the last step a single one; the
// partials are folded pairwise (512 -> 256 -> ... -> 1), and the last one
// into the row's zero.
// CHECK-LABEL: func.func @row_sum
// CHECK:         %[[ZERO:.*]] = linalg.fill {{.*}} -> tensor<64xf32>
// CHECK:         %[[INIT:.*]] = linalg.fill {{.*}} -> tensor<64x512xf32>
// CHECK:         %[[PARTIALS:.*]] = scf.for %{{.*}} = %c0 to %c4097 step %c512 iter_args(%{{.*}} = %[[INIT]]) -> (tensor<64x512xf32>)
// CHECK:           affine.min
// CHECK:           linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]} ins(%{{.*}} : tensor<64x?xf32>)
// CHECK:         %[[LOW:.*]] = tensor.extract_slice %[[PARTIALS]][0, 0] [64, 256] [1, 1]
// CHECK:         %[[HIGH:.*]] = tensor.extract_slice %[[PARTIALS]][0, 256] [64, 256] [1, 1]
// CHECK:         linalg.map { arith.addf } ins(%[[LOW]], %[[HIGH]] : tensor<64x256xf32>, tensor<64x256xf32>)
// CHECK-COUNT-7: linalg.map { arith.addf }
// CHECK:         %[[LAST:.*]] = linalg.map { arith.addf } {{.*}} outs(%{{.*}} : tensor<64x1xf32>)
// CHECK:         linalg.reduce ins(%[[LAST]] : tensor<64x1xf32>) outs(%[[ZERO]] : tensor<64xf32>) dimensions = [1]
// CHECK-NOT:     linalg.map
func.func @row_sum(%x: tensor<64x4097xf32>) -> tensor<64xf32> {
  %0 = kgen.sum %x dims [1] : tensor<64x4097xf32> -> tensor<64xf32>
  return %0 : tensor<64xf32>
}

// -----

// A max over a column (the reduction loop outside the parallel one): its
// partials (1000 / 8, rounded down: 64) start from -inf, the max's neutral element, and are folded with
// the max.
// CHECK-LABEL: func.func @column_max
// CHECK:         %[[NEG:.*]] = arith.constant 0xFF800000 : f32
// CHECK:         linalg.fill ins(%[[NEG]] : f32) {{.*}} -> tensor<8x64xf32>
// CHECK:         scf.for %{{.*}} = %c0 to %c1000 step %c64
// CHECK:         linalg.map { arith.maximumf }
// CHECK:         linalg.reduce
// CHECK:           arith.maximumf
func.func @column_max(%x: tensor<1000x8xf32>) -> tensor<8xf32> {
  %0 = kgen.max %x dims [0] : tensor<1000x8xf32> -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// Short reductions keep their sequential loop.
// CHECK-LABEL: func.func @short_row
// CHECK-NOT:     scf.for
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK-NOT:     linalg.map
func.func @short_row(%x: tensor<64x100xf32>) -> tensor<64xf32> {
  %0 = kgen.sum %x dims [1] : tensor<64x100xf32> -> tensor<64xf32>
  return %0 : tensor<64xf32>
}

// -----

// A large matmul would need 2^22 outputs times 16 partials and more: it
// keeps its K loop.
// CHECK-LABEL: func.func @large_matmul
// CHECK-NOT:     scf.for
// CHECK:         linalg.matmul
func.func @large_matmul(%a: tensor<4096x2048xf32>, %b: tensor<2048x4096xf32>) -> tensor<4096x4096xf32> {
  %0 = kgen.matmul %a, %b : (tensor<4096x2048xf32>, tensor<2048x4096xf32>) -> tensor<4096x4096xf32>
  return %0 : tensor<4096x4096xf32>
}

// -----

// A scheduled kernel's reduction, inside its loops, keeps its schedule's
// order.
// CHECK-LABEL: func.func @in_loop
// CHECK:         scf.forall
// CHECK-NOT:     scf.for
// CHECK:           linalg.reduce
// CHECK-NOT:     linalg.map
func.func @in_loop(%x: tensor<4x4096xf32>, %init: tensor<4xf32>) -> tensor<4xf32> {
  %0 = scf.forall (%i) in (4) shared_outs(%o = %init) -> (tensor<4xf32>) {
    %row = tensor.extract_slice %x[%i, 0] [1, 4096] [1, 1] : tensor<4x4096xf32> to tensor<4096xf32>
    %acc = tensor.extract_slice %o[%i] [1] [1] : tensor<4xf32> to tensor<f32>
    %r = linalg.reduce ins(%row : tensor<4096xf32>) outs(%acc : tensor<f32>) dimensions = [0]
      (%a: f32, %b: f32) {
        %s = arith.addf %a, %b : f32
        linalg.yield %s : f32
      }
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %r into %o[%i] [1] [1] : tensor<f32> into tensor<4xf32>
    }
  }
  return %0 : tensor<4xf32>
}

// -----

// Left alone: a reduction whose body reads loop indices (the causal mask of
// kgen.attention's softmax). Interleaving renumbers the loops, not the
// linalg.index ops, which would then mask other keys. (The key position,
// the reduction loop's index, is already an input here:
// kgen-materialize-reduction-indices; the query's stays an index.)
// CHECK-LABEL: func.func @causal_row_max
// CHECK-NOT:     scf.for
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%arg0, %{{.*}} : tensor<8x4096xf32>, tensor<4096xi32>)
// CHECK:           linalg.index 0
#rows = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @causal_row_max(%x: tensor<8x4096xf32>) -> tensor<8xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<8xf32>
  %init = linalg.fill ins(%ninf : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %0 = linalg.generic {indexing_maps = [#rows, #row], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<8x4096xf32>) outs(%init : tensor<8xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %q = linalg.index 0 : index
    %k = linalg.index 1 : index
    %after = arith.cmpi ugt, %k, %q : index
    %v = arith.select %after, %ninf, %in : f32
    %m = arith.maximumf %acc, %v : f32
    linalg.yield %m : f32
  } -> tensor<8xf32>
  return %0 : tensor<8xf32>
}
