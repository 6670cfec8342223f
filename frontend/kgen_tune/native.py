"""libkgen_c's tuning session (include/kgen-c/Tune.h) through ctypes.

A Session is one program and one target: its kernels as the runners form
them, the verification ladder and static cost model for a candidate
schedule, the built-in proposers, and measurements on the CPU or the GPU.
Everything crosses the boundary as JSON; every string the library returns
is freed here with kgenFreeString, and every error it reports becomes a
KgenTuneError with its one-line message.

Loading needs no PyTorch (kgen_library), so verification workers and other
tools stay light.
"""

from __future__ import annotations

import ctypes
import json
from typing import Any, Dict, Iterable, List, Optional

from kgen_library import library_path, open_library

__all__ = ["KgenTuneError", "Session", "schedule_schema", "attempt_of", "load_tune_library"]

_P = ctypes.POINTER(ctypes.c_void_p)
_SIGNATURES = {
    "kgenTuneOpen": (ctypes.c_void_p, [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, _P]),
    "kgenTuneKernels": (ctypes.c_void_p, [ctypes.c_void_p, _P]),
    "kgenTuneVerify": (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p, _P]),
    "kgenTuneScreen": (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p, _P]),
    "kgenTuneMeasure": (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p,
                                          ctypes.c_char_p, ctypes.c_uint, _P]),
    "kgenTunePropose": (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p,
                                          ctypes.c_ulonglong, ctypes.c_char_p, ctypes.c_uint, _P]),
    "kgenTunePrompt": (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p,
                                         ctypes.c_uint, _P]),
    "kgenTuneScheduleSchema": (ctypes.c_void_p, []),
    "kgenTuneClose": (None, [ctypes.c_void_p]),
}


class KgenTuneError(RuntimeError):
    """libkgen_c is missing or lacks the tuning API, or a call failed (a bad
    index or measurer, no GPU, a program that does not parse); one line."""


def one_line(text: str) -> str:
    """The library's message on one line (callers print it as it is)."""
    return " ".join(text.split()) or "unknown error"


def load_tune_library() -> ctypes.CDLL:
    """libkgen_c with the tuning functions typed; an error naming the
    library when it predates them (a build older than the search)."""
    lib = open_library(KgenTuneError)
    if getattr(lib, "_kgen_tune_typed", False):
        return lib
    if not hasattr(lib, "kgenTuneOpen"):
        raise KgenTuneError(f"{library_path()} has no tuning API (kgenTuneOpen): rebuild kgen")
    for name, (restype, argtypes) in _SIGNATURES.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    lib._kgen_tune_typed = True
    return lib


def _take_string(lib: ctypes.CDLL, pointer: Optional[int]) -> Optional[str]:
    """The text behind `pointer`, freed; None for NULL."""
    if not pointer:
        return None
    try:
        return ctypes.string_at(pointer).decode("utf-8", errors="replace")
    finally:
        lib.kgenFreeString(pointer)


def _call(lib: ctypes.CDLL, fn, *args) -> Any:
    """Calls `fn(*args, &error)`; its JSON answer parsed, or KgenTuneError
    with the library's message."""
    error = ctypes.c_void_p()
    text = _take_string(lib, fn(*args, ctypes.byref(error)))
    message = _take_string(lib, error.value)
    if text is None:
        raise KgenTuneError(one_line(message or "the call failed with no message"))
    return json.loads(text)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


# A measured attempt's details the C interface reads (kgen-c/Tune.h).
_ATTEMPT_EXTRAS = ("floor_fraction", "registers", "spill_bytes", "shared_bytes")


def attempt_of(entry: Dict[str, Any]) -> Dict[str, Any]:
    """An entry of a proposer's history: {"schedule", "verdict",
    "milliseconds"?, "measurer"?, "registers"?, "spill_bytes"?,
    "shared_bytes"?}. Takes an evaluation record as it is (its median is
    "milliseconds"), so callers pass records straight through."""
    attempt = {"schedule": entry.get("schedule"),
               "verdict": entry.get("verdict") or {"accepted": False, "reason": "none",
                                                    "message": ""}}
    ms = entry.get("milliseconds")
    if isinstance(ms, (int, float)) and not isinstance(ms, bool):
        attempt["milliseconds"] = float(ms)
        # What the LLM is told beside the time: which measurer (CPU and
        # GPU times do not compare) and the compiled kernel's resources.
        if entry.get("measurer"):
            attempt["measurer"] = entry["measurer"]
        extras = dict(entry.get("measurement") or {})
        extras.update((k, entry[k]) for k in _ATTEMPT_EXTRAS if k in entry)
        attempt.update((k, v) for k, v in extras.items() if k in _ATTEMPT_EXTRAS)
    return attempt


def example_of(entry: Dict[str, Any]) -> Dict[str, Any]:
    """A decisions-file entry kgen-tune wrote (its "summary" holds the loop
    sizes) as an example for the LLM: {"kernel", "sink_parallel_sizes",
    "root_reduction_sizes", "schedule", "milliseconds"?, "measurer"?}."""
    summary = entry.get("summary") or {}
    example = {"kernel": entry.get("kernel") or "a kernel",
               "sink_parallel_sizes": list(summary.get("sink_parallel_loop_sizes") or []),
               "root_reduction_sizes": list(summary.get("root_reduction_loop_sizes") or []),
               "schedule": entry.get("schedule")}
    ms = entry.get("milliseconds")
    if isinstance(ms, (int, float)) and not isinstance(ms, bool):
        example["milliseconds"] = float(ms)
        if entry.get("measurer"):
            example["measurer"] = entry["measurer"]
    return example


