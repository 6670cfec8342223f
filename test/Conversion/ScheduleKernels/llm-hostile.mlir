// The llm proposer against endpoints that stall, echo the key or are given
// a key that would inject headers (the scripted server in test/llm/).

// A 429 asking to wait a day is not waited for: the build goes on at once
// with the heuristic schedule, and the later rounds send no request.
// RUN: rm -f %t.day.log %t.day.traj
// RUN: timeout 30 %python %S/../../llm/with_mock_server.py %S/Inputs/llm-retry-after.json %t.day.log -- \
// RUN:   kgen-opt %S/Inputs/gemm.mlir -kgen-to-linalg -kgen-form-kernels \
// RUN:   "-kgen-schedule-kernels=proposer=llm llm-endpoint=http://127.0.0.1:@PORT@/v1 llm-model=m llm-wall-budget=2 rounds=3 trajectory=%t.day.traj" \
// RUN:   -o /dev/null 2>&1 | FileCheck %s --check-prefix=DAY
// DAY: warning: no schedule from the llm proposer passed verification (last: [llm_http_status] http_status: the server asked (Retry-After) not to be called for {{[0-9]+}} s more; no request sent); using the heuristic schedule
// RUN: FileCheck %s --check-prefix=DAYTRAJ < %t.day.traj
// DAYTRAJ: "round":0{{.*}}"message":"http_status: HTTP 429 from {{.*}}: rate limited for a day; the server asks to wait 86400 s (Retry-After), longer than the 30 s kgen waits"
// RUN: grep -c '"path": "/v1/chat/completions"' %t.day.log | FileCheck %s --check-prefix=ONE
// ONE: 1

// A server that keeps answering 429 with a short Retry-After: retries stop
// when the next wait would overrun llm-wall-budget, and the message says
// which budget ran out and how to raise it.
// RUN: rm -f %t.busy.log
// RUN: timeout 30 %python %S/../../llm/with_mock_server.py %S/Inputs/llm-busy.json %t.busy.log -- \
// RUN:   kgen-opt %S/Inputs/gemm.mlir -kgen-to-linalg -kgen-form-kernels \
// RUN:   "-kgen-schedule-kernels=proposer=llm llm-endpoint=http://127.0.0.1:@PORT@/v1 llm-model=m llm-wall-budget=2 rounds=3" \
// RUN:   -o /dev/null 2>&1 | FileCheck %s --check-prefix=BUSY
// BUSY: warning: no schedule from the llm proposer passed verification (last: [llm_budget_exhausted] budget_exhausted: HTTP 429 {{.*}} (after 2 attempts); a 1 s wait to retry would overrun the wall-clock budget of 2 s (llm-wall-budget), which has {{[0-9.]+}} s left); using the heuristic schedule

// An endpoint echoing the Authorization header in its replies, as prose,
// a JSON value and a JSON key: the key is in no diagnostic and no
// trajectory record, only "<redacted>" is.
// RUN: rm -f %t.echo.log %t.echo.traj
// RUN: env KGEN_LLM_API_KEY=sk-kgen-echo-7f3a9c21 %python %S/../../llm/with_mock_server.py %S/Inputs/llm-echo.json %t.echo.log -- \
// RUN:   kgen-opt %S/Inputs/gemm.mlir -kgen-to-linalg -kgen-form-kernels \
// RUN:   "-kgen-schedule-kernels=proposer=llm llm-endpoint=http://127.0.0.1:@PORT@/v1 llm-model=m rounds=2 trajectory=%t.echo.traj" \
// RUN:   -o /dev/null 2> %t.echo.err
// RUN: FileCheck %s --check-prefix=ECHO < %t.echo.err
// ECHO: warning: no schedule from the llm proposer passed verification (last: [schema] unknown field '<redacted>'); using the heuristic schedule
// RUN: FileCheck %s --check-prefix=ECHOTRAJ < %t.echo.traj
// ECHOTRAJ: "reply":"{{.*}}sent with Bearer <redacted>
// ECHOTRAJ: "reply":"Your key <redacted> works.{{.*}}"schedule":{"<redacted>":"Bearer <redacted>"
// The server did get the key; kgen wrote it nowhere.
// RUN: grep -q sk-kgen-echo-7f3a9c21 %t.echo.log
// RUN: not grep sk-kgen-echo-7f3a9c21 %t.echo.err %t.echo.traj

// A key holding CR LF would add a header to the request: refused before
// any request, naming the variable and not the key.
// RUN: rm -f %t.inject.log
// RUN: env KGEN_LLM_API_KEY="$(printf 'sk-kgen-inject\r\nX-Evil: 1')" not %python %S/../../llm/with_mock_server.py %S/Inputs/llm-good.json %t.inject.log -- \
// RUN:   kgen-opt %S/Inputs/gemm.mlir -kgen-to-linalg -kgen-form-kernels \
// RUN:   "-kgen-schedule-kernels=proposer=llm llm-endpoint=http://127.0.0.1:@PORT@/v1 llm-model=m" \
// RUN:   -o /dev/null 2> %t.inject.err
// RUN: FileCheck %s --check-prefix=INJECT < %t.inject.err
// INJECT: error: the API key in environment variable KGEN_LLM_API_KEY holds a control character (byte 0x0d at offset 14); a CR or LF would add headers to the request, so none is sent
// RUN: not grep sk-kgen-inject %t.inject.err
// RUN: count 0 < %t.inject.log
