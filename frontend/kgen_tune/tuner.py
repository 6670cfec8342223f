"""The measured schedule search: propose, verify, rank, measure, remember.

For each kernel of a program the tuner measures the heuristic schedule
first (every speedup is relative to it), then the caller's seed schedules,
then rounds of candidates from the strategies until the budget is spent.
A round's candidates are screened (the ladder's static rungs and the
static estimate, milliseconds each); rejections are recorded with their
verdicts; accepted ones are ranked by the estimate, the rest pruned when
the round has more than the budget needs, and the chosen ones verified
with the whole ladder (the numerical rung, in worker processes when there
are some) before they are measured. An evaluation is a measured or rejected
candidate. Every evaluation is a line of `out_dir/evaluations.jsonl`, and
a schedule evaluated before (same kernel, schedule and measurer) is taken
from there instead of being measured again, so an interrupted run resumes
where it stopped. The best schedule per kernel (lowest median of this
run's measurer) goes to the decisions file and `out_dir/result.json`.
"""

from __future__ import annotations

import json
import multiprocessing
import random
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import (Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple,
                    Union)

from kgen_library import build_identity

from .cost import estimate_ms, rank_agreement, rank_by_estimate
from .native import Session
from .space import schedule_hash
from .store import DecisionsStore, EvaluationLog, decision_entry, make_record
from .strategies import (STRATEGIES, Candidate, Heuristic, SearchState, Seeds, Strategy,
                         make_strategy)

__all__ = ["Budget", "KernelResult", "TuneResult", "TuneUsageError", "check_arguments", "tune",
           "tune_kernel",
           "progress_line"]

MEASURERS = ("cpu", "gpu", "static")
ROUND_SIZE = 4       # evaluations a round aims at
OVERSAMPLE = 2       # candidates asked per evaluation wanted, for the estimate to choose from
STALE_ROUNDS = 5     # rounds with nothing new before a strategy counts as exhausted


class TuneUsageError(ValueError):
    """A bad argument of tune() (an unknown strategy or kernel, no budget)."""


@dataclass
class Budget:
    """`evaluations` per kernel; `seconds` for the whole run (shared out
    evenly among the kernels still to tune); `llm_tokens` for the run's
    LLM session (kgen's LLM token budget). None: no limit of that kind;
    at least one of evaluations and seconds must be set."""
    evaluations: Optional[int] = None
    seconds: Optional[float] = None
    llm_tokens: Optional[int] = None


@dataclass
class KernelResult:
    name: str
    index: int
    fingerprint: str
    key: str
    heuristic_ms: Optional[float] = None
    best_ms: Optional[float] = None
    best_schedule: Optional[Dict[str, Any]] = None
    best_strategy: Optional[str] = None
    evaluations: int = 0
    measured: int = 0
    rejects: Dict[str, int] = field(default_factory=dict)
    curve: List[Tuple[int, Optional[float]]] = field(default_factory=list)
    strategy_curves: Dict[str, List[Tuple[int, float]]] = field(default_factory=dict)
    rank_agreement: Optional[float] = None
    same_as: Optional[str] = None

    @property
    def speedup(self) -> Optional[float]:
        if self.heuristic_ms and self.best_ms:
            return self.heuristic_ms / self.best_ms
        return None


@dataclass
class TuneResult:
    target: str
    measurer: str
    strategies: List[str]
    budget: Budget
    seed: int
    out_dir: str
    kernels: List[KernelResult] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> Dict[str, Any]:
        data = asdict(self)
        for k, kr in zip(data["kernels"], self.kernels):
            k["speedup"] = kr.speedup
        return data


