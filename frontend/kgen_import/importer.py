"""The importer: a traced torch.fx graph to one kgen `func.func`.

`import_module` is the Python API; `import_program` returns, with the MLIR
text, the argument list (names and tensors) a caller needs to run it.
docs/frontend.md describes both, the op mapping and the error format.
"""

from __future__ import annotations

import builtins
import dataclasses
import io
import math
import operator
import os
from collections import OrderedDict
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.fx as fx
from torch._subclasses.fake_tensor import FakeTensor

from . import mlir, ops
from .builder import Builder, Unsupported, V
from .files import write_output
from .tracer import DATA_DEPENDENT, TraceFailure, trace


class KgenImportError(Exception):
    """The module cannot be imported; the message says why."""


class UnsupportedOpsError(KgenImportError):
    """The module uses ops kgen cannot express.

    `unsupported` lists `(op, [location, ...])` in order of first
    appearance; `str(error)` is the report described in docs/frontend.md.
    """

    def __init__(self, what: str, unsupported: List[Tuple[str, List[str]]]):
        self.unsupported = unsupported
        total = sum(len(locs) for _, locs in unsupported)
        lines = [f"cannot import {what}: {total} unsupported operation"
                 f"{'s' if total != 1 else ''} ({len(unsupported)} "
                 f"kind{'s' if len(unsupported) != 1 else ''})"]
        for op, locs in unsupported:
            lines.append(f"  {op}: {len(locs)}")
            lines.extend(f"    {loc}" for loc in locs)
        super().__init__("\n".join(lines))


@dataclasses.dataclass
class Argument:
    """One argument of the imported function."""
    name: str            # forward parameter name, or state_dict-style name
    kind: str            # 'input', 'parameter' or 'buffer'
    tensor: torch.Tensor  # its value, in the imported dtype (fake or meta for
                          # an input given as one: shape and dtype only)

    @property
    def shape(self) -> Tuple[int, ...]:
        return tuple(self.tensor.shape)

    @property
    def has_values(self) -> bool:
        """False for an input imported from a fake or meta tensor."""
        return not (isinstance(self.tensor, FakeTensor) or self.tensor.is_meta)


@dataclasses.dataclass
class ImportResult:
    mlir: str
    function_name: str
    dtype: str                       # 'f32', 'f16' or 'bf16'
    arguments: List[Argument]
    result_shapes: List[Tuple[int, ...]]
    # Each result's element type: `dtype`, 'i64' for argmax's positions or
    # 'i8' for a bool.
    result_dtypes: List[str] = dataclasses.field(default_factory=list)

    def argument_arrays(self) -> List[np.ndarray]:
        """The arguments as kgen-run reads them from .npy files (int64 as <i8, bool as
        |b1, f32 as <f4, f16 as <f2, bf16 as <f4 holding bf16 values). Needs real inputs:
        raises KgenImportError for one imported from a fake or meta tensor."""
        for a in self.arguments:
            if not a.has_values:
                raise KgenImportError(
                    f"argument '{a.name}' has no values to save: it was imported from a "
                    f"{'meta' if a.tensor.is_meta else 'fake'} tensor (import real inputs, "
                    "e.g. load_problem(..., fake_inputs=False))")
        out = []
        for a in self.arguments:
            t = a.tensor.detach().cpu()
            if t.dtype == torch.int64:
                out.append(t.numpy().astype("<i8"))
            elif t.dtype == torch.bool:
                out.append(t.numpy())
            elif self.dtype == "f16":
                out.append(t.to(torch.float16).numpy().astype("<f2"))
            else:
                out.append(t.to(torch.float32).numpy().astype("<f4"))
        return out

    def save_arguments(self, directory) -> List[Path]:
        """Writes one .npy per argument (`NN_name.npy`, in argument order)
        and returns the paths, for `kgen-run --input=...`."""
        arrays = self.argument_arrays()  # first: it refuses arguments without values
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        paths = []
        for i, (a, arr) in enumerate(zip(self.arguments, arrays)):
            p = d / f"{i:02d}_{mlir.ssa_name(a.name)}.npy"
            buffer = io.BytesIO()
            np.save(buffer, arr, allow_pickle=False)
            write_output(p, buffer.getvalue())
            paths.append(p)
        return paths


