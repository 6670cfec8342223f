// A reduction with two outputs (a streamed softmax's running max and sum
// per chunk of its rows) has no single combiner for lanes to combine its
// outputs with: rung 2 refuses reduction_lanes there (the split used to
// fail in the transform), and the heuristic's schedule (one thread per
// output) is used.
// RUN: echo '{"kernel": "long_kernel_0", "schedule": {"version": 1, "fuse": [0, 1], "workgroup_tile": [1, 32], "thread_tile": [0, 4], "reduction_tile": [0], "vector_width": 4, "reduction_lanes": 16}}' > %t.jsonl
// RUN: kgen-opt %s -kgen-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.jsonl rounds=1 print-schedules" -o /dev/null 2>&1 | FileCheck %s
// CHECK: warning: no schedule from the replay proposer passed verification (last: [reduction_lanes] reduction_lanes needs a root with one output; this root has 2
// CHECK: remark: schedule from heuristic: {{.*}}"reduction_lanes":1,
func.func @long(%x: tensor<2x65536xf32>) -> tensor<2x65536xf32> {
  %0 = kgen.softmax %x dim 1 : tensor<2x65536xf32>
  return %0 : tensor<2x65536xf32>
}
