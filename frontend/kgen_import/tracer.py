"""torch.fx tracing with shape propagation on fake tensors.

`trace(module, example_inputs)` records the module's forward as a
`torch.fx.Graph` with a `torch.fx.Tracer` subclass that also runs every
recorded node as it goes (the shape propagation that
`torch.fx.passes.shape_prop.ShapeProp` does after the fact), on fake
tensors: the example inputs are replaced by `FakeTensor`s of the same
shapes, dtypes and strides (`torch._subclasses.FakeTensorMode`), so every
node computes only its result's metadata. No arithmetic of the model runs
and no memory for inputs or intermediate values is allocated: a model whose
real inputs would need tens of GB is traced in a fraction of a second. The
example inputs may be real, fake (made under a FakeTensorMode, as
`load_problem(..., fake_inputs=True)` makes them) or meta tensors.
Parameters, buffers and tensor constants stay real: they are read as they
are (the importer emits them as arguments or `kgen.constant`s), and an op
that uses them sees a fake copy. Because the (fake) values are at hand while
tracing, shape queries answer with plain Python values (`x.size(-1)`, `x.shape`, `x.dim()`, `len(x)`), so code such as
`math.sqrt(q.size(-1))`, `x.view(x.size(0), -1)` or `if x.dim() == 4:` is
specialized to the example shapes instead of failing to trace: kgen programs
have static shapes anyway. Control flow on tensor *values* still fails, as
it must.

A `torch.fx.GraphModule` (for example one from `make_fx`, at the aten
level) is used as it is and annotated by an `fx.Interpreter` run on fake
tensors instead.

Each node gets `node.meta` entries:

* `kgen_value`: the node's value on the example inputs when it is not a
  tensor (an int, a torch.Size, a tuple of tensors...), else absent; a
  value computed from tensor data (`x.sum().item()`, `x.tolist()`) cannot
  be known without running the model and is `DATA_DEPENDENT`;
* `kgen_shape`, `kgen_dtype`: shape and dtype when the value is a tensor;
* `kgen_tensor`: the (real) value itself, only for nodes that make a tensor
  without reading tensor data (`ones_like`..., made again for real from the
  shapes alone) or read a constant attribute, which the importer turns into
  `kgen.constant`;
* `kgen_module`: (qualified name, class name) of the innermost module whose
  forward created the node ('' for the root);
* `kgen_location`: (file, line, function, source line) of the user code
  that created the node, or None.

Needs torch >= 2.1 (FakeTensorMode); docs/frontend.md says why 1.13 was
dropped.
"""

from __future__ import annotations

import contextlib
import inspect
import linecache
import logging
import os
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch
import torch.fx as fx
from torch._subclasses.fake_tensor import (DataDependentOutputException,
                                           DynamicOutputShapeException, FakeTensor,
                                           FakeTensorMode)

# Tensor attributes and methods that return metadata, never data: answered
# with the example value while tracing.
_META_ATTRS = frozenset({"shape", "ndim", "dtype", "device", "is_cuda", "layout",
                         "requires_grad", "is_sparse", "is_quantized", "is_meta"})
_META_METHODS = frozenset({"size", "dim", "ndimension", "numel", "nelement",
                           "element_size", "is_contiguous", "is_floating_point",
                           "is_complex", "get_device", "stride"})

# Nodes whose tensor value depends only on metadata of their inputs: their
# value is kept so the importer can emit it as a constant.
_FACTORY_LIKE = frozenset({"ones_like", "zeros_like", "full_like"})


class _DataDependent:
    """The value of a node computed from tensor data (`.item()`, `.tolist()`,
    `nonzero`): unknown, since the model is not run."""

    def __repr__(self):
        return "DATA_DEPENDENT"


DATA_DEPENDENT = _DataDependent()
_DATA_ERRORS = (DataDependentOutputException, DynamicOutputShapeException)


def _contains_data_dependent(a) -> bool:
    found = []
    fx.node.map_aggregate(a, lambda x: found.append(x) if x is DATA_DEPENDENT else None)
    return bool(found)


def _real_stand_in(x):
    """A real tensor with `x`'s shape and dtype that owns one element (a
    broadcast scalar): enough for ops that read only metadata."""
    if isinstance(x, torch.Tensor) and (isinstance(x, FakeTensor) or x.is_meta):
        return torch.zeros((), dtype=x.dtype).expand(x.shape)
    return x


