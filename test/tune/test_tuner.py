"""kgen_tune.tuner on real kgen programs, measured on the CPU: the search
beats a bad seed schedule, records the winner where kgen-opt finds it,
resumes without measuring anything twice, and runs every strategy."""

import http.server
import json
import re
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from tune_testing import (BAD_MATMUL_SCHEDULE, MATMUL, MATMUL_96, MATMUL_SOFTMAX, has_gpu,
                          need_tune_library, printed_schedules)

need_tune_library()

from kgen_tune import native  # noqa: E402
from kgen_tune.native import KgenTuneError, Session  # noqa: E402
from kgen_tune.space import fit, schedule_hash  # noqa: E402
from kgen_tune.store import (RECORD_KEYS, DecisionsStore, EvaluationLog,  # noqa: E402
                             decision_entry)
from kgen_tune.tuner import Budget, TuneUsageError, progress_line, tune  # noqa: E402

FAST = dict(target="sm_90a", measurer="cpu", runs=3, check_seeds=1)


@contextmanager
def counting_measurements():
    """Counts Session.measure calls (what a resumed run must not repeat)."""
    calls = []
    original = Session.measure

    def measure(self, index, schedule, *args, **kwargs):
        calls.append(schedule_hash(schedule))
        return original(self, index, schedule, *args, **kwargs)
    Session.measure = measure
    try:
        yield calls
    finally:
        Session.measure = original


def records(out):
    return EvaluationLog(Path(out) / "evaluations.jsonl").records


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    """One tuned matmul: heuristic, a bad seed, then evolution, with a
    decisions file that kgen-opt already wrote entries into."""
    tmp = tmp_path_factory.mktemp("first")
    two = tmp / "two.mlir"
    two.write_text(MATMUL_SOFTMAX)
    decisions = tmp / "decisions.json"
    printed_schedules(two, decisions)  # kgen-opt's own entries, for two other kernels
    before = json.loads(decisions.read_text())["entries"]
    lines = []
    with counting_measurements() as calls:
        result = tune(MATMUL, strategies=("heuristic", "evolution"),
                      budget=Budget(evaluations=10), out_dir=tmp / "out",
                      decisions=decisions, seed_schedules=[BAD_MATMUL_SCHEDULE],
                      progress=lines.append, **FAST)
    return dict(tmp=tmp, result=result, decisions=decisions, before=before, lines=lines,
                calls=list(calls))


def test_search_beats_a_bad_seed(first):
    k = first["result"].kernels[0]
    recs = records(first["tmp"] / "out")
    assert len(recs) == k.evaluations == 10
    assert all(tuple(r) == RECORD_KEYS for r in recs)
    assert [r["evaluation"] for r in recs] == list(range(1, 11))
    assert recs[0]["strategy"] == "heuristic" and recs[1]["strategy"] == "seed"
    bad = recs[1]
    assert bad["schedule"] == BAD_MATMUL_SCHEDULE and bad["verdict"]["accepted"]
    assert k.best_ms < bad["milliseconds"]
    assert k.best_ms <= k.heuristic_ms == recs[0]["milliseconds"]
    assert k.best_schedule != BAD_MATMUL_SCHEDULE
    # Every accepted candidate was measured once and carries its estimate
    # and samples; every rejected one its reason and no time.
    for r in recs:
        if r["verdict"]["accepted"]:
            assert r["measurer"] == "cpu" and len(r["samples"]) == 3
            assert r["estimate"]["milliseconds"] > 0
        else:
            assert r["milliseconds"] is None and r["verdict"]["reason"] not in ("", "none")
    assert len(first["calls"]) == len(set(first["calls"])) == k.measured
    assert k.measured + sum(k.rejects.values()) == 10
    assert [ms for _, ms in k.curve] == sorted((ms for _, ms in k.curve), reverse=True)
    assert first["lines"] == [progress_line(k)]
    assert re.fullmatch(r"main_kernel_0: 10 evaluations, \d+ rejected( \(.*\))?, best [0-9.e-]+ "
                        r"ms \((heuristic|evolution)\), \d+\.\d\dx over the heuristic",
                        first["lines"][0])
    saved = json.loads((first["tmp"] / "out" / "result.json").read_text())
    assert saved["kernels"][0]["best_schedule"] == k.best_schedule
    assert saved["kernels"][0]["evaluations"] == 10


