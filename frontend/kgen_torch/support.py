"""Which nodes of a dynamo FX graph kgen takes: the importer decides.

Each call node is imported on its own (a one-node GraphModule whose inputs
are meta tensors shaped like the node's inputs) with
`kgen_import.import_program`, the importer kgen-import uses: a node is
supported when that import succeeds, and otherwise the importer's own
message (the op, and why when it knows) is the reason. Before that, what
only the backend knows: the node must read and produce tensors on one CPU or
CUDA device, with static shapes, and must not update a graph input in
place.
"""

from __future__ import annotations

import operator
import os
import re
from typing import Dict, Optional

import torch
import torch.fx as fx
from torch.fx.passes.operator_support import OperatorSupportBase

from kgen_import import KgenImportError, UnsupportedOpsError, import_program
from kgen_import.importer import _VIEW_OPS, _alias_set, target_name
from kgen_import.nn_ops import updates_running_stats

CALLS = ("call_function", "call_method", "call_module")
_KGEN_DTYPES = (torch.float32, torch.float16, torch.bfloat16)


def example_value(node: fx.Node):
    return node.meta.get("example_value", node.meta.get("val"))


def is_symbolic(t) -> bool:
    if isinstance(t, (torch.SymInt, torch.SymFloat, torch.SymBool)):
        return True
    if isinstance(t, torch.Tensor):
        return any(not isinstance(d, int) for d in t.shape)
    return False


def location(node: fx.Node) -> str:
    """'file.py:LINE' of the user code that made `node` (its innermost user
    frame); else, for code inside a torch.nn module (nn.Sequential's
    children have no user frame), 'module PATH (nn.Class)'; else ''."""
    trace = node.meta.get("stack_trace") or ""
    frames = re.findall(r'File "([^"]+)", line (\d+)', trace)
    torch_dir = os.path.dirname(torch.__file__)
    user = [f for f in frames if not f[0].startswith(torch_dir)]
    if user:
        return f"{os.path.basename(user[-1][0])}:{user[-1][1]}"
    stack = node.meta.get("nn_module_stack") or {}
    if stack:
        path, cls = list(stack.values())[-1]
        path = re.sub(r"^L\['[^']*'\]\.?", "", str(path))
        if path and isinstance(cls, type):
            name = f"nn.{cls.__name__}" if cls.__module__.startswith("torch.nn") \
                else cls.__qualname__
            return f"module {path} ({name})"
    return ""


def op_name(node: fx.Node, gm: Optional[fx.GraphModule] = None) -> str:
    if node.op == "call_module" and gm is not None:
        m = gm.get_submodule(str(node.target))
        return f"nn.{type(m).__name__}" if type(m).__module__.startswith("torch.nn") \
            else type(m).__qualname__
    return target_name(node)


_IN_PLACE_OPERATORS = frozenset(
    f"operator.i{op}" for op in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow",
                                 "matmul", "and", "or", "xor", "lshift", "rshift"))


def is_in_place(node: fx.Node) -> bool:
    """Whether the node updates its first argument: `x.add_(y)`, `x += y`,
    `F.relu(x, inplace=True)`, `nn.ReLU(inplace=True)`."""
    if node.op == "call_module":
        owner = node.graph.owning_module
        try:
            m = owner.get_submodule(str(node.target)) if owner is not None else None
        except AttributeError:
            m = None
        return getattr(m, "inplace", False) is True
    name = target_name(node)
    leaf = name.rsplit(".", 1)[-1]
    if leaf.endswith("_") and not leaf.endswith("__"):
        return True
    return name in _IN_PLACE_OPERATORS or node.kwargs.get("inplace") is True


def functionalize_in_place(gm: fx.GraphModule) -> None:
    """`y = a.relu_()`: readers of `a` after it read `y` instead, so that the
    node can be computed out of place (kgen programs are functional). Done
    only when that is exact: `a` is made in the graph (not an input or an
    attribute), is not a view and has no views."""
    order = {n: i for i, n in enumerate(gm.graph.nodes)}
    for node in list(gm.graph.nodes):
        if node.op not in CALLS or not is_in_place(node) or not node.args:
            continue
        a = node.args[0]
        if not isinstance(a, fx.Node) or a.op not in CALLS:
            continue
        if target_name(a) in _VIEW_OPS or any(
                u.op in CALLS and target_name(u) in _VIEW_OPS for u in a.users):
            continue
        for user in list(a.users):
            if user is not node and order[user] > order[node]:
                user.replace_input_with(a, node)
        node.meta["kgen_functionalized"] = True
    gm.recompile()


# Factories whose value depends only on their (literal) arguments.
_FACTORIES = frozenset({"torch.tensor", "torch.as_tensor", "torch.scalar_tensor", "torch.ones",
                        "torch.zeros", "torch.full", "torch.arange", "torch.linspace",
                        "torch.eye"})
_FOLD_LIMIT = 1 << 16  # elements


