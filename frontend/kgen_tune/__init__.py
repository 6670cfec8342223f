"""kgen-tune: a measured schedule search over kgen's kernels.

    from kgen_tune import tune, Budget
    result = tune(open("prog.mlir").read(), target="sm_90a", measurer="gpu",
                  strategies=("heuristic", "evolution"), budget=Budget(evaluations=20),
                  out_dir="tune-out", decisions="prog.decisions.json")

Candidates come from strategies (strategies.py), are verified by kgen's
ladder and ranked by its static cost model (cost.py), measured on the CPU
or the GPU (native.py: libkgen_c's include/kgen-c/Tune.h), and remembered
(store.py: the evaluation log a run resumes from, kgen's decisions file
that later builds read). The command line is `kgen-tune` (cli.py).
Nothing here imports PyTorch except writing files and importing problem
files.
"""

from .native import KgenTuneError, Session, schedule_schema
from .store import DecisionsError, DecisionsStore, EvaluationLog
from .tuner import Budget, KernelResult, TuneResult, TuneUsageError, tune, tune_kernel

__all__ = ["tune", "tune_kernel", "Budget", "TuneResult", "KernelResult", "TuneUsageError",
           "Session", "KgenTuneError", "schedule_schema", "EvaluationLog", "DecisionsStore",
           "DecisionsError"]
