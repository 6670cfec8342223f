"""Where kgen-import writes (-o, --save-args): the policy of every kgen
output. A regular file or new path is replaced atomically, keeping its mode;
a device or FIFO is written in place (kgen-import used to replace it with a
regular file, and as root would have replaced /dev/null); a symbolic link is
followed; a dangling link, a directory or a read-only file is refused in one
line.

Run: .venv/bin/python -m pytest -q test/frontend/test_cli_outputs.py
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
import threading

import pytest

from frontend_testing import REPO  # noqa: F401  (puts frontend/ on sys.path)

from kgen_import.files import write_output  # noqa: E402

KGEN_IMPORT = REPO / "tools" / "kgen-import"

PROBLEM = textwrap.dedent("""\
    import torch
    import torch.nn as nn


    class Model(nn.Module):
        def forward(self, x):
            return torch.relu(x)


    def get_inputs():
        return [torch.randn(2, 3)]


    def get_init_inputs():
        return []
    """)


@pytest.fixture
def problem(tmp_path):
    p = tmp_path / "relu.py"
    p.write_text(PROBLEM)
    return p


def kgen_import(*args):
    return subprocess.run([sys.executable, str(KGEN_IMPORT), *map(str, args)],
                          capture_output=True, text=True, timeout=300)


def mode(p):
    return stat.S_IMODE(os.stat(p).st_mode)


def test_fifo_is_written_through(problem, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []

    def drain():
        with open(fifo, "rb") as f:
            received.append(f.read())

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    proc = kgen_import(problem, "-o", fifo)
    reader.join(timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced"
    assert received and b"func.func @main(" in received[0]


def test_character_device_is_written_through(problem):
    proc = kgen_import(problem, "-o", "/dev/null")
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)


def test_symlink_is_followed_and_kept(problem, tmp_path):
    target, link = tmp_path / "real.mlir", tmp_path / "link.mlir"
    target.write_text("old\n")
    target.chmod(0o640)
    link.symlink_to("real.mlir")
    proc = kgen_import(problem, "-o", link)
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink()
    assert "func.func @main(" in target.read_text()
    assert mode(target) == 0o640
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("case, message", [
    ("dangling", "is a symbolic link to a missing file; kgen does not create files through links"),
    ("directory", "is a directory"),
    ("read-only", "is read-only; leaving it untouched"),
])
def test_unwritable_outputs_are_refused(problem, tmp_path, case, message):
    out = tmp_path / "out.mlir"
    if case == "dangling":
        out.symlink_to("missing.mlir")
    elif case == "directory":
        out.mkdir()
    else:
        out.write_text("keep\n")
        out.chmod(0o444)
    proc = kgen_import(problem, "-o", out)
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"kgen-import: error: '{out}' {message}"
    assert not (tmp_path / "missing.mlir").exists()
    if case == "read-only":
        assert out.read_text() == "keep\n" and mode(out) == 0o444


def test_new_file_gets_the_umask_mode(tmp_path):
    # The temporary file is 0600; the output must not stay so.
    old = os.umask(0o022)
    try:
        write_output(tmp_path / "new.npy", b"data")
    finally:
        os.umask(old)
    assert mode(tmp_path / "new.npy") == 0o644


def test_save_args_follow_the_policy(problem, tmp_path):
    args = tmp_path / "args"
    args.mkdir()
    (args / "00_x.npy").write_bytes(b"keep")
    (args / "00_x.npy").chmod(0o444)
    proc = kgen_import(problem, "-o", tmp_path / "relu.mlir", "--save-args", args)
    assert proc.returncode == 1
    assert "00_x.npy' is read-only; leaving it untouched" in proc.stderr
    assert (args / "00_x.npy").read_bytes() == b"keep"
