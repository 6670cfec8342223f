"""kgen_tune.store and kgen_tune.cost: the evaluation log a run resumes
from, the decisions file written by kgen's rules, and the cost model's rank
agreement. The decisions tests run twice: through libkgen_c's
kgenRecordDecisions (skipped without it) and through the Python fallback."""

import ctypes
import json
import math
import multiprocessing
import os
import stat
import subprocess
import sys
import time

import pytest

from tune_testing import library_path

from kgen_tune.cost import rank_agreement, rank_by_estimate, spearman
from kgen_tune.store import (RECORD_KEYS, DecisionsError, DecisionsStore, EvaluationLog,
                             _ProcessLock, make_record)

ACCEPTED = {"accepted": True, "message": "accepted"}
REJECTED = {"accepted": False, "reason": "shared_memory", "message": "too much"}


def record(n, h, measurer="cpu", ms=1.0, verdict=ACCEPTED, fp="0xaa"):
    return make_record(kernel="k", fingerprint=fp, target="sm_90a", strategy="evolution",
                       evaluation=n, schedule_hash=h, schedule={"version": 1},
                       verdict=verdict, estimate={"milliseconds": 0.5} if measurer else None,
                       measurer=measurer, milliseconds=ms if measurer else None,
                       samples=[ms] if measurer else None)


# --------------------------------------------------------------------------
# EvaluationLog
# --------------------------------------------------------------------------

def test_record_has_exactly_the_log_format():
    r = record(1, "h1")
    assert tuple(r) == RECORD_KEYS
    assert r["verdict"] == {"accepted": True, "reason": "none", "message": "accepted"}
    assert isinstance(r["unix_time"], float)


def test_log_round_trip_and_lookup(tmp_path):
    path = tmp_path / "evaluations.jsonl"
    log = EvaluationLog(path)
    log.append(record(1, "h1", "cpu", 2.0))
    log.append(record(2, "h2", None, verdict=REJECTED))
    log.append(record(3, "h3", "gpu", 0.1))
    again = EvaluationLog(path)
    assert again.warnings == []
    assert again.records == log.records and len(again.records) == 3
    assert path.read_text().count("\n") == 3
    assert again.lookup("0xaa", "h1", "cpu")["milliseconds"] == 2.0
    assert again.lookup("0xaa", "h1", "gpu") is None          # timed by another measurer
    assert again.lookup("0xaa", "h2", "gpu")["verdict"]["reason"] == "shared_memory"
    assert again.lookup("0xaa", "h3", "gpu", target="sm_80") is None
    assert again.lookup("0xbb", "h1", "cpu") is None


def test_truncated_last_line_is_ignored_with_a_warning(tmp_path):
    path = tmp_path / "evaluations.jsonl"
    EvaluationLog(path).append(record(1, "h1"))
    with open(path, "a") as f:
        f.write(json.dumps(record(2, "h2"))[:40])  # a run killed mid-write
    log = EvaluationLog(path)
    assert [r["schedule_hash"] for r in log.records] == ["h1"]
    assert len(log.warnings) == 1 and "truncated" in log.warnings[0]
    log.append(record(3, "h3"))  # starts on a line of its own
    again = EvaluationLog(path)
    assert [r["schedule_hash"] for r in again.records] == ["h1", "h3"]
    assert len(again.warnings) == 1 and "line 2" in again.warnings[0]


def _append_many(path, worker):
    log = EvaluationLog(path)
    for i in range(50):
        log.append(record(i, f"w{worker}-{i}"))


def test_parallel_appends_never_interleave(tmp_path):
    path = tmp_path / "evaluations.jsonl"
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_append_many, args=(path, w)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    log = EvaluationLog(path)
    assert log.warnings == [] and len(log.records) == 200


def test_in_memory_log():
    log = EvaluationLog(None)
    log.append(record(1, "h1"))
    assert log.lookup("0xaa", "h1", "cpu")["evaluation"] == 1


