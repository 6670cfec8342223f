"""The schedule space as the search moves through it: mutation, crossover,
fitting a schedule to a kernel, and a schedule's identity.

Generic over the schedule JSON (docs/schedule.schema.json): tiles are
lists, one entry per loop, so mutations read the kernel's loop sizes
(`sink_parallel_sizes`, `root_reduction_sizes` of Session.kernels()) and
keep tiles divisors of their loops, the rule GPU mapping needs; every
other field moves within the schema's enum or range. The verification
ladder is still the judge: a mutation may break a coupling the schema
does not state (lanes and thread tiles, staging and fusion), and the
search then records a rejection rather than a crash.

All randomness comes from the `random.Random` passed in, so a search is
reproducible from its seed.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import random
from typing import Any, Callable, Dict, List, Sequence, Tuple

__all__ = ["VECTOR_WIDTHS", "PIPELINE_DEPTHS", "MAX_LANES", "MATRIX_INSTRUCTIONS", "DEFAULTS",
           "schedule_hash", "divisors", "fit", "mutate", "crossover", "kernel_summary"]

Schedule = Dict[str, Any]
Kernel = Dict[str, Any]

# The schema's enums and ranges (docs/schedule.schema.json; a test checks
# they agree). "mfma" is in the schema but never generated: not proposed.
VECTOR_WIDTHS = (1, 2, 4, 8)
PIPELINE_DEPTHS = (1, 2, 3, 4)
MAX_LANES = 1024
MATRIX_INSTRUCTIONS = ("none", "mma_sync", "wgmma")
SPLITS = (2, 4, 8, 16, 32, 64)
DEFAULTS = {"vector_width": 1, "promote_operands": [], "pipeline_depth": 1,
            "split_reduction": 0, "reduction_lanes": 1, "matrix_instruction": "none"}


def schedule_hash(schedule: Any) -> str:
    """A schedule's identity for memoization: sha256 of its canonical JSON
    (sorted keys, no spaces), 16 hex digits."""
    text = json.dumps(schedule, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def divisors(n: int) -> List[int]:
    """The divisors of n in increasing order (none for n < 1)."""
    if n < 1:
        return []
    small = [d for d in range(1, int(math.isqrt(n)) + 1) if n % d == 0]
    return sorted(set(small + [n // d for d in small]))


def kernel_summary(kernel: Kernel) -> Dict[str, Any]:
    """The kernel summary as a dict (the library gives an object; text is
    parsed), with the loop sizes filled from the kernel when missing."""
    summary = kernel.get("summary")
    if isinstance(summary, str):
        try:
            summary = json.loads(summary)
        except ValueError:
            summary = None
    summary = dict(summary) if isinstance(summary, dict) else {}
    summary.setdefault("sink_parallel_loop_sizes", list(kernel.get("sink_parallel_sizes") or []))
    summary.setdefault("root_reduction_loop_sizes", list(kernel.get("root_reduction_sizes") or []))
    return summary


def _loops(kernel: Kernel) -> Tuple[List[int], List[int]]:
    summary = kernel_summary(kernel)
    return (list(summary["sink_parallel_loop_sizes"]),
            list(summary["root_reduction_loop_sizes"]))


def _get(s: Schedule, key: str) -> Any:
    return s.get(key, DEFAULTS.get(key))


def _near_divisor(value: int, size: int) -> int:
    """The divisor of `size` nearest to `value` on a log scale (the smaller
    on a tie); `value` itself when it divides."""
    if size < 1 or value < 1:
        return value
    return min(divisors(size), key=lambda d: (abs(math.log2(d / value)), d))


def _effective(tile: int, size: int) -> int:
    """A tile's extent: 0 is the whole loop."""
    return size if tile == 0 else tile


def _lists(s: Schedule, parallel: Sequence[int], reduction: Sequence[int]) -> Schedule:
    """Tile lists of the kernel's lengths (extra entries dropped, missing
    ones 0), so every operator indexes safely."""
    for key, n in (("workgroup_tile", len(parallel)), ("thread_tile", len(parallel)),
                   ("reduction_tile", len(reduction))):
        tiles = [int(t) if isinstance(t, int) and t >= 0 else 0 for t in (s.get(key) or [])]
        s[key] = (tiles + [0] * n)[:n]
    return s


