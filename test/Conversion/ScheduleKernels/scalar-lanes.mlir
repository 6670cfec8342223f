// A reduction to a scalar has no output dimension for lanes to share:
// rung 2 refuses reduction_lanes there (its expansion used to crash), and
// the heuristic's schedule is used. Whole reductions of 128 elements or
// more never reach it: kgen-split-whole-reductions makes them a row.
// RUN: echo '{"kernel": "tiny_kernel_0", "schedule": {"version": 1, "fuse": [0], "workgroup_tile": [], "thread_tile": [], "reduction_tile": [0], "vector_width": 1, "reduction_lanes": 32}}' > %t.jsonl
// RUN: kgen-opt %s -kgen-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.jsonl rounds=1 print-schedules" -o /dev/null 2>&1 | FileCheck %s
// CHECK: warning: no schedule from the replay proposer passed verification (last: [reduction_lanes] reduction_lanes needs a root with an output dimension; this root reduces to a scalar
// CHECK: remark: schedule from heuristic: {{.*}}"reduction_lanes":1,
func.func @tiny(%x: tensor<8x8xf32>) -> tensor<f32> {
  %0 = kgen.sum %x dims [0, 1] : tensor<8x8xf32> -> tensor<f32>
  return %0 : tensor<f32>
}
