"""Fine-tuning data from schedule searches: chat-format JSONL.

Reads what kgen's searches leave behind and writes one chat example per
kept schedule, the format OpenAI-style fine-tuning and most open trainers
(TRL's SFTTrainer, axolotl's "chat_template" datasets) take:

    {"messages": [{"role": "system", "content": ...},
                  {"role": "user", "content": ...},
                  {"role": "assistant", "content": "<the schedule as JSON>"}],
     "metadata": {"kernel", "fingerprint", "target", "verdict",
                  "milliseconds", "speedup_over_heuristic", "proposer",
                  "measurer"}}

The system and user messages are the prompt kgen's LLM proposer sends for
that kernel (docs/llm.md, "What the LLM is sent"), so a model trained on the
file is asked the same question at tuning time.

Inputs, in any mix, one JSON object per line (blank lines are skipped):

- kgen-tune's evaluation records (`OUT/evaluations.jsonl`): "kernel",
  "fingerprint", "target", "strategy", "schedule", "verdict", "measurer",
  "milliseconds" (the median, or null), "prompt" and "reply" (LLM
  strategies; null or "" otherwise);
- kgen's trajectory log (`-kgen-schedule-kernels=trajectory=FILE`):
  "kernel", "fingerprint", "target", "proposer", "prompt" (the messages as
  "[role]\\ncontent\\n" text), "reply", "schedule", "verdict",
  "measurements" (null unless a runner filled it in).

A record with no prompt (the heuristic, random or other non-LLM
strategies) gets the prompt rebuilt by `Session.prompt(index, history)`,
the history being the earlier records of the same kernel and target in
the same file, when a session (or the program's source) is given; else it
is skipped and counted under "no_prompt".

    from kgen_tune.dataset import export_dataset
    result = export_dataset(["out/evaluations.jsonl"], "train.jsonl",
                            source=open("prog.mlir").read(), best_k=4,
                            min_speedup=1.0)
    print(result.written, result.skipped)

or `python -m kgen_tune.dataset out/evaluations.jsonl -o train.jsonl`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

__all__ = ["DatasetError", "ExportResult", "export_dataset", "read_records",
           "prompt_messages", "main"]

PathLike = Union[str, os.PathLike]


class DatasetError(Exception):
    """A malformed input (the message names the file and line) or an output
    that cannot be written. One line."""


@dataclass
class ExportResult:
    """What export_dataset did: `written` examples, `skipped` records by
    reason, `records` read in all, and the output `path`."""
    path: str
    records: int = 0
    written: int = 0
    skipped: Dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def to_dict(self) -> Dict[str, Any]:
        return {"path": self.path, "records": self.records,
                "written": self.written, "skipped": dict(self.skipped)}


# Skip reasons (the keys of ExportResult.skipped).
REJECTED = "rejected"                  # accepted_only and not accepted
NO_SCHEDULE = "no_schedule"            # the proposer gave none (LLM failures)
NO_PROMPT = "no_prompt"                # no prompt and nothing to rebuild it with
KERNEL_NOT_FOUND = "kernel_not_found"  # not a kernel of the session's program
TARGET_MISMATCH = "target_mismatch"    # the session is for another target
UNMEASURED = "unmeasured"              # min_speedup/best_k need a time it lacks
NO_HEURISTIC_TIME = "no_heuristic_time"  # min_speedup: no heuristic time to divide
BELOW_MIN_SPEEDUP = "below_min_speedup"
DUPLICATE = "duplicate"                # the same schedule of the same kernel again
NOT_BEST_K = "not_best_k"


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------

@dataclass
class _Record:
    origin: str               # "FILE line N"
    file_index: int           # which input it came from (history stays in it)
    kernel: Optional[str]
    fingerprint: Optional[str]
    target: Optional[str]
    proposer: Optional[str]
    measurer: Optional[str]
    prompt: Optional[List[Dict[str, str]]]
    schedule: Any
    verdict: Dict[str, Any]
    milliseconds: Optional[float]


_ROLE_LINE = re.compile(r"^\[(system|user|assistant|tool|developer)\]\n", re.M)


def prompt_messages(prompt: Any) -> Optional[List[Dict[str, str]]]:
    """The chat messages of a record's "prompt": a list of {"role",
    "content"} as it is, kgen's "[role]\\ncontent\\n" text split back into
    messages (each content without the newline kgen adds after it), other
    text as one user message; None for a missing or empty prompt."""
    if prompt is None:
        return None
    if isinstance(prompt, list):
        if not prompt:
            return None
        messages = []
        for m in prompt:
            if not (isinstance(m, dict) and isinstance(m.get("role"), str)
                    and isinstance(m.get("content"), str)):
                raise ValueError('"prompt" list items must be {"role", "content"} strings')
            messages.append({"role": m["role"], "content": m["content"]})
        return messages
    if not isinstance(prompt, str):
        raise ValueError('"prompt" must be a string, a list of messages or null')
    if not prompt.strip():
        return None
    marks = list(_ROLE_LINE.finditer(prompt))
    if not marks or marks[0].start() != 0:
        return [{"role": "user", "content": prompt}]
    messages = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(prompt)
        content = prompt[m.end():end]
        if content.endswith("\n"):
            content = content[:-1]
        messages.append({"role": m.group(1), "content": content})
    return messages


def _milliseconds(record: Dict[str, Any]) -> Optional[float]:
    """The record's time in ms: "milliseconds" (a number, or per-run times
    whose median is taken), else "median", else "measurements" (a number, a
    list of times, or an object with "median" or "milliseconds")."""
    def median(values):
        values = sorted(float(v) for v in values)
        n = len(values)
        return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2

    def of(value):
        if value is None or isinstance(value, bool):
            return None
        if isinstance(value, (int, float)):
            return float(value) if math.isfinite(value) else None
        if isinstance(value, list):
            nums = [v for v in value if isinstance(v, (int, float))
                    and not isinstance(v, bool) and math.isfinite(v)]
            return median(nums) if nums else None
        if isinstance(value, dict):
            for key in ("median", "milliseconds"):
                got = of(value.get(key))
                if got is not None:
                    return got
        return None

    for key in ("milliseconds", "median", "measurements"):
        got = of(record.get(key))
        if got is not None:
            return got
    return None


def _parse_record(line: str, origin: str, file_index: int) -> _Record:
    def bad(why: str) -> DatasetError:
        return DatasetError(f"{origin}: {why}")

    try:
        obj = json.loads(line)
    except (json.JSONDecodeError, RecursionError) as e:
        raise bad(f"not JSON ({e.msg if hasattr(e, 'msg') else e})") from None
    if not isinstance(obj, dict):
        raise bad("not a JSON object")
    for key in ("kernel", "fingerprint"):
        if obj.get(key) is not None and not isinstance(obj[key], str):
            raise bad(f'"{key}" must be a string')
    if not isinstance(obj.get("kernel"), str) and not isinstance(obj.get("fingerprint"), str):
        raise bad('no "kernel" or "fingerprint" string: not an evaluation record '
                  'or a trajectory line')
    verdict = obj.get("verdict")
    if not isinstance(verdict, dict) or not isinstance(verdict.get("accepted"), bool):
        raise bad('no "verdict" object with a boolean "accepted"')
    schedule = obj.get("schedule")
    if isinstance(schedule, str):  # some writers keep the schedule as JSON text
        try:
            schedule = json.loads(schedule)
        except json.JSONDecodeError:
            raise bad('"schedule" is a string that is not JSON') from None
    if schedule is not None and not isinstance(schedule, (dict, list)):
        raise bad('"schedule" must be an object or null')
    try:
        prompt = prompt_messages(obj.get("prompt"))
    except ValueError as e:
        raise bad(str(e)) from None
    proposer = obj.get("strategy", obj.get("proposer"))
    return _Record(
        origin=origin, file_index=file_index,
        kernel=obj.get("kernel"), fingerprint=obj.get("fingerprint"),
        target=obj.get("target") if isinstance(obj.get("target"), str) else None,
        proposer=proposer if isinstance(proposer, str) else None,
        measurer=obj.get("measurer") if isinstance(obj.get("measurer"), str) else None,
        prompt=prompt, schedule=schedule,
        verdict={k: verdict[k] for k in ("accepted", "reason", "message") if k in verdict},
        milliseconds=_milliseconds(obj))


def read_records(paths: Union[PathLike, Sequence[PathLike]]) -> List[_Record]:
    """Every record of the files, in order. A line that is not a record is a
    DatasetError naming the file and the line."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    records: List[_Record] = []
    for index, path in enumerate(paths):
        try:
            with open(path, encoding="utf-8") as f:
                for number, line in enumerate(f, 1):
                    if line.strip():
                        records.append(_parse_record(line, f"{path} line {number}", index))
        except OSError as e:
            raise DatasetError(f"cannot read {path}: {e.strerror or e}") from None
        except UnicodeDecodeError as e:
            raise DatasetError(f"{path}: not UTF-8 text ({e.reason})") from None
    return records


