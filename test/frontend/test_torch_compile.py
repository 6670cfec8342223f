"""torch.compile(model, backend="kgen") on the CPU (docs/torch-compile.md):
a model kgen takes whole, one with unsupported ops in the middle
(partitioned), shape changes (recompiles through dynamo's guards), dynamic
shapes (left in PyTorch, reported), the on-disk cache across processes and
with corrupt files, bad options, autograd, in-place ops and the entry point.

The compiled subgraphs run through libkgen_c's CPU JIT ($KGEN_C_LIBRARY,
else $KGEN_BUILD/lib, else build/lib); without a library that has it the
tests are skipped (they fail when CI or KGEN_RUN is set).
"""

from __future__ import annotations

import copy
import ctypes
import hashlib
import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from frontend_testing import REPO

import kgen_torch  # noqa: E402  (registers the backend)
from kgen_torch import runtime

RTOL, ATOL = 1e-4, 1e-5
SEEDS = (0, 1, 2)


def _need_cpu_library():
    path = runtime.library_path()
    why = None
    if not path.is_file():
        why = f"libkgen_c not built ({path})"
    else:
        try:
            if not hasattr(ctypes.CDLL(str(path)), "kgenCompileCpuFunction"):
                why = f"{path} has no kgenCompileCpuFunction"
        except OSError as e:
            why = f"cannot load {path}: {e}"
    if why:
        if os.environ.get("CI") or os.environ.get("KGEN_RUN"):
            pytest.fail(why)
        pytest.skip(why)


