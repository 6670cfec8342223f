// RUN: kgen-opt %s -kgen-schedule-kernels="print-schedules" -o /dev/null 2>&1 | FileCheck %s

// A logsumexp kernel (row max, exp-sum) whose sink picks each row's logit
// at a target class: a tensor.extract of %arg0 in the sink's body, checked
// against the row length as the constant 1000. The schedule verifier runs
// a reduced instance that cuts the rows' reduction loop; the tensor the
// body gathers from must keep its sizes, or the cut kernel reads past its
// rows and the heuristic's correct schedule is rejected as a numerical
// mismatch (the unscheduled reference reading garbage).
// CHECK-NOT: warning
// CHECK: remark: schedule from heuristic
// CHECK-NOT: warning
#map = affine_map<(d0, d1) -> (d0, d1)>
#map1 = affine_map<(d0, d1) -> (d0)>
#map2 = affine_map<(d0) -> (d0)>
module {
  func.func @ce(%arg0: tensor<256x1000xf32>, %arg1: tensor<256xi64>) -> tensor<256xf32> {
    %0 = call @ce_kernel_0(%arg0, %arg1) : (tensor<256x1000xf32>, tensor<256xi64>) -> tensor<256xf32>
    return %0 : tensor<256xf32>
  }
  func.func private @ce_kernel_0(%arg0: tensor<256x1000xf32>, %arg1: tensor<256xi64>) -> tensor<256xf32> attributes {kgen.kernel} {
    %cst = arith.constant 0xFF800000 : f32
    %0 = tensor.empty() : tensor<256xf32>
    %cst_0 = arith.constant 0.000000e+00 : f32
    %1 = tensor.empty() : tensor<256xf32>
    %2 = tensor.empty() : tensor<256xf32>
    %c0_i64 = arith.constant 0 : i64
    %c1000_i64 = arith.constant 1000 : i64
    %3 = linalg.fill {kgen.op = 0 : i64} ins(%cst : f32) outs(%0 : tensor<256xf32>) -> tensor<256xf32>
    %4 = linalg.generic {indexing_maps = [#map, #map1], iterator_types = ["parallel", "reduction"]} ins(%arg0 : tensor<256x1000xf32>) outs(%3 : tensor<256xf32>) attrs =  {kgen.op = 1 : i64} {
    ^bb0(%in: f32, %out: f32):
      %8 = arith.maximumf %out, %in : f32
      linalg.yield %8 : f32
    } -> tensor<256xf32>
    %5 = linalg.fill {kgen.op = 2 : i64} ins(%cst_0 : f32) outs(%1 : tensor<256xf32>) -> tensor<256xf32>
    %6 = linalg.generic {indexing_maps = [#map, #map1, #map1], iterator_types = ["parallel", "reduction"]} ins(%arg0, %4 : tensor<256x1000xf32>, tensor<256xf32>) outs(%5 : tensor<256xf32>) attrs =  {kgen.op = 3 : i64, kgen.root} {
    ^bb0(%in: f32, %in_1: f32, %out: f32):
      %8 = arith.subf %in, %in_1 : f32
      %9 = math.exp %8 : f32
      %10 = arith.addf %out, %9 : f32
      linalg.yield %10 : f32
    } -> tensor<256xf32>
    %7 = linalg.generic {indexing_maps = [#map2, #map2, #map2, #map2], iterator_types = ["parallel"]} ins(%arg1, %6, %4 : tensor<256xi64>, tensor<256xf32>, tensor<256xf32>) outs(%2 : tensor<256xf32>) attrs =  {kgen.op = 4 : i64, kgen.sink} {
    ^bb0(%in: i64, %in_1: f32, %in_2: f32, %out: f32):
      %8 = math.log %in_1 : f32
      %9 = arith.addf %8, %in_2 : f32
      %10 = linalg.index 0 : index
      %11 = arith.cmpi sge, %in, %c0_i64 : i64
      %12 = arith.cmpi slt, %in, %c1000_i64 : i64
      %13 = arith.andi %11, %12 : i1
      %14 = arith.select %13, %in, %c0_i64 : i64
      %15 = arith.index_cast %14 : i64 to index
      %extracted = tensor.extract %arg0[%10, %15] : tensor<256x1000xf32>
      %16 = arith.select %13, %extracted, %cst_0 : f32
      %17 = arith.subf %16, %9 : f32
      linalg.yield %17 : f32
    } -> tensor<256xf32>
    return %7 : tensor<256xf32>
  }
}

