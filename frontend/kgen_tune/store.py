"""What a search keeps: its evaluations (a JSON-lines log) and its winners
(kgen's decisions file).

EvaluationLog is the run's memory. Each evaluation is one JSON line,
appended with a single write on an O_APPEND descriptor like kgen's
trajectory log, so a run killed at any point leaves at most a truncated
last line, which a resumed run ignores (with a warning it returns, never
prints). `lookup` finds an earlier evaluation of the same kernel, schedule
and measurer, so a resumed run measures nothing twice. The record format
is read by kgen_tune.dataset and kgen_tune.gym_env as well.

DecisionsStore writes kgen's decisions file by kgen's rules
(docs/schedules.md, "Decisions and trajectories"): under a lock on
`<file>.lock` it re-reads the file, replaces only its own keys and writes
the whole file atomically, so entries that kgen-opt or other runs wrote
survive. A corrupt or foreign file is an error, never overwritten. The
writing is kgen's own (kgenRecordDecisions in libkgen_c) where the library
has it, so the rules have one implementation; a Python rendering of the
same rules serves when the library is missing or older.
"""

from __future__ import annotations

import datetime
import errno
import fcntl
import json
import math
import os
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from .space import kernel_summary

__all__ = ["EvaluationLog", "DecisionsStore", "DecisionsError", "make_record", "FORMAT",
           "VERSION"]

PathLike = Union[str, Path]
FORMAT, VERSION = "kgen-decisions", 1
LOCK_TIMEOUT_S = 30.0

RECORD_KEYS = ("kernel", "fingerprint", "target", "strategy", "evaluation", "schedule_hash",
               "schedule", "verdict", "estimate", "measurer", "milliseconds", "samples",
               "measurement", "prompt", "reply", "unix_time")


def make_record(*, kernel: str, fingerprint: str, target: str, strategy: str, evaluation: int,
                schedule_hash: str, schedule: Any, verdict: Dict[str, Any],
                estimate: Optional[Dict[str, Any]] = None, measurer: Optional[str] = None,
                milliseconds: Optional[float] = None, samples: Optional[List[float]] = None,
                measurement: Optional[Dict[str, Any]] = None, prompt: Optional[str] = None,
                reply: Optional[str] = None, unix_time: Optional[float] = None) -> Dict[str, Any]:
    """An evaluation record with exactly the log's keys, in order.
    `measurer` is None when nothing was measured (rejected before timing)."""
    verdict = {"accepted": bool(verdict.get("accepted")),
               "reason": verdict.get("reason", "none" if verdict.get("accepted") else "unknown"),
               "message": verdict.get("message", "")}
    values = dict(kernel=kernel, fingerprint=fingerprint, target=target, strategy=strategy,
                  evaluation=int(evaluation), schedule_hash=schedule_hash, schedule=schedule,
                  verdict=verdict, estimate=estimate, measurer=measurer,
                  milliseconds=milliseconds, samples=samples, measurement=measurement,
                  prompt=prompt, reply=reply,
                  unix_time=time.time() if unix_time is None else float(unix_time))
    return {k: values[k] for k in RECORD_KEYS}


class EvaluationLog:
    """The evaluations of a run in `path` (JSON lines). Existing records are
    loaded at construction; `warnings` says what was skipped. With path
    None the records are kept in memory only."""

    def __init__(self, path: Optional[PathLike]):
        self.path = Path(path) if path is not None else None
        self.records: List[Dict[str, Any]] = []
        self.warnings: List[str] = []
        self._index: Dict[Tuple[str, str], List[Dict[str, Any]]] = {}
        self._needs_newline = False
        self._load()

    def _load(self) -> None:
        if self.path is None:
            return
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as e:
            raise OSError(f"cannot read {self.path}: {e.strerror or e}") from None
        lines = data.split(b"\n")
        self._needs_newline = bool(data) and not data.endswith(b"\n")
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValueError("not an object")
            except (ValueError, UnicodeDecodeError):
                last = number == len(lines) and self._needs_newline
                self.warnings.append(
                    f"{self.path}: line {number} is "
                    + ("truncated (a run was interrupted while writing it); ignoring it"
                       if last else "not a JSON object; ignoring it"))
                continue
            self._remember(record)

    def _remember(self, record: Dict[str, Any]) -> None:
        self.records.append(record)
        key = (str(record.get("fingerprint")), str(record.get("schedule_hash")))
        self._index.setdefault(key, []).append(record)

    def append(self, record: Dict[str, Any]) -> None:
        """Appends one record with one write (concurrent appenders never
        interleave lines); a truncated last line is closed off first."""
        line = json.dumps(record, separators=(",", ":"), default=_jsonable) + "\n"
        if self.path is None:
            self._remember(json.loads(line))
            return
        if self._needs_newline:
            line = "\n" + line
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
        self._needs_newline = False
        self._remember(record)

    def lookup(self, fingerprint: str, schedule_hash: str, measurer: Optional[str],
               target: Optional[str] = None) -> Optional[Dict[str, Any]]:
        """The latest earlier evaluation of this schedule of this kernel that
        a run with `measurer` can reuse: one timed by the same measurer, or
        one rejected before any timing (the ladder's verdict holds for
        every measurer). None when it has to be evaluated."""
        for record in reversed(self._index.get((fingerprint, schedule_hash), [])):
            if target is not None and record.get("target") not in (None, target):
                continue
            if record.get("measurer") == measurer or record.get("measurer") is None:
                return record
        return None

    def for_kernel(self, fingerprint: str) -> Iterator[Dict[str, Any]]:
        return (r for r in self.records if r.get("fingerprint") == fingerprint)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