def test_winner_is_recorded_where_kgen_opt_finds_it(first, tmp_path):
    k = first["result"].kernels[0]
    entries = json.loads(first["decisions"].read_text())["entries"]
    for key, e in first["before"].items():  # kgen-opt's entries survive
        assert entries[key] == e
    ours = entries[k.key]
    assert k.key.endswith("@sm_90a") and k.key.startswith(k.fingerprint)
    assert ours["proposer"] == f"kgen-tune:{k.best_strategy}"
    assert ours["schedule"] == k.best_schedule
    assert ours["milliseconds"] == k.best_ms and ours["measurer"] == "cpu"
    assert ours["summary"]["ops"] == ["linalg.fill", "linalg.matmul"]
    prov = ours["provenance"]
    assert prov["tool"] == "kgen-tune" and prov["evaluations"] == 10
    assert prov["strategies"] == ["heuristic", "evolution"]
    assert prov["heuristic_milliseconds"] == k.heuristic_ms and prov["date"]
    # A build with the file schedules the kernel with the winner. (kgen-opt
    # rewrites the entries it uses, so it gets a copy.)
    mlir = tmp_path / "mm.mlir"
    mlir.write_text(MATMUL)
    copy = tmp_path / "decisions.json"
    shutil.copy(first["decisions"], copy)
    [(source, printed)] = printed_schedules(mlir, copy)
    assert source == "decisions"
    assert json.loads(printed) == k.best_schedule