# ---------------------------------------------------------------------------
# Naming of targets
# ---------------------------------------------------------------------------

_KEEP_ALIVE: List[Any] = []


def _build_names() -> Dict[int, str]:
    names: Dict[int, str] = {}

    def scan(obj, prefix):
        for k in dir(obj):
            if k.startswith("__"):
                continue
            try:
                v = getattr(obj, k)
            except Exception:
                continue
            if not callable(v):
                continue
            if id(v) not in names:
                names[id(v)] = f"{prefix}.{k}"
                _KEEP_ALIVE.append(v)  # so that its id is never reused

    # First name wins: F.gelu is torch._C._nn.gelu, reported as the former.
    for path, prefix in (("torch.nn.functional", "torch.nn.functional"), ("torch", "torch"),
                         ("torch.special", "torch.special"), ("torch.linalg", "torch.linalg"),
                         ("torch.fft", "torch.fft"), ("torch._C._nn", "torch.nn.functional"),
                         ("torch._C._VariableFunctions", "torch"), ("torch.Tensor", "Tensor"),
                         ("torch._C.TensorBase", "Tensor"), ("torch._C._TensorBase", "Tensor"),
                         ("operator", "operator"), ("math", "math"), ("builtins", "builtins")):
        obj = {"operator": operator, "math": math, "builtins": builtins}.get(path)
        if obj is None:
            obj = torch
            for part in path.split(".")[1:]:
                obj = getattr(obj, part, None)
                if obj is None:
                    break
        if obj is not None:
            scan(obj, prefix)
    return names


_NAMES = _build_names()


def _aten_key(target) -> Optional[Tuple[str, str]]:
    """('aten.add', 'aten.add.Tensor') for an aten OpOverload."""
    packet = getattr(target, "overloadpacket", None)
    schema = getattr(target, "_schema", None)
    if packet is None or schema is None:
        return None
    full = str(target)  # 'aten.add.Tensor'
    base = full.rsplit(".", 1)[0] if full.count(".") >= 2 else full
    return base, full


def target_name(node: fx.Node) -> str:
    """The qualified name an op is mapped and reported under."""
    if node.op == "call_method":
        return f"Tensor.{node.target}"
    if node.op == "call_module":
        return node.meta.get("kgen_module_class", str(node.target))
    t = node.target
    ak = _aten_key(t)
    if ak:
        return ak[1]
    name = _NAMES.get(id(t))
    if name:
        return name
    mod = getattr(t, "__module__", None) or "?"
    return f"{mod}.{getattr(t, '__name__', str(t))}"


def _refuse_positions(a: Dict[str, Any], allowed: Sequence[str]) -> None:
    """int64 tensors (argmax's positions, class-index targets, gather
    indices) are read only where ops.POSITION_PARAMS allows them."""
    for name, x in a.items():
        if isinstance(x, V) and x.dtype == "i64" and name not in allowed:
            raise Unsupported("reads an int64 tensor (positions or indices); kgen computes on "
                              "f32, f16 and bf16 and reads int64 only as gather indices, "
                              "class-index targets and in reshapes")


def _lookup(node: fx.Node) -> Tuple[Optional[Tuple[Optional[ops.Sig], Any]], str, bool]:
    """(table entry or None, key, in_place) for a call_function/method node."""
    name = target_name(node)
    keys = [name]
    ak = _aten_key(node.target) if node.op == "call_function" else None
    if ak:
        keys = [ak[1], ak[0]]
    for k in keys:
        if k in ops.FUNCTIONS:
            return ops.FUNCTIONS[k], k, False
    # In-place variants: Tensor.add_, torch.relu_, operator.iadd.
    for k in keys:
        short = k.rsplit(".", 1)
        leaf = short[-1]
        if leaf.endswith("_") and not leaf.endswith("__"):
            k2 = f"{short[0]}.{leaf[:-1]}"
            if k2 in ops.FUNCTIONS:
                return ops.FUNCTIONS[k2], k2, True
        if k.startswith("operator.i"):
            k2 = "operator." + k[len("operator.i"):]
            if k2 in ops.FUNCTIONS:
                return ops.FUNCTIONS[k2], k2, True
    return None, name, False


