// RUN: kgen-opt %s --split-input-file -kgen-lower-matrix-instructions -verify-diagnostics
// RUN: not kgen-opt %s --split-input-file -kgen-lower-matrix-instructions=target=rocdl -o /dev/null 2>&1 | FileCheck %s --check-prefix=ROCDL

// ROCDL: error: wgmma is an NVIDIA instruction and the target is AMD (rocdl); schedule this kernel without it

// The wgmma mark is a promise too: whatever the rewrite cannot keep it for
// is an error, and nothing is rewritten.
func.func @warp_loop(%a: memref<64x64xf16, #gpu.address_space<workgroup>>, %b: memref<64x64xf16, #gpu.address_space<workgroup>>, %c: memref<64x64xf32>) {
  scf.forall (%w) in (1) {
    // expected-error @below {{cannot lower this op to wgmma: it is not inside a warpgroup-mapped scf.forall (a whole warpgroup must execute it)}}
    linalg.matmul {kgen.wgmma} ins(%a, %b : memref<64x64xf16, #gpu.address_space<workgroup>>, memref<64x64xf16, #gpu.address_space<workgroup>>) outs(%c : memref<64x64xf32>)
  } {mapping = [#gpu.warp<x>]}
  return
}

// -----

func.func @partial_instruction(%a: memref<32x64xf16, #gpu.address_space<workgroup>>, %b: memref<64x64xf16, #gpu.address_space<workgroup>>, %c: memref<32x64xf32>) {
  scf.forall (%w) in (1) {
    // expected-error @below {{the warpgroup tile 32x64x64 (MxNxK) is not static multiples of 64x64x16}}
    linalg.matmul {kgen.wgmma} ins(%a, %b : memref<32x64xf16, #gpu.address_space<workgroup>>, memref<64x64xf16, #gpu.address_space<workgroup>>) outs(%c : memref<32x64xf32>)
  } {mapping = [#gpu.warpgroup<x>]}
  return
}

// -----

// B with K contiguous (a transposed operand) is not a layout kgen gives
// wgmma.
func.func @transposed_b(%a: memref<64x64xf16, #gpu.address_space<workgroup>>, %b: memref<64x64xf16, #gpu.address_space<workgroup>>, %c: memref<64x64xf32>) {
  scf.forall (%w) in (1) {
    // expected-error @below {{wgmma takes A as rows of M with K contiguous and B as rows of K with N contiguous}}
    linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%a, %b : memref<64x64xf16, #gpu.address_space<workgroup>>, memref<64x64xf16, #gpu.address_space<workgroup>>) outs(%c : memref<64x64xf32>) {kgen.wgmma}
  } {mapping = [#gpu.warpgroup<x>]}
  return
}

// -----

// The operands must be tiles the kernel stages in shared memory: wgmma
// reads them only from there, and only swizzled.
func.func @argument_operand(%a: memref<64x64xf16>, %b: memref<64x64xf16>, %c: memref<64x64xf32>) {
  scf.forall (%w) in (1) {
    // expected-error @below {{A is not a unit-stride view of a buffer allocated in the kernel (promote_operands stages it)}}
    linalg.matmul {kgen.wgmma} ins(%a, %b : memref<64x64xf16>, memref<64x64xf16>) outs(%c : memref<64x64xf32>)
  } {mapping = [#gpu.warpgroup<x>]}
  return
}

// -----

func.func @global_operand(%b: memref<64x64xf16>, %c: memref<64x64xf32>) {
  %a = memref.alloc() : memref<64x64xf16>
  scf.forall (%w) in (1) {
    // expected-error @below {{A is not a static, row-major tile in shared memory}}
    linalg.matmul {kgen.wgmma} ins(%a, %b : memref<64x64xf16>, memref<64x64xf16>) outs(%c : memref<64x64xf32>)
  } {mapping = [#gpu.warpgroup<x>]}
  return
}

// -----

// Another reader of a staged tile would read it swizzled.
func.func @other_reader(%b: memref<64x64xf16, #gpu.address_space<workgroup>>, %c: memref<64x64xf32>, %i: index) -> f16 {
  %sa = memref.alloc() : memref<64x64xf16, #gpu.address_space<workgroup>>
  %x = memref.load %sa[%i, %i] : memref<64x64xf16, #gpu.address_space<workgroup>>
  scf.forall (%w) in (1) {
    // expected-error @below {{A is staged in shared memory that 'memref.load' also uses; only stores into the tile can follow its swizzled layout}}
    linalg.matmul {kgen.wgmma} ins(%sa, %b : memref<64x64xf16, #gpu.address_space<workgroup>>, memref<64x64xf16, #gpu.address_space<workgroup>>) outs(%c : memref<64x64xf32>)
  } {mapping = [#gpu.warpgroup<x>]}
  return %x : f16
}

// -----

// A 16-byte store at a column not known to be a multiple of 8 could cross
// two chunks, which the swizzle sends to different places.
func.func @straddling_store(%v: vector<8xf16>, %i: index, %b: memref<64x64xf16, #gpu.address_space<workgroup>>, %c: memref<64x64xf32>) {
  %sa = memref.alloc() : memref<64x64xf16, #gpu.address_space<workgroup>>
  vector.store %v, %sa[%i, %i] : memref<64x64xf16, #gpu.address_space<workgroup>>, vector<8xf16>
  scf.forall (%w) in (1) {
    // expected-error @below {{A has a store of 8 elements that is not provably within one 16-byte chunk of a row}}
    linalg.matmul {kgen.wgmma} ins(%sa, %b : memref<64x64xf16, #gpu.address_space<workgroup>>, memref<64x64xf16, #gpu.address_space<workgroup>>) outs(%c : memref<64x64xf32>)
  } {mapping = [#gpu.warpgroup<x>]}
  return
}

// -----

// Rows of 32 halves (64 bytes) are not whole 128-byte swizzle rows.
func.func @narrow_tile(%b: memref<32x64xf16, #gpu.address_space<workgroup>>, %c: memref<64x64xf32>) {
  %sa = memref.alloc() : memref<64x32xf16, #gpu.address_space<workgroup>>
  scf.forall (%w) in (1) {
    // expected-error @below {{A is a 64x32 tile; the swizzled layout takes rows of whole 128-byte blocks and whole 8-row groups}}
    linalg.matmul {kgen.wgmma} ins(%sa, %b : memref<64x32xf16, #gpu.address_space<workgroup>>, memref<32x64xf16, #gpu.address_space<workgroup>>) outs(%c : memref<64x64xf32>)
  } {mapping = [#gpu.warpgroup<x>]}
  return
}

// -----

// Warpgroup tiles must start on whole 8-row groups of the staged tile.
func.func @unaligned_view(%c: memref<64x64xf32>, %r: index) {
  %sa = memref.alloc() : memref<128x64xf16, #gpu.address_space<workgroup>>
  %b = memref.alloc() : memref<64x64xf16, #gpu.address_space<workgroup>>
  scf.forall (%w) in (1) {
    %ta = memref.subview %sa[%r, 0] [64, 64] [1, 1] : memref<128x64xf16, #gpu.address_space<workgroup>> to memref<64x64xf16, strided<[64, 1], offset: ?>, #gpu.address_space<workgroup>>
    // expected-error @below {{its tiles do not provably start on whole 8-row groups of the staged tiles (and 64-column blocks of B's)}}
    linalg.matmul {kgen.wgmma} ins(%ta, %b : memref<64x64xf16, strided<[64, 1], offset: ?>, #gpu.address_space<workgroup>>, memref<64x64xf16, #gpu.address_space<workgroup>>) outs(%c : memref<64x64xf32>)
  } {mapping = [#gpu.warpgroup<x>]}
  return
}

// -----

// A store into a tile after the warpgroup loop would miss the fence that
// makes the tile visible to wgmma.
func.func @store_after(%v: vector<8xf16>, %c: memref<64x64xf32>) {
  %c0 = arith.constant 0 : index
  %sa = memref.alloc() : memref<64x64xf16, #gpu.address_space<workgroup>>
  %sb = memref.alloc() : memref<64x64xf16, #gpu.address_space<workgroup>>
  scf.forall (%w) in (1) {
    linalg.matmul {kgen.wgmma} ins(%sa, %sb : memref<64x64xf16, #gpu.address_space<workgroup>>, memref<64x64xf16, #gpu.address_space<workgroup>>) outs(%c : memref<64x64xf32>)
  } {mapping = [#gpu.warpgroup<x>]}
  // expected-error @below {{a store into a tile that wgmma reads must come before the warpgroup loop (the fence that makes it visible to wgmma is there)}}
  vector.store %v, %sa[%c0, %c0] : memref<64x64xf16, #gpu.address_space<workgroup>>, vector<8xf16>
  return
}
