// A kernel reading a slice: the vectorizer takes only projected
// permutations, so the heuristic leaves such kernels scalar (no rejected
// first proposal, no warning) and its schedule is verified as proposed.
// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="trajectory=%t.traj" -o /dev/null 2>&1 | FileCheck %s --allow-empty --implicit-check-not=warning
// RUN: FileCheck %s --check-prefix=TRAJ < %t.traj
// TRAJ: "proposer":"heuristic","reply":"","round":0,"schedule":{{.*}}"vector_width":1{{.*}}"verdict":{"accepted":true
func.func @main(%x: tensor<64x256xf32>) -> tensor<64x128xf32> {
  %0 = kgen.slice %x offsets [0, 1] strides [1, 2] : tensor<64x256xf32> -> tensor<64x128xf32>
  %1 = kgen.relu %0 : tensor<64x128xf32>
  return %1 : tensor<64x128xf32>
}