_VIEW_OPS = frozenset({
    "Tensor.view", "Tensor.reshape", "Tensor.view_as", "Tensor.reshape_as", "Tensor.flatten",
    "Tensor.unflatten", "Tensor.squeeze", "Tensor.unsqueeze", "torch.reshape", "torch.flatten",
    "torch.squeeze", "torch.unsqueeze", "Tensor.permute", "torch.permute", "Tensor.transpose",
    "torch.transpose", "Tensor.t", "torch.t", "builtins.getattr", "Tensor.expand",
    "Tensor.expand_as", "torch.broadcast_to", "Tensor.contiguous", "Tensor.detach",
    "operator.getitem", "Tensor.to", "Tensor.type_as", "Tensor.float", "Tensor.ravel",
    "torch.ravel", "Tensor.swapaxes", "torch.swapaxes", "Tensor.movedim", "torch.movedim",
    "Tensor.narrow", "torch.narrow", "Tensor.select", "torch.select",
})


# Ops that only move or select elements: of 1/0 masks, their result is a
# mask again (kgen's ops on them do not know that a bool passes through).
_MASK_PRESERVING = _VIEW_OPS | frozenset({
    "Tensor.flip", "torch.flip", "torch.fliplr", "Tensor.fliplr", "torch.flipud",
    "Tensor.flipud", "torch.cat", "torch.concat", "torch.stack", "Tensor.repeat",
    "torch.repeat_interleave", "Tensor.repeat_interleave", "torch.tril", "torch.triu",
    "Tensor.tril", "Tensor.triu", "Tensor.roll", "torch.roll", "torch.amax", "torch.amin",
    "Tensor.amax", "Tensor.amin", "Tensor.clone", "torch.clone",
})


# ---------------------------------------------------------------------------
# The importer
# ---------------------------------------------------------------------------

class _Poisoned(Exception):
    """An input of the node failed to import (already reported)."""