def _materialize(kind, target, a, kw):
    """The real value of a factory-like node (`ones_like(x)`...), computed
    from its inputs' shapes and dtypes only."""
    a, kw = fx.node.map_aggregate((a, kw), _real_stand_in)
    if kind == "call_function":
        return target(*a, **kw)
    return getattr(a[0], target)(*a[1:], **kw)


def _fake_mode_of(inputs: Sequence[Any]) -> FakeTensorMode:
    """The FakeTensorMode of the fake example inputs (they must share one),
    else a new one. Real parameters may meet fake values in an op: the mode
    then makes a fake copy of them (allow_non_fake_inputs)."""
    modes = []
    for x in inputs:
        if isinstance(x, FakeTensor) and all(x.fake_mode is not m for m in modes):
            modes.append(x.fake_mode)
    if len(modes) > 1:
        raise TraceFailure("the example inputs are fake tensors of different FakeTensorModes")
    if modes:
        modes[0].allow_non_fake_inputs = True
        return modes[0]
    return FakeTensorMode(allow_non_fake_inputs=True)


def _to_fake(mode: FakeTensorMode, x):
    """A fake tensor like `x` (real, fake or meta): shape, dtype, strides and
    device kept (a meta tensor's becomes the CPU, where parameters usually
    are), data neither read nor copied."""
    if not isinstance(x, torch.Tensor):
        return x
    if isinstance(x, FakeTensor) and x.fake_mode is mode:
        return x
    device = "cpu" if x.is_meta else x.device
    with mode:
        return torch.empty_strided(tuple(x.shape), tuple(x.stride()), dtype=x.dtype,
                                   device=device)


_TORCH_DIR = os.path.dirname(torch.__file__) + os.sep
_OWN_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


# The nn.Module methods fx patches while tracing (so that submodule calls and
# parameter reads are recorded). Evaluating a node's example value must use
# the originals, or a leaf module's own forward would be traced again.
_ORIG_MODULE_CALL = torch.nn.Module.__call__
_ORIG_MODULE_GETATTR = torch.nn.Module.__getattr__


class _Unpatched:
    def __enter__(self):
        self._saved = (torch.nn.Module.__call__, torch.nn.Module.__getattr__)
        torch.nn.Module.__call__ = _ORIG_MODULE_CALL
        torch.nn.Module.__getattr__ = _ORIG_MODULE_GETATTR

    def __exit__(self, *exc):
        torch.nn.Module.__call__, torch.nn.Module.__getattr__ = self._saved
        return False


class TraceFailure(Exception):
    """The module could not be traced (message says why and where)."""


def _is_internal(filename: str) -> bool:
    f = os.path.abspath(filename)
    return f.startswith(_TORCH_DIR) or f.startswith(_OWN_DIR)


def _user_location() -> Optional[Tuple[str, int, str, str]]:
    """(file, line, function, source) of the innermost frame outside torch
    and this package: the user code that is being traced."""
    frame = inspect.currentframe()
    try:
        while frame is not None:
            code = frame.f_code
            if not _is_internal(code.co_filename):
                line = linecache.getline(code.co_filename, frame.f_lineno).strip()
                return (code.co_filename, frame.f_lineno, code.co_name, line)
            frame = frame.f_back
        return None
    finally:
        del frame


def _target_name(target) -> str:
    return getattr(target, "__name__", str(target))


def _annotate(node: fx.Node, value: Any, keep_tensor) -> None:
    """`keep_tensor`: the real value to keep as `kgen_tensor` (a callable
    making it, called only for a tensor value), or None."""
    if isinstance(value, torch.Tensor):
        node.meta["kgen_shape"] = tuple(int(d) for d in value.shape)
        node.meta["kgen_dtype"] = value.dtype
        if keep_tensor is not None:
            node.meta["kgen_tensor"] = keep_tensor().detach()
    else:
        node.meta["kgen_value"] = value


def _is_factory_like(kind, target) -> bool:
    return kind in ("call_function", "call_method") and _target_name(target) in _FACTORY_LIKE


class _ConcreteProxy(fx.Proxy):
    """A Proxy that answers shape queries from the example value."""

    def __getattr__(self, k):
        value = self.tracer.values.get(self.node) if k not in ("node", "tracer") else None
        if isinstance(value, torch.Tensor) and (k in _META_ATTRS or k in _META_METHODS):
            return getattr(value, k)
        return super().__getattr__(k)

    def __len__(self):
        value = self.tracer.values.get(self.node)
        if isinstance(value, (torch.Tensor, tuple, list)):
            return len(value)
        return super().__len__()

    def __iter__(self):
        # Unpacking (`values, indices = torch.max(x, 1)`) and loops over a
        # tensor: one getitem per element, as many as the example value has.
        value = self.tracer.values.get(self.node)
        if isinstance(value, (torch.Tensor, tuple, list)) and \
                not (isinstance(value, torch.Tensor) and value.dim() == 0):
            return iter([self[i] for i in range(len(value))])
        return super().__iter__()