def progress_line(r: KernelResult) -> str:
    """`<kernel>: <n> evaluations, <rejects>, best <ms> ms (<strategy>),
    <x.xx>x over the heuristic`."""
    if r.same_as:
        return f"{r.name}: the same kernel as {r.same_as}; tuned once"
    rejects = sum(r.rejects.values())
    why = ", ".join(f"{k} {v}" for k, v in sorted(r.rejects.items()))
    parts = [f"{r.name}: {r.evaluations} evaluations",
             f"{rejects} rejected" + (f" ({why})" if why else "")]
    if r.best_ms is None:
        parts.append("no schedule measured")
    else:
        parts.append(f"best {r.best_ms:.4g} ms ({r.best_strategy})")
        parts.append(f"{r.speedup:.2f}x over the heuristic" if r.speedup
                     else "no heuristic time")
    return ", ".join(parts)


class _Verifier:
    """Verifies candidates in the session, or in worker processes that open
    their own sessions (measurement stays in the caller's process)."""

    def __init__(self, session: Session, workers: int):
        self.session, self.pool = session, None
        if workers > 1:
            self.pool = ProcessPoolExecutor(
                max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_open,
                initargs=(session.source, session.target, session.function,
                          session.check_seeds))

    def verify(self, index: int, schedules: List[Any]) -> Iterator[Dict[str, Any]]:
        """The answers in order: lazily in this process (a round that stops
        early verifies no more), all at once in the workers."""
        if self.pool is None or len(schedules) < 2:
            return (self.session.verify(index, s) for s in schedules)
        return iter(list(self.pool.map(_worker_verify, [index] * len(schedules), schedules)))

    def close(self):
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


_WORKER_SESSION: Optional[Session] = None


def _worker_open(source, target, function, check_seeds):
    global _WORKER_SESSION
    _WORKER_SESSION = Session(source, target, function=function, check_seeds=check_seeds)


def _worker_verify(index, schedule):
    return _WORKER_SESSION.verify(index, schedule)


@dataclass
class _Run:
    """What one kernel's search shares between its rounds."""
    session: Session
    state: SearchState
    log: EvaluationLog
    verifier: _Verifier
    measurer: str
    runs: int
    budget: Budget
    deadline: Optional[float]
    evaluations: int = 0

    def slots_left(self) -> int:
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return 0
        if self.budget.evaluations is None:
            return ROUND_SIZE
        return max(0, min(ROUND_SIZE, self.budget.evaluations - self.evaluations))


