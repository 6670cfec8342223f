// RUN: kgen-opt %s -kgen-to-linalg -split-input-file | FileCheck %s

// Stable softmax: row max, sum of exp(x - max), then exp(x - max) / sum.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @softmax
// CHECK:         %[[MAX:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction"]}
// CHECK:           arith.maximumf
// CHECK:         %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%{{.*}}, %[[MAX]] :
// CHECK:           arith.subf
// CHECK:           math.exp
// CHECK:           arith.addf
// CHECK:         linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%{{.*}}, %[[MAX]], %[[SUM]] :
// CHECK:           arith.subf
// CHECK:           math.exp
// CHECK:           arith.divf
func.func @softmax(%a: tensor<4x7xf32>) -> tensor<4x7xf32> {
  %0 = kgen.softmax %a dim 1 : tensor<4x7xf32>
  return %0 : tensor<4x7xf32>
}

// -----

// log_softmax = (x - max) - log(sum).
// CHECK-LABEL: func.func @log_softmax
// CHECK:         linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]
// CHECK:         linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]
// CHECK:         linalg.generic
// CHECK:           %[[SH:.*]] = arith.subf
// CHECK:           %[[L:.*]] = math.log
// CHECK:           arith.subf %[[SH]], %[[L]]
// CHECK:           arith.truncf {{.*}} to bf16
func.func @log_softmax(%a: tensor<4x7xbf16>) -> tensor<4x7xbf16> {
  %0 = kgen.log_softmax %a dim 0 : tensor<4x7xbf16>
  return %0 : tensor<4x7xbf16>
}

// -----

// layer_norm over the last two dims: the sum, biased variance (two passes),
// then (x - mean) * rsqrt(var + eps) * weight + bias. The mean is the sum
// divided by 15 where it is read, so no generic sits between the two
// reductions.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[STAT:.*]] = affine_map<(d0, d1, d2) -> (d0)>
// CHECK-DAG: #[[PARAM:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func.func @layer_norm
// CHECK:         %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[STAT]]], iterator_types = ["parallel", "reduction", "reduction"]}
// CHECK:         %[[SQ:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[STAT]], #[[STAT]]], iterator_types = ["parallel", "reduction", "reduction"]} ins(%{{.*}}, %[[SUM]] :
// CHECK:           %[[N:.*]] = arith.constant 1.500000e+01 : f32
// CHECK:           %[[MEAN:.*]] = arith.divf %{{.*}}, %[[N]]
// CHECK:           arith.subf %{{.*}}, %[[MEAN]]
// CHECK:         linalg.generic {indexing_maps = [#[[ID]], #[[STAT]], #[[STAT]], #[[PARAM]], #[[PARAM]], #[[ID]]]
// CHECK:           arith.divf
// CHECK:           %[[EPS:.*]] = arith.constant 9.99999974E-6 : f32
// CHECK:           arith.addf %{{.*}}, %[[EPS]]
// CHECK:           math.rsqrt
// CHECK:           arith.mulf
// CHECK:           arith.mulf
// CHECK:           arith.addf
func.func @layer_norm(%x: tensor<2x3x5xf32>, %w: tensor<3x5xf32>, %b: tensor<3x5xf32>) -> tensor<2x3x5xf32> {
  %0 = kgen.layer_norm %x weight %w bias %b normalized_shape [3, 5] eps 1.0e-5 : (tensor<2x3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>) -> tensor<2x3x5xf32>
  return %0 : tensor<2x3x5xf32>
}

// -----

// rms_norm without eps uses the dtype's machine epsilon (2^-10 for f16).
// CHECK-LABEL: func.func @rms_norm_default_eps
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK:           arith.mulf
// CHECK:           arith.addf
// CHECK:         linalg.generic
// CHECK:           arith.constant 9.765625E-4 : f32
// CHECK:           math.rsqrt
func.func @rms_norm_default_eps(%x: tensor<2x8xf16>) -> tensor<2x8xf16> {
  %0 = kgen.rms_norm %x normalized_shape [8] : (tensor<2x8xf16>) -> tensor<2x8xf16>
  return %0 : tensor<2x8xf16>
}

// -----

