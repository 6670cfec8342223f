// Which rows stream is the target's: a block stages a row as long as the
// chip's shared memory per block (227 KB on sm_90a, 163 KB on sm_80, 64 KB
// on gfx942); without a target, rows stream where no known chip's block
// stages them. stream-rows overrides the choice.
// RUN: kgen-opt %s -kgen-to-linalg -split-input-file | FileCheck %s --check-prefix=ANY
// RUN: kgen-opt %s -kgen-to-linalg=target=sm_90a -split-input-file | FileCheck %s --check-prefix=SM90
// RUN: kgen-opt %s -kgen-to-linalg=target=sm_80 -split-input-file | FileCheck %s --check-prefix=SM80
// RUN: kgen-opt %s -kgen-to-linalg=target=gfx942 -split-input-file | FileCheck %s --check-prefix=GFX942
// RUN: kgen-opt %s "-kgen-to-linalg=target=gfx942 stream-rows=never" -split-input-file | FileCheck %s --check-prefix=NEVER
// RUN: kgen-opt %s -kgen-to-linalg=stream-rows=always -split-input-file | FileCheck %s --check-prefix=ALWAYS
// RUN: kgen-opt %s "-kgen-linalg=target=sm_80" -split-input-file | FileCheck %s --check-prefix=SM80
// RUN: kgen-opt %s -kgen-gpu-pipeline="chip=gfx942 format=isa" -split-input-file -mlir-print-ir-after=kgen-to-linalg -o /dev/null 2>&1 | FileCheck %s --check-prefix=GFX942

// Rows of 48000 floats (188 KB): staged on sm_90a, streamed on sm_80 and
// gfx942.
// ANY-LABEL:    func.func @softmax_188k
// ANY-NOT:        tensor.expand_shape
// SM90-LABEL:   func.func @softmax_188k
// SM90-NOT:       tensor.expand_shape
// SM80-LABEL:   func.func @softmax_188k
// SM80:           tensor.expand_shape {{.*}} output_shape [4, 375, 128]
// SM80:           linalg.yield %{{.*}}, %{{.*}} : f32, f32
// GFX942-LABEL: func.func @softmax_188k
// GFX942:         tensor.expand_shape {{.*}} output_shape [4, 375, 128]
// NEVER-LABEL:  func.func @softmax_188k
// NEVER-NOT:      tensor.expand_shape
// ALWAYS-LABEL: func.func @softmax_188k
// ALWAYS:         tensor.expand_shape {{.*}} output_shape [4, 375, 128]
func.func @softmax_188k(%x: tensor<4x48000xf32>) -> tensor<4x48000xf32> {
  %0 = kgen.softmax %x dim 1 : tensor<4x48000xf32>
  return %0 : tensor<4x48000xf32>
}

// -----

// Rows of 20000 floats (78 KB): staged everywhere but on gfx942; with
// stream-rows=always, streamed even where a block stages them. A
// layer_norm streams Welford's statistics.
// ANY-LABEL:    func.func @layer_norm_78k
// ANY-NOT:        tensor.expand_shape
// SM80-LABEL:   func.func @layer_norm_78k
// SM80-NOT:       tensor.expand_shape
// GFX942-LABEL: func.func @layer_norm_78k
// GFX942:         tensor.expand_shape {{.*}} output_shape [4, 625, 32]
// GFX942:         arith.uitofp
// NEVER-LABEL:  func.func @layer_norm_78k
// NEVER-NOT:      tensor.expand_shape
// ALWAYS-LABEL: func.func @layer_norm_78k
// ALWAYS:         tensor.expand_shape {{.*}} output_shape [4, 625, 32]
func.func @layer_norm_78k(%x: tensor<4x20000xf32>) -> tensor<4x20000xf32> {
  %0 = kgen.layer_norm %x normalized_shape [20000] eps 1.0e-5 : (tensor<4x20000xf32>) -> tensor<4x20000xf32>
  return %0 : tensor<4x20000xf32>
}

// -----

// A row too short to split into chunks of 32 never streams.
// ALWAYS-LABEL: func.func @short_row
// ALWAYS-NOT:     tensor.expand_shape
func.func @short_row(%x: tensor<4x48xf32>) -> tensor<4x48xf32> {
  %0 = kgen.log_softmax %x dim 1 : tensor<4x48xf32>
  return %0 : tensor<4x48xf32>
}
