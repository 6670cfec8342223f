// RUN: kgen-opt %s -kgen-fuse-elementwise --split-input-file | FileCheck %s

// logsumexp's exponent chain: x - max and exp fuse into the sum, which
// reads x and max; no full-size temporary is left.
// CHECK-LABEL: func.func @exp_sum
// CHECK-NOT: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}}ins(%arg0, %arg1 : tensor<8x64xf32>, tensor<8xf32>)
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK-NOT: linalg.generic
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @exp_sum(%x: tensor<8x64xf32>, %max: tensor<8xf32>) -> tensor<8xf32> {
  %e = tensor.empty() : tensor<8x64xf32>
  %d = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %max : tensor<8x64xf32>, tensor<8xf32>) outs(%e : tensor<8x64xf32>) {
  ^bb0(%a: f32, %m: f32, %o: f32):
    %s = arith.subf %a, %m : f32
    linalg.yield %s : f32
  } -> tensor<8x64xf32>
  %x2 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%d : tensor<8x64xf32>) outs(%e : tensor<8x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = math.exp %a : f32
    linalg.yield %s : f32
  } -> tensor<8x64xf32>
  %zero = arith.constant 0.0 : f32
  %r = tensor.empty() : tensor<8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%r : tensor<8xf32>) -> tensor<8xf32>
  %sum = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x2 : tensor<8x64xf32>) outs(%init : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %o, %a : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %sum : tensor<8xf32>
}

// -----

// A producer read by two consumers is fused into both and disappears: its
// elements are recomputed, never stored.
// CHECK-LABEL: func.func @two_users
// CHECK-COUNT-2: math.exp
// CHECK-NOT: math.exp
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @two_users(%x: tensor<8x64xf32>) -> (tensor<8xf32>, tensor<8x64xf32>) {
  %e = tensor.empty() : tensor<8x64xf32>
  %ex = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<8x64xf32>) outs(%e : tensor<8x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = math.exp %a : f32
    linalg.yield %s : f32
  } -> tensor<8x64xf32>
  %zero = arith.constant 0.0 : f32
  %r = tensor.empty() : tensor<8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%r : tensor<8xf32>) -> tensor<8xf32>
  %sum = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%ex : tensor<8x64xf32>) outs(%init : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %o, %a : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %twice = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%ex : tensor<8x64xf32>) outs(%e : tensor<8x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %a : f32
    linalg.yield %s : f32
  } -> tensor<8x64xf32>
  return %sum, %twice : tensor<8xf32>, tensor<8x64xf32>
}

// -----

// A consumer reading the producer through a broadcast (each element used
// for a whole row) or a matmul-like generic reading it once per output
// column would recompute it many times: both stay apart.
// CHECK-LABEL: func.func @no_recompute
// CHECK: %[[EXP:.*]] = linalg.generic {{.*}} ins(%arg0 : tensor<8xf32>)
// CHECK: math.exp
// CHECK: linalg.generic {{.*}} ins(%arg1, %[[EXP]] : tensor<8x64xf32>, tensor<8xf32>)
// CHECK: %[[NEG:.*]] = linalg.generic {{.*}} ins(%arg2 : tensor<8x16xf32>)
// CHECK: arith.negf
// CHECK: linalg.generic {{.*}} ins(%[[NEG]], %arg3 : tensor<8x16xf32>, tensor<16x32xf32>)
#v = affine_map<(d0) -> (d0)>
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @no_recompute(%s: tensor<8xf32>, %x: tensor<8x64xf32>, %p: tensor<8x16xf32>,
                        %q: tensor<16x32xf32>) -> (tensor<8x64xf32>, tensor<8x32xf32>) {
  %e1 = tensor.empty() : tensor<8xf32>
  %ex = linalg.generic {indexing_maps = [#v, #v], iterator_types = ["parallel"]}
      ins(%s : tensor<8xf32>) outs(%e1 : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = math.exp %a : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %e2 = tensor.empty() : tensor<8x64xf32>
  %scaled = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %ex : tensor<8x64xf32>, tensor<8xf32>) outs(%e2 : tensor<8x64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.mulf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<8x64xf32>
  %e3 = tensor.empty() : tensor<8x16xf32>
  %neg = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%p : tensor<8x16xf32>) outs(%e3 : tensor<8x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.negf %a : f32
    linalg.yield %r : f32
  } -> tensor<8x16xf32>
  %zero = arith.constant 0.0 : f32
  %e4 = tensor.empty() : tensor<8x32xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e4 : tensor<8x32xf32>) -> tensor<8x32xf32>
  %mm = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%neg, %q : tensor<8x16xf32>, tensor<16x32xf32>) outs(%init : tensor<8x32xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %o, %m : f32
    linalg.yield %r : f32
  } -> tensor<8x32xf32>
  return %scaled, %mm : tensor<8x64xf32>, tensor<8x32xf32>
}

