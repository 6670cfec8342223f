// An f16 batched matmul kernel that returns the f32 accumulator (the
// conversion to f16 is another kernel's), as kgen-form-kernels makes of
// attention's Q·Kᵀ, whose f32 result two kernels read.
// Its kernel's result type is f32, but its operands are f16: the vectorizer
// must not make one-type vector.contract ops of it, which the outer-product
// lowering leaves as 2-D f16 vectors that neither the CPU nor the NVVM
// conversion takes. The replayed schedule keeps the whole K = 8 reduction in
// each thread, with 4-wide vectors: it passes the whole verification ladder
// (rung 4 compiles it for the CPU) and compiles to PTX that widens the f16
// operands and multiplies and adds in f32.
// RUN: echo '{"kernel": "main_kernel_0", "schedule": {"version": 1, "workgroup_tile": [1, 12, 12], "thread_tile": [0, 4, 4], "reduction_tile": [0], "vector_width": 4, "promote_operands": [0, 1], "fuse": [0]}}' > %t.jsonl
// RUN: kgen-opt %s -kgen-schedule-kernels="proposer=replay replay=%t.jsonl rounds=1 print-schedules" -kgen-gpu-codegen="chip=sm_90a format=isa" 2>&1 | FileCheck %s

// CHECK: remark: schedule from replay: {{.*}}"vector_width":4{{.*}}"workgroup_tile":[1,12,12]
// CHECK-NOT: warning
// CHECK: .visible .entry main_kernel_0_kernel(
// CHECK: cvt.f32.f16
// CHECK: mul.rn.f32
// CHECK: add.rn.f32
func.func @main(%a: tensor<2x12x8xf16>, %b: tensor<2x8x12xf16>) -> tensor<2x12x12xf32> {
  %0 = call @main_kernel_0(%a, %b) : (tensor<2x12x8xf16>, tensor<2x8x12xf16>) -> tensor<2x12x12xf32>
  return %0 : tensor<2x12x12xf32>
}
func.func private @main_kernel_0(%a: tensor<2x12x8xf16>, %b: tensor<2x8x12xf16>) -> tensor<2x12x12xf32> attributes {kgen.kernel} {
  %zero = arith.constant 0.000000e+00 : f32
  %0 = tensor.empty() : tensor<2x12x12xf32>
  %1 = linalg.fill {kgen.op = 0 : i64} ins(%zero : f32) outs(%0 : tensor<2x12x12xf32>) -> tensor<2x12x12xf32>
  %2 = linalg.batch_matmul {kgen.op = 1 : i64, kgen.root, kgen.sink} ins(%a, %b : tensor<2x12x8xf16>, tensor<2x8x12xf16>) outs(%1 : tensor<2x12x12xf32>) -> tensor<2x12x12xf32>
  return %2 : tensor<2x12x12xf32>
}