# --------------------------------------------------------------------------
# Prompts for records without one
# --------------------------------------------------------------------------

class _Prompter:
    """Rebuilds prompts with Session.prompt: the given session (its target
    only), or sessions opened on `source`, one per target, closed at the
    end."""

    def __init__(self, session, source, function, check_seeds):
        self.session = session
        self.source = source
        self.function = function
        self.check_seeds = check_seeds
        self.opened: Dict[str, Any] = {}
        self.kernels: Dict[int, List[Dict[str, Any]]] = {}

    @property
    def available(self) -> bool:
        return self.session is not None or self.source is not None

    def _session_for(self, target: Optional[str]):
        if self.session is not None:
            own = getattr(self.session, "target", None)
            if target is not None and own is not None and own != target:
                return None
            return self.session
        if target is None:
            return None
        if target not in self.opened:
            from .native import Session  # libkgen_c only when a prompt is rebuilt
            kwargs = {"function": self.function} if self.function else {}
            self.opened[target] = Session(self.source, target,
                                          check_seeds=self.check_seeds, **kwargs)
        return self.opened[target]

    def prompt(self, record: _Record, history: List[Dict[str, Any]]
               ) -> Tuple[Optional[List[Dict[str, str]]], Optional[str]]:
        session = self._session_for(record.target)
        if session is None:
            return None, TARGET_MISMATCH
        key = id(session)
        if key not in self.kernels:
            self.kernels[key] = list(session.kernels())
        index = None
        for i, k in enumerate(self.kernels[key]):
            if record.fingerprint is not None and k.get("fingerprint") == record.fingerprint:
                index = i
                break
        if index is None and record.fingerprint is None:
            index = next((i for i, k in enumerate(self.kernels[key])
                          if k.get("name") == record.kernel), None)
        if index is None:
            return None, KERNEL_NOT_FOUND
        return prompt_messages(session.prompt(index, history)), None

    def close(self) -> None:
        for s in self.opened.values():
            s.close()
        self.opened.clear()


