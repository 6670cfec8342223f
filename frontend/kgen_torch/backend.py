"""`kgen_backend`: the torch.compile backend (docs/torch-compile.md).

dynamo hands the backend one FX graph (torch-level ops, example inputs as
fake tensors) per captured region. The backend

1. refuses symbolic shapes as a whole (the graph stays in PyTorch, with the
   reason): kgen programs have static shapes, and dynamo's shape guards
   recompile for each new shape when `dynamic=False`;
2. asks the importer which nodes it takes (support.py) and splits the graph
   into maximal subgraphs of those with PyTorch's CapabilityBasedPartitioner;
3. imports each subgraph as a kgen program, compiles it with libkgen_c for
   the CPU (JIT) or the CUDA device's chip, and replaces the subgraph by a
   module that runs the compiled function; a subgraph that fails to import
   or compile stays in PyTorch;
4. reports, in one line, what went to kgen and what did not and why
   (`last_report()`, `reports()`, and the `kgen_torch` logger).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
from collections import Counter, OrderedDict
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch
import torch.fx as fx
from torch.fx.passes.infra.partitioner import CapabilityBasedPartitioner

from kgen_import import KgenImportError, import_program

from . import runtime
from .cache import DiskCache, digest
from .support import (CALLS, KgenSupport, check_node, example_value, fold_factories,
                      getitem_verdicts,
                      functionalize_in_place, mutation_verdicts,
                      is_symbolic, location, op_name)

log = logging.getLogger("kgen_torch")

# Bumped when what the backend stores changes meaning.
BACKEND_VERSION = 1

_STAT_KEYS = ("graphs", "subgraphs", "compiled_subgraphs", "support_checks",
              "support_cache_hits", "imports", "import_cache_hits", "compiles",
              "compiled_cache_hits", "compile_reuses", "known_compile_failures", "cache_writes", "cache_errors",
              "kgen_runs", "pytorch_runs")
_STATS: Dict[str, int] = {k: 0 for k in _STAT_KEYS}
_REPORTS: List["Report"] = []
_FUNCTIONS: "OrderedDict[str, runtime.CompiledFunction]" = OrderedDict()
_MAX_FUNCTIONS = 256


def statistics() -> Dict[str, int]:
    """Counters since the process started (or `reset_statistics()`):
    graphs and subgraphs seen and compiled; `support_checks` (nodes the
    importer was asked about), `imports` (subgraphs imported),
    `compiles` (libkgen_c compilations), `compiled_cache_hits` (compiled
    code loaded from the on-disk cache instead) and `compile_reuses`;
    `cache_errors` (corrupt or unwritable cache files); `kgen_runs` (calls
    of compiled subgraphs that ran kgen's code) and `pytorch_runs` (calls
    of a compiled subgraph that ran in PyTorch because autograd needed
    it)."""
    return dict(_STATS)


def reset_statistics() -> None:
    for k in _STAT_KEYS:
        _STATS[k] = 0
    _REPORTS.clear()


def clear_compiled() -> None:
    """Forgets the compiled functions this process keeps for reuse (the
    compiled subgraphs that use them keep them alive)."""
    _FUNCTIONS.clear()


def reports() -> List["Report"]:
    """Every graph's report, in compilation order."""
    return list(_REPORTS)


def last_report() -> Optional["Report"]:
    return _REPORTS[-1] if _REPORTS else None


# ---------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------

class KgenOptionError(ValueError):
    """A bad backend option (one line)."""


@dataclasses.dataclass
class Options:
    decisions: Optional[Path] = None
    check_seeds: int = 3
    cache: bool = True


OPTION_NAMES = ("decisions", "check_seeds", "cache")