def fold_factories(gm: fx.GraphModule) -> int:
    """`torch.tensor(2.0)`, `torch.ones(3)`... made in forward are calls in
    dynamo's graph, which the importer (made for traced modules, where they
    are constants) does not map: each one with literal arguments and at most
    64K elements is made once, here, and read as a graph constant
    (`get_attr`), which the subgraphs that use it take as an input. Returns
    how many were folded."""
    from torch._subclasses.fake_tensor import unset_fake_temporarily
    folded = 0
    for node in list(gm.graph.nodes):
        if node.op != "call_function" or node.all_input_nodes or \
                target_name(node) not in _FACTORIES:
            continue
        try:
            with unset_fake_temporarily(), torch.no_grad():
                value = node.target(*node.args, **node.kwargs)
        except Exception:  # noqa: BLE001 - left as it is
            continue
        if not isinstance(value, torch.Tensor) or value.numel() > _FOLD_LIMIT:
            continue
        if value.dim() == 0 and value.device.type == "cpu" and "device" not in node.kwargs:
            # A 0-d CPU tensor mixes with tensors of any device (PyTorch
            # reads it as a scalar): put it where its users compute, so
            # that they are not refused for moving data between devices.
            devices = {v.device for v in (example_value(u) for u in node.users)
                       if isinstance(v, torch.Tensor)}
            if len(devices) == 1 and next(iter(devices)).type == "cuda":
                try:
                    value = value.to(next(iter(devices)))
                except Exception:  # noqa: BLE001 - stays on the CPU
                    pass
        name = f"_kgen_constant_{folded}"
        while hasattr(gm, name):
            name += "_"
        gm.register_buffer(name, value)
        with gm.graph.inserting_before(node):
            const = gm.graph.get_attr(name)
        const.meta.update(node.meta)
        const.meta["example_value"] = value
        node.replace_all_uses_with(const)
        gm.graph.erase_node(node)
        folded += 1
    if folded:
        gm.recompile()
    return folded


_MUTATING = frozenset({"operator.setitem"})


def mutation_verdicts(gm: fx.GraphModule, verdicts: Dict[str, Optional[str]]) -> Dict[str, str]:
    """The nodes that must stay in PyTorch because a tensor they use is
    updated in place by a node that stays there (`x[:, 0] = 5`, an in-place
    op that could not be made functional): fx records no dependency on a
    mutation, so a kgen subgraph could read the tensor before or after it
    regardless of program order, and a view computed in kgen would be a
    copy. Every other user of the tensor and of its views, and the views
    themselves, stay in PyTorch; the producer of the tensor may be in
    kgen (its result is a PyTorch tensor, updated there)."""
    out: Dict[str, str] = {}
    for node in gm.graph.nodes:
        if node.op not in CALLS or not node.args or not isinstance(node.args[0], fx.Node):
            continue
        name = target_name(node) if node.op != "call_module" else ""
        # A functionalized in-place op still mutates when PyTorch runs it.
        mutates = name in _MUTATING or (is_in_place(node) and (
            not node.meta.get("kgen_functionalized") or verdicts.get(node.name) is not None))
        if not mutates:
            continue
        for a in _alias_set(node.args[0]):
            if a is not node.args[0] and a.op in CALLS:
                out.setdefault(a.name, "a view of a tensor updated in place")
            for u in a.users:
                if u is not node and u.op in CALLS and u not in _alias_set(node.args[0]):
                    out.setdefault(u.name, "uses a tensor updated in place")
    return out


def is_getitem_of_results(node: fx.Node) -> bool:
    """`node` picks one result of an op that returns several (the getitems
    dynamo records after torch.max(x, dim), torch.split, ...)."""
    return node.op == "call_function" and node.target is operator.getitem and \
        isinstance(node.args[0], fx.Node) and \
        isinstance(example_value(node.args[0]), (tuple, list))


def getitem_verdicts(gm: fx.GraphModule, verdicts: Dict[str, Optional[str]]) -> Dict[str, str]:
    """The reasons of the getitems whose op stays in PyTorch: a result is
    picked where its op runs."""
    return {n.name: "reads a result of an op left in PyTorch" for n in gm.graph.nodes
            if is_getitem_of_results(n) and verdicts.get(n.args[0].name) is not None}


def _meta_like(v: torch.Tensor) -> torch.Tensor:
    return torch.empty_strided(tuple(v.shape), tuple(v.stride()), dtype=v.dtype,
                               device="meta")


