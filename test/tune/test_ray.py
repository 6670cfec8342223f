"""kgen_tune.distributed.tune_on_ray on a local Ray cluster of two nodes
(one CPU and one GPU resource each: the tasks ask for a GPU as they do
with the gpu measurer, and are measured on the CPU, so no GPU is needed).

Ray is a requirement (requirements.txt): its absence fails these tests.
The cluster's tests are skipped only when libkgen_c lacks the tuning API
(kgenTuneOpen).
"""

import json
import os
import sys
from pathlib import Path

import pytest

import ray  # a requirement: no skip
from ray.cluster_utils import Cluster

from tune_testing import MATMUL_SOFTMAX as PROGRAM, tune_library_missing

from kgen_tune import Budget, TuneUsageError, tune
from kgen_tune.distributed import RAY_MISSING, tune_on_ray
from kgen_tune.store import DecisionsError, DecisionsStore

KERNELS = ["main_kernel_0", "main_kernel_1"]
NODE = dict(num_cpus=1, num_gpus=1, object_store_memory=80 * 2**20)


@pytest.fixture(scope="module")
def cluster():
    missing = tune_library_missing()
    if missing:
        pytest.skip(missing)
    # no usage reports from the nodes this starts (ray.init() alone would
    # turn them off; a Cluster's nodes are started without it)
    saved = os.environ.get("RAY_USAGE_STATS_ENABLED")
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    c = Cluster(initialize_head=True, head_node_args=dict(NODE, include_dashboard=False))
    try:
        c.add_node(**NODE)
        c.wait_for_nodes()
        ray.init(address=c.address, log_to_driver=False)
        yield c
    finally:
        ray.shutdown()
        c.shutdown()
        if saved is None:
            os.environ.pop("RAY_USAGE_STATS_ENABLED", None)
        else:
            os.environ["RAY_USAGE_STATS_ENABLED"] = saved


def read_jsonl(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line]


def test_two_kernels_on_two_nodes(cluster, tmp_path):
    out, decisions = tmp_path / "out", tmp_path / "prog.decisions.json"
    # an entry of another kernel that must survive the merge
    DecisionsStore(decisions).save({"0xfeed@sm_90a": {"kernel": "other", "schedule": {}}})
    # kernel 0 was tuned before by a plain tune() on out_dir: resumed from that
    plain = tune(PROGRAM, target="sm_90a", kernels=KERNELS[:1], measurer="cpu",
                 strategies=("heuristic", "random"), budget=Budget(evaluations=3),
                 runs=2, check_seeds=1, out_dir=out)
    plain_records = read_jsonl(out / "evaluations.jsonl")
    lines = []
    result = tune_on_ray(PROGRAM, target="sm_90a", kernels=KERNELS, measurer="cpu",
                         strategies=("heuristic", "random"), budget=Budget(evaluations=3),
                         runs=2, check_seeds=1, out_dir=out, decisions=decisions,
                         gpus_per_worker=1, progress=lines.append)
    assert [k.name for k in result.kernels] == KERNELS
    assert result.out_dir == str(out.resolve()) and result.measurer == "cpu"
    assert sorted(line.split(":")[0] for line in lines) == KERNELS

    # both kernels have a decision, beside the entry that was there
    entries = DecisionsStore(decisions).load()
    assert set(entries) == {k.key for k in result.kernels} | {"0xfeed@sm_90a"}
    for k in result.kernels:
        assert k.evaluations == 3 and k.best_ms is not None and k.heuristic_ms is not None
        assert entries[k.key]["schedule"] == k.best_schedule
        assert entries[k.key]["proposer"] == f"kgen-tune:{k.best_strategy}"

    # each kernel's task ran on its own node with a GPU of its own, in the
    # driver's out_dir (one file system here)
    workers = [json.loads((out / k / "worker.json").read_text()) for k in KERNELS]
    assert len({w["node"] for w in workers}) == 2
    assert all(len(w["gpus"]) == 1 and w["shared_filesystem"] for w in workers)
    logs = {k: read_jsonl(out / k / "evaluations.jsonl") for k in KERNELS}
    assert all(len(records) == 3 for records in logs.values())
    assert logs[KERNELS[0]] == plain_records  # nothing measured again
    assert result.kernels[0].best_ms == plain.kernels[0].best_ms
    assert {r["kernel"] for r in read_jsonl(out / "evaluations.jsonl")} == set(KERNELS)
    combined = json.loads((out / "result.json").read_text())
    assert [k["name"] for k in combined["kernels"]] == KERNELS

    # again, as from hosts that do not see out_dir: each task gets the
    # kernel's log shipped, resumes from it (nothing measured again) and
    # sends its files back
    again = tune_on_ray(PROGRAM, target="sm_90a", measurer="cpu",
                        strategies=("heuristic", "random"), budget=Budget(evaluations=3),
                        runs=2, check_seeds=1, out_dir=out, decisions=decisions,
                        gpus_per_worker=1, shared_filesystem=False)
    assert [(k.name, k.best_ms, k.evaluations) for k in again.kernels] == \
        [(k.name, k.best_ms, k.evaluations) for k in result.kernels]
    for k in KERNELS:
        assert read_jsonl(out / k / "evaluations.jsonl") == logs[k]
        assert not json.loads((out / k / "worker.json").read_text())["shared_filesystem"]
    assert len(read_jsonl(out / "evaluations.jsonl")) == 6


