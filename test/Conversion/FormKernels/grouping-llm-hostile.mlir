// The llm grouping proposer against hostile endpoints: it has the same
// request, token and wall-clock budgets as the schedule proposer.

// The request budget: the 500s use it up on the first round's retries.
// RUN: %python %S/../../llm/with_mock_server.py %S/Inputs/llm-grouping-500s.json %t.requests.log -- \
// RUN:   kgen-opt %s -kgen-to-linalg "-kgen-form-kernels=grouping-proposer=llm llm-endpoint=http://127.0.0.1:@PORT@/v1 llm-model=m llm-max-requests=2" \
// RUN:   -o /dev/null 2>&1 | FileCheck %s --check-prefix=REQUESTS
// REQUESTS: warning: no kernel grouping from the llm proposer was legal (last: [llm_budget_exhausted] budget_exhausted: request budget of 2 (llm-max-requests) exhausted; last attempt: http_status: HTTP 500

// The wall-clock budget: retries after 429s stop when the next wait would
// overrun it.
// RUN: timeout 30 %python %S/../../llm/with_mock_server.py %S/Inputs/llm-grouping-429s.json %t.wall.log -- \
// RUN:   kgen-opt %s -kgen-to-linalg "-kgen-form-kernels=grouping-proposer=llm llm-endpoint=http://127.0.0.1:@PORT@/v1 llm-model=m llm-wall-budget=2 grouping-rounds=1" \
// RUN:   -o /dev/null 2>&1 | FileCheck %s --check-prefix=WALL
// WALL: warning: no kernel grouping from the llm proposer was legal (last: [llm_budget_exhausted] budget_exhausted: HTTP 429 {{.*}}would overrun the wall-clock budget of 2 s (llm-wall-budget)

func.func @gemm_bias_relu(%x: tensor<16x32xf32>, %w: tensor<32x8xf32>, %b: tensor<8xf32>) -> tensor<16x8xf32> {
  %0 = kgen.matmul %x, %w : (tensor<16x32xf32>, tensor<32x8xf32>) -> tensor<16x8xf32>
  %1 = kgen.add %0, %b : (tensor<16x8xf32>, tensor<8xf32>) -> tensor<16x8xf32>
  %2 = kgen.relu %1 : tensor<16x8xf32>
  return %2 : tensor<16x8xf32>
}