def _reduction_extent(s: Schedule, reduction: Sequence[int], j: int) -> int:
    """What reduction_tile[j] steps through: the loop, or with lanes on the
    single reduction loop the vectors each lane reads."""
    size, lanes = reduction[j], _get(s, "reduction_lanes")
    per = lanes * _get(s, "vector_width")
    if lanes > 1 and j == len(reduction) - 1 and size % per == 0:
        return size // per
    return size


def fit(schedule: Schedule, kernel: Kernel) -> Schedule:
    """`schedule` made to fit `kernel`: tile lists of the kernel's lengths,
    every tile snapped to the nearest divisor of its loop, lanes times the
    vector width dividing the reduction and the vector width what it walks
    (a schedule of a similar kernel of other sizes, from the decisions
    file, or a crossover child whose fields came from two parents)."""
    parallel, reduction = _loops(kernel)
    s = _lists(copy.deepcopy(schedule), parallel, reduction)
    s.setdefault("version", 1)
    lanes = _get(s, "reduction_lanes")
    if lanes > 1 and reduction:
        while _get(s, "vector_width") > 1 and reduction[-1] % (lanes * _get(s, "vector_width")):
            s["vector_width"] //= 2
        while lanes > 1 and reduction[-1] % lanes:
            lanes //= 2
        s["reduction_lanes"] = lanes
    for i, size in enumerate(parallel):
        wg = s["workgroup_tile"][i] = _snap(s["workgroup_tile"][i], size)
        s["thread_tile"][i] = _snap(s["thread_tile"][i], _effective(wg, size))
    for j in range(len(reduction)):
        s["reduction_tile"][j] = _snap(s["reduction_tile"][j], _reduction_extent(s, reduction, j))
    _fix_vector(s, parallel, reduction)
    return s


def _snap(tile: int, size: int) -> int:
    return 0 if tile == 0 else _near_divisor(tile, size)


def _resize(current: int, size: int, rng: random.Random, allow_whole: bool) -> int:
    """A new tile for a loop of `size` whose tile is `current`: half, double
    or another divisor, sometimes the whole loop (0)."""
    options = divisors(size)
    cur = _effective(current, size)
    move = rng.random()
    if allow_whole and move < 0.1:
        return 0
    if move < 0.45 and cur // 2 in options and cur % 2 == 0:
        return cur // 2
    if move < 0.8 and cur * 2 in options:
        return cur * 2
    others = [d for d in options if d != cur]
    return rng.choice(others) if others else current


def _fix_thread_tile(s: Schedule, parallel: Sequence[int], i: int) -> None:
    """Thread tile i divides workgroup tile i again after a change."""
    tt = s["thread_tile"][i]
    extent = _effective(s["workgroup_tile"][i], parallel[i])
    if tt and extent % tt:
        s["thread_tile"][i] = _near_divisor(tt, extent)


def _vector_extent(s: Schedule, parallel: Sequence[int], reduction: Sequence[int]) -> int:
    """What vector_width must divide: with lanes, the reduction loop per
    lane; else the innermost thread-tiled loop's thread tile."""
    if _get(s, "reduction_lanes") > 1 and reduction:
        return reduction[-1] // _get(s, "reduction_lanes")
    for i in reversed(range(len(parallel))):
        if s["thread_tile"][i]:
            return s["thread_tile"][i]
    return _effective(s["workgroup_tile"][-1], parallel[-1]) if parallel else 1


def _fix_vector(s: Schedule, parallel: Sequence[int], reduction: Sequence[int]) -> None:
    """The vector width divides what it walks again after a tile change
    (the widest that does, no wider than before)."""
    width = _get(s, "vector_width")
    extent = _vector_extent(s, parallel, reduction)
    if width > 1 and extent % width:
        s["vector_width"] = max(w for w in VECTOR_WIDTHS if w <= width and extent % w == 0)


def _op_workgroup(s, kernel, parallel, reduction, rng) -> bool:
    loops = [i for i, n in enumerate(parallel) if n > 1]
    if not loops:
        return False
    i = rng.choice(loops)
    s["workgroup_tile"][i] = _resize(s["workgroup_tile"][i], parallel[i], rng, True)
    _fix_thread_tile(s, parallel, i)
    _fix_vector(s, parallel, reduction)
    return True


