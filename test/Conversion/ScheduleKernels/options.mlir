// Bad options are clear errors; an unreachable LLM is a warning and the
// heuristic schedule is used.
// RUN: not kgen-opt %S/Inputs/gemm.mlir -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=oracle" 2>&1 | FileCheck %s --check-prefix=PROPOSER
// PROPOSER: error: unknown proposer 'oracle'; expected heuristic, llm, replay or random
// RUN: not kgen-opt %S/Inputs/gemm.mlir -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="target=sm_70" 2>&1 | FileCheck %s --check-prefix=TARGET
// TARGET: error: unknown target 'sm_70'; expected one of sm_90a, sm_80, gfx942, gfx90a
// RUN: not kgen-opt %S/Inputs/gemm.mlir -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay" 2>&1 | FileCheck %s --check-prefix=NOREPLAY
// NOREPLAY: error: the replay proposer needs a transcript: replay=<file.jsonl>
// RUN: not kgen-opt %S/Inputs/gemm.mlir -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.missing.jsonl" 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: replay transcript {{.*}}missing.jsonl: No such file or directory
// RUN: printf 'not json\n' > %t.bad.jsonl
// RUN: not kgen-opt %S/Inputs/gemm.mlir -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.bad.jsonl" 2>&1 | FileCheck %s --check-prefix=BADREPLAY
// BADREPLAY: error: replay transcript {{.*}}bad.jsonl line 1: not a JSON object
// RUN: not kgen-opt %S/Inputs/gemm.mlir -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=llm" 2>&1 | FileCheck %s --check-prefix=NOLLM
// NOLLM: error: the llm proposer needs llm-endpoint=<url> and llm-model=<name> (see docs/llm.md)

// Nothing listens on port 1: the LLM is unreachable, the build goes on.
// RUN: env KGEN_LLM_API_KEY=sk-secret-0123 kgen-opt %S/Inputs/gemm.mlir -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=llm llm-endpoint=http://127.0.0.1:1/v1 llm-model=m llm-timeout=2 rounds=1 trajectory=%t.traj.jsonl" -o %t.out.mlir 2>&1 | FileCheck %s --check-prefix=UNREACHABLE
// UNREACHABLE: warning: no schedule from the llm proposer passed verification (last: [llm_unreachable]
// UNREACHABLE-SAME: using the heuristic schedule
// UNREACHABLE-NOT: sk-secret-0123
// RUN: FileCheck %s --check-prefix=SCHEDULED < %t.out.mlir
// SCHEDULED: scf.forall
// The key never reaches the trajectory log either.
// RUN: not grep -q sk-secret-0123 %t.traj.jsonl
// RUN: FileCheck %s --check-prefix=TRAJ < %t.traj.jsonl
// TRAJ: "proposer":"llm"{{.*}}"reason":"llm_unreachable"
// TRAJ: "proposer":"heuristic"{{.*}}"accepted":true