@pytest.fixture(autouse=True)
def fresh(tmp_path, monkeypatch):
    _need_cpu_library()
    monkeypatch.setenv("KGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("KGEN_DECISIONS", raising=False)
    torch._dynamo.reset()
    kgen_torch.reset_statistics()
    kgen_torch.clear_compiled()
    yield
    torch._dynamo.reset()


def compiled(model, **kw):
    kw.setdefault("dynamic", False)
    return torch.compile(model, backend="kgen", **kw)


def check_seeds(model, fn, *shape):
    """The compiled function matches eager on a random input of `shape`
    for every seed."""
    for seed in SEEDS:
        torch.manual_seed(seed)
        check_close(model, fn, torch.randn(*shape))


def check_close(model, fn, *inputs):
    with torch.no_grad():
        want = model(*inputs)
        got = fn(*inputs)
    if isinstance(want, torch.Tensor):
        want, got = (want,), (got,)
    assert len(want) == len(got)
    for w, g in zip(want, got):
        torch.testing.assert_close(g, w, rtol=RTOL, atol=ATOL)


class Whole(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(24, 40)
        self.act = nn.GELU(approximate="tanh")

    def forward(self, x):
        return torch.softmax(self.act(self.fc(x)) * 0.5, dim=-1)


def test_whole_model_goes_to_kgen():
    torch.manual_seed(0)
    model = Whole().eval()
    fn = compiled(model)
    check_seeds(model, fn, 6, 24)
    report = kgen_torch.last_report()
    assert report.everything_in_kgen, str(report)
    assert report.compiled == report.subgraphs == 1
    assert "everything went to kgen" in str(report)
    assert "\n" not in str(report)
    stats = kgen_torch.statistics()
    assert stats["graphs"] == 1 and stats["compiles"] == 1  # one compilation for all seeds
    assert stats["kgen_runs"] == len(SEEDS) and stats["pytorch_runs"] == 0
    assert "kgen.linear" in report.programs[0] and "kgen.softmax" in report.programs[0]


class Classifier(nn.Module):
    """A classifier head whose loss takes int64 targets and whose
    predictions are argmax positions: both stay in kgen."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 10)

    def forward(self, x, target):
        logits = self.fc(x)
        return F.cross_entropy(logits, target), logits.argmax(dim=-1)


def test_int64_targets_and_positions_go_to_kgen():
    torch.manual_seed(3)
    model = Classifier().eval()
    fn = compiled(model)
    for seed in SEEDS:
        torch.manual_seed(seed)
        target = torch.randint(0, 10, (12,))
        target[seed % 12] = -100  # ignored
        check_close(model, fn, torch.randn(12, 16), target)
        assert fn(torch.randn(12, 16), target)[1].dtype == torch.int64
    report = kgen_torch.last_report()
    assert report.everything_in_kgen, str(report)
    assert "kgen.gather" in report.programs[0] and "kgen.argmax" in report.programs[0]


class Masked(nn.Module):
    """Comparisons and selections: bool tensors that never leave kgen."""

    def forward(self, x):
        y = torch.where(x > 0, x, 0.1 * x).masked_fill(x.abs() < 0.1, 0.0)
        return y + (x <= y).float()


def test_masks_stay_inside_kgen():
    torch.manual_seed(4)
    model = Masked().eval()
    fn = compiled(model)
    check_seeds(model, fn, 5, 16)
    report = kgen_torch.last_report()
    assert report.everything_in_kgen, str(report)
    assert "kgen.where" in report.programs[0] and "kgen.le" in report.programs[0]


class MaskInput(nn.Module):
    """A bool mask given as an input and a mask returned: a kgen program
    takes and returns bools (i8, PyTorch's one-byte layout)."""

    def forward(self, x, mask):
        y = torch.tanh(x * 2.0).masked_fill(mask, 0.0) + 1.0
        return y, (y > 1.0) | mask


def test_bool_inputs_and_results_go_to_kgen():
    torch.manual_seed(5)
    model = MaskInput().eval()
    fn = compiled(model)
    for seed in SEEDS:
        torch.manual_seed(seed)
        x, mask = torch.randn(4, 8), torch.rand(4, 8) > 0.5
        with torch.no_grad():
            want, got = model(x, mask), fn(x, mask)
        torch.testing.assert_close(got[0], want[0], rtol=1e-5, atol=1e-6)
        assert got[1].dtype == torch.bool and torch.equal(got[1], want[1])
    report = kgen_torch.last_report()
    assert report.everything_in_kgen, str(report)
    assert "xi8>" in report.programs[0], report.programs[0]


class Middle(nn.Module):
    """kgen-supported ops around two the importer lacks: a scan (logcumsumexp)
    and a cast of argmax's int64 positions (argmax itself is kgen's)."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 32)
        self.fc2 = nn.Linear(32, 8)

    def forward(self, x):
        h = F.silu(self.fc1(x))
        c = torch.logcumsumexp(h, dim=1)
        k = torch.argmax(h, dim=-1, keepdim=True).float()
        return self.fc2(c * 0.1 + h).relu() + k


def test_unsupported_op_in_the_middle_is_partitioned(caplog):
    torch.manual_seed(1)
    model = Middle().eval()
    fn = compiled(model)
    with caplog.at_level(logging.WARNING, logger="kgen_torch"):
        check_seeds(model, fn, 5, 16)
    report = kgen_torch.last_report()
    text = str(report)
    assert not report.everything_in_kgen
    assert report.compiled >= 2 and report.compiled == report.subgraphs, text
    assert "torch.logcumsumexp (not supported by the importer) at test_torch_compile.py:" in text
    assert "torch.argmax" not in text
    assert "Tensor.float (reads an int64 tensor (positions or indices); kgen computes on f32, " \
        "f16 and bf16 and reads int64 only as gather indices, class-index targets and in " \
        "reshapes)" in text
    left = {x.what for x in report.left}
    assert {"torch.logcumsumexp", "Tensor.float"} <= left and "torch.argmax" not in left
    assert "\n" not in text
    assert any(r.getMessage() == text for r in caplog.records)
    assert kgen_torch.statistics()["kgen_runs"] == report.compiled * len(SEEDS)


def test_shape_change_recompiles():
    torch.manual_seed(2)
    model = Whole().eval()
    fn = compiled(model)
    shapes = [(4, 24), (7, 24), (2, 3, 24)]
    for seed, shape in zip(SEEDS, shapes):
        torch.manual_seed(seed)
        check_close(model, fn, torch.randn(*shape))
    # The first shape again: dynamo's guards pick the first compilation.
    check_close(model, fn, torch.randn(4, 24))
    stats = kgen_torch.statistics()
    assert stats["graphs"] == 3 and stats["compiled_subgraphs"] == 3, stats
    assert all(r.everything_in_kgen for r in kgen_torch.reports())
    shapes_seen = {p.split("func.func @main(")[1].split(")")[0].split(",")[0]
                   for r in kgen_torch.reports() for p in r.programs}
    assert shapes_seen == {"%l_x_: tensor<4x24xf32>", "%l_x_: tensor<7x24xf32>",
                           "%l_x_: tensor<2x3x24xf32>"}


def test_dynamic_shapes_stay_in_pytorch():
    model = Whole().eval()
    fn = torch.compile(model, backend="kgen", dynamic=True)
    for seed, n in zip(SEEDS, (3, 5, 9)):
        torch.manual_seed(seed)
        check_close(model, fn, torch.randn(n, 24))
    text = str(kgen_torch.last_report())
    assert "left in PyTorch: dynamic shapes" in text and "dynamic=False" in text


_CACHE_SCRIPT = textwrap.dedent("""
    import json, sys
    sys.path.insert(0, sys.argv[1])
    import torch, torch.nn as nn, torch.nn.functional as F
    import kgen_torch

    class Middle(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(16, 32)
            self.fc2 = nn.Linear(32, 8)
        def forward(self, x):
            h = F.silu(self.fc1(x))
            return self.fc2(torch.logcumsumexp(h, dim=1) * 0.1 + h).relu()

    device = sys.argv[2]
    torch.manual_seed(0)
    model = Middle().to(device).eval()
    fn = torch.compile(model, backend="kgen", dynamic=False)
    x = torch.randn(5, 16, device=device)
    with torch.no_grad():
        torch.testing.assert_close(fn(x), model(x), atol=1e-5,
                                   rtol=1e-4 if device == "cpu" else 1e-3)
    print(json.dumps({"stats": kgen_torch.statistics(),
                      "report": str(kgen_torch.last_report())}))
""")


def _run_cache_script(tmp_path, device="cpu"):
    script = tmp_path / "cache_user.py"
    script.write_text(_CACHE_SCRIPT)
    proc = subprocess.run([sys.executable, str(script), str(REPO / "frontend"), device],
                          capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1]), proc.stderr


def test_cache_across_processes_and_corrupt_files(tmp_path):
    first, _ = _run_cache_script(tmp_path)
    s1 = first["stats"]
    assert s1["imports"] == 2 and s1["support_checks"] > 0 and s1["import_cache_hits"] == 0
    assert s1["compiled_subgraphs"] == 2, first["report"]

    assert s1["compiles"] == 2 and s1["compiled_cache_hits"] == 0, s1

    # A second process imports and compiles nothing: the support verdicts,
    # the kgen programs and the compiled code come from the cache.
    second, _ = _run_cache_script(tmp_path)
    s2 = second["stats"]
    assert s2["imports"] == 0 and s2["support_checks"] == 0, s2
    assert s2["import_cache_hits"] == 2 and s2["support_cache_hits"] == 1, s2
    assert s2["compiles"] == 0 and s2["compiled_cache_hits"] == 2, s2
    assert second["report"] == first["report"]

    # Corrupt files are reported in one line each and recomputed.
    cache = Path(os.environ["KGEN_CACHE_DIR"]) / "torch-compile"
    files = sorted((cache / "programs").glob("*.json")) + sorted((cache / "support").glob("*.json"))
    assert len(files) == 3
    files[0].write_text("{ truncated")
    files[1].write_text(json.dumps({"format": 1, "key": "someone else's", "payload": {}}))
    entry = json.loads(files[2].read_text())
    entry["payload"].pop(next(iter(entry["payload"])))
    files[2].write_text(json.dumps(entry))
    # Compiled code: one image truncated (its SHA-256 no longer matches its
    # entry), one intact but stamped with another host, which kgen refuses
    # to load (its machine code may use instructions this CPU lacks).
    images = sorted((cache / "compiled").glob("*.bin"))
    assert len(images) == 2
    images[0].write_bytes(images[0].read_bytes()[:1000])
    _restamp_image_host(images[1], "x86_64-other-host cpu 0")
    third, stderr = _run_cache_script(tmp_path)
    s3 = third["stats"]
    assert s3["cache_errors"] == 5, (s3, stderr)
    assert s3["compiles"] == 2 and s3["compiled_cache_hits"] == 0, s3
    corrupt_lines = [line for line in stderr.splitlines() if "is corrupt" in line]
    assert len(corrupt_lines) == 4, stderr
    assert all(line.startswith("kgen: cache file ") and line.endswith("; recomputing it")
               for line in corrupt_lines)
    refused = [line for line in stderr.splitlines() if "cannot use cache file" in line]
    assert len(refused) == 1 and "compiled on another kind of host" in refused[0], stderr
    assert third["report"] == first["report"]
    for f in files:  # rewritten, whole
        assert json.loads(f.read_text())["format"] == 1

    fourth, _ = _run_cache_script(tmp_path)
    s4 = fourth["stats"]
    assert s4["imports"] == 0 and s4["cache_errors"] == 0, s4
    assert s4["compiles"] == 0 and s4["compiled_cache_hits"] == 2, s4


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_cache_across_processes(tmp_path):
    """A second process loads the GPU functions' images (host code with the
    cubin inside) and launches them: nothing compiled, same results."""
    first, _ = _run_cache_script(tmp_path, "cuda")
    assert first["stats"]["compiles"] == 2, first
    second, _ = _run_cache_script(tmp_path, "cuda")
    s2 = second["stats"]
    assert s2["compiles"] == 0 and s2["compiled_cache_hits"] == 2, s2
    assert s2["kgen_runs"] == first["stats"]["kgen_runs"] > 0, s2


def _restamp_image_host(image_path: Path, host: str) -> None:
    """Rewrites a cached function image's host (its header's JSON line) and
    the SHA-256 its cache entry holds, as a cache copied from another
    machine would look."""
    magic, header, obj = image_path.read_bytes().split(b"\n", 2)
    fields = json.loads(header)
    fields["host"] = host
    image = magic + b"\n" + json.dumps(fields).encode() + b"\n" + obj
    image_path.write_bytes(image)
    entry_path = image_path.with_suffix(".json")
    entry = json.loads(entry_path.read_text())
    entry["payload"]["image"] = hashlib.sha256(image).hexdigest()
    entry_path.write_text(json.dumps(entry))


@pytest.mark.parametrize("options, message", [
    ({"check_seeds": -1}, "kgen: option 'check_seeds' must be an integer >= 0, not -1"),
    ({"decisions": 5}, "kgen: option 'decisions' must be the path of a decisions file, not 5"),
    ({"decisions": "/nonexistent/d.json"},
     "kgen: decisions file '/nonexistent/d.json': its directory does not exist"),
    ({"decisions": "/"}, "kgen: decisions file '/' is not a regular file"),
    ({"cache": "yes"}, "kgen: option 'cache' must be True or False, not 'yes'"),
    ({"fast": True}, "kgen: unknown option 'fast'; the options are decisions, check_seeds, cache"),
])
def test_bad_option_is_one_line_error(options, message):
    with pytest.raises(kgen_torch.KgenOptionError) as info:
        kgen_torch.parse_options(options)
    assert str(info.value) == message
    # Through torch.compile: dynamo wraps the backend's error; ours is the
    # cause, one line.
    fn = torch.compile(Whole().eval(), backend="kgen", options=options)
    with pytest.raises(Exception) as info:
        fn(torch.randn(2, 24))
    e = info.value
    while e is not None and not isinstance(e, kgen_torch.KgenOptionError):
        e = e.__cause__ or e.__context__
    assert e is not None and str(e) == message and "\n" not in str(e)


def test_decisions_option_is_accepted(tmp_path):
    decisions = tmp_path / "d.json"
    decisions.write_text("{}")
    assert kgen_torch.parse_options({"decisions": str(decisions)}).decisions == decisions
    model = Whole().eval()
    fn = compiled(model, options={"decisions": str(decisions), "check_seeds": 1})
    check_close(model, fn, torch.randn(3, 24))  # CPU: the decisions are for GPU schedules
    assert kgen_torch.last_report().everything_in_kgen


def test_autograd_runs_the_subgraph_in_pytorch():
    torch.manual_seed(3)
    model = Whole()
    fn = compiled(model)
    x = torch.randn(4, 24, requires_grad=True)
    y = fn(x)
    y.sum().backward()
    gx = x.grad.clone()
    x.grad = None
    model(x).sum().backward()
    torch.testing.assert_close(gx, x.grad)
    assert kgen_torch.statistics()["pytorch_runs"] >= 1


class InPlace(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(12, 12)

    def forward(self, x):
        h = self.fc(x)
        g = h * 2
        h.relu_()
        h += g
        return F.relu(h, inplace=True) - g


def test_in_place_ops():
    torch.manual_seed(4)
    model = InPlace().eval()
    fn = compiled(model)
    check_seeds(model, fn, 3, 12)
    assert kgen_torch.last_report().everything_in_kgen, str(kgen_torch.last_report())
    assert kgen_torch.statistics()["kgen_runs"] == len(SEEDS)


def test_entry_point_registration(tmp_path):
    """An installed frontend declares the backend as an entry point;
    torch.compile(backend="kgen") then loads it without an import (and the
    package's own registration does not collide with dynamo's)."""
    site = tmp_path / "site"
    info = site / "kgen_frontend-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: kgen-frontend\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text("[torch_dynamo_backends]\n"
                                           "kgen = kgen_torch:kgen_backend\n")
    script = textwrap.dedent(f"""
        import sys
        sys.path[:0] = [{str(site)!r}, {str(REPO / 'frontend')!r}]
        import torch
        assert "kgen_torch" not in sys.modules
        fn = torch.compile(torch.nn.Linear(4, 4), backend="kgen", dynamic=False)
        with torch.no_grad():
            fn(torch.randn(2, 4))
        import kgen_torch
        print(kgen_torch.last_report())
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ))
    assert proc.returncode == 0, proc.stderr
    assert "everything went to kgen" in proc.stdout
    toml = (REPO / "frontend" / "pyproject.toml").read_text()
    assert '[project.entry-points.torch_dynamo_backends]\nkgen = "kgen_torch:kgen_backend"' in toml


