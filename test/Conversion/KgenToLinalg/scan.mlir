// RUN: kgen-opt %s -kgen-to-linalg -split-input-file | FileCheck %s

// A running sum: one reduction generic over (i, k, j) whose input is read at
// j along the scanned dim; outputs take the elements j <= k, accumulated in
// f32 from 0, then narrowed once.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @cumsum
// CHECK:         %[[ZERO:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<3x5xf32>)
// CHECK:         %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%arg0 : tensor<3x5xf16>) outs(%[[ZERO]] : tensor<3x5xf32>)
// CHECK:           %[[X:.*]] = arith.extf
// CHECK:           %[[J:.*]] = linalg.index 2
// CHECK:           %[[K:.*]] = linalg.index 1
// CHECK:           %[[TAKEN:.*]] = arith.cmpi ule, %[[J]], %[[K]]
// CHECK:           %[[TERM:.*]] = arith.select %[[TAKEN]], %[[X]], %{{.*}} : f32
// CHECK:           arith.addf %{{.*}}, %[[TERM]] : f32
// CHECK:         linalg.generic {{.*}} ins(%[[SUM]] : tensor<3x5xf32>) outs(%{{.*}} : tensor<3x5xf16>)
// CHECK:           arith.truncf
func.func @cumsum(%x: tensor<3x5xf16>) -> tensor<3x5xf16> {
  %0 = kgen.cumsum %x dim 1 : tensor<3x5xf16>
  return %0 : tensor<3x5xf16>
}

// -----

// A running product along the first dim of an f32 tensor: the identity is
// 1, no narrowing generic follows.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3) -> (d3, d1, d2)>
// CHECK-LABEL: func.func @cumprod
// CHECK:         %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK:         %[[INIT:.*]] = linalg.fill ins(%[[ONE]] : f32)
// CHECK:         %[[PROD:.*]] = linalg.generic {indexing_maps = [#[[IN]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%arg0 : tensor<4x2x3xf32>) outs(%[[INIT]] : tensor<4x2x3xf32>)
// CHECK:           linalg.index 3
// CHECK:           linalg.index 0
// CHECK:           arith.mulf
// CHECK-NOT:     linalg.generic
// CHECK:         return %[[PROD]]
func.func @cumprod(%x: tensor<4x2x3xf32>) -> tensor<4x2x3xf32> {
  %0 = kgen.cumprod %x dim 0 : tensor<4x2x3xf32>
  return %0 : tensor<4x2x3xf32>
}

// -----

// A row of 300 splits into 20 blocks of 15: each block's total, the
// exclusive scan of the totals (block I takes blocks I' < I), then output
// (I, t) combines block I's prefix (once, at j = 0) with its elements
// j <= t; the blocks are a reshape, not a copy.
// CHECK-DAG: #[[TOTAL:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3, d2)>
// CHECK-DAG: #[[OTHER:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK-DAG: #[[BLOCK:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
// CHECK-DAG: #[[PREFIX:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3)>
// CHECK-LABEL: func.func @blocked_cumsum
// CHECK:         %[[X:.*]] = tensor.expand_shape %{{.*}} output_shape [2, 20, 15, 3]
// CHECK:         %[[TOTALS:.*]] = linalg.generic {indexing_maps = [#[[TOTAL]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[X]] : tensor<2x20x15x3xf32>) outs(%{{.*}} : tensor<2x20x3xf32>)
// CHECK:         %[[SCAN:.*]] = linalg.generic {indexing_maps = [#[[OTHER]], #{{.*}}], {{.*}} ins(%[[TOTALS]] : tensor<2x20x3xf32>) outs(%{{.*}} : tensor<2x20x3xf32>)
// CHECK:           arith.cmpi ult
// CHECK:         %[[OUT:.*]] = linalg.generic {indexing_maps = [#[[BLOCK]], #[[PREFIX]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[X]], %[[SCAN]] : tensor<2x20x15x3xf32>, tensor<2x20x3xf32>) outs(%{{.*}} : tensor<2x20x15x3xf32>)
// CHECK:           arith.cmpi eq
// CHECK:           arith.cmpi ule
// CHECK:         tensor.expand_shape %{{.*}} output_shape [2, 300, 3]
func.func @blocked_cumsum(%x: tensor<2x300x3xf32>) -> tensor<2x300x3xf32> {
  %0 = kgen.cumsum %x dim 1 : tensor<2x300x3xf32>
  return %0 : tensor<2x300x3xf32>
}