def parse_options(options: Optional[Dict[str, Any]] = None) -> Options:
    """torch.compile(..., options={...}) checked, with $KGEN_DECISIONS as the
    default decisions file. KgenOptionError (one line) for anything wrong."""
    options = dict(options or {})
    unknown = sorted(k for k in options if k not in OPTION_NAMES)
    if unknown:
        raise KgenOptionError(f"kgen: unknown option {unknown[0]!r}; the options are "
                              + ", ".join(OPTION_NAMES))
    out = Options()
    decisions = options.get("decisions", os.environ.get("KGEN_DECISIONS") or None)
    if decisions is not None:
        if not isinstance(decisions, (str, os.PathLike)) or not str(decisions):
            raise KgenOptionError(f"kgen: option 'decisions' must be the path of a decisions "
                                  f"file, not {decisions!r}")
        p = Path(decisions)
        if p.exists() and not p.is_file():
            raise KgenOptionError(f"kgen: decisions file '{p}' is not a regular file")
        if not p.exists() and not p.parent.is_dir():
            raise KgenOptionError(f"kgen: decisions file '{p}': its directory does not exist")
        if any(c in str(p) for c in " \t\n\"'{}"):
            raise KgenOptionError(f"kgen: decisions file path '{p}' contains a space, quote or "
                                  "brace, which the schedule options cannot carry")
        out.decisions = p
    seeds = options.get("check_seeds", out.check_seeds)
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 0:
        raise KgenOptionError(f"kgen: option 'check_seeds' must be an integer >= 0, not "
                              f"{seeds!r}")
    out.check_seeds = seeds
    cache = options.get("cache", True)
    if not isinstance(cache, bool):
        raise KgenOptionError(f"kgen: option 'cache' must be True or False, not {cache!r}")
    out.cache = cache
    return out


# ---------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------

@dataclasses.dataclass
class LeftOut:
    """Something that stayed in PyTorch."""
    what: str        # an op name ('torch.cumsum'), or 'subgraph N (ops...)'
    reason: str
    location: str    # 'model.py:12' or ''
    count: int = 1

    def __str__(self) -> str:
        n = f" x{self.count}" if self.count > 1 else ""
        at = f" at {self.location}" if self.location else ""
        return f"{self.what}{n} ({self.reason}){at}"


@dataclasses.dataclass
class Report:
    """What one graph's compilation did. `str(report)` is the one line the
    backend logs."""
    graph: int
    subgraphs: int = 0
    compiled: int = 0
    ops: int = 0                   # call nodes of the graph
    ops_in_kgen: int = 0
    left: List[LeftOut] = dataclasses.field(default_factory=list)
    whole_graph_reason: Optional[str] = None
    programs: List[str] = dataclasses.field(default_factory=list)  # compiled kgen programs
    stats: Dict[str, int] = dataclasses.field(default_factory=dict)  # this graph's counters

    @property
    def everything_in_kgen(self) -> bool:
        return self.whole_graph_reason is None and not self.left and self.ops_in_kgen == self.ops

    def __str__(self) -> str:
        if self.whole_graph_reason is not None:
            return f"kgen: graph {self.graph} left in PyTorch: {self.whole_graph_reason}"
        head = (f"kgen: graph {self.graph}: {self.compiled} of {self.subgraphs} subgraph"
                f"{'s' if self.subgraphs != 1 else ''} compiled ({self.ops_in_kgen} of "
                f"{self.ops} ops)")
        if self.everything_in_kgen:
            return head + "; everything went to kgen"
        return head + "; left in PyTorch: " + "; ".join(str(x) for x in self.left)


def _finish(report: Report, before: Dict[str, int]) -> None:
    report.stats = {k: _STATS[k] - before[k] for k in _STAT_KEYS}
    _REPORTS.append(report)
    if report.everything_in_kgen:
        log.info("%s", report)
    else:
        log.warning("%s", report)


# ---------------------------------------------------------------------------
# Cache keys
# ---------------------------------------------------------------------------

def _importer_identity() -> str:
    """A hash of the importer's and this package's sources: a changed
    importer makes new programs."""
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for d in (here.parent / "kgen_import", here):
        for p in sorted(d.glob("*.py")):
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


_IMPORTER_ID: Optional[str] = None


def importer_identity() -> str:
    global _IMPORTER_ID
    if _IMPORTER_ID is None:
        _IMPORTER_ID = _importer_identity()
    return _IMPORTER_ID


def _tensor_meta(t: torch.Tensor) -> List[Any]:
    return [list(t.shape), str(t.dtype), t.device.type]


