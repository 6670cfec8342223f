#!/bin/bash
# GPU experiment: promoted vs unpromoted gemm schedules.
cd "$(dirname "$0")"
R=${KGEN_RUN:-kgen-run}
for k in mm gbr; do
  for s in h p1 p2 p3; do
    f=${k}_$s.jsonl; [ -f $f ] || continue
    echo "== $k 1024 $s (check)"; $R ${k}1024.mlir --device=gpu --check --seed=1 --schedule-options="proposer=replay replay=$f rounds=1" 2>&1 | grep -v "^ " | tail -4
    echo "== $k 4096 $s (time)"; $R ${k}4096.mlir --device=gpu --time=20 --check-seeds=0 --schedule-options="proposer=replay replay=$f rounds=1" 2>&1 | grep -v "^ " | tail -4
  done
  echo "== $k 4096 heuristic"; $R ${k}4096.mlir --device=gpu --time=20 --check-seeds=0 2>&1 | tail -3
done
