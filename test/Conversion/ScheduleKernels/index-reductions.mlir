// Reductions whose bodies read the index of their reduction loop (a causal
// softmax written by hand): splitting that loop, by lanes or
// split_reduction, would renumber the loops but not the linalg.index ops.
// Rung 2 rejects both, with their reason codes, and the heuristic's
// schedule (one thread per row) is accepted by the whole ladder, the
// numerical check included. The same kernel after
// kgen-materialize-reduction-indices (which the kgen-linalg pipeline runs:
// the key position read from a constant, the query position still the
// index of a parallel loop before the reduction, which no split moves)
// takes both, and the heuristic gives it lanes.
// RUN: echo '{"kernel": "main_kernel_0", "schedule": {"version": 1, "workgroup_tile": [1], "thread_tile": [1], "reduction_tile": [0], "vector_width": 4, "reduction_lanes": 32, "fuse": [0]}}' > %t.replay.jsonl
// RUN: kgen-opt %s -kgen-schedule-kernels="proposer=replay replay=%t.replay.jsonl rounds=1 trajectory=%t.lanes.jsonl target=sm_90a" -o /dev/null 2>&1 | FileCheck %s --check-prefix=FALLBACK
// RUN: FileCheck %s --check-prefix=LANES < %t.lanes.jsonl
// RUN: echo '{"kernel": "main_kernel_0", "schedule": {"version": 1, "workgroup_tile": [4], "thread_tile": [1], "reduction_tile": [0], "split_reduction": 4, "fuse": [0]}}' > %t.split.jsonl
// RUN: kgen-opt %s -kgen-schedule-kernels="proposer=replay replay=%t.split.jsonl rounds=1 trajectory=%t.split.log target=sm_90a" -o /dev/null 2>/dev/null
// RUN: FileCheck %s --check-prefix=SPLIT < %t.split.log
// RUN: kgen-opt %s -kgen-schedule-kernels="target=sm_90a trajectory=%t.heuristic.jsonl" -o /dev/null
// RUN: FileCheck %s --check-prefix=HEURISTIC < %t.heuristic.jsonl
// RUN: kgen-opt %s -kgen-materialize-reduction-indices -o %t.keys.mlir
// RUN: kgen-opt %t.keys.mlir -kgen-schedule-kernels="proposer=replay replay=%t.replay.jsonl rounds=1 trajectory=%t.keys-lanes.jsonl target=sm_90a" -o /dev/null
// RUN: FileCheck %s --check-prefix=ACCEPTED < %t.keys-lanes.jsonl
// RUN: kgen-opt %t.keys.mlir -kgen-schedule-kernels="proposer=replay replay=%t.split.jsonl rounds=1 trajectory=%t.keys-split.jsonl target=sm_90a" -o /dev/null
// RUN: FileCheck %s --check-prefix=ACCEPTED < %t.keys-split.jsonl
// RUN: kgen-opt %t.keys.mlir -kgen-schedule-kernels="target=sm_90a trajectory=%t.keys-heuristic.jsonl" -o /dev/null
// RUN: FileCheck %s --check-prefix=KEYS-HEURISTIC < %t.keys-heuristic.jsonl

// LANES: reduction_lanes splits the reduction loop of op {{[0-9]+}}, whose body reads the index of a loop the split renumbers{{.*}}"reason":"reduction_lanes"
// FALLBACK: warning: no schedule from the replay proposer passed verification (last: [reduction_lanes]
// SPLIT: split_reduction splits a reduction loop whose body reads the index of a loop the split renumbers{{.*}}"reason":"split_reduction"
// HEURISTIC: "verdict":{"accepted":true
// ACCEPTED: "proposer":"replay"{{.*}}"verdict":{"accepted":true
// KEYS-HEURISTIC: "reduction_lanes":{{[1-9][0-9]+}}{{.*}}"verdict":{"accepted":true
#rows = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @main(%s: tensor<16x512xf32>) -> tensor<16xf32> {
  %0 = call @main_kernel_0(%s) : (tensor<16x512xf32>) -> tensor<16xf32>
  return %0 : tensor<16xf32>
}
// The sum of a causal row: keys after the query masked out.
func.func private @main_kernel_0(%s: tensor<16x512xf32>) -> tensor<16xf32> attributes {kgen.kernel} {
  %zero = arith.constant 0.000000e+00 : f32
  %e = tensor.empty() : tensor<16xf32>
  %init = linalg.fill {kgen.op = 0 : i64} ins(%zero : f32) outs(%e : tensor<16xf32>) -> tensor<16xf32>
  %0 = linalg.generic {indexing_maps = [#rows, #row], iterator_types = ["parallel", "reduction"]} ins(%s : tensor<16x512xf32>) outs(%init : tensor<16xf32>) attrs = {kgen.op = 1 : i64, kgen.root, kgen.sink} {
  ^bb0(%in: f32, %acc: f32):
    %q = linalg.index 0 : index
    %k = linalg.index 1 : index
    %after = arith.cmpi ugt, %k, %q : index
    %v = arith.select %after, %zero, %in : f32
    %sum = arith.addf %acc, %v : f32
    linalg.yield %sum : f32
  } -> tensor<16xf32>
  return %0 : tensor<16xf32>
}
