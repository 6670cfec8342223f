// RUN: kgen-opt %s -kgen-to-linalg -split-input-file | FileCheck %s

// An f32 accumulator, a reduction generic, a narrowing generic, and an
// expand_shape for keepdim.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[RED:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @sum_keepdim
// CHECK:         %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:         %[[ACC:.*]] = linalg.fill ins(%[[Z]] : f32) outs(%{{.*}} : tensor<2x4xf32>)
// CHECK:         %[[R:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[RED]]], iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK-SAME:      ins(%{{.*}} : tensor<2x3x4xf16>) outs(%[[ACC]] : tensor<2x4xf32>)
// CHECK:           arith.extf
// CHECK:           arith.addf
// CHECK:         %[[N:.*]] = linalg.generic {{.*}} ins(%[[R]] : tensor<2x4xf32>) outs(%{{.*}} : tensor<2x4xf16>)
// CHECK:           arith.truncf
// CHECK:         tensor.expand_shape {{.*}} : tensor<8xf16> into tensor<2x1x4xf16>
func.func @sum_keepdim(%a: tensor<2x3x4xf16>) -> tensor<2x1x4xf16> {
  %0 = kgen.sum %a dims [1] keepdim : tensor<2x3x4xf16> -> tensor<2x1x4xf16>
  return %0 : tensor<2x1x4xf16>
}

// -----

// CHECK-LABEL: func.func @mean_all
// CHECK:         linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]
// CHECK-SAME:      outs(%{{.*}} : tensor<f32>)
// CHECK:         %[[C:.*]] = arith.constant 1.200000e+01 : f32
// CHECK:         arith.divf %{{.*}}, %[[C]]
func.func @mean_all(%a: tensor<3x4xf32>) -> tensor<f32> {
  %0 = kgen.mean %a dims [0, 1] : tensor<3x4xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Max starts from -inf and min from +inf; both propagate NaN.
// CHECK-LABEL: func.func @max_min
// CHECK:         arith.constant 0xFF800000 : f32
// CHECK:         arith.maximumf
// CHECK:         arith.constant 0x7F800000 : f32
// CHECK:         arith.minimumf
func.func @max_min(%a: tensor<3x4xf32>) -> (tensor<3xf32>, tensor<4xf32>) {
  %0 = kgen.max %a dims [1] : tensor<3x4xf32> -> tensor<3xf32>
  %1 = kgen.min %a dims [0] : tensor<3x4xf32> -> tensor<4xf32>
  return %0, %1 : tensor<3xf32>, tensor<4xf32>
}

// -----

// A mean over N, H and W (dims apart): the planes' sums first (a row of H*W
// per image and channel), then the sum of the f32 partials over the images,
// then the division by N*H*W.
// CHECK-LABEL: func.func @mean_apart
// CHECK:         %[[PLANES:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%arg0 : tensor<4x6x8x8xf32>) outs(%{{.*}} : tensor<4x6xf32>)
// CHECK:         %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "parallel"]} ins(%[[PLANES]] : tensor<4x6xf32>) outs(%{{.*}} : tensor<6xf32>)
// CHECK:         linalg.generic {{.*}} ins(%[[SUM]] : tensor<6xf32>)
// CHECK:           arith.divf %{{.*}}, %{{.*}} : f32
func.func @mean_apart(%x: tensor<4x6x8x8xf32>) -> tensor<6xf32> {
  %0 = kgen.mean %x dims [0, 2, 3] : tensor<4x6x8x8xf32> -> tensor<6xf32>
  return %0 : tensor<6xf32>
}

// -----

// A window of 2 columns apart from its 2 rows (2x2 pooling as a reduction
// over reshaped dims) is too short a run for a stage of its own: one
// generic over both.
// CHECK-LABEL: func.func @short_run_apart
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "parallel", "reduction"]} ins(%arg0 : tensor<3x2x4x2xf32>) outs(%{{.*}} : tensor<3x4xf32>)
// CHECK-NOT:     iterator_types = ["reduction"
func.func @short_run_apart(%x: tensor<3x2x4x2xf32>) -> tensor<3x4xf32> {
  %0 = kgen.max %x dims [1, 3] : tensor<3x2x4x2xf32> -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// argmax: the row maximum (NaN propagating), then the first position
// holding it or a NaN as an i32 minimum (the reduction index read through
// linalg.index, which kgen-materialize-reduction-indices turns into an
// input before any split), widened to i64; keepdim reshapes.
// CHECK-LABEL: func.func @argmax
// CHECK:         %[[MAX:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%arg0 : tensor<4x5xf16>) outs(%{{.*}} : tensor<4xf32>)
// CHECK:           arith.extf
// CHECK:           arith.maximumf
// CHECK:         %[[NONE:.*]] = arith.constant 5 : i32
// CHECK:         %[[INIT:.*]] = linalg.fill ins(%[[NONE]] : i32) outs(%{{.*}} : tensor<4xi32>)
// CHECK:         %[[POS:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%arg0, %[[MAX]] : tensor<4x5xf16>, tensor<4xf32>) outs(%[[INIT]] : tensor<4xi32>)
// CHECK:           %[[EQ:.*]] = arith.cmpf oeq
// CHECK:           %[[NAN:.*]] = arith.cmpf uno
// CHECK:           %[[FOUND:.*]] = arith.ori %[[EQ]], %[[NAN]] : i1
// CHECK:           %[[I:.*]] = linalg.index 1 : index
// CHECK:           %[[I32:.*]] = arith.index_cast %[[I]] : index to i32
// CHECK:           %[[CAND:.*]] = arith.select %[[FOUND]], %[[I32]], %[[NONE]] : i32
// CHECK:           arith.minsi %{{.*}}, %[[CAND]] : i32
// CHECK:         %[[WIDE:.*]] = linalg.generic {{.*}} ins(%[[POS]] : tensor<4xi32>) outs(%{{.*}} : tensor<4xi64>)
// CHECK:           arith.extsi %{{.*}} : i32 to i64
// CHECK:         tensor.expand_shape %[[WIDE]] {{.*}} : tensor<4xi64> into tensor<4x1xi64>
func.func @argmax(%x: tensor<4x5xf16>) -> tensor<4x1xi64> {
  %0 = kgen.argmax %x dim 1 keepdim : tensor<4x5xf16> -> tensor<4x1xi64>
  return %0 : tensor<4x1xi64>
}

// -----

// argmin over the leading dim: the minimum, minimumf.
// CHECK-LABEL: func.func @argmin_cols
// CHECK:         linalg.generic {{.*}}iterator_types = ["reduction", "parallel"]} ins(%arg0 : tensor<4x5xf32>) outs(%{{.*}} : tensor<5xf32>)
// CHECK:           arith.minimumf
// CHECK:         linalg.generic {{.*}}iterator_types = ["reduction", "parallel"]}
// CHECK:           linalg.index 0 : index
// CHECK:           arith.minsi
func.func @argmin_cols(%x: tensor<4x5xf32>) -> tensor<5xi64> {
  %0 = kgen.argmin %x dim 0 : tensor<4x5xf32> -> tensor<5xi64>
  return %0 : tensor<5xi64>
}
