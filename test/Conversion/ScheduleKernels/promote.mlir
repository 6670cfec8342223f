// promote_operands: the root's reduction loop runs per workgroup, and each
// step the workgroup's threads copy the promoted operands' tiles into
// workgroup memory, then compute on them; the accumulator lives in
// workgroup memory too. Every accepted schedule here passed all four rungs,
// the numerical check on the CPU included.

// A batched matmul, its root its sink, both operands staged: the
// accumulator is written back to the output by all threads.
// RUN: echo '{"kernel": "main_kernel_0", "schedule": {"version": 1, "workgroup_tile": [1, 16, 32], "thread_tile": [0, 2, 4], "reduction_tile": [16], "vector_width": 4, "promote_operands": [0, 1]}}' > %t.bmm.jsonl
// RUN: kgen-opt %s --split-input-file -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.bmm.jsonl rounds=1 print-schedules" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BMM-SCRIPT
// RUN: kgen-opt %s --split-input-file -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.bmm.jsonl rounds=1" 2>/dev/null | FileCheck %s --check-prefix=BMM
// BMM-SCRIPT: remark: schedule from replay: {{.*}}"promote_operands":[0,1]
// BMM-SCRIPT: transform.named_sequence @__transform_main(%[[ROOT:.*]]: !transform.any_op
// BMM-SCRIPT: %[[COPY:.*]]:2 = transform.split_handle
// BMM-SCRIPT: %[[BLOCK_LOOP:.*]] = transform.structured.match ops{["scf.forall"]} in %[[ROOT]]
// BMM-SCRIPT: %[[WRITEBACK_INSERT:.*]] = transform.structured.match ops{["tensor.parallel_insert_slice"]} in %[[BLOCK_LOOP]]
// BMM-SCRIPT: %[[WRITEBACK:.*]] = transform.structured.insert_slice_to_copy %[[WRITEBACK_INSERT]]
// BMM-SCRIPT: tile_using_forall %[[COPY]]#0 tile_sizes [0, 2, 4](mapping = [#gpu.thread<y>, #gpu.thread<x>])
// BMM-SCRIPT: tile_using_forall %[[COPY]]#1 tile_sizes [0, 2, 4](mapping = [#gpu.thread<y>, #gpu.thread<x>])
// BMM-SCRIPT: tile_using_forall %[[WRITEBACK]] tile_sizes [0, 2, 4](mapping = [#gpu.thread<y>, #gpu.thread<x>])
// BMM-LABEL: func.func private @main_kernel_0
// BMM:         scf.forall ({{.*}}) in (2, 2, 2)
// BMM:           %[[ACC:.*]] = bufferization.alloc_tensor() {memory_space = #gpu.address_space<workgroup>} : tensor<1x16x32xf32>
// BMM:           %[[FILLED:.*]] = scf.forall ({{.*}}) in (8, 8) shared_outs(%{{.*}} = %[[ACC]])
// BMM:           %[[SUM:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[FILLED]]) -> (tensor<1x16x32xf32>)
// BMM:             bufferization.alloc_tensor() {memory_space = #gpu.address_space<workgroup>} : tensor<1x16x16xf32>
// BMM:             bufferization.alloc_tensor() {memory_space = #gpu.address_space<workgroup>} : tensor<1x16x32xf32>
// BMM-COUNT-16:      vector.fma {{.*}} : vector<4xf32>
// The write-back: each thread copies its 2x4 tile of the accumulator.
// BMM:           scf.forall ({{.*}}) in (8, 8) shared_outs
// BMM:             tensor.extract_slice %[[SUM]]{{.*}} to tensor<1x2x4xf32>
func.func @main(%a: tensor<2x32x64xf32>, %b: tensor<2x64x64xf32>) -> tensor<2x32x64xf32> {
  %0 = kgen.batch_matmul %a, %b : (tensor<2x32x64xf32>, tensor<2x64x64xf32>) -> tensor<2x32x64xf32>
  return %0 : tensor<2x32x64xf32>
}

