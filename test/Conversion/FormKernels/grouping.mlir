// A proposed grouping replaces the greedy one when it is legal, and is
// rejected with the reason otherwise.
// The kernel ops of @gemm_bias_relu, in program order: 0 fill, 1 matmul,
// 2 bias add, 3 relu.
// RUN: echo '{"gemm_bias_relu": [[0, 1], [2, 3]]}' > %t.split.json
// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels=grouping=%t.split.json | FileCheck %s --check-prefix=SPLIT
// SPLIT: %[[MM:.*]] = call @gemm_bias_relu_kernel_0(%{{.*}}, %{{.*}})
// SPLIT: call @gemm_bias_relu_kernel_1(%[[MM]], %{{.*}})
// SPLIT: func.func private @gemm_bias_relu_kernel_0
// SPLIT:   linalg.matmul {kgen.op = 1 : i64, kgen.root, kgen.sink}

// RUN: echo '{"gemm_bias_relu": [[0, 1, 2], [1, 3]]}' > %t.twice.json
// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels=grouping=%t.twice.json 2>&1 | FileCheck %s --check-prefix=TWICE
// TWICE: warning: proposed kernel grouping rejected: op 1 is in two kernels; using the default grouping
// TWICE: call @gemm_bias_relu_kernel_0
// TWICE-NOT: call @gemm_bias_relu_kernel_1

// RUN: echo '{"gemm_bias_relu": [[0, 1, 2]]}' > %t.missing.json
// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels=grouping=%t.missing.json 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: warning: proposed kernel grouping rejected: op 3 (linalg.generic) is in no kernel

// The matmul and the relu in one kernel, the bias add between them in
// another: the kernels would depend on each other (a cycle).
// RUN: echo '{"gemm_bias_relu": [[0, 1, 3], [2]]}' > %t.escape.json
// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels=grouping=%t.escape.json 2>&1 | FileCheck %s --check-prefix=ESCAPE
// ESCAPE: warning: proposed kernel grouping rejected: op 1 of kernel 0 is used outside it, but only a kernel's last op may be

// RUN: echo '{"two_roots": [[0, 1, 2, 3]]}' > %t.roots.json
// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels=grouping=%t.roots.json 2>&1 | FileCheck %s --check-prefix=ROOTS
// ROOTS: warning: proposed kernel grouping rejected: kernel 0 has more than one root (contraction or reduction)

// RUN: echo '{"gemm_bias_relu": [[0, 1], [7]]}' > %t.range.json
// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels=grouping=%t.range.json 2>&1 | FileCheck %s --check-prefix=RANGE
// RANGE: warning: proposed kernel grouping rejected: op position 7 is not in [0, 4)

// A grouping for a function the module does not define (a typo, or a file
// written for another program) is named in a warning, not silently ignored;
// the functions that are named still get their grouping.
// RUN: echo '{"gemm_bias_relu": [[0, 1], [2, 3]], "gemm_bias_reluu": [[0]]}' > %t.unknown.json
// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels=grouping=%t.unknown.json 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// UNKNOWN: warning: kernel grouping file '{{.*}}unknown.json' names function 'gemm_bias_reluu', which this module does not define; ignoring its grouping
// UNKNOWN: call @gemm_bias_relu_kernel_1

// RUN: echo 'garbage' > %t.garbage.json
// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels=grouping=%t.garbage.json 2>&1 | FileCheck %s --check-prefix=GARBAGE
// GARBAGE: warning: '{{.*}}garbage.json' is not a JSON object mapping function names to groups; using the default grouping

// A pad takes no producer into its kernel: the greedy grouping keeps the
// relu apart (PADDED), and a proposal joining them is rejected (PADJOIN).
// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels | FileCheck %s --check-prefix=PADDED
// PADDED-LABEL: func.func @relu_pad
// PADDED: %[[RELU:.*]] = call @relu_pad_kernel_0(
// PADDED: call @relu_pad_kernel_1(%[[RELU]])
// RUN: echo '{"relu_pad": [[0, 1]]}' > %t.pad.json
// RUN: kgen-opt %s -kgen-to-linalg -kgen-form-kernels=grouping=%t.pad.json 2>&1 | FileCheck %s --check-prefix=PADJOIN
// PADJOIN: warning: proposed kernel grouping rejected: op 0 of kernel 0 produces the tensor.pad after it: a pad takes no producer into its kernel

func.func @gemm_bias_relu(%x: tensor<16x32xf32>, %w: tensor<32x8xf32>, %b: tensor<8xf32>) -> tensor<16x8xf32> {
  %0 = kgen.matmul %x, %w : (tensor<16x32xf32>, tensor<32x8xf32>) -> tensor<16x8xf32>
  %1 = kgen.add %0, %b : (tensor<16x8xf32>, tensor<8xf32>) -> tensor<16x8xf32>
  %2 = kgen.relu %1 : tensor<16x8xf32>
  return %2 : tensor<16x8xf32>
}

// Kernel ops: 0 fill, 1 matmul, 2 fill, 3 matmul.
func.func @two_roots(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %0 = kgen.matmul %x, %x : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %1 = kgen.matmul %0, %x : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  return %1 : tensor<4x4xf32>
}

// Kernel ops: 0 relu, 1 pad.
func.func @relu_pad(%x: tensor<8x8xf32>) -> tensor<10x10xf32> {
  %c = arith.constant 0.0 : f32
  %r = kgen.relu %x : tensor<8x8xf32>
  %p = tensor.pad %r low[1, 1] high[1, 1] {
  ^bb0(%i: index, %j: index):
    tensor.yield %c : f32
  } : tensor<8x8xf32> to tensor<10x10xf32>
  return %p : tensor<10x10xf32>
}
