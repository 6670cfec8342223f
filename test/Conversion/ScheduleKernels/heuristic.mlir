// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels | FileCheck %s
// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels=print-schedules -o /dev/null 2>&1 | FileCheck %s --check-prefix=SCRIPT

// The heuristic tiles gemm + bias + relu into 64x64 workgroup tiles (clamped
// to the loop sizes) of 4x4 per thread, fuses the fill, matmul and bias into
// the tiles, walks each thread's tile in vectors of 4 (one row at a time)
// and tiles the reduction by 32; the matmul becomes outer-product FMAs.
// CHECK-LABEL: func.func private @main_kernel_0
// CHECK:         scf.forall (%{{.*}}, %{{.*}}) in (1, 2) shared_outs
// CHECK:           scf.forall (%{{.*}}, %{{.*}}) in (16, 16) shared_outs
// CHECK:             scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args({{.*}}) -> (tensor<4x4xf32>)
// CHECK:               vector.transfer_write %{{.*}} : vector<4xf32>, tensor<1x4xf32>
// CHECK:               scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args({{.*}}) -> (tensor<1x4xf32>)
// CHECK:                 vector.transfer_read {{.*}} : tensor<32x4xf32>, vector<32x4xf32>
// CHECK:                 vector.fma {{.*}} : vector<4xf32>
// CHECK:               arith.addf {{.*}} : vector<4xf32>
// CHECK:               arith.maximumf {{.*}} : vector<4xf32>
// CHECK:               vector.transfer_write {{.*}} : vector<4xf32>, tensor<1x4xf32>
// CHECK:           } {mapping = [#gpu.thread<y>, #gpu.thread<x>]}
// CHECK:         } {mapping = [#gpu.block<y>, #gpu.block<x>]}

// SCRIPT: remark: schedule from heuristic: {"fuse":[0,1,2],"matrix_instruction":"none","pipeline_depth":1,"promote_operands":[],"reduction_tile":[32],"split_reduction":0,"thread_tile":[4,4],"vector_width":4,"version":1,"workgroup_tile":[64,64]}
// SCRIPT: transform.named_sequence @__transform_main
// SCRIPT: transform.structured.tile_using_forall %sink tile_sizes [64, 64] (mapping = [#gpu.block<y>, #gpu.block<x>])
// SCRIPT: transform.structured.fuse_into_containing_op %op2 into %block_forall
// SCRIPT: transform.structured.tile_using_forall %tiled0 tile_sizes [4, 4] (mapping = [#gpu.thread<y>, #gpu.thread<x>])
// SCRIPT: %vector_tiled, %vector_loop0, %vector_loop1 = transform.structured.tile_using_for %tiled1 tile_sizes [1, 4]
// SCRIPT: transform.structured.fuse_into_containing_op %fused1_op2 into %vector_loop1
// SCRIPT: transform.structured.tile_using_for %vector_op1 tile_sizes [0, 0, 32]
// SCRIPT: transform.structured.vectorize %vector_tiled {create_named_contraction}
// SCRIPT: transform.structured.vectorize %reduced {create_named_contraction}
// SCRIPT: transform.apply_patterns.vector.lower_contraction lowering_strategy = "outerproduct"
func.func @main(%x: tensor<64x96xf32>, %w: tensor<96x128xf32>, %b: tensor<128xf32>) -> tensor<64x128xf32> {
  %0 = kgen.matmul %x, %w : (tensor<64x96xf32>, tensor<96x128xf32>) -> tensor<64x128xf32>
  %1 = kgen.add %0, %b : (tensor<64x128xf32>, tensor<128xf32>) -> tensor<64x128xf32>
  %2 = kgen.relu %1 : tensor<64x128xf32>
  return %2 : tensor<64x128xf32>
}
