// RUN: kgen-opt %s -kgen-to-linalg -split-input-file | FileCheck %s

// f32 matmul accumulates straight into its result.
// CHECK-LABEL: func.func @matmul_f32
// CHECK:         %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:         %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<3x5xf32>)
// CHECK:         %[[MM:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<3x4xf32>, tensor<4x5xf32>) outs(%[[INIT]] : tensor<3x5xf32>)
// CHECK:         return %[[MM]]
func.func @matmul_f32(%a: tensor<3x4xf32>, %b: tensor<4x5xf32>) -> tensor<3x5xf32> {
  %0 = kgen.matmul %a, %b : (tensor<3x4xf32>, tensor<4x5xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

// f16 matmul accumulates in f32 and rounds once.
// CHECK-LABEL: func.func @matmul_f16
// CHECK:         %[[MM:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<3x4xf16>, tensor<4x5xf16>) outs(%{{.*}} : tensor<3x5xf32>)
// CHECK:         linalg.generic {{.*}} ins(%[[MM]] : tensor<3x5xf32>) outs(%{{.*}} : tensor<3x5xf16>)
// CHECK:           arith.truncf %{{.*}} : f32 to f16
func.func @matmul_f16(%a: tensor<3x4xf16>, %b: tensor<4x5xf16>) -> tensor<3x5xf16> {
  %0 = kgen.matmul %a, %b : (tensor<3x4xf16>, tensor<4x5xf16>) -> tensor<3x5xf16>
  return %0 : tensor<3x5xf16>
}

// -----

// CHECK-LABEL: func.func @batch_matmul
// CHECK:         linalg.batch_matmul ins(%{{.*}}, %{{.*}} : tensor<2x3x4xbf16>, tensor<2x4x5xbf16>) outs(%{{.*}} : tensor<2x3x5xf32>)
// CHECK:           arith.truncf %{{.*}} : f32 to bf16
func.func @batch_matmul(%a: tensor<2x3x4xbf16>, %b: tensor<2x4x5xbf16>) -> tensor<2x3x5xbf16> {
  %0 = kgen.batch_matmul %a, %b : (tensor<2x3x4xbf16>, tensor<2x4x5xbf16>) -> tensor<2x3x5xbf16>
  return %0 : tensor<2x3x5xbf16>
}

// -----

// linear flattens leading dims, multiplies by Wᵀ, adds the bias along the
// feature dimension and restores the leading dims.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[FEAT:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @linear_bias
// CHECK:         %[[X:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1, 2]] : tensor<2x3x8xf32> into tensor<48xf32>
// CHECK:         %[[X2:.*]] = tensor.expand_shape %[[X]] {{\[}}[0, 1]] output_shape [6, 8] : tensor<48xf32> into tensor<6x8xf32>
// CHECK:         %[[MM:.*]] = linalg.matmul indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}] ins(%[[X2]], %{{.*}} : tensor<6x8xf32>, tensor<4x8xf32>)
// CHECK:         %[[B:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[FEAT]], #[[ID]]]{{.*}} ins(%[[MM]], %{{.*}} : tensor<6x4xf32>, tensor<4xf32>)
// CHECK:           arith.addf
// CHECK:         tensor.expand_shape %{{.*}} output_shape [2, 3, 4] : tensor<24xf32> into tensor<2x3x4xf32>
func.func @linear_bias(%x: tensor<2x3x8xf32>, %w: tensor<4x8xf32>, %b: tensor<4xf32>) -> tensor<2x3x4xf32> {
  %0 = kgen.linear %x, %w, %b : (tensor<2x3x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// An f32 linear layer with 512 rows or more (compute-bound) multiplies by a
// transposed copy of W, [in][out], which the fp32 gemm reads along its
// columns without bank conflicts; an f16 one keeps W K-major, as the
// tensor-core gemms read it.
// CHECK-LABEL: func.func @linear_many_rows
// CHECK:         %[[WT:.*]] = linalg.transpose ins(%{{.*}} : tensor<16x8xf32>) outs(%{{.*}} : tensor<8x16xf32>) permutation = [1, 0]
// CHECK:         linalg.matmul ins(%{{.*}}, %[[WT]] : tensor<512x8xf32>, tensor<8x16xf32>) outs(%{{.*}} : tensor<512x16xf32>)
// CHECK-LABEL: func.func @linear_many_rows_f16
// CHECK-NOT:     linalg.transpose
// CHECK:         linalg.matmul indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}] ins(%{{.*}}, %{{.*}} : tensor<512x8xf16>, tensor<16x8xf16>)
// CHECK-LABEL: func.func @linear_few_rows
// CHECK-NOT:     linalg.transpose
// CHECK:         linalg.matmul indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}] ins(%{{.*}}, %{{.*}} : tensor<511x8xf32>, tensor<16x8xf32>)
func.func @linear_many_rows(%x: tensor<2x256x8xf32>, %w: tensor<16x8xf32>) -> tensor<2x256x16xf32> {
  %0 = kgen.linear %x, %w : (tensor<2x256x8xf32>, tensor<16x8xf32>) -> tensor<2x256x16xf32>
  return %0 : tensor<2x256x16xf32>
}
func.func @linear_many_rows_f16(%x: tensor<512x8xf16>, %w: tensor<16x8xf16>) -> tensor<512x16xf16> {
  %0 = kgen.linear %x, %w : (tensor<512x8xf16>, tensor<16x8xf16>) -> tensor<512x16xf16>
  return %0 : tensor<512x16xf16>
}
func.func @linear_few_rows(%x: tensor<511x8xf32>, %w: tensor<16x8xf32>) -> tensor<511x16xf32> {
  %0 = kgen.linear %x, %w : (tensor<511x8xf32>, tensor<16x8xf32>) -> tensor<511x16xf32>
  return %0 : tensor<511x16xf32>
}

// -----

// Grouped, strided, padded convolution: the weight's groups split out, and
// one generic that gathers the input (channel g * 2 + c, position
// out * 2 + k * 3 - 2 in each spatial dim) with a bounds check: the padding
// is a zero where the window leaves the input, not a padded copy.
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d5, d6, d7)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d4)>
// CHECK-DAG: #[[BIAS:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @conv_grouped
// CHECK-NOT:     tensor.pad
// CHECK:         tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2], [3], [4]] output_shape [2, 3, 2, 3, 3] : tensor<6x2x3x3xf32> into tensor<2x3x2x3x3xf32>
// CHECK:         linalg.generic {indexing_maps = [#[[W]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
// CHECK:           arith.cmpi sge
// CHECK:           arith.cmpi slt
// CHECK:           %[[X:.*]] = tensor.extract %arg0
// CHECK:           arith.select %{{.*}}, %[[X]], %{{.*}} : f32
// CHECK:         tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2], [3], [4]] : tensor<1x2x3x4x4xf32> into tensor<1x6x4x4xf32>
// CHECK:         linalg.generic {indexing_maps = [#{{.*}}, #[[BIAS]], #{{.*}}]
func.func @conv_grouped(%x: tensor<1x4x9x9xf32>, %w: tensor<6x2x3x3xf32>, %b: tensor<6xf32>) -> tensor<1x6x4x4xf32> {
  %0 = kgen.conv %x, %w, %b stride [2, 2] padding [2, 2] dilation [3, 3] groups 2 : (tensor<1x4x9x9xf32>, tensor<6x2x3x3xf32>, tensor<6xf32>) -> tensor<1x6x4x4xf32>
  return %0 : tensor<1x6x4x4xf32>
}

// -----

// Without padding the input is read through a map carrying stride and
// dilation, its channel groups split out by a reshape.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d5, d3 * 2 + d6 * 3, d4 * 2 + d7 * 3)>
// CHECK-LABEL: func.func @conv_grouped_unpadded
// CHECK:         tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 2, 2, 9, 9] : tensor<1x4x9x9xf32> into tensor<1x2x2x9x9xf32>
// CHECK:         linalg.generic {indexing_maps = [#[[IN]], #{{.*}}, #{{.*}}]
// CHECK-NOT:       tensor.extract
func.func @conv_grouped_unpadded(%x: tensor<1x4x9x9xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<1x6x2x2xf32> {
  %0 = kgen.conv %x, %w stride [2, 2] padding [0, 0] dilation [3, 3] groups 2 : (tensor<1x4x9x9xf32>, tensor<6x2x3x3xf32>) -> tensor<1x6x2x2xf32>
  return %0 : tensor<1x6x2x2xf32>
}

// -----

// A pointwise convolution (1x1 kernel, stride 1, no padding) is a batch of
// matmuls, one per image and group, on reshapes of NCHW: batch b reads the
// weight of group b mod 2 (a gather on the matmul's own shape, which joins
// its kernel), and the bias add (broadcast per batch with several groups)
// runs on the matmul's shape, before the reshape back.
// CHECK-LABEL: func.func @conv_pointwise
// CHECK:         tensor.expand_shape %{{.*}} output_shape [4, 3, 20] : tensor<240xf16> into tensor<4x3x20xf16>
// CHECK:         %[[W:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<4x4x3xf16>)
// CHECK:           %[[B:.*]] = linalg.index 0
// CHECK:           %[[G:.*]] = arith.remui %[[B]], %c2
// CHECK:           tensor.extract %{{.*}}[%[[G]], %{{.*}}, %{{.*}}] : tensor<2x4x3xf16>
// CHECK:         %[[MM:.*]] = linalg.batch_matmul ins(%[[W]], %{{.*}} : tensor<4x4x3xf16>, tensor<4x3x20xf16>) outs(%{{.*}} : tensor<4x4x20xf32>)
// CHECK:         linalg.generic {{.*}} ins(%[[MM]], %{{.*}} : tensor<4x4x20xf32>, tensor<4x4xf16>) outs(%{{.*}} : tensor<4x4x20xf16>)
// CHECK:         tensor.expand_shape %{{.*}} output_shape [2, 8, 5, 4] : tensor<320xf16> into tensor<2x8x5x4xf16>
// CHECK-NOT:     linalg.generic
func.func @conv_pointwise(%x: tensor<2x6x5x4xf16>, %w: tensor<8x3x1x1xf16>, %b: tensor<8xf16>) -> tensor<2x8x5x4xf16> {
  %0 = kgen.conv %x, %w, %b stride [1, 1] padding [0, 0] dilation [1, 1] groups 2 : (tensor<2x6x5x4xf16>, tensor<8x3x1x1xf16>, tensor<8xf16>) -> tensor<2x8x5x4xf16>
  return %0 : tensor<2x8x5x4xf16>
}

// -----

// A strided 1x1 convolution reads every other pixel: the general lowering.
// CHECK-LABEL: func.func @conv_pointwise_strided
// CHECK-NOT:     linalg.batch_matmul
// CHECK:         linalg.generic
// CHECK-NOT:     linalg.batch_matmul
func.func @conv_pointwise_strided(%x: tensor<1x4x8x8xf32>, %w: tensor<2x4x1x1xf32>) -> tensor<1x2x4x4xf32> {
  %0 = kgen.conv %x, %w stride [2, 2] padding [0, 0] dilation [1, 1] groups 1 : (tensor<1x4x8x8xf32>, tensor<2x4x1x1xf32>) -> tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}

// -----

// With 8 or more output channels per group, any other convolution is an
// im2col matrix [N*G, C/G * 3*3, OH*OW] gathered with tensor.extract (the
// padding a bounds check, no tensor.pad) times the weight broadcast over
// the images, as a batch matmul.
// CHECK-LABEL: func.func @conv_im2col
// CHECK-NOT:     tensor.pad
// CHECK:         %[[COLS:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]} outs(%{{.*}} : tensor<4x18x16xf32>)
// CHECK:           linalg.index 2
// CHECK:           arith.cmpi sge
// CHECK:           arith.cmpi slt
// CHECK:           %[[X:.*]] = tensor.extract %{{.*}} : tensor<2x4x7x7xf32>
// CHECK:           arith.select %{{.*}}, %[[X]], %{{.*}} : f32
// CHECK:         linalg.batch_matmul ins(%{{.*}}, %[[COLS]] : tensor<4x8x18xf32>, tensor<4x18x16xf32>) outs(%{{.*}} : tensor<4x8x16xf32>)
// CHECK:         tensor.expand_shape %{{.*}} output_shape [2, 16, 4, 4] : tensor<512xf32> into tensor<2x16x4x4xf32>
func.func @conv_im2col(%x: tensor<2x4x7x7xf32>, %w: tensor<16x2x3x3xf32>, %b: tensor<16xf32>) -> tensor<2x16x4x4xf32> {
  %0 = kgen.conv %x, %w, %b stride [2, 2] padding [1, 1] dilation [1, 1] groups 2 : (tensor<2x4x7x7xf32>, tensor<16x2x3x3xf32>, tensor<16xf32>) -> tensor<2x16x4x4xf32>
  return %0 : tensor<2x16x4x4xf32>
}

// -----

// A transposed convolution: one generic over (n, g, f, oh, ow, c, kh, kw)
// reading weight[g * 2 + c, f, kh, kw] and gathering the input element
// each tap maps to: i = (o + 1 - k) / 2 where that divides and lies inside
// the input, else 0. Then the groups are merged and the bias added.
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d5, d2, d6, d7)>
// CHECK-LABEL: func.func @conv_transpose
// CHECK:         tensor.expand_shape %arg1 {{\[}}[0, 1], [2], [3], [4]] output_shape [2, 2, 3, 3, 3] : tensor<4x3x3x3xf32> into tensor<2x2x3x3x3xf32>
// CHECK:         linalg.generic {indexing_maps = [#[[W]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
// CHECK:           arith.remui
// CHECK:           arith.divui
// CHECK:           tensor.extract %arg0
// CHECK:           arith.mulf
// CHECK:         tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2], [3], [4]] : tensor<1x2x3x10x12xf32> into tensor<1x6x10x12xf32>
// CHECK:         linalg.generic
// CHECK:           arith.addf
func.func @conv_transpose(%x: tensor<1x4x5x6xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<6xf32>) -> tensor<1x6x10x12xf32> {
  %0 = kgen.conv_transpose %x, %w, %b stride [2, 2] padding [1, 1] output_padding [1, 1] dilation [1, 1] groups 2 : (tensor<1x4x5x6xf32>, tensor<4x3x3x3xf32>, tensor<6xf32>) -> tensor<1x6x10x12xf32>
  return %0 : tensor<1x6x10x12xf32>
}

// -----

// With 8 or more output channels per group a dilated transposed
// convolution is an implicit GEMM too: the im2col matrix [N*G, C/G * 3*3,
// OH*OW] gathers, for each tap, the input position i with 2i = o + 1 - 2k
// (divisible, inside the input; a zero otherwise), and the weight [C, F/G,
// 3, 3] is gathered into [N*G, F/G, C/G * 3*3] (channel dims exchanged, no
// transposed copy).
// CHECK-LABEL: func.func @conv_transpose_im2col
// CHECK:         %[[COLS:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<4x18x168xf32>)
// CHECK:           arith.remui %{{.*}}, %c2
// CHECK:           arith.cmpi eq
// CHECK:           %[[X:.*]] = tensor.extract %arg0{{.*}} : tensor<2x4x5x6xf32>
// CHECK:           arith.select %{{.*}}, %[[X]], %{{.*}} : f32
// CHECK:         %[[GW:.*]] = tensor.expand_shape %{{.*}} output_shape [2, 2, 8, 9] : tensor<288xf32> into tensor<2x2x8x9xf32>
// CHECK:         %[[W:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<4x8x18xf32>)
// CHECK:           %[[K:.*]] = linalg.index 2
// CHECK:           %[[C:.*]] = arith.divui %[[K]], %c9
// CHECK:           %[[F:.*]] = linalg.index 1
// CHECK:           %[[T:.*]] = arith.remui %[[K]], %c9
// CHECK:           tensor.extract %[[GW]][%{{.*}}, %[[C]], %[[F]], %[[T]]]
// CHECK:         linalg.batch_matmul ins(%[[W]], %[[COLS]] : tensor<4x8x18xf32>, tensor<4x18x168xf32>) outs(%{{.*}} : tensor<4x8x168xf32>)
// CHECK:         tensor.expand_shape %{{.*}} output_shape [2, 16, 12, 14] : tensor<5376xf32> into tensor<2x16x12x14xf32>
func.func @conv_transpose_im2col(%x: tensor<2x4x5x6xf32>, %w: tensor<4x8x3x3xf32>, %b: tensor<16xf32>) -> tensor<2x16x12x14xf32> {
  %0 = kgen.conv_transpose %x, %w, %b stride [2, 2] padding [1, 1] output_padding [1, 1] dilation [2, 2] groups 2 : (tensor<2x4x5x6xf32>, tensor<4x8x3x3xf32>, tensor<16xf32>) -> tensor<2x16x12x14xf32>
  return %0 : tensor<2x16x12x14xf32>
}

// -----

// Undilated with stride 2, the same convolution splits into 2x2 output
// phases, each a direct convolution of ceil(3/2)^2 = 4 taps: a batch
// matmul over (phase, image, group) = 4*2*2 of [8, 2*4] x [2*4, 3*4] (3x4
// positions per phase, ceil(5/2) x ceil(7/2): the odd phases reach one past
// the 5x7 output, results that are never read); its weight gather reads
// kernel tap (phase + 1) mod 2 + 2t, zero past the kernel. A gather
// interleaves the phases (phase o mod 2, position o / 2) and adds the bias.
// CHECK-LABEL: func.func @conv_transpose_phases
// CHECK:         %[[W:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<16x8x8xf32>)
// CHECK:           arith.cmpi slt, %{{.*}}, %c3
// CHECK:           tensor.extract %arg1{{.*}} : tensor<4x8x3x3xf32>
// CHECK:         %[[COLS:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<16x8x12xf32>)
// CHECK:           tensor.extract %arg0{{.*}} : tensor<2x4x3x4xf32>
// CHECK:         %[[ACC:.*]] = linalg.batch_matmul ins(%[[W]], %[[COLS]] : tensor<16x8x8xf32>, tensor<16x8x12xf32>) outs(%{{.*}} : tensor<16x8x12xf32>)
// CHECK:         %[[OUT:.*]] = linalg.generic {{.*}} ins(%arg2 : tensor<16xf32>) outs(%{{.*}} : tensor<2x16x5x7xf32>)
// CHECK:           tensor.extract %[[ACC]]
// CHECK:           arith.addf
// CHECK:         return %[[OUT]]
func.func @conv_transpose_phases(%x: tensor<2x4x3x4xf32>, %w: tensor<4x8x3x3xf32>, %b: tensor<16xf32>) -> tensor<2x16x5x7xf32> {
  %0 = kgen.conv_transpose %x, %w, %b stride [2, 2] padding [1, 1] output_padding [0, 0] dilation [1, 1] groups 2 : (tensor<2x4x3x4xf32>, tensor<4x8x3x3xf32>, tensor<16xf32>) -> tensor<2x16x5x7xf32>
  return %0 : tensor<2x16x5x7xf32>
}
