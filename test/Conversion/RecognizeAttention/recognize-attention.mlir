// RUN: kgen-opt %s -kgen-recognize-attention -split-input-file | FileCheck %s

// The importer's torch.matmul on 4-D tensors: reshapes around a
// batch_matmul, the keys transposed by a permute, a constant scale.
// CHECK-LABEL: func.func @imported
// CHECK-SAME:    (%[[Q:.*]]: tensor<2x3x16x8xf32>, %[[K:.*]]: tensor<2x3x12x8xf32>, %[[V:.*]]: tensor<2x3x12x4xf32>)
// CHECK-NEXT:    %[[O:.*]] = kgen.attention %[[Q]], %[[K]], %[[V]] scale 1.250000e-01 : (tensor<2x3x16x8xf32>, tensor<2x3x12x8xf32>, tensor<2x3x12x4xf32>) -> tensor<2x3x16x4xf32>
// CHECK-NEXT:    return %[[O]]
func.func @imported(%q: tensor<2x3x16x8xf32>, %k: tensor<2x3x12x8xf32>, %v: tensor<2x3x12x4xf32>) -> tensor<2x3x16x4xf32> {
  %kt = kgen.permute %k dims [0, 1, 3, 2] : tensor<2x3x12x8xf32> -> tensor<2x3x8x12xf32>
  %q3 = kgen.reshape %q : tensor<2x3x16x8xf32> -> tensor<6x16x8xf32>
  %kt3 = kgen.reshape %kt : tensor<2x3x8x12xf32> -> tensor<6x8x12xf32>
  %s3 = kgen.batch_matmul %q3, %kt3 : (tensor<6x16x8xf32>, tensor<6x8x12xf32>) -> tensor<6x16x12xf32>
  %s = kgen.reshape %s3 : tensor<6x16x12xf32> -> tensor<2x3x16x12xf32>
  %c = arith.constant 0.125 : f32
  %x = kgen.mul %s, %c : (tensor<2x3x16x12xf32>, f32) -> tensor<2x3x16x12xf32>
  %p = kgen.softmax %x dim 3 : tensor<2x3x16x12xf32>
  %p3 = kgen.reshape %p : tensor<2x3x16x12xf32> -> tensor<6x16x12xf32>
  %v3 = kgen.reshape %v : tensor<2x3x12x4xf32> -> tensor<6x12x4xf32>
  %o3 = kgen.batch_matmul %p3, %v3 : (tensor<6x16x12xf32>, tensor<6x12x4xf32>) -> tensor<6x16x4xf32>
  %o = kgen.reshape %o3 : tensor<6x16x4xf32> -> tensor<2x3x16x4xf32>
  return %o : tensor<2x3x16x4xf32>
}

// -----

// A batch of matrices, scaled by a division: scale 1/4.
// CHECK-LABEL: func.func @batched_div
// CHECK-NEXT:    kgen.attention %{{.*}}, %{{.*}}, %{{.*}} scale 2.500000e-01 : (tensor<4x16x8xf16>, tensor<4x16x8xf16>, tensor<4x16x8xf16>) -> tensor<4x16x8xf16>
// CHECK-NEXT:    return
func.func @batched_div(%q: tensor<4x16x8xf16>, %k: tensor<4x16x8xf16>, %v: tensor<4x16x8xf16>) -> tensor<4x16x8xf16> {
  %kt = kgen.permute %k dims [0, 2, 1] : tensor<4x16x8xf16> -> tensor<4x8x16xf16>
  %s = kgen.batch_matmul %q, %kt : (tensor<4x16x8xf16>, tensor<4x8x16xf16>) -> tensor<4x16x16xf16>
  %c = arith.constant 4.0 : f16
  %x = kgen.div %s, %c : (tensor<4x16x16xf16>, f16) -> tensor<4x16x16xf16>
  %p = kgen.softmax %x dim 2 : tensor<4x16x16xf16>
  %o = kgen.batch_matmul %p, %v : (tensor<4x16x16xf16>, tensor<4x16x8xf16>) -> tensor<4x16x8xf16>
  return %o : tensor<4x16x8xf16>
}

// -----

