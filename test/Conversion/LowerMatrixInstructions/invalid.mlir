// RUN: kgen-opt %s --split-input-file -kgen-lower-matrix-instructions -verify-diagnostics
// RUN: not kgen-opt %s --split-input-file -kgen-lower-matrix-instructions=target=rocdl -o /dev/null 2>&1 | FileCheck %s --check-prefix=ROCDL
// RUN: not kgen-opt %s -kgen-lower-matrix-instructions=target=spirv -o /dev/null 2>&1 | FileCheck %s --check-prefix=TARGET

// ROCDL: error: mma_sync is an NVIDIA instruction and the target is AMD (rocdl); schedule this kernel without it
// TARGET: error: kgen-lower-matrix-instructions: unknown target 'spirv'; expected nvvm or rocdl

// The mark is a promise: an op the rewrite cannot keep it for is an error,
// never silently computed by every lane.
func.func @not_in_a_warp_loop(%a: memref<16x16xf16>, %b: memref<16x8xf16>, %c: memref<16x8xf32>) {
  // expected-error @below {{cannot lower this op to mma.sync: it is not inside a warp-mapped scf.forall (a whole warp must execute it)}}
  linalg.matmul {kgen.mma_sync} ins(%a, %b : memref<16x16xf16>, memref<16x8xf16>) outs(%c : memref<16x8xf32>)
  return
}

// -----

func.func @thread_loop(%a: memref<16x16xf16>, %b: memref<16x8xf16>, %c: memref<16x8xf32>) {
  scf.forall (%t) in (32) {
    // expected-error @below {{it is not inside a warp-mapped scf.forall}}
    linalg.matmul {kgen.mma_sync} ins(%a, %b : memref<16x16xf16>, memref<16x8xf16>) outs(%c : memref<16x8xf32>)
  } {mapping = [#gpu.thread<x>]}
  return
}

// -----

func.func @f32_operands(%a: memref<16x16xf32>, %b: memref<16x8xf32>, %c: memref<16x8xf32>) {
  scf.forall (%w) in (1) {
    // expected-error @below {{only f16 operands with an f32 accumulator are supported}}
    linalg.matmul {kgen.mma_sync} ins(%a, %b : memref<16x16xf32>, memref<16x8xf32>) outs(%c : memref<16x8xf32>)
  } {mapping = [#gpu.warp<x>]}
  return
}

// -----

func.func @partial_instruction(%a: memref<24x16xf16>, %b: memref<16x8xf16>, %c: memref<24x8xf32>) {
  scf.forall (%w) in (1) {
    // expected-error @below {{the warp tile 24x8x16 (MxNxK) is not static multiples of 16x8x16}}
    linalg.matmul {kgen.mma_sync} ins(%a, %b : memref<24x16xf16>, memref<16x8xf16>) outs(%c : memref<24x8xf32>)
  } {mapping = [#gpu.warp<x>]}
  return
}

// -----

func.func @on_tensors(%a: tensor<16x16xf16>, %b: tensor<16x8xf16>, %c: tensor<16x8xf32>) {
  scf.forall (%w) in (1) {
    // expected-error @below {{expected two input buffers and one accumulator buffer}}
    %r = linalg.matmul {kgen.mma_sync} ins(%a, %b : tensor<16x16xf16>, tensor<16x8xf16>) outs(%c : tensor<16x8xf32>) -> tensor<16x8xf32>
  } {mapping = [#gpu.warp<x>]}
  return
}

// -----

func.func @not_linalg(%x: f32) {
  // expected-error @below {{cannot lower this op to mma.sync: it is not a linalg op}}
  %y = arith.addf %x, %x {kgen.mma_sync} : f32
  return
}