def check_node(gm: fx.GraphModule, node: fx.Node) -> Optional[str]:
    """None if kgen takes `node`, else the reason (a short phrase)."""
    if node.op != "call_module" and target_name(node) in _MUTATING:
        return "updates a tensor in place"
    value = example_value(node)
    several = isinstance(value, (tuple, list))
    results = list(value) if several else [value]
    if several and (not results or not all(isinstance(v, torch.Tensor) for v in results)):
        return "returns several values, not all of them tensors"
    if is_getitem_of_results(node):
        return None  # decided with the op it reads (see getitem_verdicts)
    if not isinstance(value, torch.Tensor) and not several:
        return "produces a non-tensor value"
    devices = {v.device for v in results}
    for n in node.all_input_nodes:
        v = example_value(n)
        if not isinstance(v, torch.Tensor):
            return "reads a non-tensor value computed in the graph"
        if is_symbolic(v):
            return "dynamic shape"
        devices.add(v.device)
    if any(is_symbolic(v) for v in results):
        return "dynamic shape"
    if len(devices) > 1:
        return "moves data between devices"
    device = next(iter(devices))
    if device.type not in ("cpu", "cuda"):
        return f"runs on {device.type}"
    for v in results + [example_value(n) for n in node.all_input_nodes]:
        if v.is_floating_point() and v.dtype not in _KGEN_DTYPES:
            return f"computes in {v.dtype}; kgen computes in f32, f16 and bf16"
    if is_in_place(node) and not node.meta.get("kgen_functionalized"):
        return "in-place update of a graph input or of a view"
    if node.op == "call_function" and updates_running_stats(target_name(node), node.args,
                                                            node.kwargs):
        return "updates the running statistics in place in training mode"
    # The importer's verdict, on the node alone. Bool tensors are masks
    # computed inside kgen programs, never their inputs or results: a bool
    # input is made by a comparison of a float one, a bool result is
    # converted to the float type (the partitioner keeps bool values inside
    # partitions, see KgenSupport). An op with several results returns
    # each through a getitem, as the graph reads them.
    floats = [v.dtype for v in map(example_value, node.all_input_nodes) if v.is_floating_point()]
    float_type = floats[0] if floats else torch.float32
    g = fx.Graph()
    env: Dict[fx.Node, fx.Node] = {}
    inputs = []
    for i, n in enumerate(node.all_input_nodes):
        v = example_value(n)
        env[n] = g.placeholder(f"in{i}")
        if v.dtype == torch.bool:
            inputs.append(torch.empty(tuple(v.shape), dtype=float_type, device="meta"))
            env[n] = g.call_function(operator.ne, (env[n], 0.0))
        else:
            inputs.append(_meta_like(v))
    out = g.node_copy(node, lambda n: env[n])
    outs = [g.call_function(operator.getitem, (out, i)) for i in range(len(results))] \
        if several else [out]
    outs = [g.call_method("to", (o, float_type)) if v.dtype == torch.bool else o
            for o, v in zip(outs, results)]
    g.output(tuple(outs) if several else outs[0])
    try:
        tiny = fx.GraphModule(gm, g)
    except Exception as e:  # an attribute the graph refers to is missing
        return f"cannot be isolated: {type(e).__name__}"
    try:
        import_program(tiny, inputs, source=op_name(node, gm))
    except UnsupportedOpsError as e:
        if e.unsupported:
            key = e.unsupported[0][0]
            m = re.match(r"^(.*?) \((.*)\)$", key)
            if not m:
                return "not supported by the importer"
            if m.group(1).startswith("input '"):  # one of the node's inputs
                return re.sub(r"^produces ", "reads ", m.group(2))
            return m.group(2)
        return "not supported by the importer"
    except KgenImportError as e:
        return str(e).splitlines()[0]
    except Exception as e:  # noqa: BLE001 - never let a check break the model
        return f"import failed: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
    return None


class KgenSupport(OperatorSupportBase):
    """The OperatorSupport of the partitioner: the verdicts computed (or
    read from the cache) beforehand, by node name; with `dtype`, only the
    supported nodes that produce that dtype, the int64 positions of
    argmax-like ops reading it and the bool masks computed from it (a kgen
    program computes in one float type and may take and return positions
    and masks)."""

    def __init__(self, verdicts: Dict[str, Optional[str]], dtype: Optional[torch.dtype] = None):
        self.verdicts = verdicts
        self.dtype = dtype

    def is_node_supported(self, submodules, node: fx.Node) -> bool:
        if node.op not in CALLS or node.name not in self.verdicts or \
                self.verdicts[node.name] is not None:
            return False
        if is_getitem_of_results(node):  # goes where its op goes
            return self.is_node_supported(submodules, node.args[0])
        v = example_value(node)
        if self.dtype is not None and isinstance(v, (tuple, list)):  # several results
            return all(x.dtype == self.dtype for x in map(example_value, node.all_input_nodes)
                       if x.is_floating_point())
        if self.dtype is None or not isinstance(v, torch.Tensor):
            return self.dtype is None
        if v.dtype == torch.int64:
            return all(isinstance(x, torch.Tensor) and x.dtype == self.dtype
                       for x in map(example_value, node.all_input_nodes))
        if v.dtype == torch.bool:  # a mask computed from this dtype's values
            reads = [x for x in map(example_value, node.all_input_nodes)
                     if isinstance(x, torch.Tensor) and x.dtype != torch.bool]
            return all(x.dtype == self.dtype for x in reads)
        return v.dtype == self.dtype

