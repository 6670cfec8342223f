"""The llm strategy against test/llm/mock_openai_server.py, the scripted
OpenAI-compatible server kgen's LLM client is tested with: HTTP errors and
a reply without JSON become verdicts in the history, a reply repeating a
measured schedule is not measured again, and the next good reply is."""

import json
import subprocess
import sys

import pytest

from tune_testing import MATMUL, REPO, need_tune_library

need_tune_library()

from kgen_tune.native import Session  # noqa: E402
from kgen_tune.space import schedule_hash  # noqa: E402
from kgen_tune.store import EvaluationLog  # noqa: E402
from kgen_tune.tuner import Budget, tune  # noqa: E402

MOCK = REPO / "test" / "llm" / "mock_openai_server.py"
GOOD = {"version": 1, "workgroup_tile": [32, 64], "thread_tile": [4, 4],
        "reduction_tile": [32], "vector_width": 4}
OTHER = {"version": 1, "workgroup_tile": [64, 32], "thread_tile": [4, 4],
         "reduction_tile": [16], "vector_width": 4}


@pytest.fixture
def scripted_llm(tmp_path):
    """The mock server answering: a schedule; HTTP 400; prose without JSON;
    the first schedule again; another schedule."""
    script = [{"content": json.dumps(GOOD)},
              {"status": 400, "error": "bad request"},
              {"content": "I would tile it by 32."},
              {"content": json.dumps(GOOD)},
              {"content": json.dumps(OTHER)}]
    (tmp_path / "script.json").write_text(json.dumps(script))
    server = subprocess.Popen([sys.executable, str(MOCK), str(tmp_path / "script.json"),
                               str(tmp_path / "requests.jsonl")],
                              stdout=subprocess.PIPE, text=True)
    port = server.stdout.readline().split()[1]
    yield {"endpoint": f"http://127.0.0.1:{port}/v1", "model": "scripted",
           "max_requests": 5, "timeout": 10}, tmp_path / "requests.jsonl"
    server.terminate()
    server.wait()


def test_failures_and_a_repeated_schedule(tmp_path, scripted_llm, monkeypatch):
    llm, request_log = scripted_llm
    measured = []
    original = Session.measure

    def measure(self, index, schedule, *args, **kwargs):
        measured.append(schedule_hash(schedule))
        return original(self, index, schedule, *args, **kwargs)
    monkeypatch.setattr(Session, "measure", measure)

    result = tune(MATMUL, strategies=("heuristic", "llm"), budget=Budget(evaluations=8),
                  out_dir=tmp_path / "out", llm=llm, target="sm_90a", measurer="cpu",
                  runs=2, check_seeds=1).kernels[0]
    records = EvaluationLog(tmp_path / "out" / "evaluations.jsonl").records
    llm_records = [r for r in records if r["strategy"] == "llm"]
    reasons = [r["verdict"].get("reason") or "accepted" for r in llm_records]
    # Every scripted reply was asked for; each failure is a verdict.
    assert len(request_log.read_text().splitlines()) == 5
    assert "llm_http_status" in reasons
    assert "no_json" in reasons
    # GOOD and OTHER measured once each; the repeat of GOOD was not.
    good, other = schedule_hash(GOOD), schedule_hash(OTHER)
    assert measured.count(good) == 1 and measured.count(other) == 1
    assert [r["schedule_hash"] for r in llm_records].count(good) == 1
    # The last request showed GOOD with its measured time.
    last = json.loads(request_log.read_text().splitlines()[-1])
    prompt = last["body"]["messages"][-1]["content"]
    good_ms = next(r["milliseconds"] for r in llm_records if r["schedule_hash"] == good)
    assert f"accepted, {good_ms:.4f} ms on the cpu" in prompt
    assert "Current best:" in prompt
    assert result.best_ms is not None and result.best_ms <= result.heuristic_ms


def test_prompt_shows_gpu_resources_and_the_floor_fraction():
    with Session(MATMUL, "sm_90a") as session:
        kernel = session.kernels()[0]
        history = [{"schedule": kernel["heuristic"], "verdict": {"accepted": True},
                    "milliseconds": 0.004, "measurer": "gpu", "registers": 64,
                    "spill_bytes": 0, "shared_bytes": 16384}]
        prompt = session.prompt(0, history)[1]["content"]
    # 64x128x64 f32: 1 MFLOP and 96 KiB; the bytes at 3.35 TB/s bound it.
    floor_ms = max(kernel["bytes_floor"] / 3.35e12, kernel["flops"] / 67e12) * 1e3
    percent = round(100 * floor_ms / 0.004)
    assert (f"0.0040 ms on the gpu, {percent}% of the roofline floor, 64 registers, "
            "0 spill bytes, 16384 shared bytes") in prompt


def test_the_llm_is_shown_the_nearest_recorded_kernels(tmp_path, scripted_llm):
    """A winner recorded for the 64x128x64 matmul is an example in the
    prompt for the 96x128x48 one, with its time and measurer."""
    from kgen_tune.store import DecisionsStore, decision_entry
    from tune_testing import MATMUL_96
    llm, request_log = scripted_llm
    decisions = tmp_path / "decisions.json"
    with Session(MATMUL, "sm_90a", check_seeds=1) as s:
        [small] = s.kernels()
    recorded = dict(small["heuristic"], workgroup_tile=[64, 32], thread_tile=[8, 4])
    DecisionsStore(decisions).save({small["key"]: decision_entry(
        small, recorded, strategy="evolution", milliseconds=0.125, measurer="cpu",
        strategies=["evolution"], evaluations=1, heuristic_milliseconds=0.2)})
    tune(MATMUL_96, strategies=("llm",), budget=Budget(evaluations=2),
         out_dir=tmp_path / "out", llm=llm, decisions=decisions, target="sm_90a",
         measurer="cpu", runs=1, check_seeds=1)
    first = json.loads(request_log.read_text().splitlines()[0])
    prompt = first["body"]["messages"][-1]["content"]
    shown = json.dumps(recorded, sort_keys=True, separators=(",", ":"))
    assert ("## Fastest schedules recorded for similar kernels\n"
            "- main_kernel_0 (sink parallel loop sizes [64,64], reduction loop sizes "
            f"[128]): {shown}, 0.1250 ms on the cpu") in prompt