def test_resumed_run_measures_nothing_twice(first, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(first["tmp"] / "out", out)
    with counting_measurements() as calls:
        again = tune(MATMUL, strategies=("heuristic", "evolution"), budget=Budget(evaluations=10),
                     out_dir=out, seed_schedules=[BAD_MATMUL_SCHEDULE], **FAST)
    assert calls == []
    assert len(records(out)) == 10
    assert again.kernels[0].best_ms == first["result"].kernels[0].best_ms
    with counting_measurements() as calls:
        longer = tune(MATMUL, strategies=("heuristic", "evolution"), budget=Budget(evaluations=16),
                      out_dir=out, seed_schedules=[BAD_MATMUL_SCHEDULE], **FAST)
    recs = records(out)
    assert len(recs) == 16 and longer.kernels[0].evaluations == 16
    new = [r for r in recs[10:] if r["measurer"] == "cpu"]
    assert sorted(calls) == sorted(r["schedule_hash"] for r in new)
    measured = [(r["schedule_hash"], r["measurer"]) for r in recs if r["measurer"]]
    assert len(measured) == len(set(measured))
    assert set(calls).isdisjoint(first["calls"])


def test_evolution_and_random_at_equal_budget(tmp_path):
    results = {}
    for strategy in ("evolution", "random"):
        out = tmp_path / strategy
        results[strategy] = tune(MATMUL, strategies=(strategy,), budget=Budget(evaluations=8),
                                 out_dir=out, seed=3, **FAST).kernels[0]
        recs = records(out)
        assert len(recs) == 8
        assert {r["strategy"] for r in recs} == {"heuristic", strategy}
        assert results[strategy].best_ms <= results[strategy].heuristic_ms
    assert results["evolution"].evaluations == results["random"].evaluations == 8
    # The random proposer breaks a rule on purpose now and then; every
    # proposal, accepted or not, is an evaluation with its verdict.
    mixed = tune(MATMUL, strategies=("random", "evolution"), budget=Budget(evaluations=9),
                 out_dir=tmp_path / "mixed", seed=3, **FAST).kernels[0]
    order = [r["strategy"] for r in records(tmp_path / "mixed")]
    assert order[0] == "heuristic" and {"random", "evolution"} <= set(order)
    assert order.index("random") < order.index("evolution")  # taking turns, in order
    assert mixed.evaluations == 9


class _FakeLlm(http.server.BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint answering every request with one new
    schedule for MATMUL and 30 tokens of usage."""
    requests = []
    replies = [{"version": 1, "workgroup_tile": [32, 64], "thread_tile": [4, 4],
                "reduction_tile": [32], "vector_width": 4},
               {"version": 1, "workgroup_tile": [64, 32], "thread_tile": [4, 4],
                "reduction_tile": [16], "vector_width": 4},
               {"version": 1, "workgroup_tile": [16, 64], "thread_tile": [2, 4],
                "reduction_tile": [64], "vector_width": 2}]

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        n = len(self.requests)
        self.requests.append(body)
        content = json.dumps(self.replies[n % len(self.replies)])
        data = json.dumps({"id": f"x{n}", "object": "chat.completion", "model": "fake",
                           "choices": [{"index": 0, "finish_reason": "stop",
                                        "message": {"role": "assistant", "content": content}}],
                           "usage": {"prompt_tokens": 20, "completion_tokens": 10,
                                     "total_tokens": 30}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def fake_llm():
    _FakeLlm.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FakeLlm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", _FakeLlm.requests
    server.shutdown()


def test_llm_strategy_sees_the_history_and_keeps_its_token_budget(tmp_path, fake_llm):
    endpoint, requests = fake_llm
    result = tune(MATMUL, strategies=("llm",), budget=Budget(evaluations=8, llm_tokens=60),
                  out_dir=tmp_path / "out", llm={"endpoint": endpoint, "model": "fake"}, **FAST)
    recs = records(tmp_path / "out")
    llm = [r for r in recs if r["strategy"] == "llm"]
    answered = [r for r in llm if r["schedule"] is not None]
    assert len(requests) == 2 and len(answered) == 2  # 60 tokens: two replies of 30
    for r in answered:
        assert r["prompt"] and r["reply"] and json.loads(r["reply"]) == r["schedule"]
    # The second request shows the first reply with its measured time.
    first_ms = answered[0]["milliseconds"]
    assert first_ms is not None
    second = requests[1]["messages"][-1]["content"]
    shown = json.dumps(answered[0]["schedule"], sort_keys=True, separators=(",", ":"))
    assert f"{shown} -> accepted, {first_ms:.4f} ms" in second
    # Then the budget is spent: a verdict, not a crash, and the search stops.
    assert llm[-1]["schedule"] is None
    assert llm[-1]["verdict"]["reason"] == "llm_budget_exhausted"
    assert result.kernels[0].evaluations == len(recs) < 8


def test_unreachable_llm_is_a_verdict(tmp_path):
    result = tune(MATMUL, strategies=("llm",), budget=Budget(evaluations=6),
                  out_dir=tmp_path / "out",
                  llm={"endpoint": "http://127.0.0.1:9/v1", "model": "m", "max_requests": 1},
                  **FAST)
    recs = records(tmp_path / "out")
    assert recs[-1]["schedule"] is None and recs[-1]["verdict"]["reason"].startswith("llm_")
    assert result.kernels[0].best_strategy == "heuristic"


def test_memory_seeds_from_the_nearest_recorded_kernel(first, tmp_path):
    """A winner recorded for the 64x64 matmul seeds the 96x48 one, fitted
    to its loops; kgen-opt's entries (no summary) are not candidates."""
    decisions = tmp_path / "decisions.json"
    shutil.copy(first["decisions"], decisions)
    with Session(MATMUL, "sm_90a", check_seeds=1) as s:
        [small] = s.kernels()
    recorded = dict(small["heuristic"], workgroup_tile=[64, 32], thread_tile=[8, 4],
                    reduction_tile=[32])
    DecisionsStore(decisions).save({small["key"]: decision_entry(
        small, recorded, strategy="evolution", milliseconds=0.1, measurer="cpu",
        strategies=["evolution"], evaluations=1, heuristic_milliseconds=0.2)})
    result = tune(MATMUL_96, strategies=("memory",), budget=Budget(evaluations=4),
                  out_dir=tmp_path / "out", decisions=decisions, **FAST)
    [memory] = [r for r in records(tmp_path / "out") if r["strategy"] == "memory"]
    with Session(MATMUL_96, "sm_90a", check_seeds=1) as s:
        [large] = s.kernels()
    assert memory["schedule"] == fit(recorded, large)
    assert memory["schedule"]["workgroup_tile"] == [48, 24]  # nearest divisors on a log scale
    assert memory["verdict"]["accepted"] and memory["milliseconds"] > 0
    assert result.kernels[0].evaluations == 2  # the heuristic, then the one seed
    entries = json.loads(decisions.read_text())["entries"]
    assert large["key"] in entries and small["key"] in entries


def test_kernel_selection_and_progress(tmp_path):
    lines = []
    result = tune(MATMUL_SOFTMAX, strategies=("evolution",), budget=Budget(evaluations=2),
                  out_dir=tmp_path / "out", kernels=["main_kernel_1"], progress=lines.append,
                  **FAST)
    assert [k.name for k in result.kernels] == ["main_kernel_1"]
    assert len(lines) == 1 and lines[0].startswith("main_kernel_1: 2 evaluations, ")
    assert {r["kernel"] for r in records(tmp_path / "out")} == {"main_kernel_1"}
    with pytest.raises(TuneUsageError, match="no kernel named 'nope'"):
        tune(MATMUL_SOFTMAX, budget=Budget(evaluations=2), out_dir=tmp_path / "x",
             kernels=["nope"], **FAST)
    with pytest.raises(TuneUsageError, match="no kernel 5"):
        tune(MATMUL_SOFTMAX, budget=Budget(evaluations=2), out_dir=tmp_path / "x",
             kernels=[5], **FAST)


def test_parallel_verification_matches_serial(tmp_path):
    """Workers only verify: the first evolution round is the same."""
    runs = {}
    for workers in (0, 2):
        out = tmp_path / f"w{workers}"
        tune(MATMUL, strategies=("evolution",), budget=Budget(evaluations=5), out_dir=out,
             workers=workers, seed=7, **FAST)
        runs[workers] = [r["schedule_hash"] for r in records(out)]
    assert runs[0] == runs[2] and len(runs[0]) == 5


def test_time_budget(tmp_path):
    start = time.monotonic()
    result = tune(MATMUL, strategies=("random",), budget=Budget(seconds=2.0),
                  out_dir=tmp_path / "out", **FAST)
    # The deadline is checked before each verification and measurement:
    # past it, at most one of each, then the files are written.
    assert time.monotonic() - start < 12.0
    assert result.kernels[0].evaluations >= 1


def test_bad_arguments(tmp_path):
    for kwargs, message in ((dict(budget=Budget()), "needs evaluations or seconds"),
                            (dict(strategies=("annealing",)), "unknown strategy"),
                            (dict(measurer="tpu"), "unknown measurer")):
        with pytest.raises(TuneUsageError, match=message):
            tune(MATMUL, out_dir=tmp_path / "x", **{**FAST, **kwargs})
    with pytest.raises(KgenTuneError, match="cannot parse the program"):
        tune("garbage", budget=Budget(evaluations=1), out_dir=tmp_path / "x", **FAST)


@pytest.mark.skipif(has_gpu(), reason="a GPU is present")
def test_gpu_measurer_without_a_gpu(tmp_path):
    with pytest.raises(KgenTuneError, match="CUDA|GPU"):
        tune(MATMUL, budget=Budget(evaluations=1), out_dir=tmp_path / "x",
             **{**FAST, "measurer": "gpu"})


def test_session_frees_and_reports(tmp_path):
    with Session(MATMUL, "sm_90a", check_seeds=1) as s:
        [k] = s.kernels()
        assert k["sink_parallel_sizes"] == [64, 64] and k["root_reduction_sizes"] == [128]
        v = s.verify(0, k["heuristic"])
        assert v["verdict"]["accepted"] and v["estimate"]["milliseconds"] > 0
        with pytest.raises(KgenTuneError, match="no kernel 3"):
            s.verify(3, k["heuristic"])
        assert s.prompt(0)[0]["role"] == "system"
    with pytest.raises(KgenTuneError, match="closed"):
        s.verify(0, {})
    assert "workgroup_tile" in native.schedule_schema()["properties"]


def test_only_measured_candidates_climb_the_numerical_rung(tmp_path, monkeypatch):
    """Screening (the static rungs) ranks every candidate; the numerical
    rung runs only on those chosen for measurement."""
    calls = {"screen": 0, "verify": 0}
    for name in calls:
        original = getattr(Session, name)

        def counted(self, *args, _name=name, _original=original, **kwargs):
            calls[_name] += 1
            return _original(self, *args, **kwargs)
        monkeypatch.setattr(Session, name, counted)
    tune(MATMUL, strategies=("heuristic", "random"), budget=Budget(evaluations=8),
         out_dir=tmp_path / "out", seed=5, **FAST)
    recs = records(tmp_path / "out")  # the heuristic's included
    measured = [r for r in recs if r["measurer"] is not None]
    numerical = {"numerical_mismatch", "run_failed", "lowering_failed", "reference_failed"}
    late = [r for r in recs if r["verdict"].get("reason") in numerical]
    assert measured and calls["verify"] == len(measured) + len(late)
    assert calls["screen"] >= len(recs) > 0