// -----

// f16 operands, B only; the matmul accumulates in f32 (so does the
// workgroup accumulator) and the relu runs per thread on it.
// RUN: echo '{"kernel": "main_kernel_0", "schedule": {"version": 1, "workgroup_tile": [32, 32], "thread_tile": [2, 2], "reduction_tile": [32], "vector_width": 2, "promote_operands": [1]}}' > %t.f16.jsonl
// RUN: kgen-opt %s --split-input-file -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.f16.jsonl rounds=1 print-schedules" -o /dev/null 2>&1 | FileCheck %s --check-prefix=F16-SCRIPT
// RUN: kgen-opt %s --split-input-file -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.f16.jsonl rounds=1" 2>/dev/null | FileCheck %s --check-prefix=F16
// F16-SCRIPT: remark: schedule from replay: {{.*}}"promote_operands":[1]
// F16-SCRIPT: %[[REDUCED:[^ ,]+]], %{{[^ ,]+}} = transform.structured.tile_using_for %
// F16-SCRIPT: %{{[^ ,]+}}, %[[PADS:[^ ,]+]], %{{[^ ,]+}} = transform.structured.pad %[[REDUCED]] {copy_back_op = "none", nofold_flags = [0, 1, 0], padding_dimensions = [0, 1, 2], padding_values = [0.000000e+00 : f16, 0.000000e+00 : f16, 0.000000e+00 : f32]}
// F16-SCRIPT: %[[COPIES:.*]] = transform.structured.rewrite_in_destination_passing_style %[[PADS]]
// F16-SCRIPT: transform.split_handle %[[COPIES]] : (!transform.any_op) -> !transform.any_op
// F16-SCRIPT-NOT: insert_slice_to_copy
// F16-SCRIPT: transform.yield
// F16-LABEL: func.func private @main_kernel_0(%arg0: tensor<64x128xf16>
// F16:         bufferization.alloc_tensor() {memory_space = #gpu.address_space<workgroup>} : tensor<32x32xf32>
// F16:         scf.for {{.*}} -> (tensor<32x32xf32>)
// F16:           bufferization.alloc_tensor() {memory_space = #gpu.address_space<workgroup>} : tensor<32x32xf16>
// F16:         arith.maximumf {{.*}} : vector<2xf32>
// F16:         arith.truncf {{.*}} : vector<2xf32> to vector<2xf16>
func.func @main(%a: tensor<64x128xf16>, %b: tensor<128x64xf16>) -> tensor<64x64xf16> {
  %0 = kgen.matmul %a, %b : (tensor<64x128xf16>, tensor<128x64xf16>) -> tensor<64x64xf16>
  %1 = kgen.relu %0 : tensor<64x64xf16>
  return %1 : tensor<64x64xf16>
}

// -----

// Schedules the staging cannot express are rejected at rung 2, naming why;
// the heuristic schedule is used instead.
// RUN: echo '{"kernel": "main_kernel_0", "schedule": {"version": 1, "workgroup_tile": [16], "thread_tile": [1], "reduction_tile": [32], "promote_operands": [0]}}' > %t.sum.jsonl
// RUN: kgen-opt %s --split-input-file -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.sum.jsonl rounds=1" -o /dev/null 2>&1 | FileCheck %s --check-prefix=REDUCTION
// REDUCTION: warning: no schedule from the replay proposer passed verification (last: [promote_operand] promote_operands needs a matmul-like root (linalg.matmul or linalg.batch_matmul), or reduction_lanes; this kernel's root is linalg.generic); using the heuristic schedule
func.func @main(%x: tensor<16x64xf32>) -> tensor<16xf32> {
  %0 = kgen.sum %x dims [1] : tensor<16x64xf32> -> tensor<16xf32>
  return %0 : tensor<16xf32>
}

// -----