class DecisionsError(RuntimeError):
    """The decisions file cannot be used or written (one line)."""


class _ProcessLock:
    """kgen's lock on `<file>.lock`: a POSIX record lock (fcntl F_SETLK, the
    kind kgen-opt's FileLock takes, so the two exclude each other), behind a
    process-wide mutex because POSIX locks do not exclude threads of one
    process. Gives up after LOCK_TIMEOUT_S like kgen-opt."""

    _threads = threading.Lock()

    def __init__(self, path: Path, timeout: float = LOCK_TIMEOUT_S):
        self.path, self.timeout, self.fd = Path(str(path) + ".lock"), timeout, -1

    def __enter__(self):
        if not self._threads.acquire(timeout=self.timeout):
            raise DecisionsError(f"{self.path} is still locked by another thread after "
                                 f"{self.timeout:g} s; not saving")
        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            deadline = time.monotonic() + self.timeout
            while True:
                try:
                    fcntl.lockf(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return self
                except OSError as e:
                    if e.errno not in (errno.EACCES, errno.EAGAIN) or time.monotonic() > deadline:
                        raise DecisionsError(f"{self.path} is still locked after "
                                             f"{self.timeout:g} s; not saving") from None
                    time.sleep(0.05)
        except BaseException:
            self._release()
            raise

    def _release(self):
        if self.fd >= 0:
            os.close(self.fd)  # closing releases the record lock
            self.fd = -1
        self._threads.release()

    def __exit__(self, *exc):
        self._release()


class DecisionsStore:
    """kgen's decisions file at `path`: {"format": "kgen-decisions",
    "version": 1, "entries": {"<fingerprint>@<target>": {...}}}."""

    def __init__(self, path: PathLike):
        self.path = Path(path)

    def _target(self) -> Path:
        """The file written: a symbolic link's target (the link stays)."""
        return Path(os.path.realpath(self.path))

    def load(self) -> Dict[str, Dict[str, Any]]:
        """The entries; none for a missing file. DecisionsError for a file
        that is not a kgen decisions file or cannot be read."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError) as e:
            raise DecisionsError(f"cannot read decisions file '{self.path}': "
                                 f"{getattr(e, 'strerror', None) or e}") from None
        try:
            data = json.loads(text)
        except ValueError as e:
            raise DecisionsError(f"'{self.path}' is not a kgen decisions file ({e}); leaving "
                                 "it untouched: move it away or pass another path") from None
        if (not isinstance(data, dict) or data.get("format") != FORMAT
                or data.get("version") != VERSION or not isinstance(data.get("entries"), dict)):
            raise DecisionsError(f"'{self.path}' is not a kgen decisions file (version "
                                 f"{VERSION}); leaving it untouched: move it away or pass "
                                 "another path")
        return data["entries"]

    def check_writable(self) -> None:
        """DecisionsError now, rather than after a search, when the file
        cannot be used or may not be written (read-only, a directory, a
        link to a missing file)."""
        self.load()
        from kgen_import.files import resolve_output  # torch: only when writing
        try:
            resolve_output(self.path)
        except OSError as e:
            raise DecisionsError(f"{e}: kgen-tune could not save its winners there") from None

    def save(self, entries: Dict[str, Dict[str, Any]]) -> None:
        """Adds `entries` (replacing those of the same keys) under the lock,
        re-reading the file first: entries others wrote since survive."""
        if not entries:
            return
        record = _native_recorder()
        if record is not None:
            record(self.path, entries)
        else:
            self.save_in_python(entries)

    def save_in_python(self, entries: Dict[str, Dict[str, Any]]) -> None:
        """save() without libkgen_c: the same rules, in Python."""
        from kgen_import.files import resolve_output, write_output  # torch: only when writing
        try:
            resolve_output(self.path)
        except OSError as e:
            raise DecisionsError(f"{e} (its decisions are used; new ones are not saved)") from None
        target = self._target()
        target.parent.mkdir(parents=True, exist_ok=True)
        with _ProcessLock(target):
            current = self.load()
            current.update(entries)
            data = {"format": FORMAT, "version": VERSION, "entries": current}
            try:
                write_output(self.path, json.dumps(data, indent=2, sort_keys=True) + "\n")
            except OSError as e:
                raise DecisionsError(f"cannot write '{self.path}': {e}") from None

    def nearest(self, summary: Dict[str, Any], target: str, k: int = 3) -> List[Dict[str, Any]]:
        """The schedules of nearest_entries."""
        return [entry["schedule"] for entry in self.nearest_entries(summary, target, k)]

    def nearest_entries(self, summary: Dict[str, Any], target: str,
                        k: int = 3) -> List[Dict[str, Any]]:
        """Entries of up to `k` recorded kernels like this one, nearest
        first: same target, same op names in order (and element type when
        both say), the same numbers of loops, ranked by the sum of |log2|
        of the ratios of their loop sizes. Entries without a summary (those
        kgen-opt writes) are not compared."""
        try:
            entries = self.load()
        except DecisionsError:
            return []
        ranked = []
        for key, entry in entries.items():
            if not key.endswith("@" + target) or not isinstance(entry, dict):
                continue
            other = entry.get("summary")
            schedule = entry.get("schedule")
            if not isinstance(other, dict) or not isinstance(schedule, dict):
                continue
            distance = summary_distance(summary, other)
            if distance is not None:
                ranked.append((distance, key, entry))
        ranked.sort(key=lambda t: (t[0], t[1]))
        return [entry for _, _, entry in ranked[:k]]


def _native_recorder():
    """A function (path, entries) writing through kgenRecordDecisions, or
    None when libkgen_c cannot be loaded or predates it."""
    try:
        from kgen_library import open_library
        lib = open_library()
        fn = lib.kgenRecordDecisions
    except (OSError, AttributeError):
        return None
    import ctypes
    fn.restype = ctypes.c_int
    fn.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]

    def record(path: Path, entries: Dict[str, Dict[str, Any]]) -> None:
        error = ctypes.c_void_p()
        if fn(os.fsencode(path), json.dumps(entries).encode(), ctypes.byref(error)) == 0:
            return
        message = "unknown error"
        if error.value:
            message = ctypes.string_at(error.value).decode("utf-8", errors="replace")
            lib.kgenFreeString(error)
        raise DecisionsError(" ".join(message.split()))
    return record


def _sizes(summary: Dict[str, Any]) -> Optional[List[int]]:
    sizes = (summary.get("sink_parallel_loop_sizes"), summary.get("root_reduction_loop_sizes"))
    if not all(isinstance(s, list) for s in sizes):
        return None
    return list(sizes[0]) + [None] + list(sizes[1])


def summary_distance(a: Dict[str, Any], b: Dict[str, Any]) -> Optional[float]:
    """The loop-size distance of two kernels of the same structure, None
    when their ops, element types or loop counts differ."""
    if not a.get("ops") or a.get("ops") != b.get("ops"):
        return None
    if a.get("element_type") and b.get("element_type") and a["element_type"] != b["element_type"]:
        return None
    sa, sb = _sizes(a), _sizes(b)
    if sa is None or sb is None or len(sa) != len(sb) or sa.index(None) != sb.index(None):
        return None
    total = 0.0
    for x, y in zip(sa, sb):
        if x is None:
            continue
        if not (isinstance(x, (int, float)) and isinstance(y, (int, float))) or x <= 0 or y <= 0:
            return None
        total += abs(math.log2(x / y))
    return total


def decision_entry(kernel: Dict[str, Any], schedule: Dict[str, Any], *, strategy: str,
                   milliseconds: float, measurer: str, strategies: Sequence[str],
                   evaluations: int, heuristic_milliseconds: Optional[float],
                   kgen_build: Optional[str] = None) -> Dict[str, Any]:
    """A decisions-file entry for a kernel's winner: what kgen-opt reads
    ("kernel", "proposer", "schedule") plus the search's evidence."""
    provenance = {"tool": "kgen-tune", "strategies": list(strategies),
                  "evaluations": int(evaluations),
                  "heuristic_milliseconds": heuristic_milliseconds,
                  "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
                      timespec="seconds")}
    if kgen_build:
        provenance["kgen_build"] = kgen_build
    return {"kernel": kernel.get("name"), "proposer": f"kgen-tune:{strategy}",
            "schedule": schedule, "milliseconds": milliseconds, "measurer": measurer,
            "summary": kernel_summary(kernel), "provenance": provenance}
