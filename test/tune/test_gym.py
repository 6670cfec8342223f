"""kgen_tune.gym_env.KgenTuneEnv on a small two-kernel program, measured on
the CPU. Skipped when libkgen_c lacks the tuning API (kgenTuneOpen)."""

import json
import math

import pytest

from tune_testing import MATMUL_SOFTMAX as PROGRAM, tune_library_missing

_missing = tune_library_missing()
if _missing:
    pytest.skip(_missing, allow_module_level=True)

from kgen_tune.gym_env import KgenTuneEnv  # noqa: E402


@pytest.fixture(scope="module")
def env():
    with KgenTuneEnv(PROGRAM, target="sm_90a", measurer="cpu", runs=3, max_steps=3,
                     rejection_penalty=-2.5, check_seeds=1) as env:
        yield env


def test_reset_measures_the_heuristic_once(env):
    assert env.kernels == ["main_kernel_0", "main_kernel_1"]
    obs, info = env.reset(kernel=0)
    assert obs["kernel"] == info["kernel"] == "main_kernel_0"
    assert obs["target"] == "sm_90a"
    assert "linalg" in obs["text"] and obs["summary"]
    assert obs["heuristic_schedule"]["version"] == 1
    assert obs["heuristic_ms"] > 0 and obs["heuristic_ms"] == info["heuristic_ms"]
    assert info["heuristic_measurement"]["verdict"]["accepted"]
    assert obs["history"] == [] and obs["step"] == 0 and obs["max_steps"] == 3

    # a second episode on the kernel reuses the time (and a name works too)
    obs2, info2 = env.reset(kernel="main_kernel_0")
    assert obs2["heuristic_ms"] == obs["heuristic_ms"]
    assert "heuristic_measurement" not in info2


def test_rewards_and_truncation(env):
    obs, _ = env.reset(kernel="main_kernel_0")
    h = obs["heuristic_ms"]
    schedule = dict(obs["heuristic_schedule"], vector_width=1)

    # an accepted schedule: log(heuristic ms / its ms)
    obs, reward, terminated, truncated, info = env.step(schedule)
    assert info["verdict"]["accepted"], info["verdict"]
    ms = info["milliseconds"]
    assert ms > 0 and len(info["samples"]) == 3
    assert reward == pytest.approx(math.log(h / ms))
    assert info["speedup"] == pytest.approx(h / ms)
    assert info["best_ms"] == ms and info["best_schedule"] == schedule
    assert not terminated and not truncated
    assert obs["history"] == [{"schedule": schedule, "verdict": info["verdict"],
                               "milliseconds": ms}]

    # a rejected one: the penalty, and the verdict says why
    bad = dict(schedule, workgroup_tile=[7, 32])
    obs, reward, terminated, truncated, info = env.step(bad)
    assert reward == -2.5
    assert not info["verdict"]["accepted"] and info["verdict"]["reason"] == "tile_exceeds_dim"
    assert info["milliseconds"] is None and info["best_ms"] == ms
    assert not terminated and not truncated
    assert obs["history"][-1]["verdict"]["reason"] == "tile_exceeds_dim"

    # the prompt an LLM policy would get shows both attempts
    messages = env.observation_prompt()
    assert [m["role"] for m in messages] == ["system", "user"]
    assert "Earlier attempts" in messages[1]["content"]
    assert "tile_exceeds_dim" in messages[1]["content"]

    # JSON text is taken too; text that is not JSON is a rejection; the
    # third step of three truncates the episode
    obs, reward, terminated, truncated, info = env.step("{not json")
    assert reward == -2.5 and info["verdict"]["reason"] == "no_json"
    assert truncated and not terminated and obs["step"] == 3
    with pytest.raises(RuntimeError, match="reset"):
        env.step(schedule)


def test_kernels_in_turn_and_json_actions(env):
    obs, info = env.reset(kernel=1)
    assert obs["kernel"] == "main_kernel_1"
    assert info["heuristic_measurement"]["median"] == obs["heuristic_ms"]
    # reset() with no kernel takes the next one, round robin
    obs, _ = env.reset()
    assert obs["kernel"] == "main_kernel_0"
    obs, _ = env.reset(options={"kernel": "main_kernel_1"})
    assert obs["kernel"] == "main_kernel_1"
    obs, reward, _, _, info = env.step(json.dumps(obs["heuristic_schedule"]))
    assert info["verdict"]["accepted"]
    assert reward == pytest.approx(math.log(obs["heuristic_ms"] / info["milliseconds"]))
    assert "main_kernel_1" in env.render()
    with pytest.raises(KeyError, match="main_kernel_0"):
        env.reset(kernel="nope")
    with pytest.raises(IndexError):
        env.reset(kernel=2)