// Rows of 65536 floats (256 KB) are longer than any block stages: the
// statistics stream. The row is viewed as [64, 1024] (1024 interleaved
// chunks of 64); one generic keeps each chunk's running max and running
// sum of exp(x - max) (two outputs, one read of the row); the chunks'
// maxima give the row's, and their sums rescaled to it the row's sum; the
// normalization reads the row once more.
// CHECK-LABEL: func.func @streamed_softmax
// CHECK:         %[[VIEW:.*]] = tensor.expand_shape {{.*}} output_shape [2, 64, 1024]
// CHECK:         %[[CHUNKS:.*]]:2 = linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "parallel"]{{.*}} ins(%[[VIEW]] : tensor<2x64x1024xf32>) outs(%{{.*}}, %{{.*}} : tensor<2x1024xf32>, tensor<2x1024xf32>)
// CHECK:           arith.maximumf
// CHECK:           math.exp
// CHECK:           math.exp
// CHECK:           linalg.yield %{{.*}}, %{{.*}} : f32, f32
// CHECK:         %[[MAX:.*]] = linalg.generic {{.*}} ins(%[[CHUNKS]]#0 : tensor<2x1024xf32>)
// CHECK:           arith.maximumf
// CHECK:         %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[CHUNKS]]#0, %[[CHUNKS]]#1, %[[MAX]] : tensor<2x1024xf32>, tensor<2x1024xf32>, tensor<2xf32>)
// CHECK:           math.exp
// CHECK:           arith.select
// CHECK:         linalg.generic {{.*}} ins(%{{.*}}, %[[MAX]], %[[SUM]] : tensor<2x65536xf32>, tensor<2xf32>, tensor<2xf32>)
// CHECK:           math.exp
// CHECK:           arith.divf
func.func @streamed_softmax(%x: tensor<2x65536xf32>) -> tensor<2x65536xf32> {
  %0 = kgen.softmax %x dim 1 : tensor<2x65536xf32>
  return %0 : tensor<2x65536xf32>
}

// -----

// Half the bytes per element: rows of 65536 halves (128 KB) are staged
// whole, so their statistics do not stream.
// CHECK-LABEL: func.func @staged_softmax_f16
// CHECK-NOT:     tensor.expand_shape
// CHECK:         linalg.generic {{.*}} ins(%{{.*}} : tensor<2x65536xf16>) outs(%{{.*}} : tensor<2xf32>)
// CHECK:           arith.maximumf
func.func @staged_softmax_f16(%x: tensor<2x65536xf16>) -> tensor<2x65536xf16> {
  %0 = kgen.softmax %x dim 1 : tensor<2x65536xf16>
  return %0 : tensor<2x65536xf16>
}

// -----

// layer_norm over rows too long to stage: Welford's running mean and sum
// of squared deviations per chunk (the element's index in its chunk gives
// the count), one read of the row; the row's sum is 64 (the chunk length)
// times the chunks' means summed, and its squared deviations the chunks'
// plus 64 (mean_c - mean)^2 each; the normalization reads the row again.
// CHECK-LABEL: func.func @streamed_layer_norm
// CHECK:         %[[VIEW:.*]] = tensor.expand_shape {{.*}} output_shape [2, 64, 1024]
// CHECK:         %[[CHUNKS:.*]]:2 = linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "parallel"]{{.*}} ins(%[[VIEW]] : tensor<2x64x1024xf32>)
// CHECK:           linalg.index 1
// CHECK:           arith.uitofp
// CHECK:           arith.divf
// CHECK:           linalg.yield %{{.*}}, %{{.*}} : f32, f32
// CHECK:         %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[CHUNKS]]#0 : tensor<2x1024xf32>)
// CHECK:           arith.constant 6.400000e+01
// CHECK:         %[[DEV:.*]] = linalg.generic {{.*}} ins(%[[CHUNKS]]#0, %[[CHUNKS]]#1, %[[SUM]] : tensor<2x1024xf32>, tensor<2x1024xf32>, tensor<2xf32>)
// CHECK:         linalg.generic {{.*}} ins(%{{.*}}, %[[SUM]], %[[DEV]], %{{.*}}, %{{.*}} : tensor<2x65536xf32>, tensor<2xf32>, tensor<2xf32>, tensor<65536xf32>, tensor<65536xf32>)
// CHECK:           math.rsqrt
func.func @streamed_layer_norm(%x: tensor<2x65536xf32>, %w: tensor<65536xf32>, %b: tensor<65536xf32>) -> tensor<2x65536xf32> {
  %r = kgen.layer_norm %x weight %w bias %b normalized_shape [65536] eps 1.0e-5 : (tensor<2x65536xf32>, tensor<65536xf32>, tensor<65536xf32>) -> tensor<2x65536xf32>
  return %r : tensor<2x65536xf32>
}
