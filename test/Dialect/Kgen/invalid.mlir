// RUN: kgen-opt %s -split-input-file -verify-diagnostics

// Every verifier message of the kgen dialect, one case each.

func.func @dynamic_operand(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{'kgen.exp' op operand #0 has the dynamic shape 'tensor<?x4xf32>'; kgen requires statically shaped tensors}}
  %0 = kgen.exp %x : tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

func.func @dynamic_result(%x: tensor<4xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{'kgen.reshape' op result #0 has the dynamic shape 'tensor<?xf32>'}}
  %0 = kgen.reshape %x : tensor<4xf32> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @mixed_types(%a: tensor<4xf32>, %b: tensor<4xf16>) -> tensor<4xf32> {
  // expected-error @+1 {{'kgen.add' op mixes element types 'f32' and 'f16'; all operands and results must share one element type}}
  %0 = kgen.add %a, %b : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @integer_tensor(%a: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error @+1 {{'kgen.neg' op operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<4xi32>'}}
  %0 = kgen.neg %a : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

func.func @f64_tensor(%a: tensor<4xf64>) -> tensor<4xf64> {
  // expected-error @+1 {{must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values}}
  %0 = kgen.relu %a : tensor<4xf64>
  return %0 : tensor<4xf64>
}

// -----

func.func @matmul_rank(%a: tensor<2x3x4xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{'kgen.matmul' op lhs must have rank 2, got 3}}
  %0 = kgen.matmul %a, %b : (tensor<2x3x4xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @matmul_contraction(%a: tensor<3x4xf32>, %b: tensor<5x6xf32>) -> tensor<3x6xf32> {
  // expected-error @+1 {{'kgen.matmul' op contraction sizes differ: lhs has 4 columns but rhs has 5 rows}}
  %0 = kgen.matmul %a, %b : (tensor<3x4xf32>, tensor<5x6xf32>) -> tensor<3x6xf32>
  return %0 : tensor<3x6xf32>
}

// -----

func.func @matmul_result(%a: tensor<3x4xf32>, %b: tensor<4x6xf32>) -> tensor<3x7xf32> {
  // expected-error @+1 {{'kgen.matmul' op result shape [3, 7] does not match the expected shape [3, 6]}}
  %0 = kgen.matmul %a, %b : (tensor<3x4xf32>, tensor<4x6xf32>) -> tensor<3x7xf32>
  return %0 : tensor<3x7xf32>
}

// -----

func.func @bmm_rank(%a: tensor<3x4xf32>, %b: tensor<2x4x5xf32>) -> tensor<2x3x5xf32> {
  // expected-error @+1 {{'kgen.batch_matmul' op lhs must have rank 3, got 2}}
  %0 = kgen.batch_matmul %a, %b : (tensor<3x4xf32>, tensor<2x4x5xf32>) -> tensor<2x3x5xf32>
  return %0 : tensor<2x3x5xf32>
}

// -----

func.func @bmm_batch(%a: tensor<2x3x4xf32>, %b: tensor<3x4x5xf32>) -> tensor<2x3x5xf32> {
  // expected-error @+1 {{'kgen.batch_matmul' op batch sizes differ: 2 vs 3}}
  %0 = kgen.batch_matmul %a, %b : (tensor<2x3x4xf32>, tensor<3x4x5xf32>) -> tensor<2x3x5xf32>
  return %0 : tensor<2x3x5xf32>
}

// -----

func.func @bmm_contraction(%a: tensor<2x3x4xf32>, %b: tensor<2x5x5xf32>) -> tensor<2x3x5xf32> {
  // expected-error @+1 {{'kgen.batch_matmul' op contraction sizes differ: lhs has 4 columns but rhs has 5 rows}}
  %0 = kgen.batch_matmul %a, %b : (tensor<2x3x4xf32>, tensor<2x5x5xf32>) -> tensor<2x3x5xf32>
  return %0 : tensor<2x3x5xf32>
}

// -----

func.func @linear_rank0(%x: tensor<f32>, %w: tensor<4x1xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'kgen.linear' op input must have rank at least 1}}
  %0 = kgen.linear %x, %w : (tensor<f32>, tensor<4x1xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @linear_weight_rank(%x: tensor<2x3xf32>, %w: tensor<3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'kgen.linear' op weight must have rank 2, got 1}}
  %0 = kgen.linear %x, %w : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @linear_features(%x: tensor<2x3xf32>, %w: tensor<4x5xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'kgen.linear' op input features (3) differ from weight's second dimension (5)}}
  %0 = kgen.linear %x, %w : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @linear_bias_rank(%x: tensor<2x3xf32>, %w: tensor<4x3xf32>, %b: tensor<1x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'kgen.linear' op bias must have rank 1, got 2}}
  %0 = kgen.linear %x, %w, %b : (tensor<2x3xf32>, tensor<4x3xf32>, tensor<1x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @linear_bias_size(%x: tensor<2x3xf32>, %w: tensor<4x3xf32>, %b: tensor<5xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'kgen.linear' op bias size (5) differs from the output features (4)}}
  %0 = kgen.linear %x, %w, %b : (tensor<2x3xf32>, tensor<4x3xf32>, tensor<5xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @linear_result(%x: tensor<2x3xf32>, %w: tensor<4x3xf32>) -> tensor<3x4xf32> {
  // expected-error @+1 {{'kgen.linear' op result shape [3, 4] does not match the expected shape [2, 4]}}
  %0 = kgen.linear %x, %w : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

func.func @conv_rank(%x: tensor<2x3xf32>, %w: tensor<4x3xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'kgen.conv' op input must have rank 3, 4 or 5 ([N, C, spatial...] with 1 to 3 spatial dimensions), got 2}}
  %0 = kgen.conv %x, %w stride [] padding [] dilation [] groups 1 : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @conv_weight_rank(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'kgen.conv' op weight must have rank 4, got 3}}
  %0 = kgen.conv %x, %w stride [1, 1] padding [0, 0] dilation [1, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<4x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_stride_count(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'kgen.conv' op stride must have 2 values (one per spatial dimension), got 1}}
  %0 = kgen.conv %x, %w stride [1] padding [0, 0] dilation [1, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_stride_value(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'kgen.conv' op stride values must be at least 1, got [0, 1]}}
  %0 = kgen.conv %x, %w stride [0, 1] padding [0, 0] dilation [1, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_padding_value(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'kgen.conv' op padding values must be at least 0, got [-1, 0]}}
  %0 = kgen.conv %x, %w stride [1, 1] padding [-1, 0] dilation [1, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_dilation_count(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'kgen.conv' op dilation must have 2 values (one per spatial dimension), got 3}}
  %0 = kgen.conv %x, %w stride [1, 1] padding [0, 0] dilation [1, 1, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_groups(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'kgen.conv' op groups must be at least 1, got 0}}
  %0 = kgen.conv %x, %w stride [1, 1] padding [0, 0] dilation [1, 1] groups 0 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_groups_divide(%x: tensor<1x6x8x8xf32>, %w: tensor<5x3x3x3xf32>) -> tensor<1x5x6x6xf32> {
  // expected-error @+1 {{'kgen.conv' op input channels (6) and output channels (5) must both be divisible by groups (2)}}
  %0 = kgen.conv %x, %w stride [1, 1] padding [0, 0] dilation [1, 1] groups 2 : (tensor<1x6x8x8xf32>, tensor<5x3x3x3xf32>) -> tensor<1x5x6x6xf32>
  return %0 : tensor<1x5x6x6xf32>
}

// -----

func.func @conv_weight_channels(%x: tensor<1x6x8x8xf32>, %w: tensor<4x6x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'kgen.conv' op weight has 6 input channels per group, expected 3}}
  %0 = kgen.conv %x, %w stride [1, 1] padding [0, 0] dilation [1, 1] groups 2 : (tensor<1x6x8x8xf32>, tensor<4x6x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_bias_rank(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4x1xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'kgen.conv' op bias must have rank 1, got 2}}
  %0 = kgen.conv %x, %w, %b stride [1, 1] padding [0, 0] dilation [1, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4x1xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_bias_size(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'kgen.conv' op bias size (3) differs from the output channels (4)}}
  %0 = kgen.conv %x, %w, %b stride [1, 1] padding [0, 0] dilation [1, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_too_small(%x: tensor<1x3x2x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x1x6xf32> {
  // expected-error @+1 {{'kgen.conv' op spatial dimension 0 is too small: padded input size 2 is less than the dilated kernel size 3}}
  %0 = kgen.conv %x, %w stride [1, 1] padding [0, 0] dilation [1, 1] groups 1 : (tensor<1x3x2x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x1x6xf32>
  return %0 : tensor<1x4x1x6xf32>
}

// -----

func.func @conv_result(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32> {
  // expected-error @+1 {{'kgen.conv' op result shape [1, 4, 8, 8] does not match the expected shape [1, 4, 3, 3]}}
  %0 = kgen.conv %x, %w stride [2, 2] padding [0, 0] dilation [1, 1] groups 1 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// -----

func.func @binary_scalars(%a: f32, %b: f32) -> tensor<f32> {
  // expected-error @+1 {{'kgen.add' op needs at least one tensor operand}}
  %0 = kgen.add %a, %b : (f32, f32) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @binary_broadcast(%a: tensor<4x5xf32>, %b: tensor<3xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{'kgen.mul' op operand shapes [4, 5] and [3] are not broadcast-compatible}}
  %0 = kgen.mul %a, %b : (tensor<4x5xf32>, tensor<3xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

func.func @binary_result(%a: tensor<4x1xf32>, %b: tensor<3xf32>) -> tensor<4x1xf32> {
  // expected-error @+1 {{'kgen.sub' op result shape [4, 1] does not match the expected shape [4, 3]}}
  %0 = kgen.sub %a, %b : (tensor<4x1xf32>, tensor<3xf32>) -> tensor<4x1xf32>
  return %0 : tensor<4x1xf32>
}

// -----

func.func @binary_scalar_type(%a: tensor<4xf16>, %s: f32) -> tensor<4xf16> {
  // expected-error @+1 {{'kgen.pow' op mixes element types 'f16' and 'f32'}}
  %0 = kgen.pow %a, %s : (tensor<4xf16>, f32) -> tensor<4xf16>
  return %0 : tensor<4xf16>
}

// -----

func.func @clamp_no_bounds(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'kgen.clamp' op needs at least one of 'min' and 'max'}}
  %0 = kgen.clamp %a : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @unary_type_mismatch(%a: tensor<4xf32>) -> tensor<5xf32> {
  // expected-error @+1 {{'kgen.exp' op requires the same type for all operands and results}}
  %0 = "kgen.exp"(%a) : (tensor<4xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

func.func @reduce_no_dims(%a: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{'kgen.sum' op needs at least one dimension to reduce}}
  %0 = kgen.sum %a dims [] : tensor<4x5xf32> -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

func.func @reduce_dim_range(%a: tensor<4x5xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'kgen.mean' op dimension 2 is out of range for a tensor of rank 2 (expected a value in [0, 2))}}
  %0 = kgen.mean %a dims [2] : tensor<4x5xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @reduce_negative_dim(%a: tensor<4x5xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'kgen.max' op dimension -1 is out of range for a tensor of rank 2}}
  %0 = kgen.max %a dims [-1] : tensor<4x5xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @reduce_duplicate(%a: tensor<4x5xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'kgen.min' op dimension 1 appears more than once}}
  %0 = kgen.min %a dims [1, 1] : tensor<4x5xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @reduce_result(%a: tensor<4x5xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'kgen.sum' op result shape [4] does not match the expected shape [4, 1]}}
  %0 = kgen.sum %a dims [1] keepdim : tensor<4x5xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @softmax_rank0(%a: tensor<f32>) -> tensor<f32> {
  // expected-error @+1 {{'kgen.softmax' op input must have rank at least 1}}
  %0 = kgen.softmax %a dim 0 : tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @log_softmax_dim(%a: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{'kgen.log_softmax' op dimension 2 is out of range for a tensor of rank 2}}
  %0 = kgen.log_softmax %a dim 2 : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

func.func @reshape_type(%t: tensor<4xi64>) -> tensor<2x2xf32> {
  // expected-error @+1 {{'kgen.reshape' op cannot change the element type from 'i64' to 'f32'}}
  %0 = kgen.reshape %t : tensor<4xi64> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @where_shapes(%c: tensor<4x5xf32>, %a: tensor<3xf32>, %s: f32) -> tensor<4x5xf32> {
  // expected-error @+1 {{'kgen.where' op operand shapes are not broadcast-compatible: [4, 5] and [3]}}
  %0 = kgen.where %c, %a, %s : (tensor<4x5xf32>, tensor<3xf32>, f32) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

func.func @where_scalars(%s: f32) -> tensor<f32> {
  // expected-error @+1 {{'kgen.where' op needs at least one tensor operand}}
  %0 = kgen.where %s, %s, %s : (f32, f32, f32) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @gather_rank(%a: tensor<4x5xf32>, %t: tensor<4xi64>) -> tensor<4xf32> {
  // expected-error @+1 {{'kgen.gather' op index must have the input's rank 2, got 1}}
  %0 = kgen.gather %a, %t dim 1 : (tensor<4x5xf32>, tensor<4xi64>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @gather_too_wide(%a: tensor<4x5xf32>, %t: tensor<6x1xi64>) -> tensor<6x1xf32> {
  // expected-error @+1 {{'kgen.gather' op index size 6 along dimension 0 exceeds the input's 4}}
  %0 = kgen.gather %a, %t dim 1 : (tensor<4x5xf32>, tensor<6x1xi64>) -> tensor<6x1xf32>
  return %0 : tensor<6x1xf32>
}

// -----

func.func @gather_result(%a: tensor<4x5xf32>, %t: tensor<4x2xi64>) -> tensor<4x1xf32> {
  // expected-error @+1 {{'kgen.gather' op result shape}}
  %0 = kgen.gather %a, %t dim 1 : (tensor<4x5xf32>, tensor<4x2xi64>) -> tensor<4x1xf32>
  return %0 : tensor<4x1xf32>
}

// -----

func.func @gather_float_index(%a: tensor<4x5xf32>, %t: tensor<4x1xf32>) -> tensor<4x1xf32> {
  // expected-error @+1 {{'kgen.gather' op operand #1 must be ranked tensor of 64-bit signless integer values}}
  %0 = "kgen.gather"(%a, %t) {dim = 1 : i64} : (tensor<4x5xf32>, tensor<4x1xf32>) -> tensor<4x1xf32>
  return %0 : tensor<4x1xf32>
}

// -----

func.func @argmax_dim(%a: tensor<4x5xf32>) -> tensor<4xi64> {
  // expected-error @+1 {{'kgen.argmax' op dimension 2 is out of range for a tensor of rank 2}}
  %0 = kgen.argmax %a dim 2 : tensor<4x5xf32> -> tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

func.func @argmin_shape(%a: tensor<4x5xf32>) -> tensor<5xi64> {
  // expected-error @+1 {{'kgen.argmin' op result shape}}
  %0 = kgen.argmin %a dim 1 : tensor<4x5xf32> -> tensor<5xi64>
  return %0 : tensor<5xi64>
}

// -----

func.func @argmax_empty(%a: tensor<4x0xf32>) -> tensor<4xi64> {
  // expected-error @+1 {{'kgen.argmax' op cannot take the position of the maximum along dimension 1, which has size 0}}
  %0 = kgen.argmax %a dim 1 : tensor<4x0xf32> -> tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

func.func @argmax_rank0(%a: tensor<f32>) -> tensor<i64> {
  // expected-error @+1 {{'kgen.argmax' op input must have rank at least 1}}
  %0 = kgen.argmax %a dim 0 : tensor<f32> -> tensor<i64>
  return %0 : tensor<i64>
}

// -----

func.func @argmax_result_type(%a: tensor<4x5xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'kgen.argmax' op result #0 must be ranked tensor of 64-bit signless integer values}}
  %0 = "kgen.argmax"(%a) {dim = 1 : i64} : (tensor<4x5xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @cumsum_dim(%a: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{'kgen.cumsum' op dimension -1 is out of range for a tensor of rank 2}}
  %0 = kgen.cumsum %a dim -1 : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

func.func @cumprod_rank0(%a: tensor<f16>) -> tensor<f16> {
  // expected-error @+1 {{'kgen.cumprod' op input must have rank at least 1}}
  %0 = kgen.cumprod %a dim 0 : tensor<f16>
  return %0 : tensor<f16>
}

// -----

func.func @cumsum_type(%a: tensor<4x5xf32>) -> tensor<4x5xf16> {
  // expected-error @+1 {{'kgen.cumsum' op requires the same type for all operands and results}}
  %0 = "kgen.cumsum"(%a) {dim = 0 : i64} : (tensor<4x5xf32>) -> tensor<4x5xf16>
  return %0 : tensor<4x5xf16>
}

// -----

func.func @layer_norm_eps(%a: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{'kgen.layer_norm' op eps must not be negative}}
  %0 = kgen.layer_norm %a normalized_shape [5] eps -1.0 : (tensor<4x5xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

func.func @layer_norm_empty(%a: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{'kgen.layer_norm' op normalized_shape must not be empty}}
  %0 = kgen.layer_norm %a normalized_shape [] eps 1.0e-5 : (tensor<4x5xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

func.func @layer_norm_trailing(%a: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{'kgen.layer_norm' op normalized_shape [4] must equal the trailing dimensions of the input shape [4, 5]}}
  %0 = kgen.layer_norm %a normalized_shape [4] eps 1.0e-5 : (tensor<4x5xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

func.func @layer_norm_weight(%a: tensor<4x5xf32>, %w: tensor<4xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{'kgen.layer_norm' op weight shape [4] must equal normalized_shape [5]}}
  %0 = kgen.layer_norm %a weight %w normalized_shape [5] eps 1.0e-5 : (tensor<4x5xf32>, tensor<4xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

func.func @layer_norm_bias(%a: tensor<4x5xf32>, %b: tensor<1x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{'kgen.layer_norm' op bias shape [1, 5] must equal normalized_shape [5]}}
  %0 = kgen.layer_norm %a bias %b normalized_shape [5] eps 1.0e-5 : (tensor<4x5xf32>, tensor<1x5xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

func.func @layer_norm_result(%a: tensor<4x5xf32>) -> tensor<5x4xf32> {
  // expected-error @+1 {{'kgen.layer_norm' op result shape [5, 4] does not match the expected shape [4, 5]}}
  %0 = kgen.layer_norm %a normalized_shape [5] eps 1.0e-5 : (tensor<4x5xf32>) -> tensor<5x4xf32>
  return %0 : tensor<5x4xf32>
}

// -----

func.func @rms_norm_eps(%a: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{'kgen.rms_norm' op eps must not be negative}}
  %0 = kgen.rms_norm %a normalized_shape [5] eps -1.0e-6 : (tensor<4x5xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

func.func @rms_norm_shape(%a: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{'kgen.rms_norm' op normalized_shape [3, 4, 5] must equal the trailing dimensions of the input shape [4, 5]}}
  %0 = kgen.rms_norm %a normalized_shape [3, 4, 5] : (tensor<4x5xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

func.func @permute_count(%a: tensor<4x5xf32>) -> tensor<5x4xf32> {
  // expected-error @+1 {{'kgen.permute' op dims must list all 2 dimensions of the input, got 1}}
  %0 = kgen.permute %a dims [1] : tensor<4x5xf32> -> tensor<5x4xf32>
  return %0 : tensor<5x4xf32>
}

// -----

func.func @permute_duplicate(%a: tensor<4x5xf32>) -> tensor<5x5xf32> {
  // expected-error @+1 {{'kgen.permute' op dimension 1 appears more than once}}
  %0 = kgen.permute %a dims [1, 1] : tensor<4x5xf32> -> tensor<5x5xf32>
  return %0 : tensor<5x5xf32>
}

// -----

func.func @permute_result(%a: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{'kgen.permute' op result shape [4, 5] does not match the expected shape [5, 4]}}
  %0 = kgen.permute %a dims [1, 0] : tensor<4x5xf32> -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

func.func @reshape_count(%a: tensor<4x5xf32>) -> tensor<21xf32> {
  // expected-error @+1 {{'kgen.reshape' op cannot reshape 20 elements into 21}}
  %0 = kgen.reshape %a : tensor<4x5xf32> -> tensor<21xf32>
  return %0 : tensor<21xf32>
}

// -----

func.func @broadcast_to_bad(%a: tensor<3x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{'kgen.broadcast_to' op input shape [3, 5] does not broadcast to [4, 5]}}
  %0 = kgen.broadcast_to %a : tensor<3x5xf32> -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

func.func @broadcast_to_rank(%a: tensor<2x1x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{'kgen.broadcast_to' op input shape [2, 1, 5] does not broadcast to [4, 5]}}
  %0 = kgen.broadcast_to %a : tensor<2x1x5xf32> -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

func.func @constant_not_elements() -> tensor<f32> {
  // expected-error @+1 {{'kgen.constant' op attribute 'value' failed to satisfy constraint: constant vector/tensor attribute}}
  %0 = "kgen.constant"() {value = 1.0 : f32} : () -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @constant_type_mismatch() -> tensor<2xf32> {
  // expected-error @+1 {{'kgen.constant' op failed to verify that all of {value, result} have same type}}
  %0 = "kgen.constant"() {value = dense<1.0> : tensor<3xf32>} : () -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @constant_integer() -> tensor<2xi32> {
  // expected-error @+1 {{'kgen.constant' op result #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<2xi32>'}}
  %0 = kgen.constant dense<1> : tensor<2xi32>
  return %0 : tensor<2xi32>
}

// -----

func.func @attention_rank(%q: tensor<8xf32>, %k: tensor<8xf32>, %v: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'kgen.attention' op query must have rank at least 2 ([..., L, D])}}
  %0 = kgen.attention %q, %k, %v scale 1.0 : (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @attention_ranks_differ(%q: tensor<2x4x8xf32>, %k: tensor<6x8xf32>, %v: tensor<2x6x8xf32>) -> tensor<2x4x8xf32> {
  // expected-error @+1 {{'kgen.attention' op query, key and value must have the same rank, not 3, 2 and 3}}
  %0 = kgen.attention %q, %k, %v scale 1.0 : (tensor<2x4x8xf32>, tensor<6x8xf32>, tensor<2x6x8xf32>) -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

func.func @attention_batch(%q: tensor<2x4x8xf32>, %k: tensor<1x6x8xf32>, %v: tensor<2x6x8xf32>) -> tensor<2x4x8xf32> {
  // expected-error @+1 {{'kgen.attention' op query, key and value have different batch dimensions: [2, 4, 8], [1, 6, 8], [2, 6, 8]}}
  %0 = kgen.attention %q, %k, %v scale 1.0 : (tensor<2x4x8xf32>, tensor<1x6x8xf32>, tensor<2x6x8xf32>) -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

func.func @attention_features(%q: tensor<2x4x8xf32>, %k: tensor<2x6x4xf32>, %v: tensor<2x6x8xf32>) -> tensor<2x4x8xf32> {
  // expected-error @+1 {{'kgen.attention' op key's feature size (4) differs from query's (8)}}
  %0 = kgen.attention %q, %k, %v scale 1.0 : (tensor<2x4x8xf32>, tensor<2x6x4xf32>, tensor<2x6x8xf32>) -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

func.func @attention_positions(%q: tensor<2x4x8xf32>, %k: tensor<2x6x8xf32>, %v: tensor<2x5x8xf32>) -> tensor<2x4x8xf32> {
  // expected-error @+1 {{'kgen.attention' op value has 5 positions but key has 6}}
  %0 = kgen.attention %q, %k, %v scale 1.0 : (tensor<2x4x8xf32>, tensor<2x6x8xf32>, tensor<2x5x8xf32>) -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

func.func @attention_scale(%q: tensor<2x4x8xf32>, %k: tensor<2x6x8xf32>, %v: tensor<2x6x8xf32>) -> tensor<2x4x8xf32> {
  // expected-error @+1 {{'kgen.attention' op scale must be positive and finite, not 0}}
  %0 = kgen.attention %q, %k, %v scale 0.0 : (tensor<2x4x8xf32>, tensor<2x6x8xf32>, tensor<2x6x8xf32>) -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

func.func @attention_mask_and_causal(%q: tensor<2x4x8xf32>, %k: tensor<2x6x8xf32>, %v: tensor<2x6x8xf32>, %m: tensor<4x6xf32>) -> tensor<2x4x8xf32> {
  // expected-error @+1 {{'kgen.attention' op takes a mask or causal, not both}}
  %0 = kgen.attention %q, %k, %v mask %m scale 1.0 causal : (tensor<2x4x8xf32>, tensor<2x6x8xf32>, tensor<2x6x8xf32>, tensor<4x6xf32>) -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

func.func @attention_mask_shape(%q: tensor<2x4x8xf32>, %k: tensor<2x6x8xf32>, %v: tensor<2x6x8xf32>, %m: tensor<4x5xf32>) -> tensor<2x4x8xf32> {
  // expected-error @+1 {{'kgen.attention' op mask shape [4, 5] does not broadcast to the scores' [2, 4, 6]}}
  %0 = kgen.attention %q, %k, %v mask %m scale 1.0 : (tensor<2x4x8xf32>, tensor<2x6x8xf32>, tensor<2x6x8xf32>, tensor<4x5xf32>) -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

func.func @attention_result(%q: tensor<2x4x8xf32>, %k: tensor<2x6x8xf32>, %v: tensor<2x6x3xf32>) -> tensor<2x4x8xf32> {
  // expected-error @+1 {{'kgen.attention' op result shape}}
  %0 = kgen.attention %q, %k, %v scale 1.0 : (tensor<2x4x8xf32>, tensor<2x6x8xf32>, tensor<2x6x3xf32>) -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

func.func @concat_sizes(%a: tensor<4x2xf32>, %b: tensor<4x3xf32>) -> tensor<4x6xf32> {
  // expected-error @+1 {{'kgen.concat' op inputs add up to 5 along dimension 1, the result has 6}}
  %0 = kgen.concat %a, %b dim 1 : (tensor<4x2xf32>, tensor<4x3xf32>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @concat_other_dim(%a: tensor<4x2xf32>, %b: tensor<5x3xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{'kgen.concat' op input 1 of shape [5, 3] does not match the result [4, 5] outside dimension 1}}
  %0 = kgen.concat %a, %b dim 1 : (tensor<4x2xf32>, tensor<5x3xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

func.func @concat_element_type(%a: tensor<4x2xf32>, %b: tensor<4x3xf16>) -> tensor<4x5xf32> {
  // expected-error @+1 {{'kgen.concat' op mixes element types 'f32' and 'f16'; all operands and results must share one element type}}
  %0 = kgen.concat %a, %b dim 1 : (tensor<4x2xf32>, tensor<4x3xf16>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

func.func @concat_dim(%a: tensor<4x2xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{'kgen.concat' op dimension 2 is out of range for a tensor of rank 2}}
  %0 = kgen.concat %a dim 2 : (tensor<4x2xf32>) -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

func.func @concat_nothing() -> tensor<4x2xf32> {
  // expected-error @+1 {{'kgen.concat' op needs at least one input}}
  %0 = kgen.concat dim 0 : () -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

func.func @convert_shape(%m: tensor<4x5xi8>) -> tensor<20xf32> {
  // expected-error @+1 {{'kgen.convert' op cannot change the shape from [4, 5] to [20]; use kgen.reshape}}
  %0 = kgen.convert %m : tensor<4x5xi8> -> tensor<20xf32>
  return %0 : tensor<20xf32>
}

// -----

func.func @convert_same(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'kgen.convert' op converts 'f32' to itself; drop the conversion}}
  %0 = kgen.convert %x : tensor<4xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @convert_f64(%x: tensor<4xf64>) -> tensor<4xf32> {
  // expected-error @+1 {{'kgen.convert' op operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type or 64-bit signless integer or 32-bit signless integer or 8-bit signless integer values}}
  %0 = kgen.convert %x : tensor<4xf64> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
