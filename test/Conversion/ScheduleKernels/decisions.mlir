// A replayed schedule is verified, applied and recorded in the decisions
// file; a later build with that file reproduces it with no proposer (the
// replay transcript is then empty).
// RUN: rm -f %t.decisions.json
// RUN: kgen-opt %S/Inputs/gemm.mlir -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%S/Inputs/good-schedule.jsonl decisions=%t.decisions.json print-schedules" -o %t.first.mlir 2>&1 | FileCheck %s --check-prefix=FIRST
// RUN: FileCheck %s --check-prefix=FILE < %t.decisions.json
// RUN: echo "" > %t.empty.jsonl
// RUN: kgen-opt %S/Inputs/gemm.mlir -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%t.empty.jsonl decisions=%t.decisions.json print-schedules" -o %t.second.mlir 2>&1 | FileCheck %s --check-prefix=SECOND
// RUN: diff %t.first.mlir %t.second.mlir

// A build that uses a recorded decision leaves its entry as it was, with
// the fields another writer added (kgen-tune's time, measurer, provenance).
// RUN: sed 's/"proposer": "replay"/"proposer": "kgen-tune:evolution", "milliseconds": 0.5, "measurer": "gpu"/' %t.decisions.json > %t.tuned.json
// RUN: cp %t.tuned.json %t.tuned.orig
// RUN: kgen-opt %S/Inputs/gemm.mlir -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="decisions=%t.tuned.json print-schedules" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SECOND
// RUN: diff %t.tuned.json %t.tuned.orig

// FIRST: remark: schedule from replay: {{.*}}"workgroup_tile":[32,32]
// FILE: @sm_90a": {
// FILE: "kernel": "main_kernel_0"
// FILE: "proposer": "replay"
// FILE: "format": "kgen-decisions"
// SECOND: remark: schedule from decisions: {{.*}}"workgroup_tile":[32,32]

// A corrupt decisions file is reported and left untouched.
// RUN: printf '{"broken": "decisions"' > %t.corrupt.json
// RUN: cp %t.corrupt.json %t.corrupt.orig
// RUN: kgen-opt %S/Inputs/gemm.mlir -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="decisions=%t.corrupt.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=CORRUPT
// RUN: diff %t.corrupt.json %t.corrupt.orig
// CORRUPT: warning: '{{.*}}corrupt.json' is not a kgen decisions file (version 1); ignoring it and leaving it untouched

// A decisions file of another tool (valid JSON, wrong format) likewise.
// RUN: echo '{"format": "something-else", "version": 1, "entries": {}}' > %t.foreign.json
// RUN: kgen-opt %S/Inputs/gemm.mlir -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="decisions=%t.foreign.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=FOREIGN
// FOREIGN: warning: '{{.*}}foreign.json' is not a kgen decisions file
