// Slices are copying generics reading input[offset + stride * i] (a prefix
// through `i mod size`, which linalg does not take as the loop's size);
// flips read input[size - 1 - i] with tensor.extract.
// RUN: kgen-opt %s -kgen-to-linalg | FileCheck %s
// CHECK-DAG: #[[STRIDED:.*]] = affine_map<(d0, d1) -> (d0 * 2 + 1, d1 * 3 + 2)>
// CHECK-DAG: #[[PREFIX:.*]] = affine_map<(d0, d1) -> (d0, d1 mod 9)>
// CHECK-LABEL: func.func @main
// CHECK:         linalg.generic {indexing_maps = [#[[STRIDED]], #{{.*}}]
// CHECK:         linalg.generic {indexing_maps = [#[[PREFIX]], #{{.*}}]
// CHECK:         linalg.generic
// CHECK:           %[[I:.*]] = linalg.index 1 : index
// CHECK:           %[[J:.*]] = arith.subi %c8, %[[I]] : index
// CHECK:           tensor.extract %{{.*}}[%{{.*}}, %[[J]]]
func.func @main(%x: tensor<4x9xf32>) -> (tensor<2x3xf32>, tensor<4x5xf32>, tensor<4x9xf32>) {
  %0 = kgen.slice %x offsets [1, 2] strides [2, 3] : tensor<4x9xf32> -> tensor<2x3xf32>
  %1 = kgen.slice %x offsets [0, 0] strides [1, 1] : tensor<4x9xf32> -> tensor<4x5xf32>
  %2 = kgen.flip %x dims [1] : tensor<4x9xf32>
  return %0, %1, %2 : tensor<2x3xf32>, tensor<4x5xf32>, tensor<4x9xf32>
}
