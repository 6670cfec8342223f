// RUN: kgen-opt %s -kgen-to-linalg -kgen-fuse-elementwise -kgen-collapse-reduction-loops -split-input-file | FileCheck %s
// The kgen-linalg pipeline runs it after elementwise fusion.
// RUN: kgen-opt %s -kgen-linalg -split-input-file | FileCheck %s --check-prefix=PIPE

// Sums over H and W: one reduction loop over H*W, reading a view.
// CHECK-LABEL: func.func @plane_sums
// CHECK:         %[[X:.*]] = tensor.collapse_shape %arg0 {{\[}}[0], [1], [2, 3]] : tensor<2x3x4x5xf32> into tensor<2x3x20xf32>
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]] : tensor<2x3x20xf32>)
// PIPE-LABEL: func.func @plane_sums
// PIPE:         iterator_types = ["parallel", "parallel", "reduction"]
func.func @plane_sums(%x: tensor<2x3x4x5xf32>) -> tensor<2x3xf32> {
  %0 = kgen.sum %x dims [2, 3] : tensor<2x3x4x5xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Instance norm's variance: the deviations, fused into the reduction,
// are collapsed with it; the mean they read has no H or W to collapse.
// CHECK-LABEL: func.func @variance
// CHECK:         %[[MEAN:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]}
// CHECK:         %[[X:.*]] = tensor.collapse_shape %arg0 {{\[}}[0], [1], [2, 3]] : tensor<2x3x4x5xf32> into tensor<2x3x20xf32>
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]], %[[MEAN]] : tensor<2x3x20xf32>, tensor<2x3xf32>)
// CHECK:           arith.subf
// CHECK:           arith.mulf
// CHECK:           arith.addf
func.func @variance(%x: tensor<2x3x4x5xf32>) -> tensor<2x3x1x1xf32> {
  %m = kgen.mean %x dims [2, 3] keepdim : tensor<2x3x4x5xf32> -> tensor<2x3x1x1xf32>
  %d = kgen.sub %x, %m : (tensor<2x3x4x5xf32>, tensor<2x3x1x1xf32>) -> tensor<2x3x4x5xf32>
  %s = kgen.mul %d, %d : (tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32>) -> tensor<2x3x4x5xf32>
  %v = kgen.mean %s dims [2, 3] keepdim : tensor<2x3x4x5xf32> -> tensor<2x3x1x1xf32>
  return %v : tensor<2x3x1x1xf32>
}

// -----

// Left alone: reduction loops that are not adjacent (kgen.sum reduces such
// dims in two stages; a generic written so stays as it is).
#all = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#middle = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-LABEL: func.func @apart
// CHECK-NOT:     tensor.collapse_shape
// CHECK:         iterator_types = ["reduction", "parallel", "reduction"]
func.func @apart(%x: tensor<2x3x4xf32>, %init: tensor<3xf32>) -> tensor<3xf32> {
  %0 = linalg.generic {indexing_maps = [#all, #middle], iterator_types = ["reduction", "parallel", "reduction"]} ins(%x : tensor<2x3x4xf32>) outs(%init : tensor<3xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  } -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// Left alone: adjacent reduction loops that an operand reads out of order
// (its dims 1 and 2 are loops 2 and 1), which no view collapses.
#swapped = affine_map<(d0, d1, d2) -> (d0, d2, d1)>
#rows = affine_map<(d0, d1, d2) -> (d0)>
// CHECK-LABEL: func.func @swapped
// CHECK-NOT:     tensor.collapse_shape
// CHECK:         iterator_types = ["parallel", "reduction", "reduction"]
func.func @swapped(%x: tensor<2x4x3xf32>, %init: tensor<2xf32>) -> tensor<2xf32> {
  %0 = linalg.generic {indexing_maps = [#swapped, #rows], iterator_types = ["parallel", "reduction", "reduction"]} ins(%x : tensor<2x4x3xf32>) outs(%init : tensor<2xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  } -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Left alone: the variance, into which the slice is fused, whose loops
// cover part of its source's dims (x[:, :, :1, :2]): collapsing x's H and
// W would read other elements. (The mean reads the materialized slice,
// whole: it is collapsed.)
// CHECK-LABEL: func.func @slice
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.*}} : tensor<3x5x2xf32>)
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%arg0, %{{.*}}, %{{.*}} : tensor<3x5x6x7xf32>,
func.func @slice(%x: tensor<3x5x6x7xf32>) -> tensor<3x5x1x1xf32> {
  %s = kgen.slice %x offsets [0, 0, 0, 0] strides [1, 1, 1, 1] : tensor<3x5x6x7xf32> -> tensor<3x5x1x2xf32>
  %m = kgen.mean %s dims [2, 3] keepdim : tensor<3x5x1x2xf32> -> tensor<3x5x1x1xf32>
  %d = kgen.sub %s, %m : (tensor<3x5x1x2xf32>, tensor<3x5x1x1xf32>) -> tensor<3x5x1x2xf32>
  %q = kgen.mul %d, %d : (tensor<3x5x1x2xf32>, tensor<3x5x1x2xf32>) -> tensor<3x5x1x2xf32>
  %v = kgen.mean %q dims [2, 3] keepdim : tensor<3x5x1x2xf32> -> tensor<3x5x1x1xf32>
  return %v : tensor<3x5x1x1xf32>
}

// -----

// Left alone: an operand indexed by an expression of the run's loops, not
// by the loops themselves (a slice of x broadcast over H and W, as batch
// norm of x[:, :, :1, :1] imports).
#mod = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 mod 6, d3 mod 7)>
#chw = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
#nc = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
// CHECK-LABEL: func.func @indexed_by_expression
// CHECK-NOT:     tensor.collapse_shape
// CHECK:         iterator_types = ["parallel", "parallel", "reduction", "reduction"]
func.func @indexed_by_expression(%x: tensor<3x5x6x7xf32>, %w: tensor<5x1x1xf32>, %init: tensor<3x5xf32>) -> tensor<3x5xf32> {
  %0 = linalg.generic {indexing_maps = [#mod, #chw, #nc], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%x, %w : tensor<3x5x6x7xf32>, tensor<5x1x1xf32>) outs(%init : tensor<3x5xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %p, %acc : f32
    linalg.yield %s : f32
  } -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}
