// Grouping proposers: each proposal is checked for legality; the first legal
// one is used, the rejected ones are logged with their reason and come back
// to the proposer as history. The kernel ops of @gemm_bias_relu, in program
// order: 0 fill, 1 matmul, 2 bias add, 3 relu.

// A transcript whose fourth answer is legal: no JSON, a grouping with a
// value escaping its kernel, a grouping that is not a list, then a split.
// RUN: rm -f %t.replay.jsonl
// RUN: kgen-opt %s -kgen-to-linalg "-kgen-form-kernels=grouping-proposer=replay grouping-replay=%S/Inputs/groupings.jsonl grouping-rounds=5 grouping-trajectory=%t.replay.jsonl" 2>&1 | FileCheck %s --check-prefix=REPLAY
// REPLAY: remark: kernel grouping from replay: {{\[\[0,1\],\[2,3\]\]}}
// REPLAY: %[[MM:.*]] = call @gemm_bias_relu_kernel_0(%{{.*}}, %{{.*}})
// REPLAY: call @gemm_bias_relu_kernel_1(%[[MM]], %{{.*}})
// REPLAY: linalg.matmul {kgen.op = 1 : i64, kgen.root, kgen.sink}
// RUN: FileCheck %s --check-prefix=REPLAYLOG < %t.replay.jsonl
// REPLAYLOG: "function":"gemm_bias_relu"{{.*}}"proposer":"replay"{{.*}}"round":0{{.*}}"reason":"no_json"
// REPLAYLOG: "round":1{{.*}}"message":"op 1 of kernel 0 is used outside it, but only a kernel's last op may be"{{.*}}"reason":"illegal_grouping"
// REPLAYLOG: "round":2{{.*}}"reason":"schema"
// REPLAYLOG: "grouping":{{\[\[0,1\],\[2,3\]\]}}{{.*}}"round":3{{.*}}"verdict":{"accepted":true

// Too few rounds: the last rejection is named and the greedy grouping used.
// RUN: kgen-opt %s -kgen-to-linalg "-kgen-form-kernels=grouping-proposer=replay grouping-replay=%S/Inputs/groupings.jsonl grouping-rounds=2" 2>&1 | FileCheck %s --check-prefix=ROUNDS
// ROUNDS: warning: no kernel grouping from the replay proposer was legal (last: [illegal_grouping] op 1 of kernel 0 is used outside it, but only a kernel's last op may be); using the default grouping
// ROUNDS: call @gemm_bias_relu_kernel_0
// ROUNDS-NOT: call @gemm_bias_relu_kernel_1

// The random proposer: seeded, so the same seed gives the same grouping;
// legal or not, the program stays valid (kgen-opt verifies it).
// RUN: kgen-opt %s -kgen-to-linalg "-kgen-form-kernels=grouping-proposer=random grouping-seed=7" 2>&1 > %t.r1.mlir | FileCheck %s --check-prefix=RANDOM
// RUN: kgen-opt %s -kgen-to-linalg "-kgen-form-kernels=grouping-proposer=random grouping-seed=7" 2>/dev/null | diff - %t.r1.mlir
// RANDOM: {{remark: kernel grouping from random|warning: no kernel grouping from the random proposer}}

// The llm proposer: a 500 is retried; the reply's fenced JSON is used. The
// prompt holds the function, its ops with their users and the default.
// RUN: rm -f %t.llm.log
// RUN: %python %S/../../llm/with_mock_server.py %S/Inputs/llm-grouping.json %t.llm.log -- \
// RUN:   kgen-opt %s -kgen-to-linalg "-kgen-form-kernels=grouping-proposer=llm llm-endpoint=http://127.0.0.1:@PORT@/v1 llm-model=test-model llm-timeout=10" \
// RUN:   -o /dev/null 2>&1 | FileCheck %s --check-prefix=LLM
// LLM: remark: kernel grouping from llm: {{\[\[0,1\],\[2,3\]\]}}
// RUN: FileCheck %s --check-prefix=PROMPT < %t.llm.log
// PROMPT: ## Function 'gemm_bias_relu' (MLIR, linalg on tensors)
// PROMPT-SAME: 1: linalg.matmul (root), used by [2]
// PROMPT-SAME: ## Default (greedy) grouping\n{{\[\[0,1,2,3\]\]}}

// An unreachable endpoint: the default grouping, with the reason.
// RUN: kgen-opt %s -kgen-to-linalg "-kgen-form-kernels=grouping-proposer=llm llm-endpoint=http://127.0.0.1:1/v1 llm-model=m llm-timeout=5 grouping-rounds=1" 2>&1 | FileCheck %s --check-prefix=DOWN
// DOWN: warning: no kernel grouping from the llm proposer was legal (last: [llm_unreachable]
// DOWN: call @gemm_bias_relu_kernel_0

// Bad options are errors.
// RUN: not kgen-opt %s -kgen-to-linalg -kgen-form-kernels=grouping-proposer=oracle 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// UNKNOWN: error: unknown grouping-proposer 'oracle'; expected greedy, llm, replay or random
// RUN: not kgen-opt %s -kgen-to-linalg -kgen-form-kernels=grouping-proposer=replay 2>&1 | FileCheck %s --check-prefix=NOFILE
// NOFILE: error: the replay grouping proposer needs a transcript: grouping-replay=<file.jsonl>
// RUN: not kgen-opt %s -kgen-to-linalg "-kgen-form-kernels=grouping-proposer=replay grouping-replay=%t.does-not-exist" 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: grouping transcript {{.*}}does-not-exist: {{.*}}o such file or directory
// RUN: not kgen-opt %s -kgen-to-linalg -kgen-form-kernels=grouping-proposer=llm 2>&1 | FileCheck %s --check-prefix=NOLLM
// NOLLM: error: the llm grouping proposer needs llm-endpoint=<url> and llm-model=<name>

func.func @gemm_bias_relu(%x: tensor<16x32xf32>, %w: tensor<32x8xf32>, %b: tensor<8xf32>) -> tensor<16x8xf32> {
  %0 = kgen.matmul %x, %w : (tensor<16x32xf32>, tensor<32x8xf32>) -> tensor<16x8xf32>
  %1 = kgen.add %0, %b : (tensor<16x8xf32>, tensor<8xf32>) -> tensor<16x8xf32>
  %2 = kgen.relu %1 : tensor<16x8xf32>
  return %2 : tensor<16x8xf32>
}