def _attempt(record: _Record) -> Dict[str, Any]:
    """A record as an entry of a prompt's history (Session.prompt)."""
    entry = {"schedule": record.schedule, "verdict": dict(record.verdict)}
    if record.milliseconds is not None:
        entry["milliseconds"] = record.milliseconds
    return entry


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------

def write_jsonl_atomically(path: PathLike, lines: Iterable[str]) -> None:
    """Writes the lines to a temporary file beside `path` and renames it over
    `path`: readers see the old file or the whole new one. A symbolic link is
    followed (its target is replaced, the link stays); an existing file keeps
    its permission bits; a read-only file is an error, left untouched."""
    target = Path(os.path.realpath(path))
    if target.is_dir():
        raise DatasetError(f"cannot write {path}: it is a directory")
    mode = None
    if target.exists():
        if not os.access(target, os.W_OK):
            raise DatasetError(f"cannot write {path}: it is read-only")
        mode = target.stat().st_mode & 0o7777
    directory = target.parent
    if not directory.is_dir():
        raise DatasetError(f"cannot write {path}: no directory {directory}")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as e:
        raise DatasetError(f"cannot write {path}: {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            for line in lines:
                f.write(line)
                f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise DatasetError(f"cannot write {path}: {e.strerror or e}") from None
        raise


# --------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------

def _kernel_key(r: _Record) -> Tuple[str, Optional[str]]:
    return (r.fingerprint or r.kernel or "", r.target)


def export_dataset(inputs: Union[PathLike, Sequence[PathLike]], out: PathLike, *,
                   accepted_only: bool = True,
                   best_k: Optional[int] = None,
                   min_speedup: Optional[float] = None,
                   dedupe: bool = True,
                   session=None,
                   source: Optional[str] = None,
                   function: Optional[str] = None,
                   check_seeds: int = 0,
                   max_history: Optional[int] = None) -> ExportResult:
    """Writes the chat dataset of `inputs` (evaluation records and/or
    trajectory logs) to `out`, atomically, and returns the counts.

    accepted_only: keep accepted schedules only (the default; a rejected
        schedule makes a poor answer to learn).
    best_k: keep the k fastest measured schedules of each kernel and target
        (records without a time are skipped as "unmeasured").
    min_speedup: keep schedules at least this much faster than the heuristic
        (heuristic time / time >= min_speedup). The heuristic's time is the
        fastest record whose strategy or proposer is "heuristic" for the same
        kernel, target and measurer.
    dedupe: one example per distinct schedule of a kernel (its fastest).
    session / source: for records with no prompt: a kgen_tune.native.Session
        (used for records of its target), or the program's MLIR text (a
        session is opened per target, check_seeds=0 by default: a prompt
        needs no verification). `function` as for Session.
    max_history: the most earlier attempts a rebuilt prompt shows (the
        latest ones); None: all of them, as the LLM proposer would.

    A malformed input line raises DatasetError naming the file and line;
    nothing is written then."""
    if best_k is not None and best_k < 1:
        raise ValueError("best_k must be at least 1")
    records = read_records(inputs)
    result = ExportResult(path=str(out), records=len(records))

    # The heuristic's time per kernel, target and measurer.
    heuristic_ms: Dict[Tuple[str, Optional[str], Optional[str]], float] = {}
    for r in records:
        if (r.proposer == "heuristic" and r.verdict.get("accepted")
                and r.milliseconds is not None and r.milliseconds > 0):
            key = _kernel_key(r) + (r.measurer,)
            heuristic_ms[key] = min(heuristic_ms.get(key, math.inf), r.milliseconds)

    def speedup(r: _Record) -> Optional[float]:
        h = heuristic_ms.get(_kernel_key(r) + (r.measurer,))
        if h is None or r.milliseconds is None or r.milliseconds <= 0:
            return None
        return h / r.milliseconds

    # Filters that look at one record.
    kept: List[_Record] = []
    for r in records:
        if r.schedule is None:
            result.skip(NO_SCHEDULE)
        elif accepted_only and not r.verdict.get("accepted"):
            result.skip(REJECTED)
        elif min_speedup is not None and r.milliseconds is None:
            result.skip(UNMEASURED)
        elif min_speedup is not None and speedup(r) is None:
            result.skip(NO_HEURISTIC_TIME)
        elif min_speedup is not None and speedup(r) < min_speedup:
            result.skip(BELOW_MIN_SPEEDUP)
        elif best_k is not None and r.milliseconds is None:
            result.skip(UNMEASURED)
        else:
            kept.append(r)

    prompter = _Prompter(session, source, function, check_seeds)

    def rank(r: _Record):  # fastest first, unmeasured last
        return (r.milliseconds is None, r.milliseconds or 0.0)

    # One example per schedule of a kernel: a record that has a prompt (or
    # can get one) before one that has none, then the fastest, then the
    # first.
    if dedupe:
        def preference(r: _Record):
            return (r.prompt is None and not prompter.available,) + rank(r)

        best: Dict[Tuple, _Record] = {}
        for r in kept:
            key = _kernel_key(r) + (json.dumps(r.schedule, sort_keys=True),)
            if key not in best or preference(r) < preference(best[key]):
                best[key] = r
        chosen = {id(r) for r in best.values()}
        for r in kept:
            if id(r) not in chosen:
                result.skip(DUPLICATE)
        kept = [r for r in kept if id(r) in chosen]

    if best_k is not None:
        groups: Dict[Tuple, List[_Record]] = {}
        for r in kept:
            groups.setdefault(_kernel_key(r), []).append(r)
        chosen = set()
        for group in groups.values():
            chosen.update(id(r) for r in sorted(group, key=rank)[:best_k])
        for r in kept:
            if id(r) not in chosen:
                result.skip(NOT_BEST_K)
        kept = [r for r in kept if id(r) in chosen]

    # Prompts, and the lines in input order.
    keep_ids = {id(r) for r in kept}
    lines: List[str] = []
    history: Dict[Tuple, List[Dict[str, Any]]] = {}
    try:
        for r in records:
            hkey = (r.file_index,) + _kernel_key(r)
            earlier = history.setdefault(hkey, [])
            if id(r) in keep_ids:
                messages = r.prompt
                if messages is None:
                    if not prompter.available:
                        result.skip(NO_PROMPT)
                        earlier.append(_attempt(r))
                        continue
                    shown = earlier if max_history is None else (
                        earlier[len(earlier) - max_history:] if max_history > 0 else [])
                    messages, why = prompter.prompt(r, shown)
                    if messages is None:
                        result.skip(why or NO_PROMPT)
                        earlier.append(_attempt(r))
                        continue
                lines.append(json.dumps({
                    "messages": [m for m in messages if m["role"] != "assistant"]
                    + [{"role": "assistant", "content": json.dumps(r.schedule)}],
                    "metadata": {
                        "kernel": r.kernel, "fingerprint": r.fingerprint,
                        "target": r.target, "verdict": r.verdict,
                        "milliseconds": r.milliseconds,
                        "speedup_over_heuristic": speedup(r),
                        "proposer": r.proposer, "measurer": r.measurer,
                    }}))
            earlier.append(_attempt(r))
    finally:
        prompter.close()

    write_jsonl_atomically(out, lines)
    result.written = len(lines)
    return result


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m kgen_tune.dataset",
        description="Export kgen-tune evaluation records and kgen trajectory logs "
                    "as a chat-format JSONL fine-tuning dataset.")
    p.add_argument("inputs", nargs="+", help="evaluations.jsonl and/or trajectory logs")
    p.add_argument("-o", "--out", required=True, help="the dataset (JSONL), written atomically")
    p.add_argument("--all", action="store_true",
                   help="keep rejected schedules too (default: accepted only)")
    p.add_argument("--best-k", type=int, help="keep the k fastest schedules per kernel")
    p.add_argument("--min-speedup", type=float,
                   help="keep schedules at least this much faster than the heuristic")
    p.add_argument("--keep-duplicates", action="store_true",
                   help="one example per record, even for a schedule seen before")
    p.add_argument("--program", help="the kgen program (MLIR) the records come from: "
                   "rebuilds the prompt of records that have none")
    p.add_argument("--function", help="the program's function (default: its only public one)")
    p.add_argument("--max-history", type=int,
                   help="the most earlier attempts a rebuilt prompt shows")
    args = p.parse_args(argv)
    try:
        source = None
        if args.program:
            try:
                source = Path(args.program).read_text(encoding="utf-8")
            except OSError as e:
                raise DatasetError(f"cannot read {args.program}: {e.strerror or e}") from None
        result = export_dataset(
            args.inputs, args.out, accepted_only=not args.all, best_k=args.best_k,
            min_speedup=args.min_speedup, dedupe=not args.keep_duplicates,
            source=source, function=args.function, max_history=args.max_history)
    except (DatasetError, ValueError) as e:
        print(f"kgen-tune dataset: error: {e}", file=sys.stderr)
        return 1
    skipped = ", ".join(f"{k} {v}" for k, v in sorted(result.skipped.items())) or "none"
    print(f"{result.written} examples written to {result.path} "
          f"({result.records} records; skipped: {skipped})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