def graph_key(gm: fx.GraphModule, inputs: Sequence[Any]) -> str:
    """What determines the import of `gm` on `inputs`: its code, the
    inputs' shapes and dtypes, the attributes it reads (tensor constants by
    value), the modules it calls, the importer and torch versions."""
    attrs = []
    for node in gm.graph.nodes:
        if node.op == "get_attr":
            obj = gm
            try:
                for part in str(node.target).split("."):
                    obj = getattr(obj, part)
            except AttributeError:
                obj = None
            if isinstance(obj, torch.Tensor):
                entry = [str(node.target)] + _tensor_meta(obj)
                if not isinstance(obj, torch.nn.Parameter):
                    data = obj.detach().cpu().contiguous().reshape(-1)
                    entry.append(hashlib.sha256(
                        data.view(torch.uint8).numpy().tobytes() if data.numel() else b""
                    ).hexdigest())
                attrs.append(entry)
            else:
                attrs.append([str(node.target), repr(obj)])
        elif node.op == "call_module":
            m = gm.get_submodule(str(node.target))
            attrs.append([str(node.target), repr(m),
                          [[n] + _tensor_meta(t) for n, t in m.named_parameters()]])
    return digest({"backend": BACKEND_VERSION, "importer": importer_identity(),
                   "torch": torch.__version__, "code": gm.code, "attrs": attrs,
                   "inputs": [_tensor_meta(x) if isinstance(x, torch.Tensor) else repr(x)
                              for x in inputs]})


# ---------------------------------------------------------------------------
# The backend
# ---------------------------------------------------------------------------

class KgenSubgraph(torch.nn.Module):
    """A subgraph replaced by its compiled kgen function. When autograd
    needs the subgraph (grad mode on and an input requiring grad), the
    original PyTorch subgraph runs instead: kgen has no backward."""

    def __init__(self, original: fx.GraphModule, function: runtime.CompiledFunction,
                 input_order: List[int], attributes: List[str], result_shapes,
                 result_dtypes: List[torch.dtype], single: bool):
        super().__init__()
        self.original = original
        self.function = function
        self.input_order = input_order
        self.attributes = attributes
        self.result_shapes = [tuple(s) for s in result_shapes]
        self.result_dtypes = result_dtypes
        self.single = single

    def forward(self, *args):
        if torch.is_grad_enabled() and any(isinstance(a, torch.Tensor) and a.requires_grad
                                           for a in args):
            _STATS["pytorch_runs"] += 1
            return self.original(*args)
        gpu = self.function.gpu
        inputs = [runtime.prepare(args[i], gpu) for i in self.input_order]
        for name in self.attributes:
            t = _attr(self.original, name)
            inputs.append(runtime.prepare(t.detach(), gpu))
        device = inputs[0].device if inputs else (torch.device("cuda") if gpu
                                                  else torch.device("cpu"))
        outputs = [torch.empty(s, dtype=d, device=device)
                   for s, d in zip(self.result_shapes, self.result_dtypes)]
        self.function.run(inputs, outputs)
        _STATS["kgen_runs"] += 1
        return outputs[0] if self.single else tuple(outputs)


def _attr(module: torch.nn.Module, name: str):
    obj = module
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def kgen_backend(gm: fx.GraphModule, example_inputs: Sequence[Any], options=None, mode=None):
    """The torch.compile backend: `torch.compile(model, backend="kgen")`.

    options (torch.compile's `options=`): 'decisions' (a decisions file for
    the GPU schedules; default $KGEN_DECISIONS), 'check_seeds' (input sets of
    the GPU schedule verifier's CPU check, default 3), 'cache' (the on-disk
    cache, default True). A bad option raises KgenOptionError (one line)."""
    if mode not in (None, "default"):
        raise KgenOptionError(f"kgen: torch.compile mode {mode!r} is not supported; kgen has "
                              "no modes (pass options= instead)")
    opts = parse_options(options)
    before = dict(_STATS)
    _STATS["graphs"] += 1
    report = Report(graph=_STATS["graphs"])
    try:
        return _compile_graph(gm, example_inputs, opts, report, before)
    except Exception as e:  # noqa: BLE001 - a bug of the backend never breaks the model
        report.whole_graph_reason = (f"internal error of the kgen backend: "
                                     f"{type(e).__name__}: {_first_line(e)}")
        _finish(report, before)
        return gm.forward