def _measurement_extras(m: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    extras = {k: m[k] for k in ("registers", "spill_bytes", "shared_bytes") if k in m}
    return extras or None


def _record(run: _Run, c: Candidate, h: str, verdict: Dict[str, Any],
            estimate=None, measurement: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """Appends a new evaluation to the log and the kernel's history."""
    run.evaluations += 1
    kernel = run.state.kernel
    timed = measurement is not None and bool(measurement.get("verdict", {}).get("accepted"))
    record = make_record(
        kernel=kernel["name"], fingerprint=kernel["fingerprint"], target=run.state.target,
        strategy=c.strategy, evaluation=run.evaluations, schedule_hash=h, schedule=c.schedule,
        verdict=verdict, estimate=estimate,
        measurer=run.measurer if measurement is not None else None,
        milliseconds=measurement.get("median") if timed else None,
        samples=measurement.get("milliseconds") if timed else None,
        measurement=_measurement_extras(measurement) if measurement else None,
        prompt=c.prompt, reply=c.reply)
    run.log.append(record)
    run.state.history.append(record)
    return record


def _reuse(run: _Run, memo: Dict[str, Any]) -> None:
    """An evaluation an earlier run made: counted and seen, not redone."""
    run.evaluations += 1
    run.state.history.append(memo)


def _round(run: _Run, candidates: List[Candidate], slots: int) -> int:
    """Evaluates up to `slots` of `candidates`; returns how many."""
    state, fp = run.state, run.state.kernel["fingerprint"]
    seen, start, fresh = state.seen(), run.evaluations, []
    for c in candidates:
        h = schedule_hash(c.schedule) if c.schedule is not None else None
        if h is not None and h in seen:
            continue
        if h is not None:
            seen.add(h)
        memo = run.log.lookup(fp, h, run.measurer, state.target) if h else None
        fresh.append((c, h, memo))
    to_verify = [(c, h) for c, h, memo in fresh if c.schedule is not None and memo is None]
    if to_verify and run.slots_left() == 0:
        return 0
    # The static rungs and the estimate for all (cheap); the numerical rung
    # only for the candidates the estimate picks for measurement.
    answers = (run.session.screen(state.index, c.schedule) for c, _ in to_verify)
    pending, used = [], 0
    for c, h, memo in fresh:
        if used + len(pending) >= slots * OVERSAMPLE or used >= slots:
            break
        if c.schedule is None:
            _record(run, c, schedule_hash(None), c.failure or {"reason": "none"})
            used += 1
        elif memo is not None and memo.get("measurer") is None:
            _reuse(run, memo)
            used += 1
        else:
            v = next(answers) if memo is None else {"verdict": {"accepted": True},
                                                     "estimate": memo.get("estimate")}
            if v["verdict"].get("accepted"):
                pending.append((c, h, memo, v))
            else:
                _record(run, c, h, v["verdict"])
                used += 1
    chosen = rank_by_estimate([(p, p[3]) for p in pending])[:max(0, slots - used)]
    verdicts = run.verifier.verify(
        state.index, [c.schedule for c, _, memo, _ in chosen if memo is None])
    for c, h, memo, v in chosen:
        if memo is not None:
            _reuse(run, memo)
            continue
        verified = next(verdicts)["verdict"]
        if not verified.get("accepted"):
            _record(run, c, h, verified)
            continue
        if run.deadline is not None and time.monotonic() >= run.deadline:
            break
        m = run.session.measure(state.index, c.schedule, run.measurer, run.runs)
        _record(run, c, h, m.get("verdict", {}), v.get("estimate"), m)
    return run.evaluations - start


def _drive(run: _Run, strategy: Strategy) -> None:
    """Rounds of `strategy` until the budget is spent or it has nothing."""
    stale = 0
    while not strategy.exhausted and stale < STALE_ROUNDS:
        slots = run.slots_left()
        if slots == 0:
            return
        candidates = strategy.propose(run.state, slots * OVERSAMPLE)
        stale = 0 if _round(run, candidates, slots) else stale + 1


def _summarize(run: _Run, index: int) -> KernelResult:
    kernel, state = run.state.kernel, run.state
    r = KernelResult(name=kernel["name"], index=index, fingerprint=kernel["fingerprint"],
                     key=kernel.get("key") or f"{kernel['fingerprint']}@{state.target}",
                     evaluations=run.evaluations)
    rejects: Counter = Counter()
    best: Dict[str, float] = {}
    for n, rec in enumerate(state.history, 1):
        ok = rec.get("verdict", {}).get("accepted")
        ms = rec.get("milliseconds") if rec.get("measurer") == run.measurer else None
        if not ok:
            rejects[rec.get("verdict", {}).get("reason") or "unknown"] += 1
        if ok and isinstance(ms, (int, float)):
            r.measured += 1
            if rec.get("strategy") == "heuristic" and r.heuristic_ms is None:
                r.heuristic_ms = ms
            if r.best_ms is None or ms < r.best_ms:
                r.best_ms, r.best_schedule, r.best_strategy = ms, rec["schedule"], rec["strategy"]
            s = rec.get("strategy") or "?"
            if s not in best or ms < best[s]:
                best[s] = ms
                r.strategy_curves.setdefault(s, []).append((n, ms))
        r.curve.append((n, r.best_ms))
    r.rejects = dict(rejects)
    r.rank_agreement = rank_agreement(
        (estimate_ms(rec.get("estimate")), rec.get("milliseconds")) for rec in state.history
        if rec.get("measurer") == run.measurer and rec.get("verdict", {}).get("accepted"))
    return r


def tune_kernel(session: Session, index: int, *,
                strategies: Sequence[str] = ("heuristic", "evolution"),
                budget: Budget = Budget(evaluations=20), measurer: str = "cpu", runs: int = 5,
                log: Optional[EvaluationLog] = None, seed: int = 0,
                decisions: Optional[DecisionsStore] = None,
                seed_schedules: Sequence[Dict[str, Any]] = (),
                deadline: Optional[float] = None, llm: bool = False,
                llm_rate: float = 0.0, workers: int = 0,
                verifier: Optional[_Verifier] = None) -> KernelResult:
    """Searches kernel `index` of `session`: the heuristic, then
    `seed_schedules`, then `strategies` taking turns, within `budget`
    (evaluations of this kernel; `deadline` a time.monotonic() value).
    Evaluations go to `log` (memory only when None), which also supplies
    earlier ones."""
    _check_budget(budget)
    kernel = session.kernels()[index]
    state = SearchState(session=session, index=index, kernel=kernel, target=session.target,
                        measurer=measurer, decisions=decisions, llm=llm,
                        rng=random.Random(f"kgen-tune:{seed}:{kernel['fingerprint']}"))
    own = verifier is None
    verifier = verifier or _Verifier(session, workers)
    run = _Run(session=session, state=state, log=log or EvaluationLog(None),
               verifier=verifier, measurer=measurer, runs=runs, budget=budget,
               deadline=deadline)
    try:
        for strategy in (Heuristic(), Seeds(seed_schedules),
                         make_strategy(strategies, llm_rate=llm_rate)):
            _drive(run, strategy)
    finally:
        if own:
            verifier.close()
    return _summarize(run, index)


def _check_budget(budget: Budget) -> None:
    if budget.evaluations is None and budget.seconds is None:
        raise TuneUsageError("the budget needs evaluations or seconds (a search never ends "
                             "on its own)")
    if budget.evaluations is not None and budget.evaluations < 1:
        raise TuneUsageError("the budget needs at least one evaluation per kernel")
    if budget.seconds is not None and not budget.seconds > 0:
        raise TuneUsageError("the budget's seconds must be positive")


def _select(kernels: List[Dict[str, Any]], wanted) -> List[int]:
    """Indices of the kernels named (names or indices); all for None."""
    if wanted is None:
        return list(range(len(kernels)))
    names = {k["name"]: i for i, k in enumerate(kernels)}
    chosen = []
    for w in wanted:
        if isinstance(w, int) or (isinstance(w, str) and w.isdigit() and w not in names):
            i = int(w)
            if not 0 <= i < len(kernels):
                raise TuneUsageError(f"no kernel {i}; the program has {len(kernels)}")
        elif w in names:
            i = names[w]
        else:
            raise TuneUsageError(f"no kernel named '{w}'; the program's kernels are "
                                 + ", ".join(names))
        if i not in chosen:
            chosen.append(i)
    return chosen


def _seeds_for(seed_schedules, kernel: Dict[str, Any], index: int) -> List[Dict[str, Any]]:
    if not seed_schedules:
        return []
    if isinstance(seed_schedules, Mapping):
        got = seed_schedules.get(kernel["name"], seed_schedules.get(index, []))
    else:
        got = seed_schedules
    return [got] if isinstance(got, Mapping) else list(got)


def _write_result(out_dir: Path, result: TuneResult) -> None:
    from kgen_import.files import write_output  # torch: only when writing
    write_output(out_dir / "result.json",
                 json.dumps(result.to_json(), indent=1, default=str) + "\n")


def check_arguments(budget: Budget, strategies: Sequence[str], measurer: str) -> None:
    """Raises TuneUsageError for a budget with no limit, an unknown
    strategy or measurer: what every entry point checks before any work."""
    _check_budget(budget)
    for name in strategies:
        if name not in STRATEGIES:
            raise TuneUsageError(f"unknown strategy '{name}'; expected some of "
                                 + ", ".join(STRATEGIES))
    if measurer not in MEASURERS:
        raise TuneUsageError(f"unknown measurer '{measurer}'; expected cpu, gpu or static")


def tune(source: str, *, target: str = "sm_90a", function: Optional[str] = None,
         strategies: Sequence[str] = ("heuristic", "evolution"),
         budget: Budget = Budget(evaluations=20), measurer: str = "cpu", runs: int = 5,
         out_dir: Union[str, Path], kernels: Optional[Sequence[Union[str, int]]] = None,
         seed: int = 0, llm: Optional[Dict[str, Any]] = None,
         decisions: Optional[Union[str, Path]] = None, check_seeds: int = 3,
         progress: Optional[Callable[[str], None]] = None,
         seed_schedules: Union[None, Sequence[Dict[str, Any]],
                               Mapping[Union[str, int], Any]] = None,
         workers: int = 0, llm_rate: float = 0.0) -> TuneResult:
    """Tunes the kernels of the kgen program `source` (MLIR text) for
    `target`, timing on `measurer` ("cpu" or "gpu"); see the module doc.

    `seed_schedules`: schedules tried after the heuristic, for every kernel
    (a list) or per kernel name or index (a mapping). `workers` > 1
    verifies candidates in that many processes. `llm_rate`: the share of
    evolution rounds that ask the LLM for a child. `progress` receives one
    line per kernel. Raises TuneUsageError for bad arguments, KgenTuneError
    for the library's errors (a program that does not parse, no GPU) and
    store.DecisionsError for a decisions file that cannot be used."""
    started = time.monotonic()
    check_arguments(budget, strategies, measurer)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    log = EvaluationLog(out / "evaluations.jsonl")
    store = DecisionsStore(decisions) if decisions else None
    if store is not None:
        store.check_writable()  # a file the winners cannot go to stops the run before any work
    llm_options = dict(llm or {})
    if budget.llm_tokens is not None:
        llm_options.setdefault("token_budget", int(budget.llm_tokens))
    result = TuneResult(target=target, measurer=measurer, strategies=list(strategies),
                        budget=budget, seed=seed, out_dir=str(out), warnings=list(log.warnings))
    deadline = started + budget.seconds if budget.seconds is not None else None
    with Session(source, target, function=function, check_seeds=check_seeds,
                 llm=llm_options or None) as session:
        all_kernels = session.kernels()
        chosen = _select(all_kernels, kernels)
        verifier = _Verifier(session, workers)
        try:
            _tune_all(session, all_kernels, chosen, result, log, store, verifier, deadline,
                      dict(strategies=strategies, budget=budget, measurer=measurer, runs=runs,
                           seed=seed, llm=llm is not None,
                           llm_rate=llm_rate),
                      seed_schedules, progress, out)
        finally:
            verifier.close()
    if store is not None:
        _save_decisions(store, all_kernels, result)
    result.seconds = time.monotonic() - started
    _write_result(out, result)
    return result


def _tune_all(session, all_kernels, chosen, result, log, store, verifier, deadline, options,
              seed_schedules, progress, out) -> None:
    tuned: Dict[str, str] = {}
    for n, index in enumerate(chosen):
        kernel = all_kernels[index]
        if kernel["fingerprint"] in tuned:
            r = KernelResult(name=kernel["name"], index=index,
                             fingerprint=kernel["fingerprint"], key=kernel.get("key", ""),
                             same_as=tuned[kernel["fingerprint"]])
        else:
            share = None
            if deadline is not None:
                share = time.monotonic() + max(0.0, deadline - time.monotonic()) / (len(chosen) - n)
            r = tune_kernel(session, index, log=log, decisions=store, deadline=share,
                            seed_schedules=_seeds_for(seed_schedules, kernel, index),
                            verifier=verifier, **options)
            tuned[kernel["fingerprint"]] = kernel["name"]
        result.kernels.append(r)
        _write_result(out, result)
        if progress:
            progress(progress_line(r))


def _save_decisions(store: DecisionsStore, all_kernels, result: TuneResult) -> None:
    entries = {}
    for r in result.kernels:
        if r.best_schedule is None or r.same_as:
            continue
        entries[r.key] = decision_entry(
            all_kernels[r.index], r.best_schedule, strategy=r.best_strategy,
            milliseconds=r.best_ms, measurer=result.measurer, strategies=result.strategies,
            evaluations=r.evaluations, heuristic_milliseconds=r.heuristic_ms,
            kgen_build=build_identity())
    store.save(entries)