def test_half_precision_and_mixed_dtypes():
    """bf16 and f16 models compile; f32 ops beside them (on a constant made
    in forward) go to a subgraph of their own, since a kgen program has one
    element type."""
    class Mixed(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(16, 16)

        def forward(self, x):
            return torch.layer_norm(self.fc(x), (16,)), torch.ones(3) * 2

    for dtype in (torch.bfloat16, torch.float16):
        torch._dynamo.reset()
        torch.manual_seed(5)
        model = Mixed().to(dtype).eval()
        fn = compiled(model)
        x = torch.randn(4, 16, dtype=dtype)
        with torch.no_grad():
            want, got = model(x), fn(x)
        tol = 2e-2 if dtype == torch.bfloat16 else 2e-3
        torch.testing.assert_close(got[0].float(), want[0].float(), rtol=tol, atol=tol)
        torch.testing.assert_close(got[1], want[1])
        report = kgen_torch.last_report()
        assert report.compiled == report.subgraphs == 2, str(report)
        assert report.everything_in_kgen, str(report)  # torch.ones is folded to a constant


def test_compile_failure_falls_back_and_is_remembered(monkeypatch):
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        raise runtime.KgenRuntimeError("error: 'kgen.linear' op fails here\nnote: more")

    monkeypatch.setattr(runtime, "CompiledFunction", failing)
    model = Whole().eval()
    for round in range(2):  # the second time the failure comes from the cache
        torch._dynamo.reset()
        fn = compiled(model)
        check_close(model, fn, torch.randn(3, 24))
        text = str(kgen_torch.last_report())
        cached = " (cached)" if round else ""
        assert text.startswith("kgen: graph ")
        assert ("0 of 1 subgraph compiled (0 of 4 ops); left in PyTorch: subgraph 1 ("
                in text), text
        assert f"(kgen compile failed{cached}: error: 'kgen.linear' op fails here) at " \
            "test_torch_compile.py:" in text, text
    assert len(calls) == 1
    assert kgen_torch.statistics()["known_compile_failures"] == 1


def test_missing_library_falls_back(monkeypatch, tmp_path):
    monkeypatch.setenv("KGEN_C_LIBRARY", str(tmp_path / "nowhere" / "libkgen_c.so"))
    model = Whole().eval()
    fn = compiled(model)
    check_close(model, fn, torch.randn(3, 24))
    text = str(kgen_torch.last_report())
    assert "(kgen compile failed: libkgen_c not found at " in text, text
    assert not list((Path(os.environ["KGEN_CACHE_DIR"]) / "torch-compile").glob("compiled/*"))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_model_and_decisions_file(tmp_path):
    """On CUDA tensors the subgraphs are compiled for the device's chip and
    launched on PyTorch's current stream; the decisions file records the
    schedules and is read back by the next compilation."""
    decisions = tmp_path / "tc.decisions.json"
    torch.manual_seed(6)
    model = Whole().cuda().eval()
    fn = compiled(model, options={"decisions": str(decisions), "check_seeds": 1})
    stream = torch.cuda.Stream()
    for seed in SEEDS:
        torch.manual_seed(seed)
        x = torch.randn(64, 24, device="cuda")
        with torch.cuda.stream(stream), torch.no_grad():
            want, got = model(x), fn(x)
        stream.synchronize()
        torch.testing.assert_close(got, want, rtol=1e-3, atol=1e-5)
    report = kgen_torch.last_report()
    assert report.everything_in_kgen, str(report)
    assert kgen_torch.statistics()["kgen_runs"] == len(SEEDS)
    recorded = json.loads(decisions.read_text())
    assert recorded["format"] == "kgen-decisions" and recorded["entries"]
    # A new compilation with the recorded decisions (another cache key: the
    # file's content is part of it).
    torch._dynamo.reset()
    kgen_torch.clear_compiled()
    fn = compiled(model, options={"decisions": str(decisions), "check_seeds": 1})
    x = torch.randn(64, 24, device="cuda")
    with torch.no_grad():
        torch.testing.assert_close(fn(x), model(x), rtol=1e-3, atol=1e-5)
    assert kgen_torch.statistics()["compiles"] == 2


class Constants(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("scale", torch.tensor([1.0, 2.0, 3.0]))

    def forward(self, x):
        return (x * self.scale + torch.tensor(2.0) - torch.arange(3.0) * torch.ones(3)).exp()


def test_factories_in_forward_are_constants():
    model = Constants().eval()
    fn = compiled(model)
    check_seeds(model, fn, 4, 3)
    report = kgen_torch.last_report()
    assert report.everything_in_kgen, str(report)
    assert report.stats["compiled_subgraphs"] == 1


def test_backend_bug_leaves_graph_in_pytorch(monkeypatch):
    from kgen_torch import backend

    def broken(*args):
        raise KeyError("oops")

    monkeypatch.setattr(backend, "graph_key", broken)
    model = Whole().eval()
    fn = compiled(model)
    check_close(model, fn, torch.randn(3, 24))
    assert str(kgen_torch.last_report()) == (
        "kgen: graph 1 left in PyTorch: internal error of the kgen backend: KeyError: 'oops'")


class Assign(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        h = self.fc(x)
        v = h.view(2, 8)
        h[:, 0] = 5.0
        return torch.relu(h) * 2, v + 1


class SeveralResults(nn.Module):
    """Ops that return several tensors, read through getitems: max and min
    along a dim (values and int64 positions), split and chunk."""

    def forward(self, x):
        top, where_top = torch.max(x.relu(), dim=1)
        low, _ = x.min(dim=0, keepdim=True)
        a, b = torch.split(x, 3, dim=1)
        c, d = x.chunk(2, dim=0)
        return top * 2, where_top, x - low, (a * b).sum(1), c - d


def test_ops_with_several_results_go_to_kgen():
    model = SeveralResults().eval()
    fn = compiled(model)
    check_seeds(model, fn, 4, 6)
    report = kgen_torch.last_report()
    assert report.everything_in_kgen, str(report)
    assert report.subgraphs == 1


class SortsThenScales(nn.Module):
    def forward(self, x):
        values, positions = torch.sort(x, dim=1)
        return values.exp(), positions


def test_getitems_of_an_op_left_in_pytorch_stay_with_it():
    model = SortsThenScales().eval()
    fn = compiled(model)
    check_seeds(model, fn, 3, 5)
    text = str(kgen_torch.last_report())
    assert "torch.sort (" in text, text
    assert "operator.getitem x2 (reads a result of an op left in PyTorch)" in text, text


def test_users_of_a_tensor_assigned_in_place_stay_in_pytorch():
    """fx records no dependency on `h[:, 0] = 5`: the readers of h and of
    its views must run in PyTorch, after it."""
    model = Assign().eval()
    fn = compiled(model)
    check_seeds(model, fn, 4, 4)
    text = str(kgen_torch.last_report())
    assert "operator.setitem (updates a tensor in place)" in text
    assert "torch.relu (uses a tensor updated in place)" in text
    assert "Tensor.view (a view of a tensor updated in place)" in text


def test_gpu_compilation_needs_no_gpu(tmp_path):
    """What the backend does for a CUDA subgraph, up to the launch: the
    program compiles for the chip through kgenCompileGpuFunction with the
    decisions file as a schedule option, the schedules are recorded, and a
    tuned schedule put in the file is used by the next compilation."""
    from kgen_import import import_program
    model = nn.Sequential(nn.Linear(24, 40), nn.GELU()).eval()
    program = import_program(model, (torch.randn(64, 24),)).mlir
    decisions = tmp_path / "gpu.decisions.json"
    function = runtime.CompiledFunction(program, "main", "sm_90a", f"decisions={decisions}", 1)
    assert (function.gpu, function.num_inputs, function.num_outputs) == (True, 3, 1)
    entries = json.loads(decisions.read_text())["entries"]
    assert entries and all(k.endswith("@sm_90a") for k in entries)
    with pytest.raises(runtime.KgenRuntimeError):
        runtime.CompiledFunction(program, "main", "sm_12", "", 0)
    # A tuned schedule in the decisions file (what kgen-tune writes) is the
    # one the next compilation uses: the schedule options the backend
    # passes ("decisions=PATH"), with a trajectory to see the choice.
    data = json.loads(decisions.read_text())
    key = next(iter(data["entries"]))
    tuned = dict(data["entries"][key]["schedule"])
    tuned["workgroup_tile"] = [tuned["workgroup_tile"][0] // 2] + tuned["workgroup_tile"][1:]
    data["entries"][key].update(schedule=tuned, proposer="tuned")
    decisions.write_text(json.dumps(data))
    trajectory = tmp_path / "choices.jsonl"
    runtime.CompiledFunction(program, "main", "sm_90a",
                             f"decisions={decisions} trajectory={trajectory}", 0)
    (used,) = [json.loads(line) for line in trajectory.read_text().splitlines()]
    assert used["proposer"] == "decisions" and used["verdict"]["accepted"], used
    assert used["schedule"]["workgroup_tile"] == tuned["workgroup_tile"]
    # The compiled function as bytes, loaded again without compiling (what
    # the on-disk cache keeps), for its own chip only.
    image = function.serialize()
    loaded = runtime.CompiledFunction.load(image, "sm_90a")
    assert (loaded.gpu, loaded.num_inputs, loaded.num_outputs) == (True, 3, 1)
    assert loaded.buffer_bytes == function.buffer_bytes
    assert loaded.serialize() == image
    with pytest.raises(runtime.KgenRuntimeError, match="compiled for sm_90a, not sm_80"):
        runtime.CompiledFunction.load(image, "sm_80")
    with pytest.raises(runtime.KgenRuntimeError, match="not a kgen function image"):
        runtime.CompiledFunction.load(b"garbage", "sm_90a")


class Breaks(nn.Module):
    """.item() and nonzero break dynamo's graph: they never reach the
    backend, which compiles the graphs around them; the comparison feeding
    nonzero stays in PyTorch with it."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        h = torch.tanh(self.fc(x))
        s = h.sum().item()
        idx = torch.nonzero(h > 0)
        return h * s + 1, idx


def test_graph_breaks():
    model = Breaks().eval()
    fn = compiled(model)
    check_seeds(model, fn, 3, 8)
    # The graphs after the break are compiled again for new values of s
    # (dynamo specializes a float read from a tensor under dynamic=False).
    texts = [str(r) for r in kgen_torch.reports()]
    assert len(texts) >= 3 and texts[0].endswith("everything went to kgen"), texts
    # h > 0 feeds nonzero, which stays in PyTorch: a mask kgen never returns.
    gt = [t for t in texts if "operator.gt (a bool result used outside kgen" in t]
    assert gt and all(t.endswith("everything went to kgen") for t in texts if t not in gt)


def test_cnn_with_unsupported_layers_between_subgraphs():
    """Resizing (interpolation, not kgen's) splits a small CNN into three
    kgen subgraphs; adaptive pooling with overlapping windows is kgen's.
    Inside nn.Sequential the report names the module, there being no user
    line."""
    torch.manual_seed(7)
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.Upsample(size=(5, 5)), nn.ReLU(),
                          nn.AdaptiveAvgPool2d(3), nn.Upsample(size=(2, 2)), nn.Flatten(),
                          nn.Linear(8 * 2 * 2, 10), nn.LogSoftmax(-1)).eval()
    fn = compiled(model)
    check_seeds(model, fn, 2, 3, 8, 8)
    assert str(kgen_torch.last_report()) == (
        "kgen: graph 1: 3 of 3 subgraphs compiled (6 of 8 ops); left in PyTorch: "
        "torch.nn.functional.interpolate x2 (not supported by the importer) at module 1 "
        "(nn.Upsample)")
    assert kgen_torch.statistics()["kgen_runs"] == 3 * len(SEEDS)


def test_cnn_with_norms_and_pooling_goes_to_kgen():
    """Batch norm (eval), group norm, 2x2 max pooling and global average
    pooling decompose into kgen ops: the whole model is one kgen subgraph."""
    torch.manual_seed(8)
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                          nn.MaxPool2d(2), nn.GroupNorm(2, 8), nn.AdaptiveAvgPool2d(1),
                          nn.Flatten(), nn.Linear(8, 10)).eval()
    with torch.no_grad():
        model[1].running_mean.uniform_(-0.5, 0.5)
        model[1].running_var.uniform_(0.5, 2.0)
    fn = compiled(model)
    check_seeds(model, fn, 2, 3, 8, 8)
    report = kgen_torch.last_report()
    assert report.everything_in_kgen, str(report)
    assert "kgen.rsqrt" in report.programs[0] and "kgen.max" in report.programs[0]


def test_training_batch_norm_updates_running_stats_in_pytorch():
    """In training mode F.batch_norm updates the running statistics in
    place, which a kgen program does not: it stays in PyTorch, so the
    module's buffers change as in eager mode."""
    torch.manual_seed(9)
    model = nn.Sequential(nn.Linear(6, 4), nn.BatchNorm1d(4), nn.ReLU()).train()
    eager = copy.deepcopy(model)
    fn = compiled(model)
    x = torch.randn(5, 6)
    with torch.no_grad():
        torch.testing.assert_close(fn(x), eager(x), rtol=RTOL, atol=ATOL)
    torch.testing.assert_close(model[1].running_mean, eager[1].running_mean)
    torch.testing.assert_close(model[1].running_var, eager[1].running_var)
    assert "torch.nn.functional.batch_norm (updates the running statistics in place in " \
        "training mode) at module 1 (nn.BatchNorm1d)" in str(kgen_torch.last_report())


def test_float64_stays_in_pytorch():
    model = nn.Sequential(nn.Linear(4, 4), nn.ReLU()).double().eval()
    fn = compiled(model)
    check_close(model, fn, torch.randn(2, 4, dtype=torch.float64))
    assert str(kgen_torch.last_report()) == (
        "kgen: graph 1: 0 of 0 subgraphs compiled (0 of 2 ops); left in PyTorch: "
        "torch.nn.functional.linear (computes in torch.float64; kgen computes in f32, f16 "
        "and bf16) at module 0 (nn.Linear); torch.nn.functional.relu (computes in "
        "torch.float64; kgen computes in f32, f16 and bf16) at module 1 (nn.ReLU)")


def test_cache_write_failures_are_reported_not_raised(tmp_path, monkeypatch, caplog):
    """A cache directory that cannot be written (a file where the
    directory should be) costs the cache, not the compilation: each failed
    write is counted and logged once, with the path, and nothing raises."""
    from kgen_torch.cache import DiskCache
    blocked = tmp_path / "blocked"
    blocked.write_text("not a directory")
    monkeypatch.setenv("KGEN_CACHE_DIR", str(blocked))
    stats = {"cache_errors": 0, "cache_writes": 0}
    cache = DiskCache(stats)
    with caplog.at_level(logging.WARNING, logger="kgen_torch"):
        cache.store("imports", "k1", {"x": 1})
        assert cache.store_blob("objects", "k1", b"\0") is False
    assert stats == {"cache_errors": 2, "cache_writes": 0}
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 2 and all("cannot write cache file" in w and str(blocked) in w
                                      and "continuing without it" in w for w in warnings)
