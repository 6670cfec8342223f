"""kgen_tune.dataset: trajectories and evaluation records -> chat JSONL.

Most tests use handmade inputs and need no kgen library; the one that
rebuilds prompts with Session.prompt is skipped when libkgen_c lacks the
tuning API (kgenTuneOpen).
"""

import json
import os
import stat

import pytest

from tune_testing import MATMUL_SOFTMAX as PROGRAM, tune_library_missing

from kgen_tune import dataset
from kgen_tune.dataset import DatasetError, export_dataset



FP0, FP1 = "0x00000000000000aa", "0x00000000000000bb"
S_H = {"version": 1, "workgroup_tile": [32, 32], "thread_tile": [4, 4]}
S_A = {"version": 1, "workgroup_tile": [16, 32], "thread_tile": [2, 4]}
S_B = {"version": 1, "workgroup_tile": [32, 16], "thread_tile": [4, 2]}
S_BAD = {"version": 1, "workgroup_tile": [7, 32], "thread_tile": [4, 4]}
ACCEPTED = {"accepted": True, "message": "accepted"}
REJECTED = {"accepted": False, "reason": "tile_exceeds_dim", "message": "7 does not divide 32"}
SYSTEM, USER = "You schedule kernels.", "## Kernel\nkernel 0\n[not a role]\n"
LLM_PROMPT_TEXT = f"[system]\n{SYSTEM}\n[user]\n{USER}\n"
MESSAGES = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": USER}]


def trajectory_lines():
    """kgen-schedule-kernels trajectory=FILE lines: the heuristic (no prompt)
    and an LLM round with an accepted and a rejected schedule."""
    base = {"kernel": "main_kernel_0", "fingerprint": FP0, "target": "sm_90a",
            "measurements": None, "verify_seconds": 0.1}
    return [
        dict(base, proposer="heuristic", round=0, prompt="", reply="", schedule=S_H,
             verdict=ACCEPTED),
        dict(base, proposer="llm", round=0, prompt=LLM_PROMPT_TEXT,
             reply=json.dumps([S_A, S_BAD]), schedule=S_A, verdict=ACCEPTED),
        dict(base, proposer="llm", round=0, prompt=LLM_PROMPT_TEXT,
             reply=json.dumps([S_A, S_BAD]), schedule=S_BAD, verdict=REJECTED),
        dict(base, proposer="llm", round=1, prompt=LLM_PROMPT_TEXT, reply="sorry",
             schedule=None, verdict={"accepted": False, "reason": "llm_no_json_found",
                                     "message": "no JSON"}),
    ]


def evaluation_lines():
    """kgen-tune evaluation records of two kernels: heuristic, random and
    LLM strategies, measured on the CPU."""
    def record(kernel, fp, strategy, n, schedule, verdict, ms, prompt=None):
        return {"kernel": kernel, "fingerprint": fp, "target": "sm_90a",
                "strategy": strategy, "evaluation": n, "schedule_hash": f"h{n}",
                "schedule": schedule, "verdict": verdict, "estimate": None,
                "measurer": "cpu", "milliseconds": ms,
                "samples": [ms] * 3 if ms is not None else [],
                "measurement": None, "prompt": prompt,
                "reply": json.dumps(schedule) if prompt else None, "unix_time": 1.0e9 + n}
    return [
        record("main_kernel_0", FP0, "heuristic", 0, S_H, ACCEPTED, 2.0),
        record("main_kernel_0", FP0, "random", 1, S_A, ACCEPTED, 1.0),
        record("main_kernel_0", FP0, "random", 2, S_BAD, REJECTED, None),
        record("main_kernel_0", FP0, "llm", 3, S_B, ACCEPTED, 4.0, prompt=MESSAGES),
        record("main_kernel_1", FP1, "heuristic", 0, S_H, ACCEPTED, 1.0),
        record("main_kernel_1", FP1, "llm", 1, S_A, ACCEPTED, 0.5, prompt=MESSAGES),
    ]


def write_jsonl(path, lines):
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    return path


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def example(schedule, metadata):
    return {"messages": MESSAGES + [{"role": "assistant", "content": json.dumps(schedule)}],
            "metadata": metadata}


def meta(kernel, fp, verdict, ms, speedup, proposer, measurer):
    return {"kernel": kernel, "fingerprint": fp, "target": "sm_90a", "verdict": verdict,
            "milliseconds": ms, "speedup_over_heuristic": speedup, "proposer": proposer,
            "measurer": measurer}


@pytest.fixture
def inputs(tmp_path):
    return (write_jsonl(tmp_path / "trajectory.jsonl", trajectory_lines()),
            write_jsonl(tmp_path / "evaluations.jsonl", evaluation_lines()))


