// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%S/Inputs/bad-schedules.jsonl rounds=20" -verify-diagnostics -o /dev/null
// RUN: rm -f %t.jsonl
// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%S/Inputs/bad-schedules.jsonl rounds=20 trajectory=%t.jsonl" -o /dev/null 2>/dev/null
// RUN: FileCheck %s --check-prefix=LOG < %t.jsonl

// Every candidate in the transcript breaks one rule; each is rejected with
// its reason code, then the heuristic schedule is used (and logged).
// LOG: "reason":"no_json"
// LOG: 'workgroup_tile' must be an array of integers{{.*}}"reason":"schema"
// LOG: unknown field 'unroll'{{.*}}"reason":"schema"
// LOG: unsupported schedule version 7{{.*}}"reason":"version"
// LOG: workgroup_tile has 1 entries but the kernel has 2 such loops (sizes [64, 128]){{.*}}"reason":"rank_mismatch"
// LOG: "reason":"nonpositive_tile"
// LOG: workgroup_tile [128, 64] exceeds the loop sizes [64, 128]{{.*}}"reason":"tile_exceeds_dim"
// LOG: vector_width 3 is not 1, 2, 4 or 8{{.*}}"reason":"vector_width"
// LOG: "reason":"pipeline_depth"
// LOG: op 1 is fused but its consumer op 2 is not{{.*}}"reason":"illegal_fusion"
// LOG: "reason":"promote_operand"
// LOG: 'mfma' is not available on sm_90a{{.*}}"reason":"matrix_instruction"
// LOG: 8192 threads per block exceed the 1024 limit of sm_90a{{.*}}"reason":"threads_per_block"
// LOG: "reason":"registers"
// LOG: does not divide the innermost thread tile 3{{.*}}"reason":"vector_width"
// LOG: makes 768-element vectors{{.*}}"reason":"vector_width"
// LOG: "reason":"replay_exhausted"
// LOG: "proposer":"heuristic"{{.*}}"verdict":{"accepted":true

func.func @main(%x: tensor<64x96xf32>, %w: tensor<96x128xf32>, %b: tensor<128xf32>) -> tensor<64x128xf32> {
  %0 = kgen.matmul %x, %w : (tensor<64x96xf32>, tensor<96x128xf32>) -> tensor<64x128xf32>
  %1 = kgen.add %0, %b : (tensor<64x128xf32>, tensor<128xf32>) -> tensor<64x128xf32>
  // expected-warning @+1 {{no schedule from the replay proposer passed verification (last: [replay_exhausted] the transcript has no (more) answers for main_kernel_0}}
  %2 = kgen.relu %1 : tensor<64x128xf32>
  return %2 : tensor<64x128xf32>
}