// -----

// keepdim leaves [8, 1] shapes: the epilogue's unit loop is dropped, the
// reshapes cancel, and the epilogue reads the sum directly. The reduction
// over a [1, 64] row keeps its unit loop.
// CHECK-LABEL: func.func @keepdim
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}}outs({{.*}} : tensor<8xf32>)
// CHECK-NOT: tensor.expand_shape
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel"]{{.*}} ins(%[[SUM]] : tensor<8xf32>)
// CHECK: math.log
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}} outs({{.*}} : tensor<1xf32>)
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @keepdim(%x: tensor<8x64xf32>, %y: tensor<1x64xf32>) -> (tensor<8xf32>, tensor<1xf32>) {
  %zero = arith.constant 0.0 : f32
  %r = tensor.empty() : tensor<8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%r : tensor<8xf32>) -> tensor<8xf32>
  %sum = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<8x64xf32>) outs(%init : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %o, %a : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %kept = tensor.expand_shape %sum [[0, 1]] output_shape [8, 1] : tensor<8xf32> into tensor<8x1xf32>
  %e = tensor.empty() : tensor<8x1xf32>
  %log = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%kept : tensor<8x1xf32>) outs(%e : tensor<8x1xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = math.log %a : f32
    linalg.yield %s : f32
  } -> tensor<8x1xf32>
  %flat = tensor.collapse_shape %log [[0, 1]] : tensor<8x1xf32> into tensor<8xf32>
  %r1 = tensor.empty() : tensor<1xf32>
  %init1 = linalg.fill ins(%zero : f32) outs(%r1 : tensor<1xf32>) -> tensor<1xf32>
  %one = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%y : tensor<1x64xf32>) outs(%init1 : tensor<1xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %o, %a : f32
    linalg.yield %s : f32
  } -> tensor<1xf32>
  return %flat, %one : tensor<8xf32>, tensor<1xf32>
}

// -----

// The rounding epilogue of a one-batch matmul keeps its unit loop: dropping
// it would put a reshape between the two, and kernels do not form across
// reshapes.
// CHECK-LABEL: func.func @named_producer
// CHECK-NOT: tensor.collapse_shape
// CHECK: %[[MM:.*]] = linalg.batch_matmul
// CHECK-NOT: tensor.collapse_shape
// CHECK: linalg.generic {{.*}} ins(%[[MM]] : tensor<1x5x4xf32>) outs(%{{.*}} : tensor<1x5x4xf16>)
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @named_producer(%a: tensor<1x5x9xf16>, %b: tensor<1x9x4xf16>) -> tensor<1x5x4xf16> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x5x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x5x4xf32>) -> tensor<1x5x4xf32>
  %mm = linalg.batch_matmul ins(%a, %b : tensor<1x5x9xf16>, tensor<1x9x4xf16>)
      outs(%init : tensor<1x5x4xf32>) -> tensor<1x5x4xf32>
  %h = tensor.empty() : tensor<1x5x4xf16>
  %r = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%mm : tensor<1x5x4xf32>) outs(%h : tensor<1x5x4xf16>) {
  ^bb0(%x: f32, %o: f16):
    %t = arith.truncf %x : f32 to f16
    linalg.yield %t : f16
  } -> tensor<1x5x4xf16>
  return %r : tensor<1x5x4xf16>
}

// -----