def test_prompt_text_is_split_into_messages():
    assert dataset.prompt_messages(LLM_PROMPT_TEXT) == MESSAGES
    assert dataset.prompt_messages("") is None
    assert dataset.prompt_messages(None) is None
    assert dataset.prompt_messages("just text") == [{"role": "user", "content": "just text"}]
    assert dataset.prompt_messages(MESSAGES) == MESSAGES


def test_accepted_records_with_prompts_become_chat_lines(inputs, tmp_path):
    out = tmp_path / "train.jsonl"
    result = export_dataset(list(inputs), out)
    assert read_jsonl(out) == [
        example(S_A, meta("main_kernel_0", FP0, ACCEPTED, None, None, "llm", None)),
        example(S_B, meta("main_kernel_0", FP0, ACCEPTED, 4.0, 0.5, "llm", "cpu")),
        example(S_A, meta("main_kernel_1", FP1, ACCEPTED, 0.5, 2.0, "llm", "cpu")),
    ]
    assert result.written == 3 and result.records == 10
    # heuristic and random records have no prompt and no session rebuilds
    # it; the heuristic's and S_A's schedules of kernel 0 come twice (the
    # record with a prompt is kept, else the measured one)
    assert result.skipped == {"no_prompt": 2, "duplicate": 2, "rejected": 2,
                              "no_schedule": 1}
    assert sum(result.skipped.values()) + result.written == result.records


def test_rejected_schedules_are_kept_on_request(inputs, tmp_path):
    out = tmp_path / "train.jsonl"
    result = export_dataset([inputs[0]], out, accepted_only=False)
    lines = read_jsonl(out)
    assert [json.loads(x["messages"][-1]["content"]) for x in lines] == [S_A, S_BAD]
    assert lines[1]["metadata"]["verdict"] == REJECTED
    assert result.skipped == {"no_prompt": 1, "no_schedule": 1}


def test_best_k_and_min_speedup(inputs, tmp_path):
    out = tmp_path / "train.jsonl"
    # kernel 0's prompted schedules: S_B at 4 ms (0.5x); kernel 1's: S_A at 0.5 ms (2x)
    result = export_dataset([inputs[1]], out, min_speedup=1.0)
    assert [x["metadata"]["kernel"] for x in read_jsonl(out)] == ["main_kernel_1"]
    assert result.skipped == {"below_min_speedup": 1, "no_prompt": 3, "rejected": 1}

    # best-k ranks every measured schedule of a kernel, prompted or not: the
    # fastest of kernel 0 is the random S_A (no prompt), so nothing of it is left
    result = export_dataset([inputs[1]], out, best_k=1)
    assert [x["metadata"]["kernel"] for x in read_jsonl(out)] == ["main_kernel_1"]
    assert result.skipped == {"not_best_k": 3, "no_prompt": 1, "rejected": 1}

    result = export_dataset([inputs[1]], out, best_k=2)
    assert [x["metadata"]["milliseconds"] for x in read_jsonl(out)] == [0.5]
    assert result.skipped == {"not_best_k": 1, "no_prompt": 3, "rejected": 1}

    # the trajectory has no times: min_speedup and best_k skip its records
    result = export_dataset([inputs[0]], out, min_speedup=0.1)
    assert result.written == 0 and result.skipped["unmeasured"] == 2


def test_the_same_schedule_of_a_kernel_is_one_example(tmp_path):
    lines = evaluation_lines()
    again = dict(lines[3], evaluation=9, milliseconds=3.0)  # S_B once more, faster
    out = tmp_path / "train.jsonl"
    result = export_dataset([write_jsonl(tmp_path / "e.jsonl", lines + [again])], out)
    kernel0 = [x for x in read_jsonl(out) if x["metadata"]["kernel"] == "main_kernel_0"]
    assert [x["metadata"]["milliseconds"] for x in kernel0] == [3.0]
    assert result.skipped["duplicate"] == 1
    result = export_dataset([tmp_path / "e.jsonl"], out, dedupe=False)
    assert result.written == 3 and "duplicate" not in result.skipped


def test_malformed_line_is_a_one_line_error_naming_it(inputs, tmp_path):
    out = tmp_path / "train.jsonl"
    out.write_text("old\n")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(evaluation_lines()[0]) + "\n\n{not json\n")
    with pytest.raises(DatasetError) as e:
        export_dataset([inputs[0], bad], out)
    message = str(e.value)
    assert message.startswith(f"{bad} line 3: not JSON") and "\n" not in message
    assert out.read_text() == "old\n"  # nothing written

    for line, why in [('["a list"]', "not a JSON object"),
                      ('{"kernel": "k", "schedule": {}}', '"verdict"'),
                      ('{"verdict": {"accepted": true}}', '"kernel"'),
                      ('{"kernel": "k", "verdict": {"accepted": true}, "schedule": 3}',
                       '"schedule"'),
                      ('{"kernel": "k", "verdict": {"accepted": true}, "prompt": [1]}',
                       '"prompt"')]:
        bad.write_text(line + "\n")
        with pytest.raises(DatasetError, match=f"^{bad} line 1: .*{why}"):
            export_dataset([bad], out)