def _op_thread(s, kernel, parallel, reduction, rng) -> bool:
    loops = [i for i, n in enumerate(parallel) if _effective(s["workgroup_tile"][i], n) > 1]
    if not loops:
        return False
    i = rng.choice(loops)
    extent = _effective(s["workgroup_tile"][i], parallel[i])
    s["thread_tile"][i] = _resize(s["thread_tile"][i] or extent, extent, rng, False)
    _fix_vector(s, parallel, reduction)
    return True


def _op_reduction(s, kernel, parallel, reduction, rng) -> bool:
    loops = [j for j in range(len(reduction)) if _reduction_extent(s, reduction, j) > 1]
    if not loops:
        return False
    j = rng.choice(loops)
    s["reduction_tile"][j] = _resize(s["reduction_tile"][j],
                                     _reduction_extent(s, reduction, j), rng, True)
    return True


def _op_vector(s, kernel, parallel, reduction, rng) -> bool:
    current = _get(s, "vector_width")
    extent = _vector_extent(s, parallel, reduction)
    fitting = [w for w in VECTOR_WIDTHS if w != current and extent % w == 0]
    s["vector_width"] = rng.choice(fitting or [w for w in VECTOR_WIDTHS if w != current])
    return True


def _matmul_like(kernel: Kernel) -> bool:
    return bool(kernel_summary(kernel).get("matmul_like"))


def _op_staging(s, kernel, parallel, reduction, rng) -> bool:
    """Toggles shared-memory staging: operand tiles of a matmul-like root,
    or (with lanes) the rows a block reads."""
    lanes = _get(s, "reduction_lanes") > 1
    if not (_matmul_like(kernel) or lanes):
        return False
    if _get(s, "promote_operands"):
        s["promote_operands"] = []
        s["pipeline_depth"] = 1
        if "matrix_instruction" in s:
            s["matrix_instruction"] = "none"
    else:
        s["promote_operands"] = rng.choice([[0, 1], [0], [1]]) if not lanes else [0]
        if _get(s, "split_reduction"):
            s["split_reduction"] = 0
    return True


def _op_pipeline(s, kernel, parallel, reduction, rng) -> bool:
    if not _get(s, "promote_operands") or not any(s["reduction_tile"]):
        return False
    s["pipeline_depth"] = rng.choice([d for d in PIPELINE_DEPTHS if d != _get(s, "pipeline_depth")])
    return True


def _root_is_sink(kernel: Kernel) -> bool:
    summary = kernel_summary(kernel)
    return summary.get("root_op", 0) == summary.get("sink_op", 0)