// A convolution's bias and relu, written on the [N, C, H, W] view of its
// implicit-GEMM product [N, C, H*W], are computed on the product's view
// instead (the bias read through its channel loop alone), so that they
// join the product's kernel as its epilogue; the result is viewed as
// [N, C, H, W] after them.
// CHECK-LABEL: func.func @conv_epilogue
// CHECK: %[[P:.*]] = linalg.batch_matmul
// CHECK-NOT: tensor.expand_shape %[[P]]
// CHECK: %[[Y:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[P]], %{{.*}} : tensor<2x4x15xf32>, tensor<4xf32>)
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK: tensor.expand_shape %[[Y]] {{\[}}[0], [1], [2, 3]] output_shape [2, 4, 3, 5]
#nchw = affine_map<(n, c, h, w) -> (n, c, h, w)>
#channel = affine_map<(n, c, h, w) -> (c)>
func.func @conv_epilogue(%w: tensor<2x4x6xf32>, %cols: tensor<2x6x15xf32>, %bias: tensor<4xf32>) -> tensor<2x4x3x5xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4x15xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4x15xf32>) -> tensor<2x4x15xf32>
  %p = linalg.batch_matmul ins(%w, %cols : tensor<2x4x6xf32>, tensor<2x6x15xf32>)
      outs(%init : tensor<2x4x15xf32>) -> tensor<2x4x15xf32>
  %x = tensor.expand_shape %p [[0], [1], [2, 3]] output_shape [2, 4, 3, 5] : tensor<2x4x15xf32> into tensor<2x4x3x5xf32>
  %o = tensor.empty() : tensor<2x4x3x5xf32>
  %y = linalg.generic {indexing_maps = [#nchw, #channel, #nchw], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %bias : tensor<2x4x3x5xf32>, tensor<4xf32>) outs(%o : tensor<2x4x3x5xf32>) {
  ^bb0(%v: f32, %b: f32, %out: f32):
    %s = arith.addf %v, %b : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  } -> tensor<2x4x3x5xf32>
  return %y : tensor<2x4x3x5xf32>
}

// -----

