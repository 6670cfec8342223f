// RUN: kgen-opt %s -kgen-stage-rows -split-input-file | FileCheck %s

// A block reading its row twice: once as the split lanes read it (an
// expand_shape of the argument), once whole (a normalization's last op).
// The row is copied into workgroup memory by 8 lanes of 4-element vectors
// (lane l takes vectors l and l + 8), and both reads take the copy.
// CHECK-LABEL: func.func @row_read_twice
// CHECK:         scf.forall (%[[ROW:.*]]) in (4)
// CHECK:           %[[SLICE:.*]] = tensor.extract_slice %[[X:.*]][%[[ROW]], 0] [1, 64] [1, 1]
// CHECK:           %[[BUF:.*]] = bufferization.alloc_tensor() {memory_space = #gpu.address_space<workgroup>} : tensor<1x64xf32>
// CHECK:           %[[SRC:.*]] = tensor.expand_shape %[[SLICE]] {{\[}}[0], [1, 2, 3]] output_shape [1, 2, 8, 4]
// CHECK:           %[[DST:.*]] = tensor.expand_shape %[[BUF]] {{\[}}[0], [1, 2, 3]] output_shape [1, 2, 8, 4]
// CHECK:           %[[COPY:.*]] = scf.forall (%[[LANE:.*]]) in (8) shared_outs(%[[OUT:.*]] = %[[DST]])
// CHECK:             %[[IN:.*]] = tensor.extract_slice %[[SRC]][0, 0, %[[LANE]], 0] [1, 2, 1, 4] [1, 1, 1, 1]
// CHECK:             linalg.copy ins(%[[IN]] : tensor<1x2x1x4xf32>)
// CHECK:             tensor.parallel_insert_slice %{{.*}} into %[[OUT]][0, 0, %[[LANE]], 0] [1, 2, 1, 4] [1, 1, 1, 1]
// CHECK:           } {mapping = [#gpu.thread<x>]}
// CHECK:           %[[STAGED:.*]] = tensor.collapse_shape %[[COPY]] {{\[}}[0], [1, 2, 3]] : tensor<1x2x8x4xf32> into tensor<1x64xf32>
// CHECK:           %[[SPLIT:.*]] = tensor.expand_shape %[[STAGED]] {{\[}}[0], [1, 2]] output_shape [1, 2, 32]
// CHECK:           linalg.reduce ins(%[[SPLIT]] : tensor<1x2x32xf32>)
// CHECK:           linalg.copy ins(%[[STAGED]] : tensor<1x64xf32>)
// CHECK-NOT:     kgen.stage_rows
func.func @row_read_twice(%x: tensor<4x64xf32>) -> (tensor<4x64xf32>, tensor<4x32xf32>) {
  %split = tensor.expand_shape %x [[0], [1, 2]] output_shape [4, 2, 32] : tensor<4x64xf32> into tensor<4x2x32xf32>
  %init = tensor.empty() : tensor<4x64xf32>
  %pinit = tensor.empty() : tensor<4x32xf32>
  %r:2 = scf.forall (%i) in (4) shared_outs(%o = %init, %p = %pinit) -> (tensor<4x64xf32>, tensor<4x32xf32>) {
    %lanes = tensor.extract_slice %split[%i, 0, 0] [1, 2, 32] [1, 1, 1] : tensor<4x2x32xf32> to tensor<1x2x32xf32>
    %row = tensor.extract_slice %x[%i, 0] [1, 64] [1, 1] : tensor<4x64xf32> to tensor<1x64xf32>
    %acc = tensor.extract_slice %p[%i, 0] [1, 32] [1, 1] : tensor<4x32xf32> to tensor<1x32xf32>
    %partials = linalg.reduce ins(%lanes : tensor<1x2x32xf32>) outs(%acc : tensor<1x32xf32>) dimensions = [1]
      (%a: f32, %b: f32) {
        %s = arith.addf %a, %b : f32
        linalg.yield %s : f32
      }
    %out = tensor.extract_slice %o[%i, 0] [1, 64] [1, 1] : tensor<4x64xf32> to tensor<1x64xf32>
    %copy = linalg.copy ins(%row : tensor<1x64xf32>) outs(%out : tensor<1x64xf32>) -> tensor<1x64xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %copy into %o[%i, 0] [1, 64] [1, 1] : tensor<1x64xf32> into tensor<4x64xf32>
      tensor.parallel_insert_slice %partials into %p[%i, 0] [1, 32] [1, 1] : tensor<1x32xf32> into tensor<4x32xf32>
    }
  } {kgen.stage_rows = {args = array<i64: 0>, lanes = 8 : i64, row_threads = array<i64: 0>, width = 4 : i64}, mapping = [#gpu.block<x>]}
  return %r#0, %r#1 : tensor<4x64xf32>, tensor<4x32xf32>
}

// -----

// Two rows per block, one per thread along y: the copy's loop has the
// rows on y and the lanes on x, as the lanes' loops do.
// CHECK-LABEL: func.func @two_rows
// CHECK:           scf.forall (%[[R:.*]], %[[L:.*]]) in (2, 8)
// CHECK:             tensor.extract_slice %{{.*}}[%[[R]], 0, %[[L]], 0] [1, 1, 1, 4]
// CHECK:           } {mapping = [#gpu.thread<y>, #gpu.thread<x>]}
func.func @two_rows(%x: tensor<4x32xf32>) -> tensor<4x32xf32> {
  %init = tensor.empty() : tensor<4x32xf32>
  %r = scf.forall (%i) in (2) shared_outs(%o = %init) -> (tensor<4x32xf32>) {
    %off = affine.apply affine_map<(d0) -> (d0 * 2)>(%i)
    %row = tensor.extract_slice %x[%off, 0] [2, 32] [1, 1] : tensor<4x32xf32> to tensor<2x32xf32>
    %out = tensor.extract_slice %o[%off, 0] [2, 32] [1, 1] : tensor<4x32xf32> to tensor<2x32xf32>
    %copy = linalg.copy ins(%row : tensor<2x32xf32>) outs(%out : tensor<2x32xf32>) -> tensor<2x32xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %copy into %o[%off, 0] [2, 32] [1, 1] : tensor<2x32xf32> into tensor<4x32xf32>
    }
  } {kgen.stage_rows = {args = array<i64: 0>, lanes = 8 : i64, row_threads = array<i64: 2>, width = 4 : i64}, mapping = [#gpu.block<x>]}
  return %r : tensor<4x32xf32>
}

// -----

// A block over the whole tensor, whose slice of it folded away: the ops
// read the argument itself, and read the staged copy instead.
// CHECK-LABEL: func.func @whole_tensor
// CHECK:         scf.forall (%{{.*}}) in (1)
// CHECK:           %[[ROWS:.*]] = tensor.extract_slice %{{.*}}[0, 0] [2, 64] [1, 1]
// CHECK:           bufferization.alloc_tensor() {memory_space = #gpu.address_space<workgroup>} : tensor<2x64xf32>
// CHECK:           scf.forall (%{{.*}}, %{{.*}}) in (2, 8)
// CHECK:           %[[STAGED:.*]] = tensor.collapse_shape
// CHECK:           linalg.copy ins(%[[STAGED]] : tensor<2x64xf32>)
func.func @whole_tensor(%x: tensor<2x64xf32>) -> tensor<2x64xf32> {
  %init = tensor.empty() : tensor<2x64xf32>
  %r = scf.forall (%i) in (1) shared_outs(%o = %init) -> (tensor<2x64xf32>) {
    %copy = linalg.copy ins(%x : tensor<2x64xf32>) outs(%o : tensor<2x64xf32>) -> tensor<2x64xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %copy into %o[0, 0] [2, 64] [1, 1] : tensor<2x64xf32> into tensor<2x64xf32>
    }
  } {kgen.stage_rows = {args = array<i64: 0>, lanes = 8 : i64, row_threads = array<i64: 2>, width = 4 : i64}, mapping = [#gpu.block<x>]}
  return %r : tensor<2x64xf32>
}

// -----

// A workgroup tile of the whole row leaves a loop dimension of one
// iteration: the first read's column offset is an affine.apply of its
// induction variable, 0 in the block, as the lanes' read says.
// CHECK-LABEL: func.func @unit_dimension
// CHECK:         bufferization.alloc_tensor() {memory_space = #gpu.address_space<workgroup>} : tensor<1x64xf32>
// CHECK-NOT:     tensor.extract_slice %{{.*}}[%{{.*}}, 0, 0] [1, 2, 32]
// CHECK:         linalg.reduce
func.func @unit_dimension(%x: tensor<4x64xf32>) -> (tensor<4x64xf32>, tensor<4x32xf32>) {
  %split = tensor.expand_shape %x [[0], [1, 2]] output_shape [4, 2, 32] : tensor<4x64xf32> into tensor<4x2x32xf32>
  %init = tensor.empty() : tensor<4x64xf32>
  %pinit = tensor.empty() : tensor<4x32xf32>
  %r:2 = scf.forall (%i, %j) in (4, 1) shared_outs(%o = %init, %p = %pinit) -> (tensor<4x64xf32>, tensor<4x32xf32>) {
    %col = affine.apply affine_map<(d0) -> (d0 * 64)>(%j)
    %row = tensor.extract_slice %x[%i, %col] [1, 64] [1, 1] : tensor<4x64xf32> to tensor<1x64xf32>
    %lanes = tensor.extract_slice %split[%i, 0, 0] [1, 2, 32] [1, 1, 1] : tensor<4x2x32xf32> to tensor<1x2x32xf32>
    %acc = tensor.extract_slice %p[%i, 0] [1, 32] [1, 1] : tensor<4x32xf32> to tensor<1x32xf32>
    %partials = linalg.reduce ins(%lanes : tensor<1x2x32xf32>) outs(%acc : tensor<1x32xf32>) dimensions = [1]
      (%a: f32, %b: f32) {
        %s = arith.addf %a, %b : f32
        linalg.yield %s : f32
      }
    %out = tensor.extract_slice %o[%i, %col] [1, 64] [1, 1] : tensor<4x64xf32> to tensor<1x64xf32>
    %copy = linalg.copy ins(%row : tensor<1x64xf32>) outs(%out : tensor<1x64xf32>) -> tensor<1x64xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %copy into %o[%i, %col] [1, 64] [1, 1] : tensor<1x64xf32> into tensor<4x64xf32>
      tensor.parallel_insert_slice %partials into %p[%i, 0] [1, 32] [1, 1] : tensor<1x32xf32> into tensor<4x32xf32>
    }
  } {kgen.stage_rows = {args = array<i64: 0>, lanes = 8 : i64, row_threads = array<i64: 0>, width = 4 : i64}, mapping = [#gpu.block<y>, #gpu.block<x>]}
  return %r#0, %r#1 : tensor<4x64xf32>, tensor<4x32xf32>
}
