"""The schedule space as the search moves through it: mutation, crossover,
fitting a schedule to a kernel, and a schedule's identity.

Generic over the schedule JSON (docs/schedule.schema.json): tiles are
lists, one entry per loop, so mutations read the kernel's loop sizes
(`sink_parallel_sizes`, `root_reduction_sizes` of Session.kernels()) and
keep tiles divisors of their loops, the rule GPU mapping needs; every
other field moves within the schema's enum or range.

Children also follow most of the static rules of the ladder's rung 2
(lib/Schedule/Checks.cpp), so that few evaluations go to rejections
(test_space.py measures it on real kernels):

- threads per block, registers, shared memory and vector sizes within
  the target's limits (the target is the one the kernel's key names), at
  most 3 tiled loops per level, staging and pipelines where they apply;
- where lanes share a row (`reduction_lanes`, docs/schedules.md "Lanes"):
  a lane count the subgroups take, lanes times the vector width dividing
  the row, one output per thread on the root's loops, a block of whole
  subgroups, the sink's threads along the row within the lanes, and staged
  rows only of the inputs rung 2 stages (kernel arguments read row by row,
  read from the root op in the kernel's MLIR, since the summary does not
  say; the parent's choice when the text is missing), within shared memory;
  lanes down columns and matrix instructions' tiles likewise.

A mutation changes one field and repairs the couplings it broke the way
ReductionHeuristic.cpp couples them (the sink's chunk of the row follows
the lanes, a block keeps its threads when the lanes change); `fit` repairs
a crossover child or another kernel's schedule the same way. The ladder is
still the judge: this models its rules, it is not the verifier, and what
it misses is a recorded rejection.

All randomness comes from the `random.Random` passed in, so a search is
reproducible from its seed.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import random
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

__all__ = ["VECTOR_WIDTHS", "PIPELINE_DEPTHS", "MAX_LANES", "MATRIX_INSTRUCTIONS", "DEFAULTS",
           "MAX_VECTOR_ELEMENTS", "schedule_hash", "divisors", "fit", "mutate", "crossover",
           "kernel_summary"]

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

# Rung 2's limits (lib/Schedule/Checks.cpp, ResourceModel.cpp): elements of
# one vector (vector_width times the root's reduction step), loops tiled
# per level (grid and block dimensions), and per target (Target.cpp) the
# subgroup, threads per block, shared memory per block and registers per
# thread. An unknown target (or a kernel without its key) is taken as sm_90a.
MAX_VECTOR_ELEMENTS = 512
MAX_MAPPED_LOOPS = 3
_TARGETS = {"sm_90a": (32, 1024, 227 * 1024, 255), "sm_80": (32, 1024, 163 * 1024, 255),
            "gfx942": (64, 1024, 64 * 1024, 512), "gfx90a": (64, 1024, 64 * 1024, 512)}
# The matrix instructions kgen generates on each target.
_TARGET_MATRIX = {"sm_90a": ("mma_sync", "wgmma"), "sm_80": ("mma_sync",)}
_ELEMENT_BYTES = {"f16": 2, "bf16": 2, "f64": 8, "i64": 8, "i16": 2, "i8": 1}
# Matrix instructions (include/kgen/Schedule/MatrixInstruction.h): the
# threads computing one thread tile together (a warp, a warpgroup), the
# units of that tile along M and N and of the reduction step, and the
# operand element types they take.
_TILE_THREADS = {"mma_sync": 32, "wgmma": 128}
_MATRIX_UNITS = {"mma_sync": (16, 8, 16), "wgmma": (64, 64, 64)}
_MATRIX_TYPES = {"mma_sync": ("f16",), "wgmma": ("f16", "bf16")}
_SWIZZLE_ATOM = 1024
# The heuristic's steps along a lane's share: whole up to 16 vectors, else 4.
_WHOLE_SHARE, _STEP_VECTORS = 16, 4


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


@dataclass(frozen=True)
class _Facts:
    """What rung 2's rules read of a kernel and its target."""
    parallel: Tuple[int, ...]      # the sink's parallel loops
    reduction: Tuple[int, ...]     # the root's reduction loops
    rows: int                      # the root's parallel loops: the sink's first ones
    columns: bool                  # the root reduces columns (its innermost loop is parallel)
    lanes: bool                    # lanes may be turned on
    matrix: Tuple[str, ...]        # the matrix instructions of the target
    stageable: Optional[Tuple[int, ...]]  # root inputs whose rows can be staged; None: unknown
    matmul: bool
    root_is_sink: bool
    element: Optional[str]
    element_bytes: int
    statistics: int
    root_inputs: int
    nvidia: bool
    subgroup: int
    max_threads: int
    shared: int
    registers: int


_ROOT_LINE = re.compile(r"^.*linalg\.generic .*\bkgen\.root\b.*$", re.M)
_ITERATORS = re.compile(r"iterator_types = \[([^\]]*)\]")
_MAPS = re.compile(r"affine_map<\(([^)]*)\) -> \(([^)]*)\)>")
_INS = re.compile(r"\bins\(([^:)]*):")