// RUN: echo '{"kernel": "main_kernel_0", "schedule": {"version": 1, "workgroup_tile": [32, 32], "thread_tile": [4, 4], "reduction_tile": [32], "split_reduction": 2, "promote_operands": [0, 1]}}' > %t.split.jsonl
// RUN: kgen-opt %s --split-input-file -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.split.jsonl rounds=1" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SPLIT
// SPLIT: warning: no schedule from the replay proposer passed verification (last: [promote_operand] promote_operands cannot be combined with split_reduction); using the heuristic schedule
func.func @main(%a: tensor<32x256xf32>, %b: tensor<256x32xf32>) -> tensor<32x32xf32> {
  %0 = kgen.matmul %a, %b : (tensor<32x256xf32>, tensor<256x32xf32>) -> tensor<32x32xf32>
  return %0 : tensor<32x32xf32>
}

// -----

// With reduction_lanes, promote_operands stages the block's rows of the
// operands in workgroup memory (kgen-stage-rows does the copy): the
// workgroup loop is marked with the kernel arguments, the lanes' layout
// and the threads per row.
// RUN: echo '{"kernel": "main_kernel_0", "schedule": {"version": 1, "fuse": [0, 1, 2, 3], "workgroup_tile": [8, 256], "thread_tile": [1, 8], "reduction_tile": [0], "vector_width": 4, "reduction_lanes": 32, "promote_operands": [0]}}' > %t.rows.jsonl
// RUN: kgen-opt %s --split-input-file -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.rows.jsonl rounds=1" 2>&1 | FileCheck %s --check-prefix=ROWS
// ROWS: } {kgen.stage_rows = {args = array<i64: 0>, lanes = 32 : i64, row_threads = array<i64: 8>, width = 4 : i64}, mapping = [#gpu.block<y>, #gpu.block<x>]}
func.func @main(%x: tensor<16x256xf32>) -> tensor<16x256xf32> {
  %0 = kgen.softmax %x dim 1 : tensor<16x256xf32>
  return %0 : tensor<16x256xf32>
}

// -----

// A column reduction's lanes split the rows: there are no rows to stage.
// RUN: echo '{"kernel": "main_kernel_0", "schedule": {"version": 1, "fuse": [0], "workgroup_tile": [32], "thread_tile": [4], "reduction_tile": [0], "vector_width": 4, "reduction_lanes": 64, "promote_operands": [0]}}' > %t.columns.jsonl
// RUN: kgen-opt %s --split-input-file -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.columns.jsonl rounds=1" -o /dev/null 2>&1 | FileCheck %s --check-prefix=COLUMNS
// COLUMNS: warning: no schedule from the replay proposer passed verification (last: [promote_operand] promote_operands with reduction_lanes stages rows; a column reduction's lanes have none to stage); using the heuristic schedule
func.func @main(%x: tensor<256x64xf32>) -> tensor<64xf32> {
  %0 = kgen.sum %x dims [0] : tensor<256x64xf32> -> tensor<64xf32>
  return %0 : tensor<64xf32>
}

// -----

// Staged rows are whole: a workgroup tile covering half of each row is
// refused.
// RUN: echo '{"kernel": "main_kernel_0", "schedule": {"version": 1, "fuse": [0, 1, 2, 3], "workgroup_tile": [8, 128], "thread_tile": [1, 4], "reduction_tile": [0], "vector_width": 4, "reduction_lanes": 32, "promote_operands": [0]}}' > %t.half.jsonl
// RUN: kgen-opt %s --split-input-file -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.half.jsonl rounds=1" -o /dev/null 2>&1 | FileCheck %s --check-prefix=HALF
// HALF: warning: no schedule from the replay proposer passed verification (last: [promote_operand] the workgroup tile 128 of the sink's loop 1 covers part of the row (256): staged rows are whole); using the heuristic schedule
func.func @main(%x: tensor<16x256xf32>) -> tensor<16x256xf32> {
  %0 = kgen.softmax %x dim 1 : tensor<16x256xf32>
  return %0 : tensor<16x256xf32>
}
