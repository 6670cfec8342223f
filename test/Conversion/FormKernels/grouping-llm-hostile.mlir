// The llm grouping proposer against hostile endpoints: it has the same
// request, token and wall-clock budgets as the schedule proposer, and the
// key an endpoint echoes reaches no diagnostic and no grouping trajectory.

// An endpoint echoing the Authorization header in a grouping, as a whole
// grouping, and as a JSON key of the legal grouping finally used.
// RUN: rm -f %t.echo.log %t.echo.jsonl
// RUN: env KGEN_LLM_API_KEY=sk-kgen-echo-7f3a9c21 %python %S/../../llm/with_mock_server.py %S/Inputs/llm-grouping-echo.json %t.echo.log -- \
// RUN:   kgen-opt %s -kgen-to-linalg "-kgen-form-kernels=grouping-proposer=llm llm-endpoint=http://127.0.0.1:@PORT@/v1 llm-model=m grouping-rounds=3 grouping-trajectory=%t.echo.jsonl" \
// RUN:   -o /dev/null 2> %t.echo.err
// RUN: FileCheck %s --check-prefix=ECHO < %t.echo.err
// ECHO: remark: kernel grouping from llm: {{\[\[0,1\],\[2,3\]\]}}
// RUN: FileCheck %s --check-prefix=ECHOLOG < %t.echo.jsonl
// ECHOLOG: "grouping":{{\[\[0,"<redacted>"\],\[2,3\]\]}}
// ECHOLOG: "grouping":"Bearer <redacted>"
// ECHOLOG: "reply":"Key <redacted> echoed: {{.*}}"verdict":{"accepted":true
// The server did get the key; kgen wrote it nowhere.
// RUN: grep -q sk-kgen-echo-7f3a9c21 %t.echo.log
// RUN: not grep sk-kgen-echo-7f3a9c21 %t.echo.err %t.echo.jsonl

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

// A key holding CR LF is refused before any request.
// RUN: rm -f %t.inject.log
// RUN: env KGEN_LLM_API_KEY="$(printf 'sk-kgen-inject\nX-Evil: 1')" not %python %S/../../llm/with_mock_server.py %S/Inputs/llm-grouping-echo.json %t.inject.log -- \
// RUN:   kgen-opt %s -kgen-to-linalg "-kgen-form-kernels=grouping-proposer=llm llm-endpoint=http://127.0.0.1:@PORT@/v1 llm-model=m" \
// RUN:   -o /dev/null 2>&1 | FileCheck %s --check-prefix=INJECT
// INJECT: error: the API key in environment variable KGEN_LLM_API_KEY holds a control character (byte 0x0a at offset 14)
// RUN: count 0 < %t.inject.log

func.func @gemm_bias_relu(%x: tensor<16x32xf32>, %w: tensor<32x8xf32>, %b: tensor<8xf32>) -> tensor<16x8xf32> {
  %0 = kgen.matmul %x, %w : (tensor<16x32xf32>, tensor<32x8xf32>) -> tensor<16x8xf32>
  %1 = kgen.add %0, %b : (tensor<16x8xf32>, tensor<8xf32>) -> tensor<16x8xf32>
  %2 = kgen.relu %1 : tensor<16x8xf32>
  return %2 : tensor<16x8xf32>
}
