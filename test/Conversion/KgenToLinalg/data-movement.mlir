// RUN: kgen-opt %s -kgen-to-linalg -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @permute
// CHECK:         linalg.transpose ins(%{{.*}} : tensor<2x3x4xf16>) outs(%{{.*}} : tensor<4x2x3xf16>) permutation = [2, 0, 1]
func.func @permute(%a: tensor<2x3x4xf16>) -> tensor<4x2x3xf16> {
  %0 = kgen.permute %a dims [2, 0, 1] : tensor<2x3x4xf16> -> tensor<4x2x3xf16>
  return %0 : tensor<4x2x3xf16>
}

// -----

// CHECK-LABEL: func.func @reshape
// CHECK:         %[[F:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1]] : tensor<4x6xf32> into tensor<24xf32>
// CHECK:         tensor.expand_shape %[[F]] {{\[}}[0, 1, 2]] output_shape [2, 3, 4] : tensor<24xf32> into tensor<2x3x4xf32>
func.func @reshape(%a: tensor<4x6xf32>) -> tensor<2x3x4xf32> {
  %0 = kgen.reshape %a : tensor<4x6xf32> -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_scalar
// CHECK:         tensor.collapse_shape %{{.*}} [] : tensor<1x1xf32> into tensor<f32>
func.func @reshape_scalar(%a: tensor<1x1xf32>) -> tensor<f32> {
  %0 = kgen.reshape %a : tensor<1x1xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Copies, no arithmetic, no conversion.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2) -> (d1, 0)>
// CHECK-LABEL: func.func @broadcast_to
// CHECK:         linalg.generic {indexing_maps = [#[[IN]], #{{.*}}]
// CHECK-NEXT:    ^bb0(%[[V:.*]]: bf16, %{{.*}}: bf16):
// CHECK-NEXT:      linalg.yield %[[V]] : bf16
func.func @broadcast_to(%a: tensor<3x1xbf16>) -> tensor<2x3x5xbf16> {
  %0 = kgen.broadcast_to %a : tensor<3x1xbf16> -> tensor<2x3x5xbf16>
  return %0 : tensor<2x3x5xbf16>
}

// -----

// CHECK-LABEL: func.func @constant
// CHECK:         %[[C:.*]] = arith.constant dense<[1.000000e+00, 2.500000e+00]> : tensor<2xf32>
// CHECK:         return %[[C]]
func.func @constant() -> tensor<2xf32> {
  %0 = kgen.constant dense<[1.0, 2.5]> : tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// tril keeps j - i <= diagonal over the last two dims (the batch dim is
// masked alike), triu j - i >= diagonal; the rest is 0 of the element type.
// CHECK-LABEL: func.func @triangles
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel"]} ins(%arg0 : tensor<2x4x5xf16>)
// CHECK:           %[[J:.*]] = linalg.index 2 : index
// CHECK:           %[[JJ:.*]] = arith.index_cast %[[J]] : index to i64
// CHECK:           %[[I:.*]] = linalg.index 1 : index
// CHECK:           %[[II:.*]] = arith.index_cast %[[I]] : index to i64
// CHECK:           %[[D:.*]] = arith.subi %[[JJ]], %[[II]] : i64
// CHECK:           %[[K:.*]] = arith.constant 1 : i64
// CHECK:           %[[KEEP:.*]] = arith.cmpi sle, %[[D]], %[[K]] : i64
// CHECK:           %[[ZERO:.*]] = arith.constant 0.000000e+00 : f16
// CHECK:           arith.select %[[KEEP]], %{{.*}}, %[[ZERO]] : f16
// CHECK:         linalg.generic
// CHECK:           arith.constant -2 : i64
// CHECK:           arith.cmpi sge
func.func @triangles(%x: tensor<2x4x5xf16>) -> (tensor<2x4x5xf16>, tensor<2x4x5xf16>) {
  %0 = kgen.tril %x diagonal 1 : tensor<2x4x5xf16>
  %1 = kgen.triu %x diagonal -2 : tensor<2x4x5xf16>
  return %0, %1 : tensor<2x4x5xf16>, tensor<2x4x5xf16>
}

// -----

// torch.cat: one generic over the result reading each element from the
// input whose range holds it (positions clamped into every input, so the
// reads the selects drop stay in bounds); empty inputs are left out.
// CHECK-LABEL: func.func @concat
// CHECK:         %[[OUT:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]} outs(%{{.*}} : tensor<4x5xf32>)
// CHECK:           %[[J:.*]] = linalg.index 1
// CHECK:           %[[A:.*]] = tensor.extract %arg0
// CHECK:           arith.subi %[[J]], %c2
// CHECK:           arith.minsi
// CHECK:           %[[B:.*]] = tensor.extract %arg2
// CHECK:           %[[PAST:.*]] = arith.cmpi sge, %[[J]], %c2
// CHECK:           arith.select %[[PAST]], %[[B]], %[[A]] : f32
// CHECK-NOT:     tensor.extract %arg1
// CHECK:         return %[[OUT]]
func.func @concat(%a: tensor<4x2xf32>, %e: tensor<4x0xf32>, %b: tensor<4x3xf32>) -> tensor<4x5xf32> {
  %0 = kgen.concat %a, %e, %b dim 1 : (tensor<4x2xf32>, tensor<4x0xf32>, tensor<4x3xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// gather: a parallel generic over the index; the position is tested in
// i64 against the gathered extent, clamped to 0 for the load, and an
// outside position yields the fill.
// CHECK-LABEL: func.func @gather
// CHECK-DAG:     %[[FILL:.*]] = arith.constant -1.000000e+00 : bf16
// CHECK-DAG:     %[[N:.*]] = arith.constant 5 : i64
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]} ins(%arg1 : tensor<4x2xi64>) outs(%{{.*}} : tensor<4x2xbf16>)
// CHECK:           ^bb0(%[[P:.*]]: i64, %{{.*}}: bf16):
// CHECK:           %[[GE:.*]] = arith.cmpi sge, %[[P]], %[[ZERO]] : i64
// CHECK:           %[[LT:.*]] = arith.cmpi slt, %[[P]], %[[N]] : i64
// CHECK:           %[[IN:.*]] = arith.andi %[[GE]], %[[LT]] : i1
// CHECK:           %[[C:.*]] = arith.select %[[IN]], %[[P]], %[[ZERO]] : i64
// CHECK:           %[[ROW:.*]] = linalg.index 0 : index
// CHECK:           %[[COL:.*]] = arith.index_cast %[[C]] : i64 to index
// CHECK:           %[[V:.*]] = tensor.extract %arg0[%[[ROW]], %[[COL]]] : tensor<4x5xbf16>
// CHECK:           arith.select %[[IN]], %[[V]], %[[FILL]] : bf16
func.func @gather(%x: tensor<4x5xbf16>, %t: tensor<4x2xi64>) -> tensor<4x2xbf16> {
  %0 = kgen.gather %x, %t dim 1 fill -1.0 : (tensor<4x5xbf16>, tensor<4x2xi64>) -> tensor<4x2xbf16>
  return %0 : tensor<4x2xbf16>
}