def _root_generic(text: Any) -> Optional[Tuple[List[bool], List[int]]]:
    """From the kernel's MLIR: the root generic's loops (True: parallel)
    and the inputs rung 2 lets stage with lanes (kernel arguments, each
    once, indexed by every root loop in order). None if it is not shown."""
    line = _ROOT_LINE.search(text) if isinstance(text, str) else None
    iterators = _ITERATORS.search(line.group(0)) if line else None
    inputs = _INS.search(line.group(0)) if line else None
    if not (iterators and inputs):
        return None
    parallel = ["parallel" in t for t in iterators.group(1).split(",")]
    names = [n.strip() for n in inputs.group(1).split(",")]
    maps = _MAPS.findall(line.group(0))
    if len(maps) < len(names):
        return None
    stageable, seen = [], set()
    for i, (name, (dims, results)) in enumerate(zip(names, maps)):
        if name.startswith("%arg") and dims.split() == results.split() and name not in seen:
            stageable.append(i)
            seen.add(name)
    return parallel, stageable


def _target(kernel: Kernel) -> str:
    return str(kernel.get("target") or str(kernel.get("key") or "").rpartition("@")[2])


def _facts(kernel: Kernel) -> _Facts:
    """What the rules need of `kernel` (a Session.kernels() dict): its loops
    and summary, its root generic from its MLIR where given, lanes where
    its heuristic has them, and the limits of the target its key names."""
    summary = kernel_summary(kernel)
    parallel = tuple(summary["sink_parallel_loop_sizes"])
    reduction = tuple(summary["root_reduction_loop_sizes"])
    root = _root_generic(kernel.get("text"))
    root_is_sink = summary.get("root_op", 0) == summary.get("sink_op", 0)
    if root:
        rows, columns = min(sum(root[0]), len(parallel)), bool(root[0]) and root[0][-1]
    else:   # a guess: a sink past the root walks the row once more
        along = not root_is_sink and len(parallel) > 1 and reduction[-1:] == parallel[-1:]
        rows, columns = len(parallel) - along, False
    heuristic = kernel.get("heuristic")
    lanes = len(reduction) == 1 and not summary.get("matmul_like") and (
        heuristic.get("reduction_lanes", 1) > 1 if isinstance(heuristic, dict) else True)
    target = _target(kernel)
    target = target if target in _TARGETS else "sm_90a"
    subgroup, threads, shared, registers = _TARGETS[target]
    element = summary.get("element_type")
    return _Facts(parallel, reduction, rows, columns, lanes, _TARGET_MATRIX.get(target, ()),
                  tuple(root[1]) if root else None, bool(summary.get("matmul_like")),
                  root_is_sink, element, _ELEMENT_BYTES.get(element, 4),
                  len(summary.get("statistic_ops") or []), int(summary.get("root_inputs") or 2),
                  not target.startswith("gfx"), subgroup, threads, shared, registers)


def _get(s: Schedule, key: str) -> Any:
    return s.get(key, DEFAULTS.get(key))


def _near(value: int, options: Sequence[int]) -> int:
    """The option nearest to `value` on a log scale (the smaller on a tie)."""
    value = max(value, 1)
    return min(options, key=lambda d: (abs(math.log2(max(d, 1) / value)), d))


def _near_divisor(value: int, size: int) -> int:
    """The divisor of `size` nearest to `value` on a log scale (the smaller
    on a tie); `value` itself when it divides."""
    if size < 1 or value < 1:
        return value
    return _near(value, divisors(size))


def _effective(tile: int, size: int) -> int:
    """A tile's extent: 0 is the whole loop."""
    return size if tile == 0 else tile


