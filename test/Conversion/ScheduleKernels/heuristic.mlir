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
// CHECK:             scf.forall (%{{.*}}, %{{.*}}) in (16, 4) shared_outs(%{{.*}} = %[[A]])
// CHECK:               tensor.parallel_insert_slice {{.*}} : tensor<4x4xf32> into tensor<64x16xf32>
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

// SCRIPT: remark: schedule from heuristic: {"fuse":[0,1,2],"matrix_instruction":"none","pipeline_depth":2,"promote_operands":[0,1],"reduction_lanes":1,"reduction_tile":[16],"split_reduction":0,"thread_tile":[4,4],"vector_width":4,"version":1,"workgroup_tile":[64,64]}
// SCRIPT: transform.named_sequence @__transform_main(%[[ROOT:.*]]: !transform.any_op {transform.readonly})
// SCRIPT: %[[SINK:.*]] = transform.structured.match attributes {kgen.sink} in %[[ROOT]]
// SCRIPT: %[[OP2:.*]] = transform.structured.match attributes {kgen.op = 2 : i64} in %[[ROOT]]
// SCRIPT: %[[OP1:.*]] = transform.structured.match attributes {kgen.op = 1 : i64} in %[[ROOT]]
// SCRIPT: %[[OP0:.*]] = transform.structured.match attributes {kgen.op = 0 : i64} in %[[ROOT]]
// SCRIPT: %[[TILED0:[^ ,]+]], %[[BLOCK_FORALL:[^ ,]+]] = transform.structured.tile_using_forall %[[SINK]] tile_sizes [64, 64](mapping = [#gpu.block<y>, #gpu.block<x>])
// SCRIPT: %[[FUSED0_OP2:[^ ,]+]], %[[BLOCK_FORALL_2:[^ ,]+]] = transform.structured.fuse_into_containing_op %[[OP2]] into %[[BLOCK_FORALL]]
// SCRIPT: %[[FUSED0_OP1:[^ ,]+]], %[[BLOCK_FORALL_1:[^ ,]+]] = transform.structured.fuse_into_containing_op %[[OP1]] into %[[BLOCK_FORALL_2]]
// SCRIPT: %[[FUSED0_OP0:[^ ,]+]], %{{[^ ,]+}} = transform.structured.fuse_into_containing_op %[[OP0]] into %[[BLOCK_FORALL_1]]
// SCRIPT: %[[REDUCED:[^ ,]+]], %[[REDUCTION_LOOP:[^ ,]+]] = transform.structured.tile_using_for %[[FUSED0_OP1]] tile_sizes [0, 0, 16]
// The double-buffered copies are built after the GPU mapping, on this loop.
// SCRIPT: %[[DEPTH:.*]] = transform.param.constant 2 : i64 -> !transform.param<i64>
// SCRIPT: transform.annotate %[[REDUCTION_LOOP]] "kgen.pipeline_depth" = %[[DEPTH]]
// SCRIPT: %[[PROMOTED_ROOT:[^ ,]+]], %[[PADS:[^ ,]+]], %{{[^ ,]+}} = transform.structured.pad %[[REDUCED]] {copy_back_op = "none", nofold_flags = [1, 1, 0], padding_dimensions = [0, 1, 2], padding_values = [0.000000e+00 : f32, 0.000000e+00 : f32, 0.000000e+00 : f32]}
// SCRIPT: %[[COPIES:.*]] = transform.structured.rewrite_in_destination_passing_style %[[PADS]]
// SCRIPT: %[[COPY:.*]]:2 = transform.split_handle %[[COPIES]]
// SCRIPT: %[[COPY0_INIT:.*]] = transform.get_operand %[[COPY]]#0[1]
// SCRIPT: transform.structured.promote_tensor to #gpu.address_space<workgroup> %[[COPY0_INIT]]
// SCRIPT: %[[COPY1_INIT:.*]] = transform.get_operand %[[COPY]]#1[1]
// SCRIPT: transform.structured.promote_tensor to #gpu.address_space<workgroup> %[[COPY1_INIT]]
// SCRIPT: %[[ACCUMULATOR_INIT:.*]] = transform.get_operand %[[FUSED0_OP0]][1]
// SCRIPT: transform.structured.promote_tensor to #gpu.address_space<workgroup> %[[ACCUMULATOR_INIT]]
// SCRIPT: transform.structured.tile_using_forall %[[COPY]]#0 tile_sizes [4, 4](mapping = [#gpu.thread<y>, #gpu.thread<x>])
// SCRIPT: transform.structured.tile_using_forall %[[COPY]]#1 tile_sizes [1, 4](mapping = [#gpu.thread<y>, #gpu.thread<x>])
// SCRIPT: transform.structured.tile_using_forall %[[FUSED0_OP0]] tile_sizes [4, 4](mapping = [#gpu.thread<y>, #gpu.thread<x>])
// SCRIPT: %[[ROOT_THREADS:[^ ,]+]], %{{[^ ,]+}} = transform.structured.tile_using_forall %[[PROMOTED_ROOT]] tile_sizes [4, 4, 0](mapping = [#gpu.thread<y>, #gpu.thread<x>])
// SCRIPT: %[[TILED1:[^ ,]+]], %[[THREAD_FORALL:[^ ,]+]] = transform.structured.tile_using_forall %[[TILED0]] tile_sizes [4, 4](mapping = [#gpu.thread<y>, #gpu.thread<x>])
// SCRIPT: transform.structured.fuse_into_containing_op %[[FUSED0_OP2]] into %[[THREAD_FORALL]]
// SCRIPT-NOT: fuse_into_containing_op %[[FUSED0_OP1]]
// SCRIPT: %[[VECTOR:[^ ,]+]], %{{[^ ,]+}}:2 = transform.structured.tile_using_for %[[TILED1]] tile_sizes [1, 4]
// SCRIPT: transform.structured.vectorize %[[ROOT_THREADS]] {create_named_contraction}
// SCRIPT: transform.structured.vectorize %[[VECTOR]] {create_named_contraction}
// Contractions to outer products (the default strategy, not printed).
// SCRIPT: transform.apply_patterns to %[[ROOT]] {
// SCRIPT-NEXT: transform.apply_patterns.vector.lower_contraction{{$}}
func.func @main(%x: tensor<64x96xf32>, %w: tensor<96x128xf32>, %b: tensor<128xf32>) -> tensor<64x128xf32> {
  %0 = kgen.matmul %x, %w : (tensor<64x96xf32>, tensor<96x128xf32>) -> tensor<64x128xf32>
  %1 = kgen.add %0, %b : (tensor<64x128xf32>, tensor<128xf32>) -> tensor<64x128xf32>
  %2 = kgen.relu %1 : tensor<64x128xf32>
  return %2 : tensor<64x128xf32>
}
