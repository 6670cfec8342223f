// RUN: kgen-opt %s -kgen-to-linalg -split-input-file | FileCheck %s

// Broadcasting: the [4, 1] operand reads column 0, the [5] operand is
// right-aligned.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @broadcast_add
// CHECK:         linalg.generic {indexing_maps = [#[[COL]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME:      ins(%{{.*}}, %{{.*}} : tensor<4x1xf32>, tensor<5xf32>) outs(%{{.*}} : tensor<4x5xf32>)
// CHECK:           arith.addf
func.func @broadcast_add(%a: tensor<4x1xf32>, %b: tensor<5xf32>) -> tensor<4x5xf32> {
  %0 = kgen.add %a, %b : (tensor<4x1xf32>, tensor<5xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// A scalar operand is used directly in the body.
// CHECK-LABEL: func.func @scalar_mul
// CHECK-SAME:    %[[X:.*]]: tensor<3xf32>, %[[S:.*]]: f32
// CHECK:         linalg.generic {{.*}} ins(%[[X]] : tensor<3xf32>)
// CHECK:         ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK:           arith.mulf %[[IN]], %[[S]] : f32
func.func @scalar_mul(%x: tensor<3xf32>, %s: f32) -> tensor<3xf32> {
  %0 = kgen.mul %x, %s : (tensor<3xf32>, f32) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// Half precision is widened to f32 for the computation and rounded once.
// CHECK-LABEL: func.func @half_sub
// CHECK:         ^bb0(%[[A:.*]]: f16, %[[B:.*]]: f16, %{{.*}}: f16):
// CHECK:           %[[WA:.*]] = arith.extf %[[A]] : f16 to f32
// CHECK:           %[[WB:.*]] = arith.extf %[[B]] : f16 to f32
// CHECK:           %[[R:.*]] = arith.subf %[[WA]], %[[WB]] : f32
// CHECK:           %[[N:.*]] = arith.truncf %[[R]] : f32 to f16
// CHECK:           linalg.yield %[[N]] : f16
func.func @half_sub(%a: tensor<2x3xf16>, %b: tensor<2x3xf16>) -> tensor<2x3xf16> {
  %0 = kgen.sub %a, %b : (tensor<2x3xf16>, tensor<2x3xf16>) -> tensor<2x3xf16>
  return %0 : tensor<2x3xf16>
}

// -----

// CHECK-LABEL: func.func @binary_family
// CHECK: arith.divf
// CHECK: arith.maximumf
// CHECK: arith.minimumf
// CHECK: math.powf
func.func @binary_family(%a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %0 = kgen.div %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = kgen.maximum %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %2 = kgen.minimum %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %3 = kgen.pow %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0, %1, %2, %3 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @unary_family
// CHECK: arith.negf
// CHECK: math.absf
// CHECK: math.exp
// CHECK: math.log
// CHECK: math.sqrt
// CHECK: math.rsqrt
// CHECK: math.tanh
func.func @unary_family(%a: tensor<4xbf16>) -> (tensor<4xbf16>, tensor<4xbf16>, tensor<4xbf16>, tensor<4xbf16>, tensor<4xbf16>, tensor<4xbf16>, tensor<4xbf16>) {
  %0 = kgen.neg %a : tensor<4xbf16>
  %1 = kgen.abs %a : tensor<4xbf16>
  %2 = kgen.exp %a : tensor<4xbf16>
  %3 = kgen.log %a : tensor<4xbf16>
  %4 = kgen.sqrt %a : tensor<4xbf16>
  %5 = kgen.rsqrt %a : tensor<4xbf16>
  %6 = kgen.tanh %a : tensor<4xbf16>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<4xbf16>, tensor<4xbf16>, tensor<4xbf16>, tensor<4xbf16>, tensor<4xbf16>, tensor<4xbf16>, tensor<4xbf16>
}

// -----

// sigmoid = 1 / (1 + exp(-x)); silu multiplies it by x.
// CHECK-LABEL: func.func @sigmoid_silu
// CHECK:         %[[NEG:.*]] = arith.negf %[[X:.*]] : f32
// CHECK:         %[[E:.*]] = math.exp %[[NEG]]
// CHECK:         %[[D:.*]] = arith.addf %{{.*}}, %[[E]]
// CHECK:         arith.divf %{{.*}}, %[[D]]
// CHECK:       linalg.generic
// CHECK:         %[[S:.*]] = arith.divf
// CHECK:         arith.mulf %{{.*}}, %[[S]]
func.func @sigmoid_silu(%a: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = kgen.sigmoid %a : tensor<4xf32>
  %1 = kgen.silu %a : tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @relu_family
// CHECK:         %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:         arith.maximumf %{{.*}}, %[[Z]]
// CHECK:       linalg.generic
// CHECK:         arith.constant 2.000000e-01 : f32
// CHECK:         arith.cmpf ogt
// CHECK:         arith.select
// CHECK:       linalg.generic
// CHECK:         arith.constant 3.000000e+00
// CHECK:         arith.constant 6.000000e+00
// CHECK:       linalg.generic
// CHECK:         arith.constant -1.000000e+00
// CHECK:         arith.maximumf
// CHECK:         arith.constant 1.000000e+00
// CHECK:         arith.minimumf
func.func @relu_family(%a: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %0 = kgen.relu %a : tensor<4xf32>
  %1 = kgen.leaky_relu %a negative_slope 0.2 : tensor<4xf32>
  %2 = kgen.hardswish %a : tensor<4xf32>
  %3 = kgen.clamp %a min -1.0 max 1.0 : tensor<4xf32>
  return %0, %1, %2, %3 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// Exact gelu uses erf(x / sqrt(2)); the tanh approximation uses PyTorch's
// cubic polynomial.
// CHECK-LABEL: func.func @gelu
// CHECK:         arith.constant 0.707106769 : f32
// CHECK:         math.erf
// CHECK:       linalg.generic
// CHECK:         arith.constant 4.471500e-02 : f32
// CHECK:         arith.constant 0.797884583 : f32
// CHECK:         math.tanh
func.func @gelu(%a: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = kgen.gelu %a : tensor<4xf32>
  %1 = kgen.gelu %a approximate <tanh> : tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// Comparisons give 1 or 0 in the element type (ne unordered: NaN != NaN);
// where selects on a non-zero condition, a scalar branch broadcast.
// CHECK-LABEL: func.func @compare_where
// CHECK:       linalg.generic
// CHECK:         %[[GT:.*]] = arith.cmpf ogt, %{{.*}}, %{{.*}} : f32
// CHECK:         arith.select %[[GT]], %{{.*}}, %{{.*}} : f32
// CHECK:       linalg.generic
// CHECK:         arith.cmpf une
// CHECK:       linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<4x5xf16>, tensor<4x5xf16>)
// CHECK:         %[[C:.*]] = arith.cmpf une, %{{.*}}, %{{.*}} : f32
// CHECK:         arith.select %[[C]], %{{.*}}, %{{.*}} : f32
// CHECK:         arith.truncf {{.*}} : f32 to f16
func.func @compare_where(%a: tensor<4x5xf16>, %b: tensor<5xf16>, %s: f16) -> tensor<4x5xf16> {
  %m = kgen.gt %a, %b : (tensor<4x5xf16>, tensor<5xf16>) -> tensor<4x5xf16>
  %n = kgen.ne %a, %s : (tensor<4x5xf16>, f16) -> tensor<4x5xf16>
  %w = kgen.where %m, %n, %s : (tensor<4x5xf16>, tensor<4x5xf16>, f16) -> tensor<4x5xf16>
  return %w : tensor<4x5xf16>
}

// -----

// i8 is a bool: 1/0 in, non-zero (NaN included, une) out.
// CHECK-LABEL: func.func @convert_bool
// CHECK:         linalg.generic
// CHECK-SAME:      ins(%{{.*}} : tensor<4x5xi8>) outs(%{{.*}} : tensor<4x5xf16>)
// CHECK:           arith.sitofp %{{.*}} : i8 to f16
// CHECK:         linalg.generic
// CHECK:           %[[NZ:.*]] = arith.cmpf une, %{{.*}}, %{{.*}} : f16
// CHECK:           arith.extui %[[NZ]] : i1 to i8
func.func @convert_bool(%m: tensor<4x5xi8>) -> tensor<4x5xi8> {
  %0 = kgen.convert %m : tensor<4x5xi8> -> tensor<4x5xf16>
  %1 = kgen.convert %0 : tensor<4x5xf16> -> tensor<4x5xi8>
  return %1 : tensor<4x5xi8>
}

// -----

// Floats to integers truncate (fptosi); integers widen signed; f16 to bf16
// goes through f32.
// CHECK-LABEL: func.func @convert_numbers
// CHECK:           arith.fptosi %{{.*}} : f32 to i64
// CHECK:           arith.extsi %{{.*}} : i32 to i64
// CHECK:           arith.trunci %{{.*}} : i64 to i32
// CHECK:           %[[W:.*]] = arith.extf %{{.*}} : f16 to f32
// CHECK:           arith.truncf %[[W]] : f32 to bf16
func.func @convert_numbers(%x: tensor<4xf32>, %t: tensor<4xi32>, %h: tensor<4xf16>)
    -> (tensor<4xi64>, tensor<4xi64>, tensor<4xi32>, tensor<4xbf16>) {
  %0 = kgen.convert %x : tensor<4xf32> -> tensor<4xi64>
  %1 = kgen.convert %t : tensor<4xi32> -> tensor<4xi64>
  %2 = kgen.convert %1 : tensor<4xi64> -> tensor<4xi32>
  %3 = kgen.convert %h : tensor<4xf16> -> tensor<4xbf16>
  return %0, %1, %2, %3 : tensor<4xi64>, tensor<4xi64>, tensor<4xi32>, tensor<4xbf16>
}