def test_cli(inputs, tmp_path, capsys):
    out = tmp_path / "train.jsonl"
    assert dataset.main([str(inputs[1]), "-o", str(out), "--best-k", "2"]) == 0
    assert "1 examples written" in capsys.readouterr().out
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{\n")
    assert dataset.main([str(bad), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"kgen-tune dataset: error: {bad} line 1:") and err.count("\n") == 1


def test_write_is_atomic(inputs, tmp_path, monkeypatch):
    out = tmp_path / "train.jsonl"
    out.write_text("old\n")
    out.chmod(0o640)
    export_dataset(list(inputs), out)
    assert len(read_jsonl(out)) == 3
    assert stat.S_IMODE(out.stat().st_mode) == 0o640  # the file keeps its bits
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "evaluations.jsonl", "train.jsonl", "trajectory.jsonl"]

    # a failure while replacing leaves the old file whole and no temporary
    before = out.read_text()

    def fail(*args):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(dataset.os, "replace", fail)
    with pytest.raises(DatasetError, match="No space left on device"):
        export_dataset([inputs[1]], out, best_k=1)
    monkeypatch.undo()
    assert out.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "evaluations.jsonl", "train.jsonl", "trajectory.jsonl"]

    # a symbolic link is followed: its target is replaced, the link stays
    link = tmp_path / "link.jsonl"
    link.symlink_to(out)
    export_dataset([inputs[1]], link, best_k=2)
    assert link.is_symlink() and len(read_jsonl(out)) == 1

    # a read-only file is left untouched
    if os.geteuid() != 0:  # root writes anyway
        out.chmod(0o440)
        with pytest.raises(DatasetError, match="read-only"):
            export_dataset(list(inputs), out)
        assert len(read_jsonl(out)) == 1




def test_missing_prompts_are_rebuilt_with_the_session(tmp_path):
    missing = tune_library_missing()
    if missing:
        pytest.skip(missing)
    from kgen_tune.native import Session

    session = Session(PROGRAM, "sm_90a", check_seeds=0)
    try:
        kernels = session.kernels()
        k0 = kernels[0]
        heuristic = k0["heuristic"]
        bad = dict(heuristic, version=7)
        base = {"kernel": k0["name"], "fingerprint": k0["fingerprint"], "target": "sm_90a",
                "measurer": "cpu", "prompt": None, "reply": None}
        records = [
            dict(base, strategy="heuristic", schedule=heuristic, verdict=ACCEPTED,
                 milliseconds=2.0),
            dict(base, strategy="random", schedule=bad, milliseconds=None,
                 verdict={"accepted": False, "reason": "version", "message": "version 7"}),
            dict(base, strategy="random", schedule=dict(heuristic, vector_width=1),
                 verdict=ACCEPTED, milliseconds=1.0),
            dict(base, kernel="gone", fingerprint="0x1", strategy="random",
                 schedule=heuristic, verdict=ACCEPTED, milliseconds=1.0),
            dict(base, target="sm_80", strategy="random", schedule=heuristic,
                 verdict=ACCEPTED, milliseconds=1.0),
        ]
        path = write_jsonl(tmp_path / "e.jsonl", records)
        out = tmp_path / "train.jsonl"
        result = export_dataset([path], out, session=session)
        assert result.written == 2
        assert result.skipped == {"rejected": 1, "kernel_not_found": 1,
                                  "target_mismatch": 1}
        lines = read_jsonl(out)
        # each prompt is the one kgen's LLM proposer sends after the earlier
        # attempts on the kernel in the file
        history = [{"schedule": r["schedule"], "verdict": r["verdict"],
                    "milliseconds": r["milliseconds"]} for r in records[:2]]
        history[1].pop("milliseconds")
        assert lines[0]["messages"][:-1] == session.prompt(0, [])
        assert lines[1]["messages"][:-1] == session.prompt(0, history)
        assert lines[1]["messages"][-1] == {"role": "assistant",
                                            "content": json.dumps(records[2]["schedule"])}
        assert lines[1]["metadata"]["speedup_over_heuristic"] == 2.0
        assert "Earlier attempts" in lines[1]["messages"][1]["content"]
    finally:
        session.close()

    # or from the program's source: a session per target, sm_80's kernels too
    result = export_dataset([path], out, source=PROGRAM, max_history=0)
    assert result.written == 3 and result.skipped == {"rejected": 1, "kernel_not_found": 1}
