// A kernel is one GPU launch: a schedule that leaves an op outside the
// tile loops (here the accumulator's fill) could not run, so rung 2
// rejects it and the heuristic schedule, which fuses every op, is used.
// RUN: echo '{"kernel": "main_kernel_0", "schedule": {"version": 1, "workgroup_tile": [64, 64], "thread_tile": [4, 4], "reduction_tile": [16], "fuse": []}}' > %t.jsonl
// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.jsonl rounds=1" -o /dev/null 2>&1 | FileCheck %s
// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.jsonl rounds=1" -kgen-gpu-codegen="chip=sm_90a format=isa" | FileCheck %s --check-prefix=PTX
// CHECK: warning: no schedule from the replay proposer passed verification (last: [illegal_fusion] op 0 (linalg.fill) is not fused: on a GPU every op of a kernel runs inside its tile loops (fuse every op but the sink, or leave 'fuse' out)); using the heuristic schedule
// PTX: .visible .entry main_kernel_0_kernel(
func.func @main(%a: tensor<128x64xf32>, %b: tensor<64x128xf32>) -> tensor<128x128xf32> {
  %0 = kgen.matmul %a, %b : (tensor<128x64xf32>, tensor<64x128xf32>) -> tensor<128x128xf32>
  return %0 : tensor<128x128xf32>
}
