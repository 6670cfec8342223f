// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="print-schedules check-seeds=0" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SM90
// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="print-schedules check-seeds=0 target=gfx942" -o /dev/null 2>&1 | FileCheck %s --check-prefix=GFX942

// The heuristic's lanes and staging for rows longer than 64 KB.
//
// A vocabulary of 32000 floats: 8000 vectors, which 800 lanes (25 warps)
// split evenly, where the largest power of two dividing them is 64. The
// block holds one 128 KB row and is wide, so it stages it (sm_90a's block
// takes 227 KB). On gfx942, 320 lanes (5 waves of 64: 800 would end one
// mid-wave) and no staging (64 KB per block).
// SM90: remark: schedule from heuristic: {{.*}}"promote_operands":[0],"reduction_lanes":800,
// GFX942: remark: schedule from heuristic: {{.*}}"promote_operands":[],"reduction_lanes":320,
func.func @vocab(%x: tensor<256x32000xf32>) -> tensor<256x32000xf32> {
  %0 = kgen.log_softmax %x dim 1 : tensor<256x32000xf32>
  return %0 : tensor<256x32000xf32>
}

// Rows of 16768 floats: 4192 vectors of 4, which only a warp (32 x 131)
// divides. A block of 32 lanes does not stage its 67 KB row: alone on its
// SM it would leave the SM almost idle.
// SM90: remark: schedule from heuristic: {{.*}}"promote_operands":[],"reduction_lanes":32,
// GFX942: remark: schedule from heuristic: {{.*}}"promote_operands":[],"reduction_lanes":64,{{.*}}"vector_width":2,
func.func @narrow(%x: tensor<64x16768xf32>) -> tensor<64x16768xf32> {
  %0 = kgen.softmax %x dim 1 : tensor<64x16768xf32>
  return %0 : tensor<64x16768xf32>
}
