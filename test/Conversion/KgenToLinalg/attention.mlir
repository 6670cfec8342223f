// RUN: kgen-opt %s -kgen-to-linalg -split-input-file | FileCheck %s
// Kernels: Kᵀ, the scores, the softmax (its statistics and the
// normalization share loops), P·V.
// RUN: kgen-opt %s -kgen-linalg -kgen-form-kernels -split-input-file | FileCheck %s --check-prefix=KERNELS

// Kᵀ transposed before the batch dimensions are collapsed (so that it
// folds into a transpose producing K); the scores accumulated in f32 and
// never rounded to f16; the causal mask from the loop indices (no
// constant); the probabilities rounded to f16 for the product with V.
// CHECK-LABEL: func.func @causal
// CHECK:         %[[T:.*]] = linalg.transpose ins(%{{.*}} : tensor<2x3x6x8xf16>) {{.*}} permutation = [0, 1, 3, 2]
// CHECK:         %[[KT:.*]] = tensor.expand_shape {{.*}} output_shape [6, 8, 6]
// CHECK:         %[[S:.*]] = linalg.batch_matmul ins(%{{.*}}, %[[KT]] : tensor<6x4x8xf16>, tensor<6x8x6xf16>) outs(%{{.*}} : tensor<6x4x6xf32>)
// CHECK:         linalg.generic {{.*}} ins(%[[S]] : tensor<6x4x6xf32>) outs(%{{.*}} : tensor<6x4x6xf32>)
// CHECK:           arith.mulf
// CHECK:           %[[Q:.*]] = linalg.index 1
// CHECK:           %[[K:.*]] = linalg.index 2
// CHECK:           %[[AFTER:.*]] = arith.cmpi ugt, %[[K]], %[[Q]]
// CHECK:           arith.select %[[AFTER]], %{{.*}}, %{{.*}} : f32
// CHECK:         arith.maximumf
// CHECK:         math.exp
// CHECK:         %[[P:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<6x4x6xf16>)
// CHECK:         linalg.batch_matmul ins(%[[P]], %{{.*}} : tensor<6x4x6xf16>, tensor<6x6x5xf16>) outs(%{{.*}} : tensor<6x4x5xf32>)
// CHECK-NOT:     arith.constant dense
// CHECK:         tensor.expand_shape %{{.*}} : tensor<120xf16> into tensor<2x3x4x5xf16>
// KERNELS-LABEL: func.func @causal
// KERNELS-COUNT-4: call @causal_kernel_
// KERNELS-NOT:   call @causal_kernel_
func.func @causal(%q: tensor<2x3x4x8xf16>, %k: tensor<2x3x6x8xf16>, %v: tensor<2x3x6x5xf16>) -> tensor<2x3x4x5xf16> {
  %0 = kgen.attention %q, %k, %v scale 0.125 causal : (tensor<2x3x4x8xf16>, tensor<2x3x6x8xf16>, tensor<2x3x6x5xf16>) -> tensor<2x3x4x5xf16>
  return %0 : tensor<2x3x4x5xf16>
}

// -----

// Masks: [L, S] is read through a broadcast over the batch; [N, H, L, S]
// is collapsed like the scores; [N, 1, L, S] is first expanded over the
// heads.
// CHECK-LABEL: func.func @masks
// CHECK:         linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<6x4x6xf32>, tensor<4x6xf32>)
// CHECK:         tensor.collapse_shape %arg4 {{.*}} : tensor<2x3x4x6xf32> into tensor<144xf32>
// CHECK:         tensor.expand_shape %{{.*}} output_shape [6, 4, 6]
// CHECK:         linalg.generic {{.*}} ins(%arg5 : tensor<2x1x4x6xf32>) outs(%{{.*}} : tensor<2x3x4x6xf32>)
func.func @masks(%q: tensor<2x3x4x8xf32>, %k: tensor<2x3x6x8xf32>, %v: tensor<2x3x6x5xf32>,
                 %rows: tensor<4x6xf32>, %full: tensor<2x3x4x6xf32>, %heads: tensor<2x1x4x6xf32>)
    -> (tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32>) {
  %0 = kgen.attention %q, %k, %v mask %rows scale 0.125 : (tensor<2x3x4x8xf32>, tensor<2x3x6x8xf32>, tensor<2x3x6x5xf32>, tensor<4x6xf32>) -> tensor<2x3x4x5xf32>
  %1 = kgen.attention %q, %k, %v mask %full scale 0.125 : (tensor<2x3x4x8xf32>, tensor<2x3x6x8xf32>, tensor<2x3x6x5xf32>, tensor<2x3x4x6xf32>) -> tensor<2x3x4x5xf32>
  %2 = kgen.attention %q, %k, %v mask %heads scale 0.125 : (tensor<2x3x4x8xf32>, tensor<2x3x6x8xf32>, tensor<2x3x6x5xf32>, tensor<2x1x4x6xf32>) -> tensor<2x3x4x5xf32>
  return %0, %1, %2 : tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32>
}

// -----

// Keys from a head split ([N, S, H, D] to [N, H, S, D]): their transpose
// and Kᵀ fold into one transpose, one kernel (four in all, as without it).
// KERNELS-LABEL: func.func @head_split_keys
// KERNELS-COUNT-4: call @head_split_keys_kernel_
// KERNELS-NOT:   call @head_split_keys_kernel_
func.func @head_split_keys(%q: tensor<2x3x4x8xf32>, %k: tensor<2x6x3x8xf32>, %v: tensor<2x3x6x8xf32>) -> tensor<2x3x4x8xf32> {
  %kh = kgen.permute %k dims [0, 2, 1, 3] : tensor<2x6x3x8xf32> -> tensor<2x3x6x8xf32>
  %0 = kgen.attention %q, %kh, %v scale 0.125 : (tensor<2x3x4x8xf32>, tensor<2x3x6x8xf32>, tensor<2x3x6x8xf32>) -> tensor<2x3x4x8xf32>
  return %0 : tensor<2x3x4x8xf32>
}
