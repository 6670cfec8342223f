"""Where candidate schedules come from. A strategy looks at one kernel's
search so far (SearchState: the evaluation records of this run) and
proposes candidates; the tuner verifies, ranks, measures and records them,
so strategies never touch the log or the budget.

- heuristic: the kernel's heuristic schedule, once (the baseline).
- random: kgen's seeded random proposer (the search's control).
- evolution: mutation and crossover (space.py) of the fastest measured
  schedules, parents picked by tournament; optionally some children come
  from the LLM shown the fastest candidates with their times.
- llm: kgen's LLM proposer shown every attempt with its verdict and time.
- memory: schedules recorded in the decisions file for the nearest
  kernels of the same structure, fitted to this kernel's loop sizes.

`make_strategy(names)` gives one strategy, or several taking turns.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Set

from .native import example_of
from .space import crossover, fit, kernel_summary, mutate, schedule_hash

__all__ = ["Candidate", "SearchState", "Strategy", "Heuristic", "Seeds", "Random", "Evolution",
           "Llm", "Memory", "Mixed", "STRATEGIES", "make_strategy"]

STRATEGIES = ("heuristic", "random", "evolution", "llm", "memory")

# LLM failures after which asking again cannot help within this session.
_LLM_FINAL = {"llm_budget_exhausted"}
_LLM_MAX_FAILED_ROUNDS = 3


@dataclass
class Candidate:
    """A proposal: a schedule, or the proposer's failure verdict when none
    came (an LLM that timed out); the LLM's prompt and reply when any."""
    schedule: Optional[Dict[str, Any]]
    strategy: str
    failure: Optional[Dict[str, Any]] = None
    prompt: Optional[str] = None
    reply: Optional[str] = None


@dataclass
class SearchState:
    """One kernel's search: what strategies may read. `history` holds the
    evaluation records of this run for the kernel, in order."""
    session: Any
    index: int
    kernel: Dict[str, Any]
    target: str
    measurer: str
    rng: random.Random
    history: List[Dict[str, Any]] = field(default_factory=list)
    decisions: Any = None          # a store.DecisionsStore, for "memory"
    llm: bool = False              # whether the session has LLM options

    def seen(self) -> Set[str]:
        return {r.get("schedule_hash") for r in self.history}

    def measured(self) -> List[Dict[str, Any]]:
        """Accepted records timed by this run's measurer, fastest first."""
        timed = [r for r in self.history
                 if r.get("verdict", {}).get("accepted") and r.get("measurer") == self.measurer
                 and isinstance(r.get("milliseconds"), (int, float))]
        return sorted(timed, key=lambda r: r["milliseconds"])


def _from_proposer(answer: Dict[str, Any], strategy: str) -> Candidate:
    return Candidate(schedule=answer.get("schedule"), strategy=strategy,
                     failure=answer.get("failure"), prompt=answer.get("prompt"),
                     reply=answer.get("reply"))


class Strategy:
    """Proposes candidates for one kernel; `exhausted` once it has nothing
    more to give (a strategy object serves one kernel)."""
    name = "strategy"

    def __init__(self):
        self.exhausted = False

    def propose(self, state: SearchState, count: int) -> List[Candidate]:
        raise NotImplementedError


class Heuristic(Strategy):
    name = "heuristic"

    def propose(self, state, count):
        self.exhausted = True
        return [Candidate(state.kernel["heuristic"], self.name)]


class Seeds(Strategy):
    """Given schedules (a caller's starting points, e.g. a known bad one),
    each once."""
    name = "seed"

    def __init__(self, schedules: Sequence[Dict[str, Any]]):
        super().__init__()
        self.pending = list(schedules)
        self.exhausted = not self.pending

    def propose(self, state, count):
        given, self.pending = self.pending[:count], self.pending[count:]
        self.exhausted = not self.pending
        return [Candidate(s, self.name) for s in given]


class Random(Strategy):
    name = "random"

    def propose(self, state, count):
        seed = state.rng.getrandbits(63)
        answers = state.session.propose(state.index, "random", seed=seed, count=count)
        return [_from_proposer(a, self.name) for a in answers]


# Similar kernels' best schedules shown to the LLM, at most.
_LLM_EXAMPLES = 3


def _examples(state: SearchState) -> List[Dict[str, Any]]:
    """The best schedules the decisions file holds for the kernels nearest
    this one (DecisionsStore.nearest_entries), as LLM examples."""
    if state.decisions is None:
        return []
    entries = state.decisions.nearest_entries(kernel_summary(state.kernel), state.target,
                                              _LLM_EXAMPLES)
    return [example_of(e) for e in entries]


