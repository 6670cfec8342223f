// Records written before the scheduling core was split still load. The
// decisions file (format kgen-decisions, version 1) was written by a build
// of 161e7ad's scheduling core with the random proposer (seed 4); the
// trajectory line is from the same run, in the line format of that version
// (no verify_seconds).

// The recorded decision reproduces the schedule with no proposer.
// RUN: cp %S/Inputs/old-decisions.json %t.decisions.json
// RUN: kgen-opt %S/Inputs/gemm.mlir -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="decisions=%t.decisions.json print-schedules" -o /dev/null 2>&1 | FileCheck %s --check-prefix=DECISIONS
// DECISIONS: remark: schedule from decisions: {{.*}}"promote_operands":[1],"reduction_lanes":1,"reduction_tile":[96],{{.*}}"thread_tile":[8,4],{{.*}}"workgroup_tile":[1,64]
// DECISIONS-NOT: warning

// The old trajectory is a valid replay transcript.
// RUN: kgen-opt %S/Inputs/gemm.mlir -kgen-to-linalg -kgen-form-kernels -kgen-schedule-kernels="proposer=replay replay=%S/Inputs/old-trajectory.jsonl print-schedules" -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPLAY
// REPLAY: remark: schedule from replay: {{.*}}"promote_operands":[1],"reduction_lanes":1,"reduction_tile":[96],{{.*}}"thread_tile":[8,4],{{.*}}"workgroup_tile":[1,64]
// REPLAY-NOT: warning
