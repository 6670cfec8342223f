"""Import without executing: shapes and dtypes come from fake tensors.

A problem whose input alone would need 25.8 GB (test/frontend/problems/
conv3d_huge.py) is imported by tools/kgen-import in a subprocess whose
address space is limited to 4 GB (torch itself maps about 3.2 GB): it
must finish in seconds with the right shapes, so the model's arithmetic
cannot have run. The same file at small sizes, with --save-args (real
inputs, made only when asked), runs under kgen-run like PyTorch.

Run: .venv/bin/python -m pytest -q test/frontend/test_import_without_executing.py
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import torch

from frontend_testing import ATOL, REPO, RTOL, kgen_opt, need_tools, tool  # noqa: E402

from kgen_import import KgenImportError, import_program, load_problem  # noqa: E402

KGEN_IMPORT = REPO / "tools" / "kgen-import"
HUGE = REPO / "test" / "frontend" / "problems" / "conv3d_huge.py"
MEMORY_LIMIT = 4 << 30   # bytes of address space for the importer
TIME_LIMIT_S = 30        # it takes 3 to 4 s on 2 cores, most of it importing torch


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def test_huge_problem_imports_under_a_memory_limit(tmp_path):
    out, err = tmp_path / "huge.mlir", tmp_path / "stderr.txt"
    t0 = time.monotonic()
    with open(err, "wb") as errf:
        proc = subprocess.Popen([sys.executable, str(KGEN_IMPORT), str(HUGE), "-o", str(out)],
                                stdout=subprocess.DEVNULL, stderr=errf,
                                preexec_fn=_limit_memory)
        timer = threading.Timer(120, proc.kill)
        timer.start()
        try:
            # wait4: this child's own peak resident memory (getrusage of the
            # children would count every other subprocess of the test run).
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.monotonic() - t0
    assert proc.returncode == 0, err.read_text()
    peak_mb = usage.ru_maxrss / 1024
    text = out.read_text()
    print(f"conv3d_huge imported in {elapsed:.1f} s, peak resident memory {peak_mb:.0f} MB",
          file=sys.stderr)
    assert elapsed < TIME_LIMIT_S, f"took {elapsed:.1f} s"
    assert peak_mb < 2048, f"peak resident memory {peak_mb:.0f} MB"
    sig = re.search(r"func\.func @main\((.*)\) -> \((.*)\) \{", text)
    assert sig, text
    assert sig.group(1) == ("%x: tensor<64x3x128x512x512xf32>, %bias: tensor<16x1x1x1xf32>, "
                            "%conv.weight: tensor<16x3x3x3x3xf32>, %conv.bias: tensor<16xf32>")
    assert sig.group(2) == "tensor<64x16x128x512x512xf32>"
    assert "kgen.conv" in text and "kgen.softmax" in text
    assert "// kgen-import: results: tensor<64x16x128x512x512xf32>\n" in text
    need_tools()
    kgen_opt(out)  # parses and verifies; nothing runs


def test_same_problem_small_runs_like_pytorch(tmp_path):
    """--save-args needs values: the inputs are made for real then, and the
    program computes what PyTorch computes on them."""
    out, args_dir = tmp_path / "small.mlir", tmp_path / "args"
    sets = [a for k, v in load_problem_sizes().items() for a in ("--set", f"{k}={v}")]
    proc = subprocess.run([sys.executable, str(KGEN_IMPORT), str(HUGE), "-o", str(out),
                           "--save-args", str(args_dir), *sets],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    need_tools()
    files = sorted(args_dir.glob("*.npy"))
    assert [f.name for f in files] == ["00_x.npy", "01_bias.npy", "02_conv.weight.npy",
                                       "03_conv.bias.npy"]
    y = tmp_path / "y.npy"
    run = subprocess.run([str(tool("kgen-run")), str(out), *[f"--input={f}" for f in files],
                          f"--output={y}"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    p = load_problem(HUGE, seed=0, sizes=load_problem_sizes())
    with torch.no_grad():
        want = p.model.eval()(*p.inputs).numpy()
    np.testing.assert_allclose(np.load(y), want, rtol=RTOL, atol=ATOL)


def load_problem_sizes():
    from kgen_import.problem import load_source
    return load_source(HUGE).SMALL_SIZES


def test_fake_inputs_have_shapes_but_no_values(tmp_path):
    p = load_problem(HUGE, seed=0, fake_inputs=True)
    assert p.inputs[0].shape == (64, 3, 128, 512, 512)
    res = import_program(p.model, p.inputs, source="conv3d_huge.py")
    assert res.result_shapes == [(64, 16, 128, 512, 512)]
    assert [(a.name, a.kind, a.has_values) for a in res.arguments] == [
        ("x", "input", False), ("bias", "parameter", True),
        ("conv.weight", "parameter", True), ("conv.bias", "parameter", True)]
    # The parameters are the model's own values.
    assert torch.equal(res.arguments[2].tensor, p.model.conv.weight.detach())
    with pytest.raises(KgenImportError, match=r"^argument 'x' has no values to save: it was "
                                              r"imported from a fake tensor"):
        res.save_arguments(tmp_path / "args")
    assert not (tmp_path / "args").exists()


def test_meta_inputs_and_constants(tmp_path):
    """Meta tensors are inputs too; constants that depend only on shapes
    (ones_like) and the module's tensors are still real values."""
    class M(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("scale", torch.tensor([0.5, 2.0, -1.0]))

        def forward(self, x):
            return x * self.scale + torch.full_like(x, 3.0) + torch.tensor(0.25)

    class Scale(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("scale", torch.tensor([0.5, 2.0, -1.0]))

        def forward(self, x):
            return x * self.scale

    huge = torch.empty(100000, 100000, 3, device="meta")  # 120 GB if it were real
    res = import_program(Scale(), (huge,))
    assert "%x: tensor<100000x100000x3xf32>, %scale: tensor<3xf32>" in res.mlir
    assert res.arguments[1].tensor.tolist() == [0.5, 2.0, -1.0]
    # Constants: the program imported from meta inputs is the one imported
    # from real inputs of the same shape.
    xs = torch.rand(2, 4, 3)
    small = import_program(M(), (xs,), params_as="constants")
    assert import_program(M(), (torch.empty(2, 4, 3, device="meta"),),
                          params_as="constants").mlir == small.mlir
    assert "kgen.constant dense<3.0" in small.mlir, small.mlir
    need_tools()
    path = tmp_path / "m.mlir"
    path.write_text(small.mlir)
    kgen_opt(path)
    np.save(tmp_path / "x.npy", xs.numpy())
    run = subprocess.run([str(tool("kgen-run")), str(path), f"--input={tmp_path / 'x.npy'}",
                          f"--output={tmp_path / 'y.npy'}"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), (M()(xs)).numpy(),
                               rtol=RTOL, atol=ATOL)


def test_values_computed_from_data_are_reported():
    """`.item()` and `nonzero` need tensor data: reported as unsupported
    (with their locations), what consumes them is not."""
    from kgen_import import UnsupportedOpsError, import_module

    class M(torch.nn.Module):
        def forward(self, x):
            s = x.sum().item()
            return x * s + torch.nonzero(x).sum()

    with pytest.raises(UnsupportedOpsError) as ei:
        import_module(M(), (torch.rand(3, 4),))
    ops = [op for op, _ in ei.value.unsupported]
    assert ops == ["Tensor.item (a Python value computed from tensor data)",
                   "torch.nonzero (a Python value computed from tensor data)"]
    assert "test_import_without_executing.py:" in str(ei.value)


def test_shape_errors_are_one_located_line():
    class M(torch.nn.Module):
        def forward(self, x):
            return x @ x

    with pytest.raises(KgenImportError) as ei:
        import_program(M(), (torch.empty(3, 4, device="meta"),))
    msg = str(ei.value)
    assert "\n" not in msg
    assert re.match(r"tracing M\.forward failed at .*test_import_without_executing\.py:\d+: "
                    r"RuntimeError: ", msg), msg