// Scores viewed [B, H, L, S] that a reduction also reads stay in that
// view: moving the scaling onto the product's view would put a reshape
// between it and the softmax statistics it fuses into.
// CHECK-LABEL: func.func @scores_read_by_a_reduction
// CHECK: %[[P:.*]] = linalg.batch_matmul
// CHECK: tensor.expand_shape %[[P]]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-NOT: tensor.collapse_shape
#s4 = affine_map<(b, h, l, s) -> (b, h, l, s)>
#r4 = affine_map<(b, h, l, s) -> (b, h, l)>
func.func @scores_read_by_a_reduction(%q: tensor<6x4x8xf32>, %k: tensor<6x8x5xf32>) -> tensor<2x3x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<6x4x5xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<6x4x5xf32>) -> tensor<6x4x5xf32>
  %p = linalg.batch_matmul ins(%q, %k : tensor<6x4x8xf32>, tensor<6x8x5xf32>)
      outs(%init : tensor<6x4x5xf32>) -> tensor<6x4x5xf32>
  %x = tensor.expand_shape %p [[0, 1], [2], [3]] output_shape [2, 3, 4, 5] : tensor<6x4x5xf32> into tensor<2x3x4x5xf32>
  %o = tensor.empty() : tensor<2x3x4x5xf32>
  %scaled = linalg.generic {indexing_maps = [#s4, #s4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<2x3x4x5xf32>) outs(%o : tensor<2x3x4x5xf32>) {
  ^bb0(%v: f32, %out: f32):
    %c = arith.constant 0.125 : f32
    %m = arith.mulf %v, %c : f32
    linalg.yield %m : f32
  } -> tensor<2x3x4x5xf32>
  %re = tensor.empty() : tensor<2x3x4xf32>
  %rinit = linalg.fill ins(%zero : f32) outs(%re : tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %sum = linalg.generic {indexing_maps = [#s4, #r4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%scaled : tensor<2x3x4x5xf32>) outs(%rinit : tensor<2x3x4xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %a = arith.addf %v, %acc : f32
    linalg.yield %a : f32
  } -> tensor<2x3x4xf32>
  return %sum : tensor<2x3x4xf32>
}

// -----

// logsumexp's log(sum) + max, and a per-row loss computed from it, stay
// out of the reduction that sums the losses: fused there, the max and the
// sum would both have to leave their kernel for the loss sum's, and the max
// could not share the exp-sum's kernel as its row statistic. The chain
// still fuses into itself (log into the add, the add into the loss).
// CHECK-LABEL: func.func @row_combination_stays_out
// CHECK:       %[[MAX:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK:       %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK:       %[[LOSS:.*]] = linalg.generic {{.*}}iterator_types = ["parallel"]}
// CHECK-SAME:    ins(%[[SUM]], %[[MAX]], %{{.*}} :
// CHECK:         math.log
// CHECK:       linalg.generic {{.*}}iterator_types = ["reduction"]}
// CHECK-SAME:    ins(%[[LOSS]] :
#x2 = affine_map<(r, c) -> (r, c)>
#row = affine_map<(r, c) -> (r)>
#v1 = affine_map<(r) -> (r)>
#s1 = affine_map<(r) -> ()>
func.func @row_combination_stays_out(%x: tensor<8x16xf32>, %p: tensor<8xf32>) -> tensor<f32> {
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  %e8 = tensor.empty() : tensor<8xf32>
  %minit = linalg.fill ins(%ninf : f32) outs(%e8 : tensor<8xf32>) -> tensor<8xf32>
  %max = linalg.generic {indexing_maps = [#x2, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<8x16xf32>) outs(%minit : tensor<8xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %m = arith.maximumf %v, %acc : f32
    linalg.yield %m : f32
  } -> tensor<8xf32>
  %sinit = linalg.fill ins(%zero : f32) outs(%e8 : tensor<8xf32>) -> tensor<8xf32>
  %sum = linalg.generic {indexing_maps = [#x2, #row, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x, %max : tensor<8x16xf32>, tensor<8xf32>) outs(%sinit : tensor<8xf32>) {
  ^bb0(%v: f32, %m: f32, %acc: f32):
    %d = arith.subf %v, %m : f32
    %ex = math.exp %d : f32
    %a = arith.addf %ex, %acc : f32
    linalg.yield %a : f32
  } -> tensor<8xf32>
  %log = linalg.generic {indexing_maps = [#v1, #v1], iterator_types = ["parallel"]}
      ins(%sum : tensor<8xf32>) outs(%e8 : tensor<8xf32>) {
  ^bb0(%s: f32, %out: f32):
    %l = math.log %s : f32
    linalg.yield %l : f32
  } -> tensor<8xf32>
  %lse = linalg.generic {indexing_maps = [#v1, #v1, #v1], iterator_types = ["parallel"]}
      ins(%log, %max : tensor<8xf32>, tensor<8xf32>) outs(%e8 : tensor<8xf32>) {
  ^bb0(%l: f32, %m: f32, %out: f32):
    %a = arith.addf %l, %m : f32
    linalg.yield %a : f32
  } -> tensor<8xf32>
  %loss = linalg.generic {indexing_maps = [#v1, #v1, #v1], iterator_types = ["parallel"]}
      ins(%lse, %p : tensor<8xf32>, tensor<8xf32>) outs(%e8 : tensor<8xf32>) {
  ^bb0(%l: f32, %q: f32, %out: f32):
    %d = arith.subf %l, %q : f32
    linalg.yield %d : f32
  } -> tensor<8xf32>
  %e0 = tensor.empty() : tensor<f32>
  %tinit = linalg.fill ins(%zero : f32) outs(%e0 : tensor<f32>) -> tensor<f32>
  %total = linalg.generic {indexing_maps = [#v1, #s1], iterator_types = ["reduction"]}
      ins(%loss : tensor<8xf32>) outs(%tinit : tensor<f32>) {
  ^bb0(%v: f32, %acc: f32):
    %a = arith.addf %v, %acc : f32
    linalg.yield %a : f32
  } -> tensor<f32>
  return %total : tensor<f32>
}