def test_a_failed_task_raises_after_the_others_are_saved(cluster, tmp_path):
    decisions, lines = tmp_path / "d.json", []
    # kernel 0's seed schedules are no list: its task raises TypeError
    with pytest.raises(TypeError, match="^main_kernel_0: "):
        tune_on_ray(PROGRAM, measurer="cpu", strategies=("heuristic",),
                    budget=Budget(evaluations=1), runs=1, check_seeds=1,
                    out_dir=tmp_path / "out", decisions=decisions,
                    seed_schedules={"main_kernel_0": 5}, progress=lines.append)
    assert sorted(lines)[0].startswith("main_kernel_0: failed: ")
    assert [e["kernel"] for e in DecisionsStore(decisions).load().values()] == \
        ["main_kernel_1"]
    result = json.loads((tmp_path / "out" / "result.json").read_text())
    assert [k["name"] for k in result["kernels"]] == ["main_kernel_1"]
    assert result["warnings"] == ["main_kernel_0: its task failed; not tuned"]

    # a program kgen cannot read fails before any kernel's task, in one line
    with pytest.raises(Exception, match="^listing the kernels: ") as e:
        tune_on_ray("func.func @main(", budget=Budget(evaluations=1), out_dir=tmp_path)
    assert "\n" not in str(e.value)


def test_tasks_that_no_node_can_take_are_refused(cluster, tmp_path):
    with pytest.raises(TuneUsageError, match="no node of the Ray cluster has the 1 CPUs "
                                             "and 2 GPUs"):
        tune_on_ray(PROGRAM, measurer="gpu", gpus_per_worker=2,
                    budget=Budget(evaluations=1), out_dir=tmp_path)
    with pytest.raises(TuneUsageError, match="unknown measurer"):
        tune_on_ray(PROGRAM, measurer="tpu", budget=Budget(evaluations=1), out_dir=tmp_path)
    # a decisions file the winners could not go to, before any task
    with pytest.raises(DecisionsError, match="directory"):
        tune_on_ray(PROGRAM, budget=Budget(evaluations=1), out_dir=tmp_path / "out",
                    decisions=tmp_path)
    assert not (tmp_path / "out").exists()


def test_without_ray_the_error_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(ImportError) as e:
        tune_on_ray(PROGRAM, budget=Budget(evaluations=1), out_dir=tmp_path)
    assert str(e.value) == RAY_MISSING and "\n" not in RAY_MISSING
    assert "pip install -r requirements.txt" in RAY_MISSING