class Llm(Strategy):
    """kgen's LLM proposer, shown every attempt so far (verdicts and times);
    exhausted when its budget is, or after a few rounds without a schedule."""
    name = "llm"

    def __init__(self):
        super().__init__()
        self.failed_rounds = 0

    def propose(self, state, count):
        return self.ask(state, state.history, count, self.name)

    def ask(self, state, history, count, name) -> List[Candidate]:
        answers = state.session.propose(state.index, "llm", history=history, count=count,
                                        examples=_examples(state))
        candidates = [_from_proposer(a, name) for a in answers]
        reasons = {(c.failure or {}).get("reason") for c in candidates if c.schedule is None}
        if reasons & _LLM_FINAL:
            self.exhausted = True
        if candidates and all(c.schedule is None for c in candidates):
            self.failed_rounds += 1
            self.exhausted |= self.failed_rounds >= _LLM_MAX_FAILED_ROUNDS
        else:
            self.failed_rounds = 0
        return candidates


class Evolution(Strategy):
    """A steady-state genetic search over the measured schedules.

    The population is the `population` fastest schedules measured so far
    (the heuristic's when none is); each child is a mutation of a
    tournament winner or, with `crossover_rate`, a crossover of two
    winners (then mutated half the time). With `llm_rate` > 0 and an LLM
    configured, a round sometimes asks the LLM for one child instead,
    showing it the population with times (an LLM mutation operator)."""
    name = "evolution"

    def __init__(self, population: int = 8, tournament: int = 3, crossover_rate: float = 0.3,
                 llm_rate: float = 0.0):
        super().__init__()
        self.population, self.tournament = population, tournament
        self.crossover_rate, self.llm_rate = crossover_rate, llm_rate
        self.llm = Llm()

    def _population(self, state) -> List[Dict[str, Any]]:
        best = state.measured()[:self.population]
        if best:
            return best
        return [{"schedule": state.kernel["heuristic"], "milliseconds": None}]

    def _pick(self, population, rng) -> Dict[str, Any]:
        entrants = rng.sample(population, min(self.tournament, len(population)))
        return min(entrants, key=lambda r: (r["milliseconds"] is None, r["milliseconds"] or 0))

    def _child(self, population, state) -> Dict[str, Any]:
        rng = state.rng
        if len(population) >= 2 and rng.random() < self.crossover_rate:
            child = fit(crossover(self._pick(population, rng)["schedule"],
                                  self._pick(population, rng)["schedule"], rng), state.kernel)
            return mutate(child, state.kernel, rng) if rng.random() < 0.5 else child
        return mutate(self._pick(population, rng)["schedule"], state.kernel, rng)

    def propose(self, state, count):
        population = self._population(state)
        out: List[Candidate] = []
        if (self.llm_rate > 0 and state.llm and not self.llm.exhausted
                and state.rng.random() < self.llm_rate):
            out += self.llm.ask(state, population, 1, self.name)
        taken = state.seen() | {schedule_hash(c.schedule) for c in out if c.schedule}
        for _ in range(count * 20):
            if len(out) >= count:
                break
            child = self._child(population, state)
            h = schedule_hash(child)
            if h not in taken:
                taken.add(h)
                out.append(Candidate(child, self.name))
        return out


class Memory(Strategy):
    """Schedules the decisions file holds for the nearest kernels of the
    same structure (DecisionsStore.nearest), fitted to this kernel."""
    name = "memory"

    def __init__(self):
        super().__init__()
        self.offset = 0

    def propose(self, state, count):
        if state.decisions is None:
            self.exhausted = True
            return []
        found = state.decisions.nearest(kernel_summary(state.kernel), state.target,
                                        self.offset + count)[self.offset:]
        self.offset += count
        self.exhausted = len(found) < count
        return [Candidate(fit(s, state.kernel), self.name) for s in found]


class Mixed(Strategy):
    """Several strategies taking turns, a round each, skipping exhausted
    ones and ones that had nothing this time."""

    def __init__(self, parts: Sequence[Strategy]):
        super().__init__()
        self.parts = list(parts)
        self.name = "+".join(p.name for p in self.parts)
        self.turn = 0
        self.exhausted = all(p.exhausted for p in self.parts)

    def propose(self, state, count):
        for _ in range(len(self.parts)):
            part = self.parts[self.turn % len(self.parts)]
            self.turn += 1
            if part.exhausted:
                continue
            candidates = part.propose(state, count)
            if candidates:
                self.exhausted = all(p.exhausted for p in self.parts)
                return candidates
        self.exhausted = all(p.exhausted for p in self.parts)
        return []


def make_strategy(names: Sequence[str], *, llm_rate: float = 0.0) -> Strategy:
    """The strategies named (STRATEGIES), taking turns when several.
    "heuristic" is left out: the tuner runs it first anyway. ValueError for
    an unknown name."""
    parts: List[Strategy] = []
    for name in names:
        if name not in STRATEGIES:
            raise ValueError(f"unknown strategy '{name}'; expected some of "
                             + ", ".join(STRATEGIES))
        if name == "random":
            parts.append(Random())
        elif name == "evolution":
            parts.append(Evolution(llm_rate=llm_rate))
        elif name == "llm":
            parts.append(Llm())
        elif name == "memory":
            parts.append(Memory())
    if len(parts) == 1:
        return parts[0]
    return Mixed(parts)
