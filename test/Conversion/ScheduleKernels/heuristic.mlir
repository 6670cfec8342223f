// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels | FileCheck %s
// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels=print-schedules -o /dev/null 2>&1 | FileCheck %s --check-prefix=SCRIPT

// The heuristic tiles gemm + bias + relu into 64x64 workgroup tiles (clamped
// to the loop sizes) of 4x4 per thread and stages both operands through
// shared memory: each workgroup walks the reduction 16 at a time, all its
// threads copying the A and B tiles into workgroup memory, then each thread
// adding its 4x4 tile's products (vectors of 4 along the row, outer-product
// FMAs) into the accumulator in workgroup memory. The bias and relu follow
// per thread on the finished accumulator.
// CHECK-LABEL: func.func private @main_kernel_0
// CHECK:         scf.forall (%{{.*}}, %{{.*}}) in (1, 2) shared_outs
// CHECK:           %[[ACC:.*]] = bufferization.alloc_tensor() {memory_space = #gpu.address_space<workgroup>} : tensor<64x64xf32>
// CHECK:           %[[FILLED:.*]] = scf.forall (%{{.*}}, %{{.*}}) in (16, 16) shared_outs(%{{.*}} = %[[ACC]])
// CHECK:             vector.transfer_write {{.*}} : vector<4x4xf32>, tensor<4x4xf32>
// CHECK:           scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %[[FILLED]]) -> (tensor<64x64xf32>)
// CHECK:             %[[A:.*]] = bufferization.alloc_tensor() {memory_space = #gpu.address_space<workgroup>} : tensor<64x16xf32>
// CHECK:             scf.forall (%{{.*}}, %{{.*}}) in (16, 16) shared_outs(%{{.*}} = %[[A]])
// CHECK:               tensor.parallel_insert_slice {{.*}} : tensor<4x1xf32> into tensor<64x16xf32>
// CHECK:             } {mapping = [#gpu.thread<y>, #gpu.thread<x>]}
// CHECK:             %[[B:.*]] = bufferization.alloc_tensor() {memory_space = #gpu.address_space<workgroup>} : tensor<16x64xf32>
// CHECK:             scf.forall (%{{.*}}, %{{.*}}) in (16, 16) shared_outs(%{{.*}} = %[[B]])
// CHECK:               tensor.parallel_insert_slice {{.*}} : tensor<1x4xf32> into tensor<16x64xf32>
// CHECK:             } {mapping = [#gpu.thread<y>, #gpu.thread<x>]}
// CHECK:             scf.forall (%{{.*}}, %{{.*}}) in (16, 16) shared_outs
// CHECK-COUNT-16:      vector.fma {{.*}} : vector<4xf32>
// CHECK:             } {mapping = [#gpu.thread<y>, #gpu.thread<x>]}
// CHECK:           scf.forall (%{{.*}}, %{{.*}}) in (16, 16) shared_outs
// CHECK:             arith.addf {{.*}} : vector<4xf32>
// CHECK:             arith.maximumf {{.*}} : vector<4xf32>
// CHECK:           } {mapping = [#gpu.thread<y>, #gpu.thread<x>]}
// CHECK:         } {mapping = [#gpu.block<y>, #gpu.block<x>]}

// SCRIPT: remark: schedule from heuristic: {"fuse":[0,1,2],"matrix_instruction":"none","pipeline_depth":2,"promote_operands":[0,1],"reduction_tile":[16],"split_reduction":0,"thread_tile":[4,4],"vector_width":4,"version":1,"workgroup_tile":[64,64]}
// SCRIPT: transform.named_sequence @__transform_main
// SCRIPT: transform.structured.tile_using_forall %sink tile_sizes [64, 64] (mapping = [#gpu.block<y>, #gpu.block<x>])
// SCRIPT: transform.structured.fuse_into_containing_op %op2 into %block_forall
// SCRIPT: %reduced, %reduction_loop = transform.structured.tile_using_for %fused0_op1 tile_sizes [0, 0, 16]
// The double-buffered copies are built after the GPU mapping, on this loop.
// SCRIPT: %pipeline_depth = transform.param.constant 2 : i64 -> !transform.param<i64>
// SCRIPT: transform.annotate %reduction_loop "kgen.pipeline_depth" = %pipeline_depth
// SCRIPT: transform.structured.pad %reduced {padding_values = [0.0 : f32, 0.0 : f32, 0.0 : f32], padding_dimensions = [0, 1, 2], nofold_flags = [1, 1, 0], copy_back_op = "none"}
// SCRIPT: transform.structured.rewrite_in_destination_passing_style %promote_pads
// SCRIPT: transform.structured.promote_tensor to #gpu.address_space<workgroup> %copy0_init
// SCRIPT: transform.structured.promote_tensor to #gpu.address_space<workgroup> %copy1_init
// SCRIPT: transform.structured.promote_tensor to #gpu.address_space<workgroup> %accumulator_init
// SCRIPT: transform.structured.tile_using_forall %copy0 tile_sizes [4, 1] (mapping = [#gpu.thread<y>, #gpu.thread<x>])
// SCRIPT: transform.structured.tile_using_forall %copy1 tile_sizes [1, 4] (mapping = [#gpu.thread<y>, #gpu.thread<x>])
// SCRIPT: transform.structured.tile_using_forall %fused0_op0 tile_sizes [4, 4] (mapping = [#gpu.thread<y>, #gpu.thread<x>])
// SCRIPT: transform.structured.tile_using_forall %promoted_root tile_sizes [4, 4, 0] (mapping = [#gpu.thread<y>, #gpu.thread<x>])
// SCRIPT: %root_vector_tiled, %root_vector_loop0, %root_vector_loop1 = transform.structured.tile_using_for %root_threads tile_sizes [1, 4, 0]
// SCRIPT: transform.structured.tile_using_forall %tiled0 tile_sizes [4, 4] (mapping = [#gpu.thread<y>, #gpu.thread<x>])
// SCRIPT: transform.structured.fuse_into_containing_op %fused0_op2 into %thread_forall
// SCRIPT-NOT: fuse_into_containing_op %fused0_op1
// SCRIPT: %vector_tiled, %vector_loop0, %vector_loop1 = transform.structured.tile_using_for %tiled1 tile_sizes [1, 4]
// SCRIPT: transform.structured.vectorize %root_vector_tiled {create_named_contraction}
// SCRIPT: transform.structured.vectorize %vector_tiled {create_named_contraction}
// SCRIPT: transform.apply_patterns.vector.lower_contraction lowering_strategy = "outerproduct"
func.func @main(%x: tensor<64x96xf32>, %w: tensor<96x128xf32>, %b: tensor<128xf32>) -> tensor<64x128xf32> {
  %0 = kgen.matmul %x, %w : (tensor<64x96xf32>, tensor<96x128xf32>) -> tensor<64x128xf32>
  %1 = kgen.add %0, %b : (tensor<64x128xf32>, tensor<128xf32>) -> tensor<64x128xf32>
  %2 = kgen.relu %1 : tensor<64x128xf32>
  return %2 : tensor<64x128xf32>
}