def _compile_graph(gm: fx.GraphModule, example_inputs, opts: Options, report: Report,
                   before: Dict[str, int]):
    report.ops = sum(1 for n in gm.graph.nodes if n.op in CALLS)

    symbolic = [i for i, x in enumerate(example_inputs) if is_symbolic(x)]
    if symbolic:
        report.whole_graph_reason = (
            "dynamic shapes (symbolic sizes in example input "
            f"{symbolic[0]}); kgen programs have static shapes: use "
            "torch.compile(..., dynamic=False)")
        _finish(report, before)
        return gm.forward
    if not any(n.op in CALLS for n in gm.graph.nodes):
        _finish(report, before)
        return gm.forward

    disk = DiskCache(_STATS, enabled=opts.cache)
    fold_factories(gm)
    functionalize_in_place(gm)
    report.ops = sum(1 for n in gm.graph.nodes if n.op in CALLS)

    # 1. Which nodes kgen takes (cached by the whole graph's key).
    key = graph_key(gm, example_inputs)
    names = [n.name for n in gm.graph.nodes if n.op in CALLS]

    def valid_support(p):
        v = p["verdicts"]
        if not isinstance(v, dict) or sorted(v) != sorted(names) or \
                not all(r is None or isinstance(r, str) for r in v.values()):
            raise ValueError("its verdicts do not match the graph")

    cached = disk.load("support", key, valid_support)
    if cached is not None:
        verdicts = cached["verdicts"]
        _STATS["support_cache_hits"] += 1
    else:
        verdicts = {}
        for node in gm.graph.nodes:
            if node.op in CALLS:
                _STATS["support_checks"] += 1
                verdicts[node.name] = check_node(gm, node)
        disk.store("support", key, {"verdicts": verdicts})

    verdicts = dict(verdicts)
    for name, reason in mutation_verdicts(gm, verdicts).items():
        if verdicts.get(name) is None:
            verdicts[name] = reason
    verdicts.update(getitem_verdicts(gm, verdicts))

    # 2. Partition: maximal subgraphs of supported nodes, one element type
    # each (a kgen program has one), proposed per dtype and fused together
    # (no partition can reach itself through another, so that is acyclic).
    dtypes = []
    for node in gm.graph.nodes:
        v = example_value(node)
        if node.op in CALLS and verdicts.get(node.name) is None and \
                isinstance(v, torch.Tensor) and v.dtype not in dtypes and \
                v.dtype not in (torch.int64, torch.bool):  # join their inputs' partition
            dtypes.append(v.dtype)
    partitions = []
    partitioner = None
    for dtype in dtypes:
        partitioner = CapabilityBasedPartitioner(gm, KgenSupport(verdicts, dtype),
                                                 allows_single_node_partition=True)
        partitions += [p for p in partitioner.propose_partitions() if p.nodes]
    if partitioner is None:
        partitioner = CapabilityBasedPartitioner(gm, KgenSupport(verdicts),
                                                 allows_single_node_partition=True)
    left = OrderedDict()  # (what, reason) -> LeftOut

    def leave(what, reason, loc):
        k = (what, reason)
        if k in left:
            left[k].count += 1
        else:
            left[k] = LeftOut(what, reason, loc)

    in_partition = {n for p in partitions for n in p.nodes}
    for node in gm.graph.nodes:
        if node.op in CALLS and node not in in_partition:
            reason = verdicts.get(node.name)
            if reason is None:
                v = example_value(node)
                bool_result = isinstance(v, torch.Tensor) and v.dtype == torch.bool
                reason = ("a bool result used outside kgen (kgen computes masks only for "
                          "its own ops)" if bool_result else "not partitioned")
            leave(op_name(node, gm), reason, location(node))

    # Number the partitions in graph order, as the report names them.
    order = {n: i for i, n in enumerate(gm.graph.nodes)}
    partitions.sort(key=lambda p: min(order[n] for n in p.nodes))
    report.subgraphs = len(partitions)
    _STATS["subgraphs"] += len(partitions)
    fused = partitioner.fuse_partitions(partitions, prefix="kgen_subgraph_")

    # 3. Compile each subgraph.
    calls = [n for n in fused.graph.nodes
             if n.op == "call_module" and str(n.target).startswith("kgen_subgraph_")]
    for call in calls:
        sub = fused.get_submodule(str(call.target))
        nodes_here = [n for n in sub.graph.nodes if n.op in CALLS]
        index = int(str(call.target).rsplit("_", 1)[1])
        number = index + 1
        ops_text = ", ".join(sorted({op_name(n, sub) for n in nodes_here}))
        what = f"subgraph {number} ({ops_text})"
        loc = location(nodes_here[0]) if nodes_here else ""
        try:
            wrapper = _compile_subgraph(sub, call, opts, disk, report)
        except _Fallback as e:
            leave(what, e.reason, loc)
            continue
        fused.add_submodule(str(call.target), wrapper)
        report.compiled += 1
        report.ops_in_kgen += len(nodes_here)
        _STATS["compiled_subgraphs"] += 1
    fused.recompile()
    report.left = list(left.values())
    _finish(report, before)
    return fused.forward