class _Importer:
    def __init__(self, gm: fx.GraphModule, root: torch.nn.Module,
                 placeholder_inputs: Dict[fx.Node, int], example_inputs: Sequence[Any],
                 params_as: str, dtype: str, retype: bool, function_name: str,
                 trace_dtype: torch.dtype, what: str,
                 training_flags: Optional[Dict[torch.nn.Module, bool]] = None):
        self.what = what
        self.training_flags = training_flags or {}
        self.gm = gm
        self.root = root
        self.placeholder_inputs = placeholder_inputs
        self.example_inputs = example_inputs
        self.params_as = params_as
        self.dtype = dtype
        self.retype = retype
        self.function_name = function_name
        self.trace_dtype = trace_dtype
        self.b = Builder(dtype)
        self.values: Dict[fx.Node, V] = {}
        self.concrete: Dict[fx.Node, Any] = {}
        self.poisoned = set()
        self.standin_used = False
        self.errors: "OrderedDict[str, List[str]]" = OrderedDict()
        self.input_args: List[Tuple[int, str, V]] = []   # (index, name, V)
        self.param_values: Dict[str, V] = {}             # canonical name -> V
        self.attr_constants: Dict[str, V] = {}           # constant attribute -> V
        self.order = {n: i for i, n in enumerate(gm.graph.nodes)}
        # A given GraphModule (make_fx's) may hold nodes whose results
        # nobody reads (batch norm's `empty` reserve, `detach`es of saved
        # statistics, the `add_` counting batches): they are not imported.
        self.live = _live_nodes(gm.graph) if gm is root else None

        # Parameters and buffers of the root, deduplicated by identity (a
        # tied weight is one argument, under its first name).
        self.param_kind: Dict[str, str] = {}
        self.param_tensor: Dict[str, torch.Tensor] = {}
        self._by_id: Dict[int, str] = {}
        for kind, items in (("parameter", root.named_parameters()),
                            ("buffer", root.named_buffers())):
            for name, t in items:
                if t is None or id(t) in self._by_id:
                    continue
                self._by_id[id(t)] = name
                self.param_kind[name] = kind
                self.param_tensor[name] = t
        self.param_order = list(self.param_tensor)

    # -- errors -------------------------------------------------------------
    def report(self, node: fx.Node, op: str, reason: Optional[str]) -> None:
        key = op if not reason else f"{op} ({reason})"
        self.errors.setdefault(key, []).append(_location(node))
        self.poisoned.add(node)

    # -- values -------------------------------------------------------------
    def canonical(self, qualname: str) -> Optional[str]:
        """The argument name of parameter/buffer `qualname`, or None if it
        is neither."""
        if qualname in self.param_tensor:
            return qualname
        obj = self.root
        try:
            for part in qualname.split("."):
                obj = getattr(obj, part)
        except AttributeError:
            return None
        return self._by_id.get(id(obj)) if isinstance(obj, torch.Tensor) else None

    def param_value(self, qualname: str) -> V:
        name = self.canonical(qualname)
        if name is None:
            raise Unsupported(f"'{qualname}' is not a parameter or buffer")
        if name in self.param_values:
            return self.param_values[name]
        t = self.param_tensor[name]
        if not t.is_floating_point():
            raise Unsupported(f"{self.param_kind[name]} '{name}' has dtype {t.dtype}")
        if self.params_as == "constants":
            v = self.b.constant(t.detach(), hint=name)
        else:
            v = V(self.b.reserve(name), tuple(t.shape), self.dtype)
        self.param_values[name] = v
        return v

    def resolve(self, a):
        """fx arguments -> V for tensors, Python values otherwise.

        A tensor whose producer failed to import is replaced by a stand-in
        V of the same shape, so that the consumer is still checked (an
        unsupported op downstream of another one is reported too); the
        consumer is then marked failed itself (`self.standin_used`).
        """
        def get(x):
            if isinstance(x, fx.Node):
                if x in self.values:
                    return self.values[x]
                if x in self.concrete:
                    return self.concrete[x]
                if x in self.poisoned and "kgen_shape" in x.meta:
                    self.standin_used = True
                    positions = x.meta.get("kgen_dtype") == torch.int64
                    return V("%failed_" + mlir.ssa_name(x.name), x.meta["kgen_shape"],
                             "i64" if positions else self.dtype)
                raise _Poisoned()
            return x
        return fx.node.map_aggregate(a, get)

    # -- the walk -----------------------------------------------------------
    def run(self) -> List[V]:
        outputs = None
        for node in self.gm.graph.nodes:
            self.b.hint = node.name
            try:
                if node.op == "output":
                    outputs = self.output(node)
                else:
                    self.import_node(node)
            except _Poisoned:
                self.poisoned.add(node)
            except Unsupported as e:
                self.report(node, e.op or self.display(node), e.reason)
        if self.errors:
            raise UnsupportedOpsError(self.what,
                                      [(k, v) for k, v in self.errors.items()])
        return outputs

    def display(self, node: fx.Node) -> str:
        if node.op == "call_module":
            return _module_display(self.root.get_submodule(node.target))
        if node.op == "placeholder":
            return f"input '{node.target}'"
        if node.op == "get_attr":
            return f"attribute '{node.target}'"
        return target_name(node)

    def import_node(self, node: fx.Node) -> None:
        meta = node.meta
        is_tensor = "kgen_shape" in meta
        if self.live is not None and node not in self.live:
            return
        if node.op == "placeholder":
            if not is_tensor:
                self.concrete[node] = meta.get("kgen_value")
                return
            dtype = meta["kgen_dtype"]
            positions = dtype == torch.int64  # class indices, gather indices
            if not positions and dtype != torch.bool:
                self.check_dtype(node, dtype, is_input=True)
            name = str(node.target).lstrip("*")
            # A bool lies in memory as one byte, 0 or 1: kgen's i8.
            arg_dtype = "i64" if positions else "i8" if dtype == torch.bool else self.dtype
            v = V(self.b.reserve(name), meta["kgen_shape"], arg_dtype)
            self.input_args.append((self.placeholder_inputs[node], name, v))
            # Inside the program a bool is a 1/0 mask of the element type.
            self.values[node] = self.b.convert(v, self.dtype, mask=True) \
                if dtype == torch.bool else v
            return
        if node.op == "get_attr":
            if not is_tensor:
                self.concrete[node] = meta.get("kgen_value")
                return
            target = str(node.target)
            if self.canonical(target) is not None:
                self.values[node] = self.param_value(target)
            else:  # one kgen.constant for every read of the same attribute
                if target not in self.attr_constants:
                    self.attr_constants[target] = self.b.constant(meta["kgen_tensor"], hint=target)
                self.values[node] = self.attr_constants[target]
            return
        # call_function / call_method / call_module
        if not is_tensor:
            if node.op in ("call_function", "call_method") and \
                    _lookup(node)[1] in ops.MULTI_RESULT:
                self.values[node] = self.import_multi_result(node)
                return
            self.import_non_tensor(node)
            return
        self.standin_used = False
        if node.op == "call_module":
            v = self.import_module_call(node)
        else:
            v = self.import_call(node)
        if self.standin_used:
            raise _Poisoned()
        if v.shape != meta["kgen_shape"]:
            raise KgenImportError(
                f"internal error: {self.display(node)} at {_location(node)} was imported with "
                f"shape {v.shape} but PyTorch computed {meta['kgen_shape']}")
        self.values[node] = v

    def check_dtype(self, node, dtype, is_input=False):
        if dtype == self.trace_dtype:
            return
        what = f"input '{node.target}'" if is_input else None
        if not dtype.is_floating_point:
            raise Unsupported(f"produces a {dtype} tensor; kgen computes in f32, f16 and bf16 "
                              "only", op=what)
        raise Unsupported(f"produces a {dtype} tensor in a {self.trace_dtype} program; "
                          "kgen has no implicit type conversion", op=what)

    def import_non_tensor(self, node: fx.Node) -> None:
        value = node.meta.get("kgen_value")
        if value is DATA_DEPENDENT and any(n.meta.get("kgen_value") is DATA_DEPENDENT
                                           for n in node.all_input_nodes):
            # Computed from a value that needs tensor data (reported there):
            # a consumer of an unsupported op, not reported itself.
            raise _Poisoned()
        name = target_name(node)
        reads_tensor = any("kgen_shape" in n.meta for n in node.all_input_nodes)
        if _contains_tensor(value) or (reads_tensor and name not in ops.METADATA):
            reason = ops.REASONS.get(name)
            if reason is None and _contains_tensor(value):
                reason = "returns several tensors"
            elif reason is None:
                reason = "a Python value computed from tensor data"
            raise Unsupported(reason)
        self.resolve((node.args, node.kwargs))  # poisoned inputs poison this node
        self.concrete[node] = value

    def import_call(self, node: fx.Node) -> V:
        entry, key, in_place = _lookup(node)
        if entry is None:
            raise Unsupported(ops.REASONS.get(key))
        sig, fn = entry
        args, kwargs = self.resolve((node.args, node.kwargs))
        dtype = node.meta["kgen_dtype"]
        if dtype not in (torch.int64, torch.bool):  # checked against the result
            self.check_dtype(node, dtype)
        if sig is None:
            a = ops.bind_schema(node.target, args, kwargs)
        else:
            a = sig.bind(args, kwargs)
        _refuse_positions(a, ops.POSITION_PARAMS.get(key, ()))
        if a.get("inplace"):
            in_place = True
        v = fn(self.b, a, ops.Ctx(self, node))
        if dtype == torch.bool and not v.mask and key in _MASK_PRESERVING and \
                all(x.mask for x in _tensors_in(a)):
            v = dataclasses.replace(v, mask=True)
        if (dtype == torch.int64 and v.dtype != "i64") or (dtype == torch.bool and not v.mask):
            self.check_dtype(node, dtype)
        if in_place:
            self.check_in_place(node, v)
        return v

    def import_multi_result(self, node: fx.Node) -> tuple:
        """An op of ops.MULTI_RESULT: a tuple with a V for each result kgen
        computes, None for the others (their getitems are refused)."""
        sig, fn = _lookup(node)[0]
        self.standin_used = False
        args, kwargs = self.resolve((node.args, node.kwargs))
        a = ops.bind_schema(node.target, args, kwargs) if sig is None else sig.bind(args, kwargs)
        _refuse_positions(a, ops.POSITION_PARAMS.get(_lookup(node)[1], ()))
        results = fn(self.b, a, ops.Ctx(self, node))
        if self.standin_used:
            raise _Poisoned()
        return tuple(results)

    def import_module_call(self, node: fx.Node) -> V:
        m = self.root.get_submodule(node.target)
        handler = None
        for cls in type(m).__mro__:
            if cls.__module__.startswith("torch.nn") and cls.__name__ in ops.MODULES:
                handler = ops.MODULES[cls.__name__]
                break
        if handler is None:
            raise Unsupported(ops.REASONS.get(_module_display(m)))
        args, kwargs = self.resolve((node.args, node.kwargs))
        self.check_dtype(node, node.meta["kgen_dtype"])
        ctx = ops.Ctx(self, node, m)
        if isinstance(handler, ops.FunctionalModule):
            _refuse_positions(handler.sig.bind(args, kwargs), handler.position_params)
        else:
            _refuse_positions({"input": args[0] if args else None}, ())
        if isinstance(handler, ops.FunctionalModule):
            v = handler(self.b, args, kwargs, m, ctx)
        elif len(args) != 1 or kwargs:
            raise Unsupported("called with more than one argument")
        else:
            v = handler(self.b, ops.tensor(args[0]), m, ctx)
        if getattr(m, ops.INPLACE_MODULE_ATTR, False) is True:
            self.check_in_place(node, v)
        return v

    def check_in_place(self, node: fx.Node, v: V) -> None:
        """An in-place op is imported as the pure op; later reads of the
        mutated tensor then read the op's result. Mutating a tensor that
        another live view shares is refused (kgen programs are functional)."""
        first = node.args[0] if node.args else None
        if not isinstance(first, fx.Node):
            return
        pos = self.order[node]
        for n in _alias_set(first):
            if n is first:
                continue
            for user in n.users:
                if user is not node and self.order[user] > pos:
                    raise Unsupported(
                        f"in-place update of a tensor whose view {n.name} is read again "
                        "afterwards; use the out-of-place op")
        self.values[first] = v

    def output(self, node: fx.Node) -> List[V]:
        flat = []

        def walk(x):
            if isinstance(x, (list, tuple)):
                for e in x:
                    walk(e)
            elif isinstance(x, fx.Node):
                if x in self.poisoned:
                    raise _Poisoned()
                if x not in self.values:
                    raise Unsupported("forward returns a non-tensor value", op="return")
                v = self.values[x]
                flat.append(self.b.convert(v, "i8") if v.mask else v)
            elif isinstance(x, dict):
                raise Unsupported("forward returns a dict; return a tensor or a tuple of "
                                  "tensors", op="return")
            else:
                raise Unsupported(f"forward returns a {type(x).__name__}", op="return")
        walk(node.args[0])
        if not flat:
            raise Unsupported("forward returns no tensor", op="return")
        return flat