def _request(history: Iterable[Dict[str, Any]], examples: Iterable[Dict[str, Any]]) -> bytes:
    """A proposer request's JSON: the history array, or with examples the
    object {"history", "examples"} (kgen-c/Tune.h)."""
    attempts = [attempt_of(h) for h in history]
    examples = list(examples)
    return _dumps({"history": attempts, "examples": examples} if examples else attempts)


def schedule_schema() -> Dict[str, Any]:
    """The JSON Schema of a schedule, as the library states it."""
    lib = load_tune_library()
    text = _take_string(lib, lib.kgenTuneScheduleSchema())
    if text is None:
        raise KgenTuneError("kgenTuneScheduleSchema returned nothing")
    return json.loads(text)


class Session:
    """A tuning session on one kgen program (MLIR text) for one target.

    `function`: the function the GPU measurer builds (default: the
    program's only public function); `check_seeds`: input sets of the
    ladder's numerical rung; `llm`: options of the "llm" proposer
    (endpoint, model, temperature, max_tokens, timeout, max_requests,
    token_budget, wall_budget, api_key_env), whose budgets hold for the
    session. Not thread-safe: one caller at a time."""

    def __init__(self, source: str, target: str, *, function: Optional[str] = None,
                 check_seeds: int = 3, llm: Optional[Dict[str, Any]] = None):
        self.lib = load_tune_library()
        self.source, self.target, self.function = source, target, function
        self.check_seeds = check_seeds
        options: Dict[str, Any] = {"check_seeds": int(check_seeds)}
        if function:
            options["function"] = function
        if llm:
            options["llm"] = dict(llm)
        self.options = options
        error = ctypes.c_void_p()
        handle = self.lib.kgenTuneOpen(source.encode(), target.encode(), _dumps(options),
                                       ctypes.byref(error))
        message = _take_string(self.lib, error.value)
        if not handle:
            raise KgenTuneError(one_line(message or "kgenTuneOpen failed with no message"))
        self._handle: Optional[int] = handle
        self._kernels: Optional[List[Dict[str, Any]]] = None

    def _live(self) -> int:
        if not self._handle:
            raise KgenTuneError("the tuning session is closed")
        return self._handle

    def kernels(self) -> List[Dict[str, Any]]:
        """One dict per kernel in program order (name, fingerprint, key,
        summary, text, heuristic, flops, bytes_floor, sink_parallel_sizes,
        root_reduction_sizes). Asked once: the kernels never change."""
        if self._kernels is None:
            self._kernels = _call(self.lib, self.lib.kgenTuneKernels, self._live())
        return [dict(k) for k in self._kernels]

    def verify(self, index: int, schedule: Any) -> Dict[str, Any]:
        """The ladder's verdict on `schedule` (a dict, or its JSON text:
        text that is not JSON is a KgenTuneError, not a verdict) with
        verify_seconds and the static estimate (null unless accepted)."""
        return _call(self.lib, self.lib.kgenTuneVerify, self._live(), index,
                     _schedule_text(schedule))

    def screen(self, index: int, schedule: Any) -> Dict[str, Any]:
        """As verify, with the ladder's static rungs only (no numerical
        check): cheap, for ranking candidates before verifying the few to
        be measured."""
        return _call(self.lib, self.lib.kgenTuneScreen, self._live(), index,
                     _schedule_text(schedule))

    def measure(self, index: int, schedule: Any, measurer: str = "cpu",
                runs: int = 5) -> Dict[str, Any]:
        """Verifies, checks outputs, then times `runs` runs: {"measurer",
        "verdict", "milliseconds": [...], "median"} (+ registers,
        spill_bytes, shared_bytes on the GPU). A bad schedule is a verdict;
        a missing GPU or bad measurer is a KgenTuneError."""
        return _call(self.lib, self.lib.kgenTuneMeasure, self._live(), index,
                     _schedule_text(schedule), measurer.encode(), int(runs))

    def propose(self, index: int, proposer: str, seed: int = 0,
                history: Iterable[Dict[str, Any]] = (), count: int = 1,
                examples: Iterable[Dict[str, Any]] = ()) -> List[Dict[str, Any]]:
        """Candidates of a built-in proposer ("heuristic", "random", "llm"):
        [{"schedule"|None, "failure"|None, "prompt", "reply"}]. `history`:
        earlier attempts or evaluation records; `examples`: the best
        schedules recorded for similar kernels (example_of), which the LLM
        is shown first."""
        return _call(self.lib, self.lib.kgenTunePropose, self._live(), index,
                     proposer.encode(), int(seed) & (2 ** 64 - 1),
                     _request(history, examples), int(count))

    def prompt(self, index: int, history: Iterable[Dict[str, Any]] = (),
               count: int = 1, examples: Iterable[Dict[str, Any]] = ()) -> List[Dict[str, Any]]:
        """The chat messages the LLM proposer would send: [{"role", "content"}]."""
        return _call(self.lib, self.lib.kgenTunePrompt, self._live(), index,
                     _request(history, examples), int(count))

    def close(self) -> None:
        """Frees the session (idempotent)."""
        handle, self._handle = getattr(self, "_handle", None), None
        if handle:
            self.lib.kgenTuneClose(handle)

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown: nothing left to free with
            pass


def _schedule_text(schedule: Any) -> bytes:
    """A schedule as the library takes it: text is passed as it is (so the
    ladder judges malformed text), anything else as JSON."""
    if isinstance(schedule, (bytes, bytearray)):
        return bytes(schedule)
    if isinstance(schedule, str):
        return schedule.encode()
    return _dumps(schedule)
