// kgen to AMDGCN: the same heuristic schedules and launches as on NVIDIA,
// lowered through ROCDL with Debian's ROCm device libraries.
// REQUIRES: rocm-device-libs
// RUN: kgen-opt %s -kgen-gpu-pipeline="chip=gfx942 format=isa" | FileCheck %s --check-prefix=GFX942
// RUN: kgen-opt %s -kgen-gpu-pipeline="chip=gfx90a format=isa" | FileCheck %s --check-prefix=GFX90A

// GFX942: gpu.binary @main_kernel_0_kernel
// GFX942-SAME: #rocdl.target<O = 3, chip = "gfx942">
// GFX942-SAME: .amdgcn_target \22amdgcn-amd-amdhsa--gfx942
// GFX942-SAME: global_load_dword
// The operand tiles and the accumulator are in LDS, behind barriers, once
// each (no cp.async on AMD: pipeline_depth stays 1), rows padded by 16
// bytes: 64x68 + 64x20 + 16x68 floats.
// GFX942-SAME: ds_write_b128
// GFX942-SAME: s_barrier
// GFX942-SAME: ds_read_b128
// GFX942-SAME: .amdhsa_kernel main_kernel_0_kernel
// GFX942-SAME: .amdhsa_group_segment_fixed_size 26880
// GFX942-SAME: .amdhsa_next_free_vgpr
// GFX90A: .amdgcn_target \22amdgcn-amd-amdhsa--gfx90a
func.func @main(%x: tensor<64x96xf32>, %w: tensor<96x128xf32>, %b: tensor<128xf32>) -> tensor<64x128xf32> {
  %0 = kgen.matmul %x, %w : (tensor<64x96xf32>, tensor<96x128xf32>) -> tensor<64x128xf32>
  %1 = kgen.add %0, %b : (tensor<64x128xf32>, tensor<128xf32>) -> tensor<64x128xf32>
  %2 = kgen.relu %1 : tensor<64x128xf32>
  return %2 : tensor<64x128xf32>
}