class _Fallback(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _first_line(text: str) -> str:
    for line in str(text).splitlines():
        line = line.strip()
        if line and not line.startswith("//"):
            return line if len(line) <= 200 else line[:197] + "..."
    return "unknown error"


def _compile_subgraph(sub: fx.GraphModule, call: fx.Node, opts: Options, disk: DiskCache,
                      report: Report) -> KgenSubgraph:
    values = [example_value(a) if isinstance(a, fx.Node) else a for a in call.args]
    if not all(isinstance(v, torch.Tensor) for v in values):
        raise _Fallback("reads a non-tensor input")
    outs = [n for n in sub.graph.nodes if n.op == "output"][0].args[0]
    single = not isinstance(outs, (tuple, list))
    devices = {v.device for v in values}
    for n in (outs if not single else [outs]):
        v = example_value(n) if isinstance(n, fx.Node) else None
        if isinstance(v, torch.Tensor):
            devices.add(v.device)
    if len(devices) != 1:
        raise _Fallback("its tensors are on several devices" if devices else "reads no tensor")
    device = next(iter(devices))
    target, why = runtime.target_of(device)
    if why:
        raise _Fallback(why)

    # Import (or its cached program).
    inputs = [torch.empty_strided(tuple(v.shape), tuple(v.stride()), dtype=v.dtype,
                                  device="meta") for v in values]
    key = graph_key(sub, inputs)

    def valid_program(p):
        if not isinstance(p["mlir"], str) or p["dtype"] not in ("f32", "f16", "bf16"):
            raise ValueError("bad program")
        if not all(isinstance(s, list) for s in p["result_shapes"]):
            raise ValueError("bad result shapes")
        if not isinstance(p["result_dtypes"], list) or \
                len(p["result_dtypes"]) != len(p["result_shapes"]) or \
                any(d not in (p["dtype"], "i64", "i8") for d in p["result_dtypes"]):
            raise ValueError("bad result dtypes")
        for a in p["arguments"]:
            if not (isinstance(a, list) and len(a) == 2 and all(isinstance(x, str) for x in a)):
                raise ValueError("bad arguments")

    program = disk.load("programs", key, valid_program)
    if program is not None:
        _STATS["import_cache_hits"] += 1
    else:
        _STATS["imports"] += 1
        try:
            res = import_program(sub, inputs, source=f"subgraph {call.target}")
        except KgenImportError as e:
            raise _Fallback(f"import failed: {_first_line(e)}") from None
        except Exception as e:  # noqa: BLE001
            raise _Fallback(f"import failed: {type(e).__name__}: {_first_line(e)}") from None
        program = {"mlir": res.mlir, "dtype": res.dtype,
                   "result_shapes": [list(s) for s in res.result_shapes],
                   "result_dtypes": list(res.result_dtypes),
                   "arguments": [[a.name, a.kind] for a in res.arguments]}
        disk.store("programs", key, program)

    # Argument plan: placeholders by name, then attributes by name.
    placeholders = [str(n.target) for n in sub.graph.nodes if n.op == "placeholder"]
    input_order, attributes = [], []
    for name, kind in program["arguments"]:
        if kind == "input":
            if name not in placeholders:
                raise _Fallback(f"internal error: program argument '{name}' is no input")
            input_order.append(placeholders.index(name))
        else:
            attributes.append(name)
    n_results = 1 if single else len(outs)
    if len(program["result_shapes"]) != n_results:
        raise _Fallback(f"internal error: the program has {len(program['result_shapes'])} "
                        f"results, the subgraph {n_results}")
    torch_dtypes = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16,
                    "i64": torch.int64, "i8": torch.bool}
    result_dtypes = [torch_dtypes[d] for d in program["result_dtypes"]]
    for n, dtype in zip(outs if not single else [outs], result_dtypes):
        v = example_value(n) if isinstance(n, fx.Node) else None
        if isinstance(v, torch.Tensor) and v.dtype != dtype:
            raise _Fallback(f"a result is {v.dtype}, the kgen program returns {dtype}")

    # Compile (or reuse this process's compiled function, or load the
    # cache's).
    schedule = f"decisions={opts.decisions}" if opts.decisions and target != "cpu" else ""
    decisions = b""
    if opts.decisions and target != "cpu" and opts.decisions.exists():
        # A file that does not exist yet is created by this compilation,
        # which records the schedules it chooses into it.
        decisions = opts.decisions.read_bytes()
    ckey = digest({"program": program["mlir"], "target": target, "schedule": schedule,
                   "decisions": hashlib.sha256(decisions).hexdigest(),
                   "check_seeds": opts.check_seeds if target != "cpu" else 0,
                   "build": runtime.build_identity()})

    function = _FUNCTIONS.get(ckey)
    if function is not None:
        _STATS["compile_reuses"] += 1
    else:
        function = _load_or_compile(disk, ckey, program["mlir"], target, schedule,
                                    opts.check_seeds)
        _FUNCTIONS[ckey] = function
        while len(_FUNCTIONS) > _MAX_FUNCTIONS:
            _FUNCTIONS.popitem(last=False)
    expected = len(input_order) + len(attributes)
    if function.num_inputs != expected or function.num_outputs != n_results:
        raise _Fallback(f"internal error: compiled function takes {function.num_inputs} "
                        f"inputs and {function.num_outputs} outputs, expected {expected} "
                        f"and {n_results}")
    report.programs.append(program["mlir"])
    return KgenSubgraph(sub, function, input_order, attributes, program["result_shapes"],
                        result_dtypes, single)


