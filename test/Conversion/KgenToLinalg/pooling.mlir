// RUN: kgen-opt %s -kgen-to-linalg -split-input-file | FileCheck %s
// One kernel per pooling op: the window reduction and avg_pool's division.
// RUN: kgen-opt %s -kgen-linalg -kgen-form-kernels -split-input-file | FileCheck %s --check-prefix=KERNELS

// avg_pool: batch and channels collapsed into one dim (2 x 3 = 6), then a
// reduction over (nc, oh, ow, kh, kw) from 0 in f32 that gathers
// x[nc, oh * 2 + kh - 1, ow * 2 + kw - 1] with a bounds check (0 outside:
// no padded copy), then each sum divided by the window's elements inside
// the input (count_include_pad absent), clipped at both ends, and rounded
// to f16; the result expanded back to (n, c, oh, ow).
// CHECK-DAG: #[[WIN:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d3, d4)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @avg
// CHECK:         tensor.expand_shape {{.*}} into tensor<6x7x9xf16>
// CHECK:         %[[ZERO:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<6x4x5xf32>)
// CHECK:         %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[WIN]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%{{.*}} : tensor<3x3xf32>) outs(%[[ZERO]] : tensor<6x4x5xf32>)
// CHECK:           arith.cmpi sge
// CHECK:           arith.cmpi slt
// CHECK:           %[[X:.*]] = tensor.extract
// CHECK:           %[[V:.*]] = arith.select %{{.*}}, %[[X]], %{{.*}} : f16
// CHECK:           arith.extf %[[V]] : f16 to f32
// CHECK:           arith.addf
// CHECK:         linalg.generic {{.*}} ins(%[[SUM]] : tensor<6x4x5xf32>) outs(%{{.*}} : tensor<6x4x5xf16>)
// CHECK:           arith.minsi
// CHECK:           arith.maxsi
// CHECK:           arith.sitofp
// CHECK:           arith.divf
// CHECK:           arith.truncf
// CHECK:         tensor.expand_shape {{.*}} into tensor<2x3x4x5xf16>
// KERNELS-LABEL: func.func @avg
// KERNELS-COUNT-1: call @avg_kernel_
// KERNELS-NOT:   call @avg_kernel_
func.func @avg(%x: tensor<2x3x7x9xf16>) -> tensor<2x3x4x5xf16> {
  %0 = kgen.avg_pool %x kernel [3, 3] stride [2, 2] padding [1, 1] dilation [1, 1] ceil_mode : tensor<2x3x7x9xf16> -> tensor<2x3x4x5xf16>
  return %0 : tensor<2x3x4x5xf16>
}

// -----

// max_pool: from -inf, the dilated window's positions outside the input
// read -inf; no division. Batch and channels are one dim (8).
// CHECK-LABEL: func.func @max
// CHECK:         linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<8x5xf32>)
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK:           arith.muli %{{.*}}, %c2
// CHECK:           tensor.extract %{{.*}} : tensor<8x11xf32>
// CHECK:           arith.select %{{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK:           arith.maximumf
// CHECK:         linalg.generic
// CHECK-NOT:       arith.divf
// CHECK:         return
func.func @max(%x: tensor<2x4x11xf32>) -> tensor<2x4x5xf32> {
  %0 = kgen.max_pool %x kernel [3] stride [2] padding [1] dilation [2] ceil_mode : tensor<2x4x11xf32> -> tensor<2x4x5xf32>
  return %0 : tensor<2x4x5xf32>
}
