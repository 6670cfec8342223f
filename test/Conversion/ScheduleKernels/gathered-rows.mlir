// RUN: kgen-opt %s -kgen-linalg -kgen-form-kernels -kgen-schedule-kernels="print-schedules check-seeds=0" -o /dev/null 2>&1 | FileCheck %s

// Cross-entropy over 16384 samples as kgen-import writes it: the loss sum
// (16384 elements) is split into 4 rows of 4096, and its row reduction
// gathers each sample's logit (the gather fused into it). Those reads are
// scalar, so the heuristic gives that kernel lanes without vectors, not
// vectors the vectorizer refuses (which left one thread per row after a
// failed transform, and a warning).
//
// The logsumexp's two row kernels read rows of 1000 floats: 250 vectors of
// 4, which only 2 lanes divide; single floats give 8 lanes, which the
// heuristic prefers (fewer than 8 lanes leave most threads idle).
// CHECK-NOT: warning
// CHECK: remark: schedule from heuristic: {{.*}}"reduction_lanes":8,{{.*}}"vector_width":1,
// CHECK: remark: schedule from heuristic: {{.*}}"reduction_lanes":8,{{.*}}"vector_width":1,
// CHECK: remark: schedule from heuristic: {{.*}}"reduction_lanes":1024,{{.*}}"vector_width":1,
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