def _op_split(s, kernel, parallel, reduction, rng) -> bool:
    if len(reduction) != 1 or not _root_is_sink(kernel):
        return False
    options = [0] + [k for k in SPLITS if reduction[0] % k == 0 and k < reduction[0]]
    options = [k for k in options if k != _get(s, "split_reduction")]
    if not options:
        return False
    s["split_reduction"] = rng.choice(options)
    if s["split_reduction"]:
        # Split reductions take neither lanes nor staging.
        for key, off in (("reduction_lanes", 1), ("promote_operands", []),
                         ("pipeline_depth", 1), ("matrix_instruction", "none")):
            if key in s:
                s[key] = off
        s["reduction_tile"] = [_snap(t, reduction[0] // s["split_reduction"])
                               for t in s["reduction_tile"]]
    return True


def _op_lanes(s, kernel, parallel, reduction, rng) -> bool:
    if len(reduction) != 1 or _matmul_like(kernel):
        return False
    width = _get(s, "vector_width")
    options = [p for p in (2 ** k for k in range(11))
               if p <= MAX_LANES and reduction[0] % (p * width) == 0
               and p != _get(s, "reduction_lanes")]
    if not options:
        return False
    s["reduction_lanes"] = rng.choice(options)
    if s["reduction_lanes"] > 1 and _get(s, "split_reduction"):
        s["split_reduction"] = 0
    if s["reduction_lanes"] == 1 and _get(s, "promote_operands"):
        s["promote_operands"] = []
    s["reduction_tile"] = [0] * len(reduction)
    return True


# Operand element types each matrix instruction takes (docs/schedules.md).
_MATRIX_TYPES = {"mma_sync": ("f16",), "wgmma": ("f16", "bf16")}


def _op_matrix(s, kernel, parallel, reduction, rng) -> bool:
    """Picks a matrix instruction the kernel's element type allows (the
    target and layout rules are the ladder's to check)."""
    element = kernel_summary(kernel).get("element_type")
    options = [m for m in MATRIX_INSTRUCTIONS if m != _get(s, "matrix_instruction")
               and (m == "none" or element is None or element in _MATRIX_TYPES[m])]
    if not _matmul_like(kernel) or not options:
        return False
    s["matrix_instruction"] = rng.choice(options)
    if s["matrix_instruction"] != "none":
        s["promote_operands"] = [0, 1]
        s["vector_width"] = max(2, _get(s, "vector_width"))
    return True


_OPERATORS: Tuple[Tuple[Callable, float], ...] = (
    (_op_workgroup, 3.0), (_op_thread, 3.0), (_op_reduction, 2.0), (_op_vector, 2.0),
    (_op_staging, 1.0), (_op_pipeline, 1.0), (_op_split, 0.5), (_op_lanes, 1.0),
    (_op_matrix, 0.5))


def _apply_one(s: Schedule, kernel: Kernel, parallel, reduction, rng: random.Random) -> bool:
    """Applies one operator drawn by weight among those that apply."""
    ops = list(_OPERATORS)
    while ops:
        total = sum(w for _, w in ops)
        pick, acc = rng.random() * total, 0.0
        for k, (op, w) in enumerate(ops):
            acc += w
            if pick < acc or k == len(ops) - 1:
                break
        if op(s, kernel, parallel, reduction, rng):
            return True
        ops.pop(k)
    return False


def mutate(schedule: Schedule, kernel: Kernel, rng: random.Random) -> Schedule:
    """A neighbour of `schedule` for `kernel`: one change (sometimes two) to
    a tile, the vector width, staging, pipelining, split, lanes or matrix
    instruction, different from `schedule` where the space allows."""
    parallel, reduction = _loops(kernel)
    base = _lists(copy.deepcopy(schedule), parallel, reduction)
    base.setdefault("version", 1)
    original = schedule_hash(schedule)
    s = base
    for _ in range(8):
        s = copy.deepcopy(base)
        _apply_one(s, kernel, parallel, reduction, rng)
        if rng.random() < 0.3:
            _apply_one(s, kernel, parallel, reduction, rng)
        if schedule_hash(s) != original:
            break
    return s


# Fields that only make sense together travel together in a crossover.
_GROUPS = (("promote_operands", "pipeline_depth", "matrix_instruction"),
           ("reduction_lanes", "split_reduction"), ("vector_width",), ("fuse",))


def crossover(a: Schedule, b: Schedule, rng: random.Random) -> Schedule:
    """A child of two schedules of the same kernel: per parallel loop its
    workgroup and thread tiles from one parent (so the thread tile still
    divides), per reduction loop its tile from one, and each group of
    coupled fields from one. Parents of different loop counts give a copy
    of one of them."""
    if (len(a.get("workgroup_tile") or []) != len(b.get("workgroup_tile") or [])
            or len(a.get("reduction_tile") or []) != len(b.get("reduction_tile") or [])
            or len(a.get("thread_tile") or []) != len(b.get("thread_tile") or [])):
        return copy.deepcopy(a if rng.random() < 0.5 else b)
    child: Schedule = {"version": a.get("version", 1)}
    child["workgroup_tile"], child["thread_tile"] = [], []
    for wa, ta, wb, tb in zip(a["workgroup_tile"], a["thread_tile"],
                              b["workgroup_tile"], b["thread_tile"]):
        w, t = (wa, ta) if rng.random() < 0.5 else (wb, tb)
        child["workgroup_tile"].append(w)
        child["thread_tile"].append(t)
    child["reduction_tile"] = [ra if rng.random() < 0.5 else rb
                               for ra, rb in zip(a["reduction_tile"], b["reduction_tile"])]
    for group in _GROUPS:
        parent = a if rng.random() < 0.5 else b
        for key in group:
            if key in parent:
                child[key] = copy.deepcopy(parent[key])
    return child