# --------------------------------------------------------------------------
# DecisionsStore
# --------------------------------------------------------------------------

def _has_native_recorder():
    try:
        return hasattr(ctypes.CDLL(str(library_path())), "kgenRecordDecisions")
    except OSError:
        return False


@pytest.fixture(params=["native", "python"])
def save(request):
    """store.save through libkgen_c, or its Python fallback."""
    if request.param == "native":
        if not _has_native_recorder():
            pytest.skip(f"{library_path()} lacks kgenRecordDecisions")
        return lambda store, entries: store.save(entries)
    return lambda store, entries: store.save_in_python(entries)


def entry(kernel="k", ms=1.0, summary=None, schedule=None):
    e = {"kernel": kernel, "proposer": "kgen-tune:evolution",
         "schedule": schedule or {"version": 1, "workgroup_tile": [8], "thread_tile": [1],
                                  "reduction_tile": []},
         "milliseconds": ms, "measurer": "cpu"}
    if summary:
        e["summary"] = summary
    return e


def kgen_file(entries):
    return json.dumps({"format": "kgen-decisions", "version": 1, "entries": entries}, indent=2)


def test_save_merges_and_keeps_other_entries(tmp_path, save):
    path = tmp_path / "d.json"
    # As kgen-opt writes it: kernel, proposer, schedule only.
    path.write_text(kgen_file({"0x01@sm_90a": {"kernel": "other", "proposer": "heuristic",
                                               "schedule": {"version": 1}},
                               "0x02@sm_90a": entry("old", 5.0)}))
    os.chmod(path, 0o640)
    store = DecisionsStore(path)
    save(store, {"0x02@sm_90a": entry("new", 2.0), "0x03@sm_80": entry("third", 3.0)})
    entries = store.load()
    assert set(entries) == {"0x01@sm_90a", "0x02@sm_90a", "0x03@sm_80"}
    assert entries["0x01@sm_90a"]["proposer"] == "heuristic"
    assert entries["0x02@sm_90a"]["kernel"] == "new"
    assert entries["0x02@sm_90a"]["milliseconds"] == 2.0
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_save_creates_a_new_file_and_follows_links(tmp_path, save):
    real = tmp_path / "real.json"
    link = tmp_path / "link.json"
    save(DecisionsStore(real), {"0x01@sm_90a": entry()})
    os.symlink(real, link)
    save(DecisionsStore(link), {"0x02@sm_90a": entry()})
    assert os.path.islink(link)
    assert set(json.loads(real.read_text())["entries"]) == {"0x01@sm_90a", "0x02@sm_90a"}


@pytest.mark.parametrize("text", ["{not json", json.dumps({"format": "other", "entries": {}}),
                                  json.dumps({"format": "kgen-decisions", "version": 2,
                                              "entries": {}})])
def test_corrupt_or_foreign_file_is_an_error_and_untouched(tmp_path, save, text):
    path = tmp_path / "d.json"
    path.write_text(text)
    store = DecisionsStore(path)
    with pytest.raises(DecisionsError, match="not a kgen decisions file"):
        store.load()
    with pytest.raises(DecisionsError) as e:
        save(store, {"0x01@sm_90a": entry()})
    assert "\n" not in str(e.value)
    assert path.read_text() == text


def test_read_only_file_is_an_error_and_untouched(tmp_path, save):
    path = tmp_path / "d.json"
    path.write_text(kgen_file({}))
    os.chmod(path, 0o444)
    with pytest.raises(DecisionsError, match="read-only"):
        save(DecisionsStore(path), {"0x01@sm_90a": entry()})
    assert json.loads(path.read_text())["entries"] == {}