def _tensors_in(a: Dict[str, Any]) -> List[V]:
    """The tensor Vs among bound arguments (also inside lists: torch.cat)."""
    found = []
    fx.node.map_aggregate(list(a.values()),
                          lambda x: found.append(x) if isinstance(x, V) and not x.is_scalar
                          else None)
    return found


def _contains_tensor(v) -> bool:
    if isinstance(v, torch.Tensor):
        return True
    if isinstance(v, (list, tuple)):
        return any(_contains_tensor(e) for e in v)
    if isinstance(v, dict):
        return any(_contains_tensor(e) for e in v.values())
    return False


def _mutates(node: fx.Node) -> bool:
    """Whether the call updates its first argument: `x.add_(y)`, `x += y`,
    `aten.clamp_min_` (known to the table or not)."""
    name = target_name(node)
    leaf = name.split(".")[1] if name.startswith("aten.") else name.rsplit(".", 1)[-1]
    return (leaf.endswith("_") and not leaf.endswith("__")) or name.startswith("operator.i") \
        or node.kwargs.get("inplace") is True


def _live_nodes(graph: fx.Graph) -> set:
    """The nodes the output depends on: placeholders, the output, what it
    reads, and in-place updates of a tensor that is read afterwards."""
    order = {n: i for i, n in enumerate(graph.nodes)}
    live = set()
    for node in reversed(graph.nodes):
        if node.op in ("placeholder", "output") or any(u in live for u in node.users):
            live.add(node)
        elif node.op in ("call_function", "call_method") and node.args and \
                isinstance(node.args[0], fx.Node) and _mutates(node):
            if any(order[u] > order[node] and u in live
                   for n in _alias_set(node.args[0]) for u in n.users):
                live.add(node)
    return live


