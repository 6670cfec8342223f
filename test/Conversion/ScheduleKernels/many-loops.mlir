// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="print-schedules check-seeds=0" -o /dev/null 2>&1 | FileCheck %s

// An elementwise op over four loops (batch norm's scale of NCHW by a
// channel vector): the grid takes three, and the fourth (64 channels) runs
// whole in each thread. Nothing accumulates in an elementwise kernel, so
// the thread holds a vector at a time, not its whole tile: the heuristic
// schedule passes the register limit (the model once counted 64 x 4
// values plus overhead, 284 registers, and left the kernel unscheduled).
// CHECK-NOT: warning
// CHECK: remark: schedule from heuristic: {{.*}}"thread_tile":[0,0,1,4],{{.*}}"workgroup_tile":[1,0,4,128]}
// CHECK-NOT: warning
func.func @scale(%x: tensor<64x64x128x128xf32>, %s: tensor<64x1x1xf32>) -> tensor<64x64x128x128xf32> {
  %0 = kgen.mul %x, %s : (tensor<64x64x128x128xf32>, tensor<64x1x1xf32>) -> tensor<64x64x128x128xf32>
  return %0 : tensor<64x64x128x128xf32>
}

// A 3-D max pool over N x C x D x H x W: kgen-to-linalg pools over one
// leading dim (N x C = 512), so the grid tiles (nc, d, w) and a thread walks
// one loop (h) with one output live at a time. Over N and C apart, a
// thread held all 16 x 32 outputs (an estimated 540 registers) and the
// kernel stayed unscheduled.
// CHECK-NOT: warning
// CHECK: remark: schedule from heuristic: {{.*}}"thread_tile":[0,1,0,1],{{.*}}"workgroup_tile":[1,3,0,33]}
// CHECK-NOT: warning
func.func @pool3d(%x: tensor<16x32x64x64x64xf32>) -> tensor<16x32x33x33x33xf32> {
  %0 = kgen.max_pool %x kernel [3, 3, 3] stride [2, 2, 2] padding [1, 1, 1] dilation [1, 1, 1] ceil_mode : tensor<16x32x64x64x64xf32> -> tensor<16x32x33x33x33xf32>
  return %0 : tensor<16x32x33x33x33xf32>
}
