// kgen to PTX: heuristic schedules, one launch per kernel, PTX per target.
// RUN: kgen-opt %s -kgen-gpu-pipeline="chip=sm_90a format=isa" | FileCheck %s --check-prefix=SM90
// RUN: kgen-opt %s -kgen-gpu-pipeline="chip=sm_80 format=isa" | FileCheck %s --check-prefix=SM80
// RUN: kgen-opt %s -kgen-gpu-pipeline="chip=sm_90a format=isa" | FileCheck %s --check-prefix=HOST

// The gemm + bias + relu kernel: 64x64 tiles of 4x4 per thread give 16x16
// thread blocks; the 64x128 output needs a 2x1 grid. The operands' 64x16
// and 16x64 tiles, twice each (double-buffered), and the 64x64
// accumulator live in shared memory, rows padded by 16 bytes (64x20,
// 16x68 and 64x68 floats allocated).
// SM90: gpu.binary @main_kernel_0_kernel
// SM90-SAME: #nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">
// SM90-SAME: .target sm_90a
// SM90-SAME: .visible .entry main_kernel_0_kernel(
// The kernel's buffers are promised 16-byte aligned, so the vectors of 4
// become vector loads and stores; the matmul is FMAs.
// SM90-SAME: .param .u64 .ptr .align 16 main_kernel_0_kernel_param_0
// SM90-SAME: .maxntid 16, 16, 1
// SM90-SAME: .shared .align 16 .b8 __wg_main_kernel_0_kernel_0[17408]
// SM90-SAME: .shared .align 16 .b8 __wg_main_kernel_0_kernel_1[5120]
// SM90-SAME: .shared .align 16 .b8 __wg_main_kernel_0_kernel_2[4352]
// SM90-SAME: .shared .align 16 .b8 __wg_main_kernel_0_kernel_3[5120]
// SM90-SAME: .shared .align 16 .b8 __wg_main_kernel_0_kernel_4[4352]
// SM90-SAME: st.shared.v4.b32
// SM90-SAME: bar.sync
// The first step's copies are issued before the loop; each thread copies
// runs of 4 floats of both tiles along their rows (16 bytes, past L1).
// SM90-SAME: cp.async.cg.shared.global [%rd{{[0-9+]+}}], [%rd{{[0-9+]+}}], 16;
// SM90-SAME: cp.async.cg.shared.global [%rd{{[0-9+]+}}], [%rd{{[0-9+]+}}], 16;
// SM90-SAME: cp.async.commit_group;
// Each thread's 4x4 accumulators are loaded into registers once, before
// the loop (kgen-hoist-accumulators).
// SM90-SAME: bar.sync
// SM90-SAME: ld.shared.v4.b32 {{[^;]*}}, {{\[}}%rd[[ACC:[0-9]+]]{{\]}};
// SM90-SAME: ld.shared.v4.b32 {{[^;]*}}, [%rd[[ACC]]+272];
// SM90-SAME: ld.shared.v4.b32 {{[^;]*}}, [%rd[[ACC]]+544];
// SM90-SAME: ld.shared.v4.b32 {{[^;]*}}, [%rd[[ACC]]+816];
// Each step issues the next one's copies, waits for its own, synchronizes
// and computes: the whole thread tile in straight-line FMAs, on operands
// from shared memory and accumulators in registers.
// SM90-SAME: cp.async.cg.shared.global
// SM90-SAME: cp.async.commit_group;
// SM90-SAME: cp.async.wait_group \091;
// SM90-SAME: bar.sync
// SM90-NOT: bar.sync
// SM90-SAME: ld.shared.v4.b32
// SM90-SAME: fma.rn.f32
// SM90-NOT: {{\[}}%rd[[ACC]]{{[]+]}}
// SM90-SAME: bar.sync
// After the loop, the accumulators go back once for the epilogue.
// SM90-SAME: st.shared.v4.b32 \09{{\[}}%rd[[ACC]]{{\]}}
// SM90-SAME: bar.sync
// SM90-SAME: st.global.v4.b32
// The host side launches it from the kernel's host function.
// HOST: llvm.func @main_kernel_0(
// HOST: gpu.launch_func @main_kernel_0_kernel::@main_kernel_0_kernel blocks in (%{{.*}}, %{{.*}}, %{{.*}}) threads in (%{{.*}}, %{{.*}}, %{{.*}})
// SM80: .target sm_80
// SM80-SAME: .maxntid 16, 16, 1
func.func @main(%x: tensor<64x96xf32>, %w: tensor<96x128xf32>, %b: tensor<128xf32>) -> tensor<64x128xf32> {
  %0 = kgen.matmul %x, %w : (tensor<64x96xf32>, tensor<96x128xf32>) -> tensor<64x128xf32>
  %1 = kgen.add %0, %b : (tensor<64x128xf32>, tensor<128xf32>) -> tensor<64x128xf32>
  %2 = kgen.relu %1 : tensor<64x128xf32>
  return %2 : tensor<64x128xf32>
}
