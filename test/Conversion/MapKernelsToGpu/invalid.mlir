// RUN: kgen-opt %s --kgen-map-kernels-to-gpu --split-input-file -verify-diagnostics

func.func private @outside(%in: memref<8xf32>, %out: memref<8xf32>) attributes {kgen.kernel} {
  // expected-error @below {{this op of kernel 'outside' is outside the scheduled loops and cannot run on the GPU (fuse it in the schedule)}}
  linalg.exp ins(%in : memref<8xf32>) outs(%out : memref<8xf32>)
  scf.forall (%b) in (8) {
    %s = memref.subview %out[%b] [1] [1] : memref<8xf32> to memref<1xf32, strided<[1], offset: ?>>
    linalg.exp ins(%s : memref<1xf32, strided<[1], offset: ?>>) outs(%s : memref<1xf32, strided<[1], offset: ?>>)
  } {mapping = [#gpu.block<x>]}
  return
}

// -----

func.func private @dynamic(%in: memref<8xf32>, %out: memref<8xf32>, %n: index) attributes {kgen.kernel} {
  // expected-error @below {{thread loops with dynamic trip counts cannot be mapped to a block}}
  scf.forall (%b) in (2) {
    scf.forall (%t) in (%n) {
      %s = memref.subview %out[%t] [1] [1] : memref<8xf32> to memref<1xf32, strided<[1], offset: ?>>
      linalg.exp ins(%s : memref<1xf32, strided<[1], offset: ?>>) outs(%s : memref<1xf32, strided<[1], offset: ?>>)
    } {mapping = [#gpu.thread<x>]}
  } {mapping = [#gpu.block<x>]}
  return
}

// -----

func.func private @too_few_threads(%out: memref<256xf32>) attributes {kgen.kernel} {
  %c = arith.constant 1.0 : f32
  // expected-error @below {{a loop on linear thread ids needs 256 threads, more than the other thread loops' 8x1x1}}
  scf.forall (%b) in (1) {
    scf.forall (%t) in (8) {
      memref.store %c, %out[%t] : memref<256xf32>
    } {mapping = [#gpu.thread<x>]}
    scf.forall (%t) in (256) {
      memref.store %c, %out[%t] : memref<256xf32>
    } {mapping = [#gpu.thread<linear_dim_0>]}
  } {mapping = [#gpu.block<x>]}
  return
}

// -----

// A warpgroup is 128 consecutive threads along x: a thread loop making x
// 192 wide would split warpgroups across rows.
func.func private @straddling_warpgroups(%out: memref<192xf32>, %acc: memref<2xf32>) attributes {kgen.kernel} {
  %c = arith.constant 1.0 : f32
  // expected-error @below {{warpgroup loops need a block whose x size is a multiple of 128; the thread loops make it 192}}
  scf.forall (%b) in (1) {
    scf.forall (%t) in (192) {
      memref.store %c, %out[%t] : memref<192xf32>
    } {mapping = [#gpu.thread<x>]}
    scf.forall (%w) in (1) {
      memref.store %c, %acc[%w] : memref<2xf32>
    } {mapping = [#gpu.warpgroup<x>]}
  } {mapping = [#gpu.block<x>]}
  return
}