def test_the_lock_is_a_posix_record_lock(tmp_path):
    """kgen-opt's FileLock takes fcntl record locks (flock locks would not
    exclude it): while the store holds <file>.lock, another process cannot
    take a record lock on it."""
    path = tmp_path / "d.json"
    probe = ("import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR)\n"
             "try:\n    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB); print('free')\n"
             "except OSError:\n    print('locked')\n")
    with _ProcessLock(path):
        out = subprocess.run([sys.executable, "-c", probe, f"{path}.lock"],
                             capture_output=True, text=True, check=True).stdout
    assert out.strip() == "locked"
    out = subprocess.run([sys.executable, "-c", probe, f"{path}.lock"],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "free"


def test_python_save_waits_for_another_writers_lock(tmp_path):
    path = tmp_path / "d.json"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)\n"
         "fcntl.lockf(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(1.0)",
         f"{path}.lock"], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    start = time.monotonic()
    DecisionsStore(path).save_in_python({"0x01@sm_90a": entry()})
    waited = time.monotonic() - start
    holder.wait()
    assert waited > 0.5
    assert "0x01@sm_90a" in DecisionsStore(path).load()


def summary(ops, parallel, reduction, element="f32"):
    return {"ops": ops, "element_type": element, "sink_parallel_loop_sizes": parallel,
            "root_reduction_loop_sizes": reduction}


def test_nearest_ranks_kernels_of_the_same_structure(tmp_path):
    mm = ["linalg.fill", "linalg.matmul"]
    path = tmp_path / "d.json"
    path.write_text(kgen_file({
        "0x01@sm_90a": entry("far", summary=summary(mm, [1024, 1024], [1024]),
                             schedule={"version": 1, "tag": "far"}),
        "0x02@sm_90a": entry("near", summary=summary(mm, [64, 128], [128]),
                             schedule={"version": 1, "tag": "near"}),
        "0x03@sm_90a": entry("ops", summary=summary(["linalg.generic"], [64, 64], [128]),
                             schedule={"version": 1, "tag": "ops"}),
        "0x04@sm_80": entry("target", summary=summary(mm, [64, 64], [128]),
                            schedule={"version": 1, "tag": "target"}),
        "0x05@sm_90a": entry("f16", summary=summary(mm, [64, 64], [128], "f16"),
                             schedule={"version": 1, "tag": "f16"}),
        "0x06@sm_90a": {"kernel": "kgen-opt's", "proposer": "heuristic",
                        "schedule": {"version": 1, "tag": "nosummary"}},
        "0x07@sm_90a": entry("rank", summary=summary(mm, [64], [128]),
                             schedule={"version": 1, "tag": "rank"}),
    }))
    store = DecisionsStore(path)
    found = store.nearest(summary(mm, [64, 64], [128]), "sm_90a", k=5)
    assert [s["tag"] for s in found] == ["near", "far"]
    assert [s["tag"] for s in store.nearest(summary(mm, [64, 64], [128]), "sm_90a", k=1)] \
        == ["near"]
    assert DecisionsStore(tmp_path / "missing.json").nearest(summary(mm, [1], [1]), "sm_90a") \
        == []


# --------------------------------------------------------------------------
# cost
# --------------------------------------------------------------------------

def test_spearman_and_rank_agreement():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) == pytest.approx(0.8)
    assert spearman([1, 1, 2], [1, 2, 3]) == pytest.approx(math.sqrt(3) / 2)  # ties averaged
    assert spearman([1, 2], [1, 2]) is None
    assert spearman([1, 1, 1], [1, 2, 3]) is None
    # Scales never matter, only orders; pairs missing a side are left out.
    pairs = [(0.001, 5.0), (0.002, 7.0), (None, 1.0), (0.003, 9.0), (math.inf, 2.0)]
    assert rank_agreement(pairs) == pytest.approx(1.0)


def test_rank_by_estimate_puts_unknowns_last_and_keeps_ties_in_order():
    items = [("a", {"estimate": {"milliseconds": 3.0}}), ("b", {"estimate": None}),
             ("c", {"estimate": {"milliseconds": 1.0}}), ("d", {"estimate": {"milliseconds": 3.0}})]
    assert rank_by_estimate(items) == ["c", "a", "d", "b"]
