"""A Gym-style environment over kgen's schedule search, one kernel an episode.

It follows Gymnasium's interface (reset/step with the five-tuple) without
depending on gym or gymnasium: an agent, an RL library's wrapper or an LLM
loop drives it the same way.

    env = KgenTuneEnv(open("prog.mlir").read(), target="sm_90a", measurer="cpu")
    obs, info = env.reset(kernel=0)          # or a kernel name
    obs, reward, terminated, truncated, info = env.step({"version": 1, ...})

An episode is one kernel of the program. `reset` measures the kernel's
heuristic schedule once; each `step` verifies and measures one schedule
(Session.verify: the whole verification ladder; then Session.measure: a
full-size output check and timing with the environment's measurer). The reward of an accepted, measured schedule is
log(heuristic_ms / ms) (0 for the heuristic's own time, positive when
faster); a rejection, or an accepted schedule that gets no time, is
`rejection_penalty`. Episodes never terminate on their own; they are
truncated after `max_steps` steps.

The observation is a dict: "kernel", "fingerprint", "summary" (the kernel
summary the LLM is given), "text" (the kernel as MLIR), "target",
"heuristic_schedule", "heuristic_ms", "history" (every step of the episode
so far: {"schedule", "verdict", "milliseconds"}), "step" and "max_steps".
`observation_prompt()` gives the chat messages kgen's LLM proposer would
send for the current history (Session.prompt), for an LLM policy.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any, Dict, List, Optional, Tuple, Union

__all__ = ["KgenTuneEnv"]

Schedule = Union[Dict[str, Any], str]


class KgenTuneEnv:
    """Gym-style environment: observations are dicts, actions are schedules
    (a dict, or JSON text) for the current kernel."""

    metadata = {"render_modes": ["ansi"]}

    def __init__(self, source: str, target: str = "sm_90a", measurer: str = "cpu",
                 runs: int = 3, max_steps: int = 32, rejection_penalty: float = -1.0,
                 *, function: Optional[str] = None, check_seeds: int = 3,
                 session=None):
        """`source`: the kgen program (MLIR text). `measurer`: "cpu" or "gpu"
        (Session.measure). `runs`: timed runs per measurement (the median
        counts). `session`: an open kgen_tune.native.Session to use instead
        of opening one (it is not closed by close())."""
        if max_steps < 1:
            raise ValueError("max_steps must be at least 1")
        if runs < 1:
            raise ValueError("runs must be at least 1")
        self.target = target
        self.measurer = measurer
        self.runs = runs
        self.max_steps = max_steps
        self.rejection_penalty = float(rejection_penalty)
        if session is None:
            from .native import Session
            kwargs = {"function": function} if function is not None else {}
            session = Session(source, target, check_seeds=check_seeds, **kwargs)
            self._owns_session = True
        else:
            self._owns_session = False
        self.session = session
        self._kernels: List[Dict[str, Any]] = list(session.kernels())
        if not self._kernels:
            raise ValueError("the program has no kernels to schedule")
        self._heuristic_ms: Dict[int, float] = {}  # measured once per kernel
        self._next_kernel = 0
        self._index: Optional[int] = None
        self._history: List[Dict[str, Any]] = []
        self._steps = 0
        self._done = True
        self._best: Optional[Tuple[float, Dict[str, Any]]] = None

    # -- the program ------------------------------------------------------

    @property
    def kernels(self) -> List[str]:
        """The program's kernel names, in program order."""
        return [k["name"] for k in self._kernels]

    @property
    def kernel(self) -> Optional[Dict[str, Any]]:
        """The current episode's kernel (Session.kernels() entry), or None."""
        return None if self._index is None else self._kernels[self._index]

    def _kernel_index(self, kernel: Union[int, str, None]) -> int:
        if kernel is None:
            return self._next_kernel
        if isinstance(kernel, bool):
            raise TypeError("kernel must be an index or a name")
        if isinstance(kernel, int):
            if not 0 <= kernel < len(self._kernels):
                raise IndexError(f"kernel index {kernel} out of range: the program "
                                 f"has {len(self._kernels)} kernels")
            return kernel
        for i, k in enumerate(self._kernels):
            if kernel in (k.get("name"), k.get("fingerprint")):
                return i
        raise KeyError(f"no kernel {kernel!r}; the program's kernels are "
                       + ", ".join(self.kernels))

    # -- Gym interface ----------------------------------------------------

    def reset(self, kernel: Union[int, str, None] = None, *, seed: Optional[int] = None,
              options: Optional[Dict[str, Any]] = None
              ) -> Tuple[Dict[str, Any], Dict[str, Any]]:
        """Starts an episode on `kernel` (an index, a name or a fingerprint;
        also options["kernel"]); None takes the kernels in turn. The
        heuristic schedule is measured on the first episode of each kernel.
        `seed` is accepted for the Gym signature: nothing here is random."""
        if kernel is None and options:
            kernel = options.get("kernel")
        index = self._kernel_index(kernel)
        self._next_kernel = (index + 1) % len(self._kernels)
        self._index = index
        self._history = []
        self._steps = 0
        self._done = False
        self._best = None
        heuristic_ms = self._heuristic_ms.get(index)
        measurement = None
        if heuristic_ms is None:
            measurement = self.session.measure(index, self._kernels[index]["heuristic"],
                                               measurer=self.measurer, runs=self.runs)
            verdict = measurement.get("verdict") or {}
            median = measurement.get("median")
            if not verdict.get("accepted") or median is None:
                raise RuntimeError(
                    f"the heuristic schedule of kernel {self._kernels[index]['name']} "
                    f"got no time on the {self.measurer} measurer: "
                    f"{verdict.get('reason')}: {verdict.get('message')}")
            heuristic_ms = self._heuristic_ms[index] = float(median)
        info = {"kernel": self._kernels[index]["name"], "kernel_index": index,
                "heuristic_ms": heuristic_ms}
        if measurement is not None:
            info["heuristic_measurement"] = measurement
        return self._observation(), info

    def step(self, schedule: Schedule
             ) -> Tuple[Dict[str, Any], float, bool, bool, Dict[str, Any]]:
        """Verifies and measures `schedule` for the current kernel. Returns
        (observation, reward, terminated, truncated, info); info holds the
        "verdict", "milliseconds", "samples" (per-run times), "measurement"
        (Session.measure's whole answer, None when the schedule was rejected or
        not JSON),
        "heuristic_ms", "speedup", "best_ms" and "best_schedule"."""
        if self._index is None or self._done:
            raise RuntimeError("the episode is over (or never started): call reset()")
        index = self._index
        measurement = None
        verdict = None
        if isinstance(schedule, str):
            try:
                schedule = json.loads(schedule)
            except json.JSONDecodeError as e:
                schedule = None
                verdict = {"accepted": False, "reason": "no_json",
                           "message": f"the action is not JSON: {e.msg}"}
        if verdict is None:
            # The whole ladder first (measure() climbs only its static rungs).
            verdict = dict(self.session.verify(index, schedule)["verdict"])
        if verdict.get("accepted"):
            measurement = self.session.measure(index, schedule, measurer=self.measurer,
                                               runs=self.runs)
            verdict = dict(measurement.get("verdict") or {})
        median = measurement.get("median") if measurement else None
        ms = float(median) if median is not None and verdict.get("accepted") else None
        heuristic_ms = self._heuristic_ms[index]
        if ms is not None and ms > 0 and heuristic_ms > 0:
            reward = math.log(heuristic_ms / ms)
        elif ms is not None:  # a zero time: as fast as it gets
            reward = math.log(heuristic_ms / max(ms, 1e-9)) if heuristic_ms > 0 else 0.0
        else:
            reward = self.rejection_penalty
        self._history.append({"schedule": copy.deepcopy(schedule), "verdict": verdict,
                              "milliseconds": ms})
        if ms is not None and (self._best is None or ms < self._best[0]):
            self._best = (ms, copy.deepcopy(schedule))
        self._steps += 1
        truncated = self._steps >= self.max_steps
        self._done = truncated
        info = {
            "verdict": verdict,
            "milliseconds": ms,
            "samples": list(measurement.get("milliseconds") or []) if measurement else [],
            "measurement": measurement,
            "heuristic_ms": heuristic_ms,
            "speedup": heuristic_ms / ms if ms else None,
            "best_ms": self._best[0] if self._best else None,
            "best_schedule": copy.deepcopy(self._best[1]) if self._best else None,
        }
        return self._observation(), float(reward), False, truncated, info

    def observation_prompt(self, count: int = 1) -> List[Dict[str, str]]:
        """The chat messages kgen's LLM proposer sends for the current kernel
        and the episode's history, asking for `count` schedules."""
        if self._index is None:
            raise RuntimeError("no episode: call reset() first")
        history = [{k: v for k, v in h.items() if not (k == "milliseconds" and v is None)}
                   for h in self._history]
        return self.session.prompt(self._index, history, count=count)

    def render(self) -> str:
        """The episode so far, one line a step (the "ansi" render mode)."""
        if self._index is None:
            return "(no episode)"
        k = self._kernels[self._index]
        lines = [f"{k['name']} on {self.target}: heuristic "
                 f"{self._heuristic_ms[self._index]:.4f} ms, step {self._steps}/{self.max_steps}"]
        for i, h in enumerate(self._history):
            v = h["verdict"]
            what = (f"{h['milliseconds']:.4f} ms" if h["milliseconds"] is not None
                    else f"rejected [{v.get('reason')}] {v.get('message') or ''}".rstrip())
            lines.append(f"  {i}: {what}")
        return "\n".join(lines)

    def close(self) -> None:
        """Closes the session the environment opened."""
        if self._owns_session and self.session is not None:
            self.session.close()
        self.session = None
        self._done = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- helpers ----------------------------------------------------------

    def _observation(self) -> Dict[str, Any]:
        k = self._kernels[self._index]
        return {
            "kernel": k["name"],
            "fingerprint": k.get("fingerprint"),
            "summary": k.get("summary"),
            "text": k.get("text"),
            "target": self.target,
            "heuristic_schedule": copy.deepcopy(k.get("heuristic")),
            "heuristic_ms": self._heuristic_ms[self._index],
            "history": copy.deepcopy(self._history),
            "step": self._steps,
            "max_steps": self.max_steps,
        }
