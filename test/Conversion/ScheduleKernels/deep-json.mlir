// JSON nested 200,000 levels deep, wherever it enters schedule selection, is
// refused before a value of that depth is built (copying or printing one
// would overflow the stack): each case ends in one clear line, quickly.
// The grouping files' cases are in FormKernels/deep-json.mlir.

// A model reply holding the deep JSON: rejected as a malformed reply.
// RUN: %python %S/Inputs/deep_json.py llm-content > %t.content.json
// RUN: rm -f %t.content.log %t.content.traj
// RUN: %python %S/../../llm/with_mock_server.py %t.content.json %t.content.log -- \
// RUN:   kgen-opt %S/Inputs/gemm.mlir -kgen-to-linalg -kgen-form-kernels \
// RUN:   "-kgen-schedule-kernels=proposer=llm llm-endpoint=http://127.0.0.1:@PORT@/v1 llm-model=m llm-timeout=10 rounds=1 trajectory=%t.content.traj" \
// RUN:   -o /dev/null 2>&1 | FileCheck %s --check-prefix=CONTENT
// CONTENT: warning: no schedule from the llm proposer passed verification (last: [llm_malformed_reply] the reply's JSON schedule is unusable: malformed_reply: the JSON in the model's reply nests more than 128 levels deep)
// RUN: FileCheck %s --check-prefix=CONTENTTRAJ < %t.content.traj
// CONTENTTRAJ: "proposer":"llm"{{.*}}"reason":"llm_malformed_reply"

// An HTTP body that is itself the deep JSON.
// RUN: %python %S/Inputs/deep_json.py llm-body > %t.body.json
// RUN: rm -f %t.body.log
// RUN: %python %S/../../llm/with_mock_server.py %t.body.json %t.body.log -- \
// RUN:   kgen-opt %S/Inputs/gemm.mlir -kgen-to-linalg -kgen-form-kernels \
// RUN:   "-kgen-schedule-kernels=proposer=llm llm-endpoint=http://127.0.0.1:@PORT@/v1 llm-model=m llm-timeout=10 rounds=1" \
// RUN:   -o /dev/null 2>&1 | FileCheck %s --check-prefix=BODY
// BODY: warning: no schedule from the llm proposer passed verification (last: [llm_malformed_reply] {{.*}}reply body nests more than 128 levels deep from http://127.0.0.1:{{[0-9]+}}/v1/chat/completions)

// A replay transcript line.
// RUN: %python %S/Inputs/deep_json.py replay > %t.replay.jsonl
// RUN: not kgen-opt %S/Inputs/gemm.mlir -kgen-to-linalg -kgen-form-kernels \
// RUN:   "-kgen-schedule-kernels=proposer=replay replay=%t.replay.jsonl" \
// RUN:   -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPLAY
// REPLAY: error: replay transcript {{.*}}replay.jsonl line 1: JSON nests arrays and objects more than 128 levels deep (kgen's limit)

// A decisions file: reported and left untouched, like any unreadable one.
// RUN: %python %S/Inputs/deep_json.py decisions > %t.decisions.json
// RUN: cp %t.decisions.json %t.decisions.orig
// RUN: kgen-opt %S/Inputs/gemm.mlir -kgen-to-linalg -kgen-form-kernels \
// RUN:   "-kgen-schedule-kernels=decisions=%t.decisions.json" \
// RUN:   -o /dev/null 2>&1 | FileCheck %s --check-prefix=DECISIONS
// RUN: diff %t.decisions.json %t.decisions.orig
// DECISIONS: warning: '{{.*}}decisions.json' is not a kgen decisions file: JSON nests arrays and objects more than 128 levels deep (kgen's limit); ignoring it and leaving it untouched
