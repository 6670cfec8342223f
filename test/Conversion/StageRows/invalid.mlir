// RUN: kgen-opt %s -kgen-stage-rows -split-input-file -verify-diagnostics

func.func @malformed(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %init = tensor.empty() : tensor<4x64xf32>
  // expected-error @+1 {{has a malformed 'kgen.stage_rows': expected {args, row_threads, lanes, width}}}
  %r = scf.forall (%i) in (4) shared_outs(%o = %init) -> (tensor<4x64xf32>) {
    scf.forall.in_parallel {
    }
  } {kgen.stage_rows = {args = array<i64: 0>}, mapping = [#gpu.block<x>]}
  return %r : tensor<4x64xf32>
}

// -----

func.func @other_rows(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %init = tensor.empty() : tensor<4x64xf32>
  %r = scf.forall (%i) in (4) shared_outs(%o = %init) -> (tensor<4x64xf32>) {
    %row = tensor.extract_slice %x[%i, 0] [1, 64] [1, 1] : tensor<4x64xf32> to tensor<1x64xf32>
    // expected-error @+1 {{reads other rows than the block's first read: the staged rows cannot replace it}}
    %first = tensor.extract_slice %x[0, 0] [1, 64] [1, 1] : tensor<4x64xf32> to tensor<1x64xf32>
    %out = tensor.extract_slice %o[%i, 0] [1, 64] [1, 1] : tensor<4x64xf32> to tensor<1x64xf32>
    %sum = linalg.add ins(%row, %first : tensor<1x64xf32>, tensor<1x64xf32>) outs(%out : tensor<1x64xf32>) -> tensor<1x64xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %sum into %o[%i, 0] [1, 64] [1, 1] : tensor<1x64xf32> into tensor<4x64xf32>
    }
  } {kgen.stage_rows = {args = array<i64: 0>, lanes = 8 : i64, row_threads = array<i64: 0>, width = 4 : i64}, mapping = [#gpu.block<x>]}
  return %r : tensor<4x64xf32>
}

// -----

func.func @lanes_do_not_divide(%x: tensor<4x48xf32>) -> tensor<4x48xf32> {
  %init = tensor.empty() : tensor<4x48xf32>
  // expected-error @+1 {{stages rows that are not whole, or that its 8 lanes of 4 elements or its row threads do not divide}}
  %r = scf.forall (%i) in (4) shared_outs(%o = %init) -> (tensor<4x48xf32>) {
    %row = tensor.extract_slice %x[%i, 0] [1, 48] [1, 1] : tensor<4x48xf32> to tensor<1x48xf32>
    %out = tensor.extract_slice %o[%i, 0] [1, 48] [1, 1] : tensor<4x48xf32> to tensor<1x48xf32>
    %copy = linalg.copy ins(%row : tensor<1x48xf32>) outs(%out : tensor<1x48xf32>) -> tensor<1x48xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %copy into %o[%i, 0] [1, 48] [1, 1] : tensor<1x48xf32> into tensor<4x48xf32>
    }
  } {kgen.stage_rows = {args = array<i64: 0>, lanes = 8 : i64, row_threads = array<i64: 0>, width = 4 : i64}, mapping = [#gpu.block<x>]}
  return %r : tensor<4x48xf32>
}

// -----

func.func @not_read(%x: tensor<4x64xf32>, %y: tensor<4x64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{stages the rows of argument 1, which the block does not read}}
  %r = scf.forall (%i) in (4) shared_outs(%o = %x) -> (tensor<4x64xf32>) {
    scf.forall.in_parallel {
    }
  } {kgen.stage_rows = {args = array<i64: 1>, lanes = 8 : i64, row_threads = array<i64: 0>, width = 4 : i64}, mapping = [#gpu.block<x>]}
  return %r : tensor<4x64xf32>
}

// -----

func.func @no_lanes(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %init = tensor.empty() : tensor<4x64xf32>
  // expected-error @+1 {{lanes and width positive, row_threads not negative}}
  %r = scf.forall (%i) in (4) shared_outs(%o = %init) -> (tensor<4x64xf32>) {
    scf.forall.in_parallel {
    }
  } {kgen.stage_rows = {args = array<i64: 0>, lanes = 0 : i64, row_threads = array<i64: 0>, width = 4 : i64}, mapping = [#gpu.block<x>]}
  return %r : tensor<4x64xf32>
}

// -----

func.func @strided(%x: tensor<4x128xf32>) -> tensor<4x64xf32> {
  %init = tensor.empty() : tensor<4x64xf32>
  %r = scf.forall (%i) in (4) shared_outs(%o = %init) -> (tensor<4x64xf32>) {
    // expected-error @+1 {{reads part of a row, or with strides: the staged rows cannot replace it}}
    %row = tensor.extract_slice %x[%i, 0] [1, 64] [1, 2] : tensor<4x128xf32> to tensor<1x64xf32>
    %out = tensor.extract_slice %o[%i, 0] [1, 64] [1, 1] : tensor<4x64xf32> to tensor<1x64xf32>
    %copy = linalg.copy ins(%row : tensor<1x64xf32>) outs(%out : tensor<1x64xf32>) -> tensor<1x64xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %copy into %o[%i, 0] [1, 64] [1, 1] : tensor<1x64xf32> into tensor<4x64xf32>
    }
  } {kgen.stage_rows = {args = array<i64: 0>, lanes = 8 : i64, row_threads = array<i64: 0>, width = 4 : i64}, mapping = [#gpu.block<x>]}
  return %r : tensor<4x64xf32>
}
