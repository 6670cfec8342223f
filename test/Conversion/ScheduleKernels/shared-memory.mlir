// Rung 2's shared-memory model: promoted tiles times the pipeline depth,
// plus the accumulator tile, against the chip's limit per block (227 KB on
// sm_90a, whose buffers past 48 KB live in dynamic shared memory).
// 128x64 A and 64x128 B f32 tiles (rows padded by 16 bytes), 4 deep:
// 268 KB, + 66 KB of accumulator, is rejected; 2 deep (134 + 66 KB) is
// taken.
// RUN: echo '{"kernel": "main_kernel_0", "schedule": {"version": 1, "workgroup_tile": [128, 128], "thread_tile": [8, 8], "reduction_tile": [64], "promote_operands": [0, 1], "fuse": [0], "pipeline_depth": 4}}' > %t.deep.jsonl
// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.deep.jsonl rounds=1 check-seeds=0" -o /dev/null 2>&1 | FileCheck %s --check-prefix=DEEP
// RUN: echo '{"kernel": "main_kernel_0", "schedule": {"version": 1, "workgroup_tile": [128, 128], "thread_tile": [8, 8], "reduction_tile": [64], "promote_operands": [0, 1], "fuse": [0], "pipeline_depth": 2}}' > %t.fits.jsonl
// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.fits.jsonl rounds=1 check-seeds=0 print-schedules" -o /dev/null 2>&1 | FileCheck %s --check-prefix=FITS
// DEEP: warning: no schedule from the replay proposer passed verification (last: [shared_memory] 342016 bytes of shared memory per block exceed the 232448 bytes of sm_90a); using the heuristic schedule
// FITS: remark: schedule from replay: {{.*}}"pipeline_depth":2
func.func @main(%a: tensor<512x512xf32>, %b: tensor<512x512xf32>) -> tensor<512x512xf32> {
  %0 = kgen.matmul %a, %b : (tensor<512x512xf32>, tensor<512x512xf32>) -> tensor<512x512xf32>
  return %0 : tensor<512x512xf32>
}