class _Tracer(fx.Tracer):
    def __init__(self, example_inputs: Sequence[Any], mode: FakeTensorMode):
        super().__init__()
        self.fake_mode = mode
        self.record_stack_traces = True
        self.values: Dict[fx.Node, Any] = {}
        self.placeholder_inputs: Dict[fx.Node, int] = {}
        self._inputs = list(example_inputs)
        self._next_input = 0
        self._module_stack: List[Tuple[str, str]] = []

    def proxy(self, node: fx.Node) -> fx.Proxy:
        return _ConcreteProxy(node, self)

    def call_module(self, m, forward, args, kwargs):
        path = self.path_of_module(m)
        self._module_stack.append((path, type(m).__name__))
        try:
            return super().call_module(m, forward, args, kwargs)
        finally:
            self._module_stack.pop()

    def _value_of(self, a):
        def get(x):
            if isinstance(x, fx.Proxy):
                return self.values[x.node]
            if isinstance(x, fx.Node):
                return self.values[x]
            return x
        return fx.node.map_aggregate(a, get)

    def create_proxy(self, kind, target, args, kwargs, name=None, type_expr=None,
                     proxy_factory_fn=None):
        if kind == "placeholder":
            if str(target).startswith("*"):
                raise TraceFailure(f"forward takes {target}; kgen-import needs named inputs")
            index = self._next_input
            self._next_input += 1
            if index < len(self._inputs):
                value = self._inputs[index]
            elif args:
                value = args[0]  # the parameter's default
            else:
                raise TraceFailure(
                    f"forward takes more arguments than the {len(self._inputs)} example "
                    f"inputs given (missing '{target}')")
            if not isinstance(value, torch.Tensor):
                # Non-tensor inputs are specialized: forward sees the value.
                return value
            self._placeholder_value = (index, value)
        return super().create_proxy(kind, target, args, kwargs, name, type_expr,
                                    proxy_factory_fn)

    def create_node(self, kind, target, args, kwargs, name=None, type_expr=None):
        # Every node goes through here, also the get_attr nodes fx makes for
        # parameters, buffers and tensor constants met as arguments.
        node = super().create_node(kind, target, args, kwargs, name, type_expr)
        if kind == "output":
            return node
        node.meta["kgen_module"] = self._module_stack[-1] if self._module_stack else ("", "")
        node.meta["kgen_location"] = _user_location()
        if kind == "placeholder":
            index, value = self._placeholder_value
            self.placeholder_inputs[node] = index
        else:
            with _Unpatched():
                value = self._evaluate(kind, target, args, kwargs)
        self.values[node] = value
        keep = None
        if kind == "get_attr":
            keep = lambda: value  # noqa: E731  (a real parameter, buffer or constant)
        elif _is_factory_like(kind, target):
            a, kw = self._value_of(args), self._value_of(kwargs)
            keep = lambda: _materialize(kind, target, a, kw)  # noqa: E731
        _annotate(node, value, keep)
        return node

    def _evaluate(self, kind, target, args, kwargs):
        a = self._value_of(args)
        kw = self._value_of(kwargs)
        if kind == "get_attr":
            obj = self.root
            for part in target.split("."):
                obj = getattr(obj, part)
            return obj
        if _contains_data_dependent((a, kw)):
            return DATA_DEPENDENT
        try:
            with self.fake_mode:
                if kind == "call_function":
                    return target(*a, **kw)
                if kind == "call_method":
                    return getattr(a[0], target)(*a[1:], **kw)
                if kind == "call_module":
                    return self.root.get_submodule(target)(*a, **kw)
        except _DATA_ERRORS:
            return DATA_DEPENDENT
        return None