def _alias_set(node: fx.Node) -> set:
    """`node`, the tensors it is a view of, and their views (conservative)."""
    base = node
    while base.op in ("call_method", "call_function") and target_name(base) in _VIEW_OPS \
            and base.args and isinstance(base.args[0], fx.Node):
        base = base.args[0]
    out, todo = set(), [base]
    while todo:
        n = todo.pop()
        if n in out:
            continue
        out.add(n)
        for u in n.users:
            if u.op in ("call_method", "call_function") and target_name(u) in _VIEW_OPS \
                    and u.args and u.args[0] is n:
                todo.append(u)
    return out


def _module_display(m: torch.nn.Module) -> str:
    cls = type(m)
    if cls.__module__.startswith("torch.nn"):
        return f"nn.{cls.__name__}"
    return f"{cls.__module__}.{cls.__qualname__}"


def _short_path(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def _location(node: fx.Node) -> str:
    """'file:line in func: source [module path (Class)]', or the node name."""
    if node.op == "output":
        return "the return value of forward"
    loc = node.meta.get("kgen_location")
    mod_path, mod_cls = node.meta.get("kgen_module", ("", ""))
    if node.op == "call_module":
        mod_path = str(node.target)
        mod_cls = node.meta.get("kgen_module_class", "")
    parts = []
    if loc:
        f, line, func, src = loc
        parts.append(f"{_short_path(f)}:{line} in {func}: {src}" if src
                     else f"{_short_path(f)}:{line} in {func}")
    else:
        parts.append(f"node {node.name}")
    if mod_path:
        parts.append(f"[module {mod_path}" + (f" ({mod_cls})" if mod_cls else "") + "]")
    return "  ".join(parts)


# ---------------------------------------------------------------------------
# The API
# ---------------------------------------------------------------------------

def _float_dtypes(module: torch.nn.Module, inputs: Sequence[Any]) -> List[torch.dtype]:
    seen = []
    for t in list(inputs) + list(module.parameters()) + list(module.buffers()):
        if isinstance(t, torch.Tensor) and t.is_floating_point() and t.dtype not in seen:
            seen.append(t.dtype)
    return seen


def import_program(module: torch.nn.Module, example_inputs: Sequence[Any], *,
                   params_as: str = "arguments", function_name: str = "main",
                   dtype: Optional[str] = None, source: Optional[str] = None) -> ImportResult:
    """Imports `module` called on `example_inputs` as one kgen function.

    The function's arguments are the tensor inputs of forward, in order,
    then (with params_as='arguments') every parameter and buffer forward
    uses, in `named_parameters()` then `named_buffers()` order; with
    params_as='constants' those are `kgen.constant`s instead. `dtype`
    ('f32', 'f16' or 'bf16') re-types the whole program; by default it is
    the dtype of the module's floating-point tensors. The module is traced
    in eval mode (its training flags are restored afterwards).

    Raises UnsupportedOpsError (listing every unsupported op with counts
    and locations) or KgenImportError.
    """
    if params_as not in ("arguments", "constants"):
        raise ValueError(f"params_as must be 'arguments' or 'constants', not {params_as!r}")
    if dtype is not None and dtype not in mlir.KGEN_TO_TORCH:
        raise ValueError(f"dtype must be one of f32, f16, bf16, not {dtype!r}")
    if not isinstance(module, torch.nn.Module):
        raise TypeError("import_program expects a torch.nn.Module")
    if isinstance(example_inputs, (torch.Tensor,)):
        example_inputs = (example_inputs,)
    example_inputs = tuple(example_inputs)
    if not mlir.ssa_name(function_name) == function_name:
        raise ValueError(f"invalid function name {function_name!r}")

    floats = _float_dtypes(module, example_inputs)
    if len(floats) > 1:
        raise KgenImportError(
            "the module mixes floating-point dtypes (" + ", ".join(str(d) for d in floats) +
            "); kgen programs have one element type: convert the module and inputs, "
            "or pass dtype=")
    trace_dtype = floats[0] if floats else torch.float32
    if dtype is None:
        if trace_dtype not in mlir.TORCH_TO_KGEN:
            raise KgenImportError(f"the module computes in {trace_dtype}; kgen supports "
                                  "float32, float16 and bfloat16 (pass dtype= to re-type it)")
        dtype = mlir.TORCH_TO_KGEN[trace_dtype]
    retype = mlir.KGEN_TO_TORCH[dtype] != trace_dtype
    what = source or type(module).__name__
    if isinstance(module, torch.nn.modules.batchnorm._NormBase):
        module = _AsLeaf(module)  # its own training flag decides, as for a submodule

    training = {m: m.training for m in module.modules()}
    module.eval()
    try:
        try:
            gm, placeholder_inputs = trace(module, example_inputs)
        except TraceFailure as e:
            raise KgenImportError(str(e)) from e
        for node in gm.graph.nodes:
            if node.op == "call_module":
                node.meta["kgen_module_class"] = _module_display(gm.get_submodule(node.target))
        imp = _Importer(gm, module, placeholder_inputs, example_inputs, params_as, dtype,
                        retype, function_name, trace_dtype, what, training)
        outputs = imp.run()
    finally:
        for m, flag in training.items():
            m.training = flag

    # Arguments: the inputs, then parameters and buffers in declaration order.
    args: List[Tuple[str, str, V, torch.Tensor]] = []
    for index, name, v in sorted(imp.input_args, key=lambda e: e[0]):
        args.append((name, "input", v, example_inputs[index]))
    if params_as == "arguments":
        for kind in ("parameter", "buffer"):
            for name in imp.param_order:
                if imp.param_kind[name] == kind and name in imp.param_values:
                    args.append((name, kind, imp.param_values[name], imp.param_tensor[name]))

    tdt = mlir.KGEN_TO_TORCH[dtype]
    arguments = [Argument(name, kind, _argument_tensor(t, tdt)) for name, kind, _, t in args]
    sig = ", ".join(f"{v}: {v.type}" for _, _, v, _ in args)
    rtypes = ", ".join(v.type for v in outputs)
    rnames = ", ".join(str(v) for v in outputs)
    header = [
        f"// kgen-import: {what} (torch {torch.__version__}), dtype {dtype}, "
        f"parameters as {params_as}",
        "// kgen-import: arguments: " + (", ".join(name for name, *_ in args) or "(none)"),
        "// kgen-import: results: " + ", ".join(v.type for v in outputs),
    ]
    body = "".join(f"  {line}\n" for line in imp.b.lines)
    text = ("\n".join(header) + "\n"
            f"func.func @{function_name}({sig}) -> ({rtypes}) {{\n{body}"
            f"  return {rnames} : {rtypes}\n}}\n")
    return ImportResult(text, function_name, dtype, arguments, [v.shape for v in outputs],
                        [v.dtype for v in outputs])


class _AsLeaf(torch.nn.Module):
    """Holds a torch.nn module imported as the root, so that it is one call
    mapped by its class (batch and instance norm keep the caller's training
    flag there) instead of a forward traced in eval mode; the arguments keep
    the module's own names."""

    def __init__(self, inner: torch.nn.Module):
        super().__init__()
        self.inner = inner

    def forward(self, input):
        return self.inner(input)

    def named_parameters(self, *args, **kwargs):
        return self.inner.named_parameters(*args, **kwargs)

    def named_buffers(self, *args, **kwargs):
        return self.inner.named_buffers(*args, **kwargs)


def _argument_tensor(t: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """`t` in the program's dtype, on the CPU (no copy when it is already
    that); a meta tensor stays one, a fake one stays fake."""
    t = t.detach()
    if t.dtype in (torch.int64, torch.bool):  # positions and masks keep their type
        dtype = t.dtype
    if t.is_meta:
        return t.to(dtype=dtype)
    return t.to("cpu", dtype)


def import_module(module: torch.nn.Module, example_inputs: Sequence[Any], *,
                  params_as: str = "arguments", function_name: str = "main",
                  dtype: Optional[str] = None) -> str:
    """Imports `module` on `example_inputs`; returns the MLIR text (see
    `import_program` for the arguments and errors)."""
    return import_program(module, example_inputs, params_as=params_as,
                          function_name=function_name, dtype=dtype).mlir