def _valid_compiled(p: Dict[str, Any]) -> None:
    if p["status"] not in ("ok", "failed") or not isinstance(p.get("error", ""), str):
        raise ValueError("bad status")
    if not isinstance(p.get("image", ""), str):
        raise ValueError("bad image digest")


def _load_or_compile(disk: DiskCache, ckey: str, source: str, target: str, schedule: str,
                     check_seeds: int) -> runtime.CompiledFunction:
    """The compiled function of `ckey`: loaded from the cache's image when
    there is a usable one (nothing compiled), else compiled and its image
    stored. A program known to fail raises _Fallback without compiling."""
    known = disk.load("compiled", ckey, _valid_compiled)
    if known is not None and known["status"] == "failed":
        _STATS["known_compile_failures"] += 1
        raise _Fallback(f"kgen compile failed (cached): {known.get('error', '')}")
    if known is not None and known.get("image"):
        image = disk.load_blob("compiled", ckey, known["image"])
        if image is not None:
            try:
                function = runtime.CompiledFunction.load(image, target)
                _STATS["compiled_cache_hits"] += 1
                return function
            except runtime.KgenRuntimeError as e:
                disk.reject(disk.blob_path("compiled", ckey), _first_line(e))
    _STATS["compiles"] += 1
    try:
        function = runtime.CompiledFunction(source, "main", target, schedule, check_seeds)
    except runtime.KgenRuntimeError as e:
        message = _first_line(e)
        # A missing or old library is not the program's fault: not cached.
        if not str(e).startswith(("libkgen_c not found", "cannot load")) and \
                "has no" not in message:
            disk.store("compiled", ckey, {"status": "failed", "error": message})
        raise _Fallback(f"kgen compile failed: {message}") from None
    entry: Dict[str, Any] = {"status": "ok"}
    try:
        image = function.serialize()
        if disk.store_blob("compiled", ckey, image):
            entry["image"] = hashlib.sha256(image).hexdigest()
    except runtime.KgenRuntimeError as e:  # an old library: compiled code not kept
        log.warning("kgen: compiled code not cached (%s)", _first_line(e))
    disk.store("compiled", ckey, entry)
    return function