class _ValueRecorder(fx.Interpreter):
    """Shape propagation on fake tensors (ShapeProp's, but with real
    get_attr values) that records what the importer needs (see module doc)."""

    def __init__(self, gm: fx.GraphModule, mode: FakeTensorMode):
        super().__init__(gm)
        self.fake_mode = mode
        self.current: Optional[fx.Node] = None

    def run_node(self, n: fx.Node):
        self.current = n
        keep = None
        if n.op in ("placeholder", "get_attr", "output"):
            result = super().run_node(n)
            if n.op == "get_attr":
                keep = lambda: result  # noqa: E731
        else:
            a, kw = self.fetch_args_kwargs_from_env(n)
            if _contains_data_dependent((a, kw)):
                result = DATA_DEPENDENT
            else:
                try:
                    with self.fake_mode:
                        result = super().run_node(n)
                except _DATA_ERRORS:
                    result = DATA_DEPENDENT
            if _is_factory_like(n.op, n.target):
                keep = lambda: _materialize(n.op, n.target, a, kw)  # noqa: E731
        _annotate(n, result, keep)
        n.meta.setdefault("kgen_module", ("", ""))
        n.meta.setdefault("kgen_location", _location_from_stack_trace(n))
        return result


def _location_from_stack_trace(n: fx.Node):
    """The innermost user frame of an fx node's recorded stack trace."""
    trace = getattr(n, "stack_trace", None) or ""
    frames = re.findall(r'File "([^"]+)", line (\d+), in (\S+)\n\s*(.*)', trace)
    user = [f for f in frames if not _is_internal(f[0])]
    if not user:
        return None
    f = user[-1]
    return (f[0], int(f[1]), f[2], f[3].strip())


def trace(module: torch.nn.Module, example_inputs: Sequence[Any]) -> Tuple[fx.GraphModule, Dict[fx.Node, int]]:
    """Traces `module` on `example_inputs`.

    Returns the GraphModule (annotated as the module doc says) and, for each
    placeholder node, the index of the example input it stands for
    (non-tensor inputs are specialized away and have no placeholder).
    """
    mode = _fake_mode_of(example_inputs)
    inputs = [_to_fake(mode, x) for x in example_inputs]
    with torch.no_grad(), _quiet_fake_tensor_log():
        if isinstance(module, fx.GraphModule):
            gm = module
            placeholders = [n for n in gm.graph.nodes if n.op == "placeholder"]
            if len(placeholders) != len(inputs):
                raise TraceFailure(f"the GraphModule takes {len(placeholders)} inputs, "
                                   f"{len(inputs)} example inputs were given")
            recorder = _ValueRecorder(gm, mode)
            try:
                recorder.run(*inputs)
            except Exception as e:
                n = recorder.current
                at = f" at node {n.name} ({n.format_node()})" if n is not None else ""
                raise TraceFailure(f"shape propagation through the GraphModule failed{at}: "
                                   f"{type(e).__name__}: {_first_line(e)}") from e
            return gm, {n: i for i, n in enumerate(placeholders)}
        tracer = _Tracer(inputs, mode)
        try:
            graph = tracer.trace(module)
        except TraceFailure:
            raise
        except SystemExit as e:
            # Left alone, sys.exit in forward would end kgen-import itself,
            # with forward's status (0 for sys.exit()) and no output.
            loc = _user_location_of_exception(e)
            where = f" at {loc}" if loc else ""
            raise TraceFailure(f"{type(module).__name__}.forward called sys.exit({e.code!r})"
                               f"{where} instead of returning its result") from e
        except Exception as e:  # TraceError, and errors of the module itself
            loc = _user_location_of_exception(e)
            where = f" at {loc}" if loc else ""
            raise TraceFailure(f"tracing {type(module).__name__}.forward failed{where}: "
                               f"{type(e).__name__}: {_first_line(e)}") from e
        gm = fx.GraphModule(tracer.root, graph, type(module).__name__)
        return gm, dict(tracer.placeholder_inputs)


@contextlib.contextmanager
def _quiet_fake_tensor_log():
    """FakeTensorMode logs a traceback for an op whose meta function raises
    (`x @ y` with mismatched shapes), before the error that becomes our
    one-line message: silenced while tracing."""
    logger = logging.getLogger("torch._subclasses.fake_tensor")
    saved = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(saved)


def _first_line(e: BaseException) -> str:
    """The first non-empty line of an exception's message: errors are one
    line (PyTorch's fake-tensor errors go on for many)."""
    for line in str(e).splitlines():
        if line.strip():
            return line.strip()
    return ""


def _user_location_of_exception(e: BaseException) -> Optional[str]:
    tb = e.__traceback__
    last = None
    while tb is not None:
        f = tb.tb_frame.f_code.co_filename
        if not _is_internal(f):
            last = f"{f}:{tb.tb_lineno}"
        tb = tb.tb_next
    return last
