// The llm proposer against a scripted chat-completions server on 127.0.0.1.

// A 429 (retried after Retry-After), then a reply with the schedule in a
// markdown fence: the schedule is verified and used. The request carried the
// kernel, the target, the schema (also as response_format) and the key.
// RUN: rm -f %t.good.log
// RUN: env KGEN_LLM_API_KEY=sk-test-key-42 %python %S/../../llm/with_mock_server.py %S/Inputs/llm-good.json %t.good.log -- \
// RUN:   kgen-opt %S/Inputs/gemm.mlir -kgen-to-linalg -kgen-form-kernels \
// RUN:   "-kgen-schedule-kernels=proposer=llm llm-endpoint=http://127.0.0.1:@PORT@/v1 llm-model=test-model llm-timeout=10 rounds=1 print-schedules trajectory=%t.good.traj" \
// RUN:   -o /dev/null 2>&1 | FileCheck %s --check-prefix=GOOD
// GOOD: remark: schedule from llm: {{.*}}"workgroup_tile":[32,64]
// RUN: FileCheck %s --check-prefix=REQUEST < %t.good.log
// REQUEST: "authorization": "Bearer sk-test-key-42"
// REQUEST: "model": "test-model"
// REQUEST-SAME: "response_format": {"json_schema": {"name": "kgen_schedule"
// RUN: grep -c '"path": "/v1/chat/completions"' %t.good.log | FileCheck %s --check-prefix=TWO
// TWO: 2
// RUN: FileCheck %s --check-prefix=PROMPT < %t.good.log
// PROMPT: ## Kernel (MLIR, linalg on tensors)
// PROMPT-SAME: linalg.matmul
// PROMPT-SAME: ## Target
// PROMPT-SAME: sm_90a
// PROMPT-SAME: ## Schedule JSON Schema
// The trajectory keeps prompt, reply and verdict, and never the key.
// RUN: FileCheck %s --check-prefix=TRAJ < %t.good.traj
// TRAJ: "proposer":"llm"{{.*}}"reply":"Sure! Tiles{{.*}}"verdict":{"accepted":true
// RUN: not grep -q sk-test-key-42 %t.good.traj

// Schema-valid but illegal values, then prose without JSON, then 500s: each
// is rejected with its reason, fed back to the next round, and the heuristic
// schedule is used in the end.
// RUN: rm -f %t.bad.log
// RUN: %python %S/../../llm/with_mock_server.py %S/Inputs/llm-bad.json %t.bad.log -- \
// RUN:   kgen-opt %S/Inputs/gemm.mlir -kgen-to-linalg -kgen-form-kernels \
// RUN:   "-kgen-schedule-kernels=proposer=llm llm-endpoint=http://127.0.0.1:@PORT@/v1 llm-model=m llm-timeout=10 rounds=3 trajectory=%t.bad.traj" \
// RUN:   -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: warning: no schedule from the llm proposer passed verification (last: [llm_http_status]
// BAD-SAME: using the heuristic schedule
// RUN: FileCheck %s --check-prefix=BADTRAJ < %t.bad.traj
// BADTRAJ: "round":0{{.*}}"reason":"tile_exceeds_dim"
// BADTRAJ: "round":1{{.*}}"reason":"no_json"
// BADTRAJ: "round":2{{.*}}"reason":"llm_http_status"
// BADTRAJ: "proposer":"heuristic"{{.*}}"accepted":true
// The second request showed the model its first attempt and the verdict.
// RUN: FileCheck %s --check-prefix=HISTORY < %t.bad.log
// HISTORY: Earlier attempts on this kernel
// HISTORY-SAME: rejected [tile_exceeds_dim]
