// RUN: kgen-opt %s -kgen-to-linalg -kgen-fuse-elementwise -kgen-split-whole-reductions -split-input-file | FileCheck %s
// The kgen-linalg pipeline, which every pipeline starts with, runs it.
// RUN: kgen-opt %s -kgen-linalg -split-input-file | FileCheck %s

// A sum of 4096x4096 elements: 1024 rows of 16384, then one row of the
// 1024 partials, reshaped to the scalar.
// CHECK-LABEL: func.func @sum_all
// CHECK:         %[[FLAT:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1]] : tensor<4096x4096xf32> into tensor<16777216xf32>
// CHECK:         %[[ROWS:.*]] = tensor.expand_shape %[[FLAT]] {{\[}}[0, 1]] output_shape [1024, 16384]
// CHECK:         %[[ZERO:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1024xf32>)
// CHECK:         %[[PARTIALS:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[ROWS]] : tensor<1024x16384xf32>) outs(%[[ZERO]] : tensor<1024xf32>)
// CHECK:           arith.addf
// CHECK:         %[[ROW:.*]] = tensor.expand_shape %[[PARTIALS]] {{\[}}[0, 1]] output_shape [1, 1024]
// CHECK:         %[[TOTAL:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[ROW]] : tensor<1x1024xf32>) outs(%{{.*}} : tensor<1xf32>)
// CHECK:           arith.addf
// CHECK:         %[[SCALAR:.*]] = tensor.collapse_shape %[[TOTAL]] [] : tensor<1xf32> into tensor<f32>
// CHECK:         return %[[SCALAR]]
func.func @sum_all(%x: tensor<4096x4096xf32>) -> tensor<f32> {
  %0 = kgen.sum %x dims [0, 1] : tensor<4096x4096xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// A max of squared differences (fused into one generic reading both
// inputs): both inputs are reshaped alike. 300000 = 2^5 x 9375 elements
// have no split into rows of a multiple of 128 (a warp of 4-element
// vectors); 25 rows of 12000 keep the most powers of two in a row (800
// lanes of single elements). Their 25 partials are too few to pad for lanes
// (a padding kernel of its own): one row of 25, folded as it is.
// CHECK-LABEL: func.func @max_sq_diff
// CHECK-COUNT-2: tensor.expand_shape %{{.*}} {{\[}}[0, 1]] output_shape [25, 12000]
// CHECK:         linalg.fill ins(%[[NEGINF:.*]] : f32) outs(%{{.*}} : tensor<25xf32>)
// CHECK:         linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<25x12000xf16>, tensor<25x12000xf16>)
// CHECK:           arith.subf
// CHECK:           arith.maximumf
// CHECK-NOT:     tensor.pad
// CHECK:         tensor<1x25xf32>
// CHECK:           arith.maximumf
func.func @max_sq_diff(%a: tensor<300x1000xf16>, %b: tensor<300x1000xf16>) -> tensor<f16> {
  %d = kgen.sub %a, %b : (tensor<300x1000xf16>, tensor<300x1000xf16>) -> tensor<300x1000xf16>
  %s = kgen.mul %d, %d : (tensor<300x1000xf16>, tensor<300x1000xf16>) -> tensor<300x1000xf16>
  %m = kgen.max %s dims [0, 1] : tensor<300x1000xf16> -> tensor<f16>
  return %m : tensor<f16>
}

// -----

// Too few elements to split: one row of all 4096, which a block's lanes
// can share (a reduction to a scalar has no output dimension for them).
// CHECK-LABEL: func.func @small
// CHECK:         %[[INIT:.*]] = linalg.fill {{.*}} -> tensor<1xf32>
// CHECK:         %[[ROW:.*]] = tensor.expand_shape {{.*}} output_shape [1, 4096]
// CHECK:         %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}} ins(%[[ROW]] : tensor<1x4096xf32>) outs(%[[INIT]] : tensor<1xf32>)
// CHECK-NOT:     linalg.generic
// CHECK:         %[[S:.*]] = tensor.collapse_shape %[[SUM]] [] : tensor<1xf32> into tensor<f32>
// CHECK:         return %[[S]]
func.func @small(%x: tensor<64x64xf32>) -> tensor<f32> {
  %0 = kgen.sum %x dims [0, 1] : tensor<64x64xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Left alone: fewer elements than a warp's lanes read in one step; a
// reduction keeping a dimension; and a reduction whose output starts from
// a value other than its combiner's identity (every row would add it
// again).
// CHECK-LABEL: func.func @tiny
// CHECK-NOT:     tensor.expand_shape
// CHECK:         return
func.func @tiny(%x: tensor<8x8xf32>) -> tensor<f32> {
  %0 = kgen.sum %x dims [0, 1] : tensor<8x8xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// CHECK-LABEL: func.func @rows
// CHECK-NOT:     tensor.expand_shape
// CHECK:         return
func.func @rows(%x: tensor<512x512xf32>) -> tensor<512xf32> {
  %0 = kgen.sum %x dims [1] : tensor<512x512xf32> -> tensor<512xf32>
  return %0 : tensor<512xf32>
}

// -----

// CHECK-LABEL: func.func @offset_init
// CHECK-NOT:     tensor.expand_shape
// CHECK:         return
#id = affine_map<(d0, d1) -> (d0, d1)>
#scalar = affine_map<(d0, d1) -> ()>
func.func @offset_init(%x: tensor<512x512xf32>) -> tensor<f32> {
  %five = arith.constant 5.0 : f32
  %e = tensor.empty() : tensor<f32>
  %init = linalg.fill ins(%five : f32) outs(%e : tensor<f32>) -> tensor<f32>
  %r = linalg.generic {indexing_maps = [#id, #scalar], iterator_types = ["reduction", "reduction"]}
      ins(%x : tensor<512x512xf32>) outs(%init : tensor<f32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %acc, %in : f32
    linalg.yield %s : f32
  } -> tensor<f32>
  return %r : tensor<f32>
}

// -----

// 10^7 elements: 625 rows of 16000 (16000 = 128 x 125), not 1000 of 10^4.
// The 625 partials are padded with zeros to 640 (5 x 128), a row the
// lanes split too.
// CHECK-LABEL: func.func @ten_million
// CHECK:         tensor.expand_shape %{{.*}} {{\[}}[0, 1]] output_shape [625, 16000]
// CHECK:         %[[PARTIALS:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<625xf32>)
// CHECK:         %[[PADDED:.*]] = tensor.pad %[[PARTIALS]] low[0] high[15]
// CHECK:           tensor.yield %[[ZERO:.*]] : f32
// CHECK:         tensor.expand_shape %[[PADDED]] {{\[}}[0, 1]] output_shape [1, 640]
// CHECK:         linalg.generic {{.*}} ins(%{{.*}} : tensor<1x640xf32>)
func.func @ten_million(%x: tensor<10000x1000xf32>) -> tensor<f32> {
  %0 = kgen.sum %x dims [0, 1] : tensor<10000x1000xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Few outputs over a long loop: the 16 column sums of a 2^20-row matrix
// become 64 chunks of 16384 rows each (1024 partials, a column
// reduction), then the 64 partials of each column are folded into the
// original zero.
// CHECK-LABEL: func.func @few_columns
// CHECK:         %[[ZERO:.*]] = linalg.fill {{.*}} -> tensor<16xf32>
// CHECK:         %[[CHUNKS:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2]] output_shape [64, 16384, 16]
// CHECK:         %[[PARTIALS:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[CHUNKS]] : tensor<64x16384x16xf32>) outs(%{{.*}} : tensor<64x16xf32>)
// CHECK:         linalg.generic {{.*}}iterator_types = ["reduction", "parallel"]} ins(%[[PARTIALS]] : tensor<64x16xf32>) outs(%[[ZERO]] : tensor<16xf32>)
func.func @few_columns(%x: tensor<1048576x16xf32>) -> tensor<16xf32> {
  %0 = kgen.sum %x dims [0] : tensor<1048576x16xf32> -> tensor<16xf32>
  return %0 : tensor<16xf32>
}

// -----

// Four rows of 10^6: 125 chunks of 8000 per row (the chunk length keeps
// all the powers of two of the row), partials after the rows.
// CHECK-LABEL: func.func @few_rows
// CHECK:         tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2]] output_shape [4, 125, 8000]
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]} {{.*}} outs(%{{.*}} : tensor<4x125xf32>)
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%{{.*}} : tensor<4x125xf32>) outs(%{{.*}} : tensor<4xf32>)
func.func @few_rows(%x: tensor<4x1000000xf32>) -> tensor<4xf32> {
  %0 = kgen.sum %x dims [1] : tensor<4x1000000xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Left alone: 128 outputs or more (each gets a block of its own, enough
// to fill a GPU), and rows too short for two chunks of 4096.
// CHECK-LABEL: func.func @enough_outputs
// CHECK-NOT:     tensor.expand_shape
// CHECK-LABEL: func.func @short_rows
// CHECK-NOT:     tensor.expand_shape
// CHECK:         return
func.func @enough_outputs(%x: tensor<128x65536xf32>) -> tensor<128xf32> {
  %0 = kgen.sum %x dims [1] : tensor<128x65536xf32> -> tensor<128xf32>
  return %0 : tensor<128xf32>
}
func.func @short_rows(%x: tensor<16x8000xf32>) -> tensor<16xf32> {
  %0 = kgen.sum %x dims [1] : tensor<16x8000xf32> -> tensor<16xf32>
  return %0 : tensor<16xf32>
}

// -----

// 16384 elements, twice the shortest row: 4 rows of 4096. One thread
// walking them all costs more than the second kernel (a loss whose body
// gathers each sample's target is latency-bound there).
// CHECK-LABEL: func.func @two_rows_and_more
// CHECK:         tensor.expand_shape %{{.*}} {{\[}}[0, 1]] output_shape [4, 4096]
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%{{.*}} : tensor<4x4096xf32>)
func.func @two_rows_and_more(%x: tensor<16384xf32>) -> tensor<f32> {
  %0 = kgen.sum %x dims [0] : tensor<16384xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// A mean of 4096 elements: one row, and the division, a rank-0 op on the
// row of one, moves onto it (a one-loop generic, the scalar broadcast)
// before the reshape, where kernel formation keeps it with the reduction.
// CHECK-LABEL: func.func @mean_of_a_row
// CHECK:         %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}} outs(%{{.*}} : tensor<1xf32>)
// CHECK:         %[[MEAN:.*]] = linalg.generic {{.*}}iterator_types = ["parallel"]} ins(%[[SUM]] : tensor<1xf32>) outs(%{{.*}} : tensor<1xf32>)
// CHECK:           arith.divf
// CHECK:         %[[S:.*]] = tensor.collapse_shape %[[MEAN]] [] : tensor<1xf32> into tensor<f32>
// CHECK:         return %[[S]]
func.func @mean_of_a_row(%x: tensor<4096xf32>) -> tensor<f32> {
  %0 = kgen.mean %x dims [0] : tensor<4096xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// A rank-0 op whose body reads its output's initial value stays a
// scalar op after the reshape: on the row it would start from a new
// tensor.
// CHECK-LABEL: func.func @reads_its_init
// CHECK:         %[[ROW:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}} outs(%{{.*}} : tensor<1xf32>)
// CHECK:         %[[S:.*]] = tensor.collapse_shape %[[ROW]] []
// CHECK:         linalg.generic {{.*}}iterator_types = []} ins(%[[S]] : tensor<f32>) outs(%{{.*}} : tensor<f32>)
#scalar = affine_map<() -> ()>
func.func @reads_its_init(%x: tensor<4096xf32>, %acc: tensor<f32>) -> tensor<f32> {
  %0 = kgen.sum %x dims [0] : tensor<4096xf32> -> tensor<f32>
  %1 = linalg.generic {indexing_maps = [#scalar, #scalar], iterator_types = []}
      ins(%0 : tensor<f32>) outs(%acc : tensor<f32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<f32>
  return %1 : tensor<f32>
}
