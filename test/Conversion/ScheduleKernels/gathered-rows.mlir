// RUN: kgen-opt %s -kgen-linalg -kgen-form-kernels -kgen-schedule-kernels="print-schedules check-seeds=0" -o /dev/null 2>&1 | FileCheck %s

// Cross-entropy over 16384 samples as kgen-import writes it. The row max,
// the exp-sum and each sample's loss (logsumexp minus the logit gathered
// at its target) are one kernel: the max is the exp-sum's row statistic,
// and the loss is its sink, elementwise on the rows' outputs. The gather
// is that sink's only strided read, done once per row after the lanes
// have combined it, so the rows still take lanes; single floats, because
// rows of 1000 are 250 vectors of 4, which only 2 lanes divide, and
// single floats give 8 (fewer than 8 lanes leave most threads idle).
// The loss sum (16384 elements, split into 4 rows of 4096) then reads
// plain per-sample losses, in vectors.
// CHECK-NOT: warning
// CHECK: remark: schedule from heuristic: {"fuse":[0,1,2,3],{{.*}}"reduction_lanes":8,{{.*}}"vector_width":1,
// CHECK: remark: schedule from heuristic: {{.*}}"reduction_lanes":256,{{.*}}"vector_width":4,
// CHECK-NOT: warning
func.func @cross_entropy(%logits: tensor<16384x1000xf32>, %targets: tensor<16384xi64>) -> tensor<f32> {
  %m = kgen.max %logits dims [1] keepdim : tensor<16384x1000xf32> -> tensor<16384x1xf32>
  %d = kgen.sub %logits, %m : (tensor<16384x1000xf32>, tensor<16384x1xf32>) -> tensor<16384x1000xf32>
  %e = kgen.exp %d : tensor<16384x1000xf32>
  %s = kgen.sum %e dims [1] keepdim : tensor<16384x1000xf32> -> tensor<16384x1xf32>
  %l = kgen.log %s : tensor<16384x1xf32>
  %lse1 = kgen.add %l, %m : (tensor<16384x1xf32>, tensor<16384x1xf32>) -> tensor<16384x1xf32>
  %lse = kgen.reshape %lse1 : tensor<16384x1xf32> -> tensor<16384xf32>
  %t = kgen.reshape %targets : tensor<16384xi64> -> tensor<16384x1xi64>
  %p1 = kgen.gather %logits, %t dim 1 : (tensor<16384x1000xf32>, tensor<16384x1xi64>) -> tensor<16384x1xf32>
  %p = kgen.reshape %p1 : tensor<16384x1xf32> -> tensor<16384xf32>
  %logp = kgen.sub %p, %lse : (tensor<16384xf32>, tensor<16384xf32>) -> tensor<16384xf32>
  %n = kgen.neg %logp : tensor<16384xf32>
  %v = kgen.sum %n dims [0] : tensor<16384xf32> -> tensor<f32>
  return %v : tensor<f32>
}