// Matrices, the scale on the left; and unscaled (scale 1).
// CHECK-LABEL: func.func @matrices
// CHECK-NOT:     kgen.softmax
// CHECK:         kgen.attention %{{.*}}, %{{.*}}, %{{.*}} scale 5.000000e-01 : (tensor<5x8xbf16>, tensor<7x8xbf16>, tensor<7x3xbf16>) -> tensor<5x3xbf16>
// CHECK:         kgen.attention %{{.*}}, %{{.*}}, %{{.*}} scale 1.000000e+00 : (tensor<5x8xbf16>, tensor<7x8xbf16>, tensor<7x3xbf16>) -> tensor<5x3xbf16>
// CHECK-NOT:     kgen.softmax
func.func @matrices(%q: tensor<5x8xbf16>, %k: tensor<7x8xbf16>, %v: tensor<7x3xbf16>) -> (tensor<5x3xbf16>, tensor<5x3xbf16>) {
  %kt = kgen.permute %k dims [1, 0] : tensor<7x8xbf16> -> tensor<8x7xbf16>
  %s = kgen.matmul %q, %kt : (tensor<5x8xbf16>, tensor<8x7xbf16>) -> tensor<5x7xbf16>
  %c = arith.constant 0.5 : bf16
  %x = kgen.mul %c, %s : (bf16, tensor<5x7xbf16>) -> tensor<5x7xbf16>
  %p = kgen.softmax %x dim 1 : tensor<5x7xbf16>
  %o = kgen.matmul %p, %v : (tensor<5x7xbf16>, tensor<7x3xbf16>) -> tensor<5x3xbf16>
  %kt2 = kgen.permute %k dims [1, 0] : tensor<7x8xbf16> -> tensor<8x7xbf16>
  %s2 = kgen.matmul %q, %kt2 : (tensor<5x8xbf16>, tensor<8x7xbf16>) -> tensor<5x7xbf16>
  %p2 = kgen.softmax %s2 dim 1 : tensor<5x7xbf16>
  %o2 = kgen.matmul %p2, %v : (tensor<5x7xbf16>, tensor<7x3xbf16>) -> tensor<5x3xbf16>
  return %o, %o2 : tensor<5x3xbf16>, tensor<5x3xbf16>
}

// -----

// Left written out: an additive mask (kgen.attention would give a fully
// masked row zeros, softmax NaN), probabilities read twice, a softmax over
// another dimension, keys not transposed, a scale that is not a constant,
// and a softmax that no product reads.
// CHECK-LABEL: func.func @not_attention
// CHECK-NOT:     kgen.attention
// CHECK-COUNT-6: kgen.softmax
// CHECK-NOT:     kgen.attention
func.func @not_attention(%q: tensor<6x8xf32>, %k: tensor<6x8xf32>, %v: tensor<6x8xf32>, %m: tensor<6x6xf32>, %c: f32, %w: tensor<8x6xf32>) -> (tensor<6x8xf32>, tensor<6x8xf32>, tensor<6x6xf32>, tensor<6x8xf32>, tensor<6x8xf32>, tensor<6x8xf32>, tensor<6x6xf32>) {
  %kt = kgen.permute %k dims [1, 0] : tensor<6x8xf32> -> tensor<8x6xf32>
  %s = kgen.matmul %q, %kt : (tensor<6x8xf32>, tensor<8x6xf32>) -> tensor<6x6xf32>
  %masked = kgen.add %s, %m : (tensor<6x6xf32>, tensor<6x6xf32>) -> tensor<6x6xf32>
  %p = kgen.softmax %masked dim 1 : tensor<6x6xf32>
  %o = kgen.matmul %p, %v : (tensor<6x6xf32>, tensor<6x8xf32>) -> tensor<6x8xf32>

  %kt2 = kgen.permute %k dims [1, 0] : tensor<6x8xf32> -> tensor<8x6xf32>
  %s2 = kgen.matmul %q, %kt2 : (tensor<6x8xf32>, tensor<8x6xf32>) -> tensor<6x6xf32>
  %p2 = kgen.softmax %s2 dim 1 : tensor<6x6xf32>
  %o2 = kgen.matmul %p2, %v : (tensor<6x6xf32>, tensor<6x8xf32>) -> tensor<6x8xf32>

  %kt3 = kgen.permute %k dims [1, 0] : tensor<6x8xf32> -> tensor<8x6xf32>
  %s3 = kgen.matmul %q, %kt3 : (tensor<6x8xf32>, tensor<8x6xf32>) -> tensor<6x6xf32>
  %p3 = kgen.softmax %s3 dim 0 : tensor<6x6xf32>
  %o3 = kgen.matmul %p3, %v : (tensor<6x6xf32>, tensor<6x8xf32>) -> tensor<6x8xf32>

  %s4 = kgen.matmul %q, %w : (tensor<6x8xf32>, tensor<8x6xf32>) -> tensor<6x6xf32>
  %p4 = kgen.softmax %s4 dim 1 : tensor<6x6xf32>
  %o4 = kgen.matmul %p4, %v : (tensor<6x6xf32>, tensor<6x8xf32>) -> tensor<6x8xf32>

  %kt5 = kgen.permute %k dims [1, 0] : tensor<6x8xf32> -> tensor<8x6xf32>
  %s5 = kgen.matmul %q, %kt5 : (tensor<6x8xf32>, tensor<8x6xf32>) -> tensor<6x6xf32>
  %x5 = kgen.mul %s5, %c : (tensor<6x6xf32>, f32) -> tensor<6x6xf32>
  %p5 = kgen.softmax %x5 dim 1 : tensor<6x6xf32>
  %o5 = kgen.matmul %p5, %v : (tensor<6x6xf32>, tensor<6x8xf32>) -> tensor<6x8xf32>
  %p6 = kgen.softmax %m dim 1 : tensor<6x6xf32>
  return %o, %o2, %p2, %o3, %o4, %o5, %p6 : tensor<6x8xf32>, tensor<6x8xf32>, tensor<6x6xf32>, tensor<6x8xf32>, tensor<6x8xf32>, tensor<6x8xf32>, tensor<6x6xf32>
}

