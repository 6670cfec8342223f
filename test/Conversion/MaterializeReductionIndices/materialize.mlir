// RUN: kgen-opt %s -kgen-materialize-reduction-indices -split-input-file | FileCheck %s
// The kgen-linalg pipeline runs it: a causal softmax's reductions read the
// key positions from a constant, the query positions from the loop index.
// RUN: kgen-opt %s -kgen-linalg -split-input-file | FileCheck %s --check-prefix=PIPE

// The index of the reduction loop becomes an input, [0, ..., 5] read
// through d2; the index of the parallel loop d1 stays.
// CHECK-LABEL: func.func @masked_max
// CHECK:         %[[IOTA:.*]] = arith.constant dense<[0, 1, 2, 3, 4, 5]> : tensor<6xi32>
// CHECK:         linalg.generic {indexing_maps = [#{{.*}}, #[[KEY:.*]], #{{.*}}], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME:      ins(%arg0, %[[IOTA]] : tensor<2x4x6xf32>, tensor<6xi32>)
// CHECK:         ^bb0(%[[X:.*]]: f32, %[[POS:.*]]: i32, %[[ACC:.*]]: f32):
// CHECK:           %[[Q:.*]] = linalg.index 1 : index
// CHECK:           %[[K:.*]] = arith.index_cast %[[POS]] : i32 to index
// CHECK:           arith.cmpi ugt, %[[K]], %[[Q]] : index
// CHECK-NOT:       linalg.index 2
// CHECK:           linalg.yield
#x = affine_map<(b, l, s) -> (b, l, s)>
#row = affine_map<(b, l, s) -> (b, l)>
func.func @masked_max(%x: tensor<2x4x6xf32>, %init: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %0 = linalg.generic {indexing_maps = [#x, #row], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x : tensor<2x4x6xf32>) outs(%init : tensor<2x4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %q = linalg.index 1 : index
    %k = linalg.index 2 : index
    %after = arith.cmpi ugt, %k, %q : index
    %ninf = arith.constant 0xFF800000 : f32
    %v = arith.select %after, %ninf, %in : f32
    %m = arith.maximumf %v, %acc : f32
    linalg.yield %m : f32
  } -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// Elementwise generics and reductions reading only parallel indices are
// left alone.
// CHECK-LABEL: func.func @parallel_only
// CHECK-NOT:     arith.constant dense
// CHECK:         linalg.index 1
// CHECK:         linalg.index 0
#id = affine_map<(i, j) -> (i, j)>
#r = affine_map<(i, j) -> (i)>
func.func @parallel_only(%x: tensor<4x6xf32>, %init: tensor<4x6xf32>, %sum: tensor<4xf32>) -> (tensor<4x6xf32>, tensor<4xf32>) {
  %0 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x6xf32>) outs(%init : tensor<4x6xf32>) {
  ^bb0(%in: f32, %out: f32):
    %j = linalg.index 1 : index
    %i = arith.index_cast %j : index to i32
    %f = arith.sitofp %i : i32 to f32
    %v = arith.addf %in, %f : f32
    linalg.yield %v : f32
  } -> tensor<4x6xf32>
  %1 = linalg.generic {indexing_maps = [#id, #r], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<4x6xf32>) outs(%sum : tensor<4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %i = linalg.index 0 : index
    %c = arith.index_cast %i : index to i32
    %f = arith.sitofp %c : i32 to f32
    %v = arith.mulf %in, %f : f32
    %s = arith.addf %v, %acc : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %0, %1 : tensor<4x6xf32>, tensor<4xf32>
}

// -----

// A causal attention's softmax: its two statistics (max, sum of exps)
// read the key positions from one constant; the normalization, parallel
// in every loop, keeps its index ops.
// PIPE-LABEL: func.func @causal
// PIPE:         %[[IOTA:.*]] = arith.constant dense<[0, 1, 2, 3, 4, 5]> : tensor<6xi32>
// PIPE:         linalg.generic {{.*}} ins(%{{.*}}, %[[IOTA]] : tensor<6x4x6xf32>, tensor<6xi32>)
// PIPE-NOT:       linalg.index 2
// PIPE:           arith.maximumf
// PIPE:         linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %[[IOTA]] : tensor<6x4x6xf32>, tensor<6x4xf32>, tensor<6xi32>)
// PIPE-NOT:       linalg.index 2
// PIPE:           math.exp
// PIPE:         linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]
// PIPE:           linalg.index 2
// PIPE:           arith.divf
func.func @causal(%q: tensor<2x3x4x8xf32>, %k: tensor<2x3x6x8xf32>, %v: tensor<2x3x6x5xf32>) -> tensor<2x3x4x5xf32> {
  %0 = kgen.attention %q, %k, %v scale 0.125 causal : (tensor<2x3x4x8xf32>, tensor<2x3x6x8xf32>, tensor<2x3x6x5xf32>) -> tensor<2x3x4x5xf32>
  return %0 : tensor<2x3x4x5xf32>
}