def _pow2(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def _lists(s: Schedule, parallel: Sequence[int], reduction: Sequence[int]) -> Schedule:
    """Tile lists of the kernel's lengths (extra entries dropped, missing
    ones 0), so every operator indexes safely."""
    for key, n in (("workgroup_tile", len(parallel)), ("thread_tile", len(parallel)),
                   ("reduction_tile", len(reduction))):
        tiles = [int(t) if isinstance(t, int) and t >= 0 else 0 for t in (s.get(key) or [])]
        s[key] = (tiles + [0] * n)[:n]
    return s


def _mode(s: Schedule, f: _Facts) -> str:
    """Which rules hold: "rows" (lanes share a row), "columns" (lanes
    share a column) or "plain" (one thread per output)."""
    if _get(s, "reduction_lanes") > 1 and len(f.reduction) == 1 and not f.matmul and f.rows:
        return "columns" if f.columns else "rows"
    return "plain"


def _set(s: Schedule, key: str, value: Any) -> None:
    """Sets a field, leaving an absent one absent when `value` is its default."""
    if key in s or value != DEFAULTS.get(key):
        s[key] = value


def _reduction_extent(s: Schedule, f: _Facts, j: int) -> int:
    """What reduction_tile[j] steps through (rung 1's range): the loop; a
    chunk of it under a split; with lanes on the single reduction loop the
    vectors each lane reads of a row, or the rows each lane reads of a
    column."""
    size, lanes = f.reduction[j], _get(s, "reduction_lanes")
    mode, split = _mode(s, f), _get(s, "split_reduction")
    if mode == "rows":
        return size // (lanes * _get(s, "vector_width"))
    if mode == "columns":
        return size // lanes
    return size // split if split > 1 and size % split == 0 else size


def _step(tile: int, extent: int, width: int) -> int:
    """A step through `extent` lane vectors or rows that divides it, with
    the root's vector (width x step) within rung 2's cap: `tile` when it
    is one, 0 (the whole extent) when that is, else the nearest (4 for an
    untiled one: the heuristic's steps of 4 vectors)."""
    cap = MAX_VECTOR_ELEMENTS // width if width > 1 else extent
    if tile == 0 and extent <= cap:
        return 0
    options = [d for d in divisors(extent) if d <= cap] or [1]
    return tile if tile in options else _near(tile or _STEP_VECTORS, options)


# -- one thread per output, or a contraction's tiles ---------------------------

def _thread_counts(s: Schedule, f: _Facts) -> List[int]:
    """Threads along each loop (1 where it is not thread-tiled)."""
    counts = []
    for wg, tt, size in zip(s["workgroup_tile"], s["thread_tile"], f.parallel):
        extent = _effective(wg, size)
        counts.append(-(-extent // min(tt, extent)) if tt else 1)
    return counts


def _thread_extents(s: Schedule, f: _Facts) -> List[int]:
    """Each thread's tile per loop (a whole workgroup tile where untiled)."""
    return [min(tt, _effective(wg, size)) if tt else _effective(wg, size)
            for wg, tt, size in zip(s["workgroup_tile"], s["thread_tile"], f.parallel)]


def _registers(s: Schedule, f: _Facts) -> int:
    """Rung 2's estimate (ResourceModel.cpp estimateRegisters) without lanes:
    the thread's share of its tile, the inputs' vectors (a 16-step's
    fragments with mma_sync, none with wgmma), 24."""
    matrix, extents = _get(s, "matrix_instruction"), _thread_extents(s, f)
    inputs = f.root_inputs * _get(s, "vector_width") * 2
    if matrix in _MATRIX_UNITS:
        inputs = -(-extents[-2] // 16) * 4 + -(-extents[-1] // 8) * 2 if matrix == "mma_sync" else 0
    return -(-math.prod(extents) // _TILE_THREADS.get(matrix, 1)) + inputs + 24


def _over(s: Schedule, f: _Facts) -> Tuple[bool, bool]:
    """Whether the threads per block, the registers per thread are over."""
    threads = math.prod(_thread_counts(s, f)) * _TILE_THREADS.get(_get(s, "matrix_instruction"), 1)
    return threads > f.max_threads, _registers(s, f) > f.registers


def _limits_step(s: Schedule, f: _Facts) -> bool:
    """One step towards the target's threads per block and registers per
    thread: the loop with the most threads (too many threads) gets a
    larger thread tile, or the largest thread tile (too many registers) a
    smaller one; where that breaks the other limit, the loop's workgroup
    tile is halved. False once both hold, or when nothing can change."""
    threads, registers = _over(s, f)
    counts, extents = _thread_counts(s, f), _thread_extents(s, f)
    tiled = sum(1 for t in s["thread_tile"] if t)
    free = [i for i, t in enumerate(s["thread_tile"]) if t or tiled < MAX_MAPPED_LOOPS]
    if not (threads or registers) or not free:
        return False
    i = max(free, key=lambda k: counts[k] if threads else extents[k])
    wg = _effective(s["workgroup_tile"][i], f.parallel[i])
    tiles = [d for d in divisors(wg) if (d > extents[i] if threads else d < extents[i])]
    if tiles:
        trial = copy.deepcopy(s)
        trial["thread_tile"][i] = tiles[0] if threads else tiles[-1]
        if not _over(trial, f)[1 if threads else 0]:
            s.update(trial)
            return True
    half = _near_divisor(max(1, wg // 2), f.parallel[i])
    if half >= wg:
        return False
    s["workgroup_tile"][i] = half
    if s["thread_tile"][i]:
        s["thread_tile"][i] = _near_divisor(s["thread_tile"][i], half)
    return True


def _fix_limits(s: Schedule, f: _Facts) -> None:
    """Threads per block and registers per thread within the target's."""
    for _ in range(64):
        if not _limits_step(s, f):
            return


def _vector_extent(s: Schedule, f: _Facts) -> int:
    """What vector_width must divide: the innermost thread-tiled loop's
    thread tile (the innermost loop's workgroup tile when none is)."""
    for i in reversed(range(len(f.parallel))):
        if s["thread_tile"][i]:
            return _thread_extents(s, f)[i]
    return _effective(s["workgroup_tile"][-1], f.parallel[-1]) if f.parallel else 1


def _fix_vector(s: Schedule, f: _Facts) -> None:
    """The vector width divides what it walks (the widest that does, no
    wider than before)."""
    width, extent = _get(s, "vector_width"), _vector_extent(s, f)
    if width > 1 and extent % width:
        _set(s, "vector_width", max(w for w in VECTOR_WIDTHS if w <= width and extent % w == 0))


def _fix_steps(s: Schedule, f: _Facts) -> None:
    """Reduction tiles that divide their loops (a split's chunk), the
    innermost first tiled until the root's vector fits rung 2's cap."""
    width = _get(s, "vector_width")
    for j in reversed(range(len(f.reduction))):
        rest = math.prod(t or n for k, (t, n) in enumerate(zip(s["reduction_tile"], f.reduction))
                         if k != j)
        cap = MAX_VECTOR_ELEMENTS // (width * rest) if width > 1 else f.reduction[j]
        extent = _reduction_extent(s, f, j)
        options = [d for d in divisors(extent) if d <= max(cap, 1)]
        tile = s["reduction_tile"][j]
        if tile == 0 and f.reduction[j] <= cap or tile in options:
            continue
        s["reduction_tile"][j] = _near(tile or _STEP_VECTORS, options)


def _fix_split(s: Schedule, f: _Facts) -> None:
    """A split only where rung 1 takes one (the root is the sink, one
    reduction loop along the row, no statistics, chunks that divide it),
    and not with staging (a crossover keeps the staging)."""
    split = _get(s, "split_reduction")
    ok = (f.root_is_sink and len(f.reduction) == 1 and not f.columns and not f.statistics
          and split < f.reduction[0] and f.reduction[0] % max(split, 1) == 0)
    if split and (not ok or _get(s, "promote_operands")):
        _set(s, "split_reduction", 0)


def _staged_bytes(s: Schedule, f: _Facts) -> int:
    """Rung 2's shared memory of a matmul's staged tiles (A: the workgroup
    tile's rows by the step, B: the step by its columns, `pipeline_depth`
    buffers each; rows padded, or wgmma's swizzled tiles in whole atoms)
    and of its accumulator; batch loops first."""
    wgmma = _get(s, "matrix_instruction") == "wgmma"
    align = (lambda b: -(-b // _SWIZZLE_ATOM) * _SWIZZLE_ATOM) if wgmma else _aligned
    pad = (lambda row, _: row) if wgmma else _padded
    wg = [_effective(t, n) for t, n in zip(s["workgroup_tile"], f.parallel)]
    step, eb = s["reduction_tile"][0] or f.reduction[0], f.element_bytes
    acc = max(eb, 4)
    batch = math.prod(wg[:-2])
    tiles = {0: batch * wg[-2] * pad(step, eb) * eb, 1: batch * step * pad(wg[-1], eb) * eb}
    staged = sum(align(tiles.get(o, 0)) for o in _get(s, "promote_operands"))
    accumulator = align(batch * wg[-2] * _padded(wg[-1], acc) * acc)
    return staged * _get(s, "pipeline_depth") + accumulator + (_SWIZZLE_ATOM if wgmma else 0)


def _fix_staging(s: Schedule, f: _Facts) -> None:
    """Staged tiles only for contractions, within shared memory (fewer
    buffers first, then none)."""
    if not f.matmul:
        _set(s, "promote_operands", [])
        _set(s, "matrix_instruction", "none")
    tiles = f.matmul and len(f.reduction) == 1 and len(f.parallel) > 1
    while tiles and _get(s, "promote_operands") and _staged_bytes(s, f) > f.shared:
        if _get(s, "pipeline_depth") > 1:
            s["pipeline_depth"] -= 1
        else:
            s["promote_operands"] = []
            _set(s, "matrix_instruction", "none")


def _fix_pipeline(s: Schedule, f: _Facts) -> None:
    """A pipeline only over staged, tiled steps, on NVIDIA targets."""
    steps = any(0 < t < n for t, n in zip(s["reduction_tile"], f.reduction))
    if _get(s, "pipeline_depth") > 1 and not (_get(s, "promote_operands") and steps and f.nvidia):
        _set(s, "pipeline_depth", 1)


def _matrix_fits(matrix: str, f: _Facts) -> bool:
    """Whether the target, the element type and the loops take `matrix`."""
    return (f.matmul and matrix in f.matrix and len(f.parallel) >= 2 and len(f.reduction) == 1
            and (f.element is None or f.element in _MATRIX_TYPES[matrix]))


def _matrix_tiles(s: Schedule, f: _Facts, matrix: str) -> bool:
    """Warp (warpgroup) tiles of whole instructions on M and N (the sink's
    last two loops) within the threads and registers, the nearest to the
    schedule's, and a step of whole instructions within the vector cap.
    False when there are none."""
    m, n, step = _MATRIX_UNITS[matrix]
    wg = [_effective(w, size) for w, size in zip(s["workgroup_tile"][-2:], f.parallel[-2:])]
    width, k = _get(s, "vector_width"), f.reduction[0]
    steps = [d for d in divisors(k)
             if d % step == 0 and (width == 1 or width * d <= MAX_VECTOR_ELEMENTS)]
    pairs = []
    for tm in (d for d in divisors(wg[0]) if d % m == 0):
        for tn in (d for d in divisors(wg[1]) if d % n == 0):
            s["thread_tile"][-2:] = [tm, tn]
            pairs += [] if any(_over(s, f)) else [(tm, tn)]
    if not pairs or not steps:
        return False
    current = [t or e for t, e in zip(s["thread_tile"][-2:], wg)]
    s["thread_tile"][-2:] = min(pairs, key=lambda p: (sum(abs(math.log2(a / b)) for a, b
                                                          in zip(p, current)), p))
    s["reduction_tile"][0] = _near(s["reduction_tile"][0] or k, steps)
    return True


def _fix_matrix(s: Schedule, f: _Facts) -> None:
    """A matrix instruction (checkMatrixTiles) only where it fits, with both
    operands staged, one index of each batch loop per warp (warpgroup;
    and per workgroup for wgmma), vectors for wgmma's swizzled copies, and
    tiles of whole instructions; else none."""
    matrix = _get(s, "matrix_instruction")
    if matrix not in _MATRIX_UNITS:
        return
    if _matrix_fits(matrix, f):
        s["promote_operands"] = [0, 1]
        _set(s, "split_reduction", 0)
        for i in range(len(f.parallel) - 2):
            s["thread_tile"][i] = 1
            if matrix == "wgmma":
                s["workgroup_tile"][i] = 1
        if matrix == "wgmma":
            s["vector_width"] = max(2, _get(s, "vector_width"))
        current = copy.deepcopy(s)
        if _matrix_tiles(s, f, matrix):
            return
        s.update(current)
    _set(s, "matrix_instruction", "none")


def _fix_mapped(s: Schedule, f: _Facts) -> None:
    """At most 3 tiled loops per level (a split takes a grid dimension):
    tiles that cover their whole extent go first (0 covers it too), then
    the outermost; and thread loops inside a workgroup loop (the first
    thread-tiled loop's whole extent is a workgroup tile too)."""
    split = int(_get(s, "split_reduction") > 1)
    blocks = [_effective(w, n) for w, n in zip(s["workgroup_tile"], f.parallel)]
    for tiles, reserved, extents in ((s["workgroup_tile"], split, f.parallel),
                                     (s["thread_tile"], 0, blocks)):
        while sum(1 for t in tiles if t) + reserved > MAX_MAPPED_LOOPS:
            whole = [i for i, t in enumerate(tiles) if t and t >= extents[i]]
            tiles[(whole or [i for i, t in enumerate(tiles) if t])[0]] = 0
    if any(s["thread_tile"]) and not any(s["workgroup_tile"]):
        i = next(i for i, t in enumerate(s["thread_tile"]) if t)
        s["workgroup_tile"][i] = f.parallel[i]


def _fix_plain(s: Schedule, f: _Facts) -> None:
    """One thread per output (no lanes) or a contraction's tiles: rung 2's
    rules but fusion's (a mutation never changes `fuse`)."""
    _set(s, "reduction_lanes", 1)
    _fix_split(s, f)
    _fix_mapped(s, f)
    _fix_matrix(s, f)
    _fix_staging(s, f)
    if _get(s, "matrix_instruction") == "none":
        _fix_limits(s, f)
    _fix_vector(s, f)
    _fix_steps(s, f)
    _fix_pipeline(s, f)


# -- lanes sharing a row (checkLaneSchedule, checkStagedRows) ------------------

def _lane_valid(lanes: int, f: _Facts) -> bool:
    """A power of two up to a subgroup, or whole subgroups, up to 1024."""
    if not 2 <= lanes <= MAX_LANES:
        return False
    return lanes % f.subgroup == 0 if lanes > f.subgroup else _pow2(lanes)


def _lane_counts(f: _Facts, width: int, per: int = 0) -> List[int]:
    """Lane counts whose vectors of `width` split the row evenly (that
    divide the rows of a column, with `per` threads along x)."""
    n = f.reduction[-1]
    if f.columns:
        return [d for d in divisors(n) if _lane_valid(d, f) and d * per <= f.max_threads]
    return [d for d in divisors(n // width) if _lane_valid(d, f)] if n % width == 0 else []


def _outer_rows(s: Schedule, f: _Facts) -> int:
    """Threads of the block along the root's outer loops (one row each)."""
    return math.prod(_effective(s["workgroup_tile"][i], f.parallel[i]) for i in range(f.rows - 1))


def _block_rows(s: Schedule, f: _Facts, lanes: int) -> List[int]:
    """Rows per block (the innermost row loop's workgroup tile) that make
    the lanes' block whole subgroups within the threads' limit, their
    partials within shared memory."""
    outer, width = _outer_rows(s, f), _get(s, "vector_width")
    return [d for d in divisors(f.parallel[f.rows - 1])
            if lanes * d * outer % f.subgroup == 0 and lanes * d * outer <= f.max_threads
            and _lane_shared_bytes(f, lanes, width, d * outer, 0) <= f.shared]


def _row_extent(s: Schedule, f: _Facts) -> int:
    """What the sink's loop along the row covers per block (0: no such loop)."""
    if len(f.parallel) <= f.rows:
        return 0
    return _effective(s["workgroup_tile"][-1], f.parallel[-1])


def _chunks(s: Schedule, f: _Facts) -> List[int]:
    """The sink's thread tiles along the row: whole vectors, no more
    threads than lanes (the sink runs on the lanes' block)."""
    extent, width = _row_extent(s, f), _get(s, "vector_width")
    return [t for t in divisors(extent)
            if t % width == 0 and extent // t <= _get(s, "reduction_lanes")]


def _fix_lane_count(s: Schedule, f: _Facts) -> None:
    """Lanes that fit the row and a block, the nearest to the schedule's;
    narrower vectors when none of this width do (as the heuristic narrows
    them); 1 (no lanes) when none fit at all."""
    lanes, width = _get(s, "reduction_lanes"), _get(s, "vector_width")
    while True:
        fits = _row_extent(s, f) % width == 0
        options = [n for n in _lane_counts(f, width) if fits and _block_rows(s, f, n)]
        if options or width == 1:
            break
        width //= 2
    _set(s, "vector_width", width)
    _set(s, "reduction_lanes", lanes if lanes in options else _near(lanes, options or [1]))


def _fix_row_tiles(s: Schedule, f: _Facts) -> None:
    """One output per thread on the root's loops (thread tile 1), and rows
    per block that make the lanes' block whole subgroups."""
    r = f.rows - 1
    for i in range(r):
        if _effective(s["workgroup_tile"][i], f.parallel[i]) > 1:
            s["thread_tile"][i] = 1
    rows = _effective(s["workgroup_tile"][r], f.parallel[r])
    s["workgroup_tile"][r] = _near(rows, _block_rows(s, f, _get(s, "reduction_lanes")))
    s["thread_tile"][r] = 1


def _aligned(size: int) -> int:
    return -(-size // 16) * 16


def _padded(row: int, element_bytes: int) -> int:
    """A shared buffer's row as kgen-pad-shared-buffers allocates it."""
    pad = row * element_bytes % 64 == 0 and 16 % element_bytes == 0
    return row + 16 // element_bytes if pad else row


def _lane_shared_bytes(f: _Facts, lanes: int, width: int, outputs: int, staged: int) -> int:
    """Rung 2's shared memory (ResourceModel.cpp estimateSharedMemory) of a
    block of row lanes computing `outputs` rows: the lanes' partials per
    reduction, the statistics, and `staged` inputs' rows."""
    partial = max(f.element_bytes, 4)
    per = _aligned(outputs * lanes * width * partial)
    per += _aligned(outputs * (lanes // 32) * 4) if lanes > 32 else 0
    row = _padded(f.reduction[-1], f.element_bytes) * f.element_bytes
    return (per * (1 + f.statistics) + f.statistics * _aligned(outputs * partial)
            + staged * _aligned(outputs * row))


def _block_shared_bytes(s: Schedule, f: _Facts, staged: int) -> int:
    """_lane_shared_bytes of the schedule's block."""
    r = f.rows - 1
    outputs = _outer_rows(s, f) * _effective(s["workgroup_tile"][r], f.parallel[r])
    lanes, width = _get(s, "reduction_lanes"), _get(s, "vector_width")
    return _lane_shared_bytes(f, lanes, width, outputs, staged)


def _fix_staged_rows(s: Schedule, f: _Facts) -> None:
    """Staged rows: stageable inputs only (the parent's when unknown), copied
    once per block (no pipeline, no split), whole along the row, within
    the target's shared memory; else none."""
    for key, off in (("pipeline_depth", 1), ("split_reduction", 0), ("matrix_instruction", "none")):
        _set(s, key, off)
    staged = sorted({o for o in _get(s, "promote_operands") if isinstance(o, int)
                     and 0 <= o < f.root_inputs and (f.stageable is None or o in f.stageable)})
    if staged and _block_shared_bytes(s, f, len(staged)) > f.shared:
        staged = []
    _set(s, "promote_operands", staged)
    for i in range(f.rows, len(f.parallel)) if staged else ():
        s["workgroup_tile"][i] = 0


def _fix_chunk(s: Schedule, f: _Facts) -> None:
    """The sink's loop along the row (a normalization's last op): a chunk
    per thread, one per lane where it can (ReductionHeuristic.cpp)."""
    if len(f.parallel) == f.rows + 1 and s["thread_tile"][-1] not in _chunks(s, f):
        per_lane = _row_extent(s, f) // _get(s, "reduction_lanes")
        s["thread_tile"][-1] = _near(per_lane, _chunks(s, f))


def _fix_rows(s: Schedule, f: _Facts) -> None:
    """A schedule whose lanes share a row made to follow rung 2's lane rules."""
    _fix_lane_count(s, f)
    if _get(s, "reduction_lanes") == 1:
        return _fix_plain(s, f)
    _fix_row_tiles(s, f)
    _fix_staged_rows(s, f)
    _fix_chunk(s, f)
    share = _reduction_extent(s, f, 0)
    s["reduction_tile"][0] = _step(s["reduction_tile"][0], share, _get(s, "vector_width"))


def _fix_columns(s: Schedule, f: _Facts) -> None:
    """Lanes sharing columns (checkColumnLanes): only the root's innermost
    loop on threads (x, beside the lanes on y), lanes that divide the
    rows within the block's threads, nothing staged."""
    inner = f.rows - 1
    for i in range(inner):
        s["thread_tile"][i] = 0
    for key, off in (("promote_operands", []), ("pipeline_depth", 1), ("split_reduction", 0),
                     ("matrix_instruction", "none")):
        _set(s, key, off)
    _fix_vector(s, f)
    lanes, per = _get(s, "reduction_lanes"), _thread_counts(s, f)[inner]
    options = _lane_counts(f, 1, per)
    _set(s, "reduction_lanes", lanes if lanes in options else _near(lanes, options or [1]))
    if _get(s, "reduction_lanes") == 1:
        return _fix_plain(s, f)
    s["reduction_tile"][0] = _step(s["reduction_tile"][0], _reduction_extent(s, f, 0),
                                   _get(s, "vector_width"))


def _repair(s: Schedule, f: _Facts) -> None:
    """`s` made to follow the rules of its mode (see _mode)."""
    {"rows": _fix_rows, "columns": _fix_columns, "plain": _fix_plain}[_mode(s, f)](s, f)


def _snap(tile: int, size: int) -> int:
    return 0 if tile == 0 else _near_divisor(tile, size)


def fit(schedule: Schedule, kernel: Kernel) -> Schedule:
    """`schedule` made to fit `kernel`: tile lists of the kernel's lengths,
    every tile snapped to the nearest divisor of its loop, then the rules
    of rung 2 repaired as a mutation's are (lanes, vector width, staging,
    limits): a schedule of a similar kernel of other sizes, from the
    decisions file, or a crossover child whose fields came from two
    parents."""
    f = _facts(kernel)
    s = _lists(copy.deepcopy(schedule), f.parallel, f.reduction)
    s.setdefault("version", 1)
    for i, size in enumerate(f.parallel):
        wg = s["workgroup_tile"][i] = _snap(s["workgroup_tile"][i], size)
        s["thread_tile"][i] = _snap(s["thread_tile"][i], _effective(wg, size))
    _repair(s, f)
    return s


# -- operators: each changes a field of the schedule in place (its mode's
# repair follows) and says whether it applied ---------------------------------

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


def _tileable(tiles: Sequence[int], i: int, reserved: int = 0) -> bool:
    """Whether loop i may take a tile: it has one, or the level has a
    dimension free (at most 3 tiled loops; a split takes a grid one)."""
    return bool(tiles[i]) or sum(1 for t in tiles if t) + reserved < MAX_MAPPED_LOOPS


def _op_workgroup(s, f, rng) -> bool:
    wg, split = s["workgroup_tile"], 1 if _get(s, "split_reduction") > 1 else 0
    loops = [i for i, n in enumerate(f.parallel) if n > 1 and _tileable(wg, i, split)]
    if not loops:
        return False
    i = rng.choice(loops)
    # Thread loops run inside a workgroup loop: keep one on the grid.
    whole = any(t for k, t in enumerate(wg) if k != i) or not any(s["thread_tile"])
    wg[i] = _resize(wg[i], f.parallel[i], rng, whole)
    if s["thread_tile"][i] and _effective(wg[i], f.parallel[i]) % s["thread_tile"][i]:
        s["thread_tile"][i] = _near_divisor(s["thread_tile"][i], _effective(wg[i], f.parallel[i]))
    return True


def _op_thread(s, f, rng) -> bool:
    tt = s["thread_tile"]
    loops = [i for i, n in enumerate(f.parallel)
             if _effective(s["workgroup_tile"][i], n) > 1 and _tileable(tt, i)]
    if not loops or not any(s["workgroup_tile"]):
        return False
    i = rng.choice(loops)
    extent = _effective(s["workgroup_tile"][i], f.parallel[i])
    tt[i] = _resize(tt[i] or extent, extent, rng, False)
    return True


def _op_reduction(s, f, rng) -> bool:
    loops = [j for j in range(len(f.reduction)) if _reduction_extent(s, f, j) > 1]
    if not loops:
        return False
    j = rng.choice(loops)
    s["reduction_tile"][j] = _resize(s["reduction_tile"][j], _reduction_extent(s, f, j), rng, True)
    return True


def _op_vector(s, f, rng) -> bool:
    current, extent = _get(s, "vector_width"), _vector_extent(s, f)
    fitting = [w for w in VECTOR_WIDTHS if w != current and extent % w == 0]
    if not fitting:
        return False
    s["vector_width"] = rng.choice(fitting)
    return True


def _op_staging(s, f, rng) -> bool:
    """Toggles the staging of a contraction's operand tiles."""
    if not f.matmul:
        return False
    if _get(s, "promote_operands"):
        for key, off in (("promote_operands", []), ("pipeline_depth", 1),
                         ("matrix_instruction", "none")):
            _set(s, key, off)
    else:
        s["promote_operands"] = rng.choice([[0, 1], [0], [1]])
        _set(s, "split_reduction", 0)
    return True


def _op_pipeline(s, f, rng) -> bool:
    steps = any(0 < t < n for t, n in zip(s["reduction_tile"], f.reduction))
    if not (_get(s, "promote_operands") and steps and f.nvidia):
        return False
    s["pipeline_depth"] = rng.choice([d for d in PIPELINE_DEPTHS if d != _get(s, "pipeline_depth")])
    return True


def _op_split(s, f, rng) -> bool:
    """A split reduction (which takes neither lanes nor staging), or none."""
    if len(f.reduction) != 1 or not f.root_is_sink or f.statistics or f.columns:
        return False
    options = [0] + [k for k in SPLITS if f.reduction[0] % k == 0 and k < f.reduction[0]]
    options = [k for k in options if k != _get(s, "split_reduction")]
    grid = sum(1 for t in s["workgroup_tile"] if t)    # the split takes a grid dimension
    if not options or grid >= MAX_MAPPED_LOOPS:
        return False
    s["split_reduction"] = rng.choice(options)
    if s["split_reduction"]:
        for key, off in (("reduction_lanes", 1), ("promote_operands", []),
                         ("pipeline_depth", 1), ("matrix_instruction", "none")):
            _set(s, key, off)
    return True


def _op_lanes(s, f, rng) -> bool:
    """Turns lanes on where the kernel takes them (its heuristic's have)."""
    if not f.lanes or not f.rows:
        return False
    per = _thread_counts(s, f)[f.rows - 1]
    options = _lane_counts(f, 1 if f.columns else _get(s, "vector_width"), per)
    if not options:
        return False
    _set(s, "split_reduction", 0)
    s["reduction_lanes"] = rng.choice(options)
    s["reduction_tile"] = [0] * len(f.reduction)
    return True


def _op_matrix(s, f, rng) -> bool:
    """Picks a matrix instruction the target and the kernel's element type
    allow (the operands' layout is the ladder's to check)."""
    options = [m for m in MATRIX_INSTRUCTIONS if m != _get(s, "matrix_instruction")
               and (m == "none" or _matrix_fits(m, f))]
    if not f.matmul or not options:
        return False
    s["matrix_instruction"] = rng.choice(options)   # _fix_matrix stages and tiles for it
    return True


# -- operators of lanes sharing a row: one field each, the rest repaired -------

def _other(rng: random.Random, options: Sequence[Any], current: Any) -> Any:
    """An option other than `current`, or None."""
    options = [o for o in options if o != current]
    return rng.choice(options) if options else None


def _row_lanes(s, f, rng) -> bool:
    """Other lanes (or none): the block keeps its threads (more rows for
    fewer lanes, as the heuristic's short rows) and the sink a chunk of the
    row per lane."""
    lanes = _get(s, "reduction_lanes")
    new = _other(rng, _lane_counts(f, _get(s, "vector_width")) + [1], lanes)
    if new is None:
        return False
    r = f.rows - 1
    rows = _effective(s["workgroup_tile"][r], f.parallel[r]) * lanes // new
    s["workgroup_tile"][r] = _near_divisor(max(1, rows), f.parallel[r])
    if len(f.parallel) == f.rows + 1:
        s["thread_tile"][-1] = _near_divisor(max(1, _row_extent(s, f) // new), _row_extent(s, f))
    share = f.reduction[0] // (new * _get(s, "vector_width"))
    if s["reduction_tile"][0] == 0 and share > _WHOLE_SHARE:     # the heuristic's steps
        s["reduction_tile"][0] = _STEP_VECTORS
    s["reduction_lanes"] = new
    return True


def _row_block(s, f, rng) -> bool:
    """Other rows per block."""
    r = f.rows - 1
    new = _other(rng, _block_rows(s, f, _get(s, "reduction_lanes")), s["workgroup_tile"][r])
    if new is None:
        return False
    s["workgroup_tile"][r] = new
    return True


def _row_chunk(s, f, rng) -> bool:
    """Another chunk of the row per thread of the sink."""
    if len(f.parallel) != f.rows + 1:
        return False
    new = _other(rng, _chunks(s, f), s["thread_tile"][-1])
    if new is None:
        return False
    s["thread_tile"][-1] = new
    return True


def _row_vector(s, f, rng) -> bool:
    """Another vector width that some lanes take."""
    extent = _row_extent(s, f)
    options = [w for w in VECTOR_WIDTHS if _lane_counts(f, w) and extent % w == 0]
    new = _other(rng, options, _get(s, "vector_width"))
    if new is None:
        return False
    s["vector_width"] = new
    return True


def _row_step(s, f, rng) -> bool:
    """Another step through a lane's share of the row."""
    share, width = _reduction_extent(s, f, 0), _get(s, "vector_width")
    options = sorted({_step(d, share, width) for d in [0] + divisors(share)})
    new = _other(rng, options, s["reduction_tile"][0])
    if new is None:
        return False
    s["reduction_tile"][0] = new
    return True


def _row_staging(s, f, rng) -> bool:
    """Staged rows off, or on for some of the stageable inputs that fit."""
    if _get(s, "promote_operands"):
        s["promote_operands"] = []
        return True
    stageable = list(f.stageable or [])
    subsets = [[o for k, o in enumerate(stageable) if m >> k & 1]
               for m in range(1, 2 ** len(stageable))]
    subsets = [c for c in subsets if _block_shared_bytes(s, f, len(c)) <= f.shared]
    if not subsets:
        return False
    s["promote_operands"] = rng.choice(subsets)
    return True


def _col_lanes(s, f, rng) -> bool:
    """Other lanes (or none) down the columns."""
    per = _thread_counts(s, f)[f.rows - 1]
    new = _other(rng, _lane_counts(f, 1, per) + [1], _get(s, "reduction_lanes"))
    if new is None:
        return False
    s["reduction_lanes"] = new
    return True


_Operators = Tuple[Tuple[Callable, float], ...]
_OPERATORS: Dict[str, _Operators] = {
    "plain": ((_op_workgroup, 3.0), (_op_thread, 3.0), (_op_reduction, 2.0), (_op_vector, 2.0),
              (_op_staging, 1.0), (_op_pipeline, 1.0), (_op_split, 0.5), (_op_lanes, 1.0),
              (_op_matrix, 0.5)),
    "rows": ((_row_block, 2.0), (_row_chunk, 2.0), (_row_lanes, 2.0), (_row_vector, 2.0),
             (_row_step, 1.5), (_row_staging, 1.0), (_op_split, 0.5)),
    "columns": ((_op_workgroup, 2.0), (_op_thread, 2.0), (_col_lanes, 2.0), (_op_vector, 2.0),
                (_op_reduction, 1.5), (_op_split, 0.5)),
}


def _apply_one(s: Schedule, f: _Facts, rng: random.Random) -> bool:
    """Applies one operator of the schedule's mode, drawn by weight among
    those that apply, then repairs what it broke."""
    ops = list(_OPERATORS[_mode(s, f)])
    while ops:
        total = sum(w for _, w in ops)
        pick, acc = rng.random() * total, 0.0
        for k, (op, w) in enumerate(ops):
            acc += w
            if pick < acc or k == len(ops) - 1:
                break
        if op(s, f, rng):
            _repair(s, f)
            return True
        ops.pop(k)
    return False


def mutate(schedule: Schedule, kernel: Kernel, rng: random.Random) -> Schedule:
    """A neighbour of `schedule` for `kernel`: one change (sometimes two) to
    a tile, the vector width, staging, pipelining, split, lanes or matrix
    instruction, different from `schedule` where the space allows, and
    repaired to follow rung 2's rules (see the module doc)."""
    f = _facts(kernel)
    base = _lists(copy.deepcopy(schedule), f.parallel, f.reduction)
    base.setdefault("version", 1)
    original = schedule_hash(schedule)
    s = base
    for _ in range(8):
        s = copy.deepcopy(base)
        _apply_one(s, f, rng)
        if rng.random() < 0.3:
            _apply_one(s, f, rng)
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