// -----

// Scales kgen.attention does not take (negative, zero), scaled scores
// read twice, and a reshape of the scores that does not restore the
// batch's rows and columns ([6, 16, 12] as [2, 3, 12, 16]).
// CHECK-LABEL: func.func @not_attention_either
// CHECK-NOT:     kgen.attention
// CHECK-COUNT-4: kgen.softmax
// CHECK-NOT:     kgen.attention
func.func @not_attention_either(%q: tensor<6x8xf32>, %k: tensor<6x8xf32>, %v: tensor<6x8xf32>, %q4: tensor<2x3x16x8xf32>, %k4: tensor<2x3x12x8xf32>, %v4: tensor<2x3x16x4xf32>) -> (tensor<6x8xf32>, tensor<6x8xf32>, tensor<6x8xf32>, tensor<6x6xf32>, tensor<2x3x12x4xf32>) {
  %kt = kgen.permute %k dims [1, 0] : tensor<6x8xf32> -> tensor<8x6xf32>
  %s = kgen.matmul %q, %kt : (tensor<6x8xf32>, tensor<8x6xf32>) -> tensor<6x6xf32>
  %neg = arith.constant -0.5 : f32
  %x = kgen.mul %s, %neg : (tensor<6x6xf32>, f32) -> tensor<6x6xf32>
  %p = kgen.softmax %x dim 1 : tensor<6x6xf32>
  %o = kgen.matmul %p, %v : (tensor<6x6xf32>, tensor<6x8xf32>) -> tensor<6x8xf32>

  %kt2 = kgen.permute %k dims [1, 0] : tensor<6x8xf32> -> tensor<8x6xf32>
  %s2 = kgen.matmul %q, %kt2 : (tensor<6x8xf32>, tensor<8x6xf32>) -> tensor<6x6xf32>
  %zero = arith.constant 0.0 : f32
  %x2 = kgen.mul %zero, %s2 : (f32, tensor<6x6xf32>) -> tensor<6x6xf32>
  %p2 = kgen.softmax %x2 dim 1 : tensor<6x6xf32>
  %o2 = kgen.matmul %p2, %v : (tensor<6x6xf32>, tensor<6x8xf32>) -> tensor<6x8xf32>

  %kt3 = kgen.permute %k dims [1, 0] : tensor<6x8xf32> -> tensor<8x6xf32>
  %s3 = kgen.matmul %q, %kt3 : (tensor<6x8xf32>, tensor<8x6xf32>) -> tensor<6x6xf32>
  %half = arith.constant 0.5 : f32
  %x3 = kgen.mul %s3, %half : (tensor<6x6xf32>, f32) -> tensor<6x6xf32>
  %p3 = kgen.softmax %x3 dim 1 : tensor<6x6xf32>
  %o3 = kgen.matmul %p3, %v : (tensor<6x6xf32>, tensor<6x8xf32>) -> tensor<6x8xf32>

  %kt4 = kgen.permute %k4 dims [0, 1, 3, 2] : tensor<2x3x12x8xf32> -> tensor<2x3x8x12xf32>
  %q43 = kgen.reshape %q4 : tensor<2x3x16x8xf32> -> tensor<6x16x8xf32>
  %kt43 = kgen.reshape %kt4 : tensor<2x3x8x12xf32> -> tensor<6x8x12xf32>
  %s43 = kgen.batch_matmul %q43, %kt43 : (tensor<6x16x8xf32>, tensor<6x8x12xf32>) -> tensor<6x16x12xf32>
  %s4 = kgen.reshape %s43 : tensor<6x16x12xf32> -> tensor<2x3x12x16xf32>
  %p4 = kgen.softmax %s4 dim 3 : tensor<2x3x12x16xf32>
  %p43 = kgen.reshape %p4 : tensor<2x3x12x16xf32> -> tensor<6x12x16xf32>
  %v43 = kgen.reshape %v4 : tensor<2x3x16x4xf32> -> tensor<6x16x4xf32>
  %o43 = kgen.batch_matmul %p43, %v43 : (tensor<6x12x16xf32>, tensor<6x16x4xf32>) -> tensor<6x12x4xf32>
  %o4 = kgen.reshape %o43 : tensor<6x12x4xf32> -> tensor<2x3x12x4xf32>
  return %o, %o2, %o3, %x3, %o4 : tensor<6x8xf32>, tensor<6x8xf32>, tensor<6x8xf32>, tensor<6x6xf32>, tensor<2x3x12x4xf32>
}
