"""kgen-run's command line: options, the .npy contract, and its errors.

Every error case must exit with a non-zero status (not a crash by signal)
and say what is wrong on stderr; ERROR_WORDS holds the words looked for (any
one of them, case-insensitive), in one place so the wording can change.
"""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from kgen_testing import (assert_close, check_output_dtype, is_representable, kgen_run_path,
                          run_kgen, to_npy, tolerance)

ERROR_WORDS = {
    "missing_function": ("not found", "no function", "unknown function"),
    "shape": ("shape",),
    "dtype": ("dtype",),
    "malformed": ("malformed", "invalid .npy", "not a .npy", "truncated", "corrupt"),
    "missing_file": ("not found", "no such file", "cannot open", "could not open"),
    "count": ("expected", "argument"),
    "parse": ("error",),
    "output_count": ("--output", "output"),
    "unwritable": ("no such file", "not found", "cannot", "could not", "failed to"),
    "fortran": ("fortran",),
}

ADD_F32 = """
func.func @main(%a: tensor<4x5xf32>, %b: tensor<5xf32>) -> tensor<4x5xf32> {
  %c = kgen.add %a, %b : (tensor<4x5xf32>, tensor<5xf32>) -> tensor<4x5xf32>
  return %c : tensor<4x5xf32>
}

func.func @second(%a: tensor<3xf32>) -> (tensor<3xf32>, tensor<f32>) {
  %n = kgen.neg %a : tensor<3xf32>
  %s = kgen.sum %a dims [0] : tensor<3xf32> -> tensor<f32>
  return %n, %s : tensor<3xf32>, tensor<f32>
}
"""


def identity(dtype, shape="3x4"):
    t = f"tensor<{shape}x{dtype}>"
    return f"func.func @main(%a: {t}) -> {t} {{\n  return %a : {t}\n}}\n"


def kgen(args, cwd, check_ok=False):
    proc = subprocess.run([str(kgen_run_path()), *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=300)
    if check_ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def assert_error(proc, kind):
    words = ERROR_WORDS[kind]
    assert proc.returncode != 0, f"expected failure ({kind}), exited 0\nstdout: {proc.stdout}"
    assert proc.returncode > 0, f"killed by signal {-proc.returncode} (a crash, not an error)" \
                                f"\nstderr: {proc.stderr[-2000:]}"
    err = proc.stderr.lower()
    assert any(w in err for w in words), (
        f"stderr does not mention any of {words}:\n{proc.stderr[-2000:]}")
    assert "stack dump" not in err and "please submit a bug report" not in err, proc.stderr


@pytest.fixture
def prog(tmp_path, kgen_run):
    p = tmp_path / "prog.mlir"
    p.write_text(ADD_F32)
    np.save(tmp_path / "a.npy", np.ones((4, 5), np.float32))
    np.save(tmp_path / "b.npy", np.arange(5, dtype=np.float32))
    return p


# ---------------------------------------------------------------------------
# Working command lines
# ---------------------------------------------------------------------------

def test_inputs_outputs_and_summary_line(prog, tmp_path):
    proc = kgen([prog, "--input=a.npy", "--input=b.npy", "--output=o.npy"], tmp_path, True)
    out = np.load(tmp_path / "o.npy")
    assert out.dtype == np.dtype("<f4") and out.shape == (4, 5)
    np.testing.assert_array_equal(out, np.broadcast_to(1 + np.arange(5, dtype=np.float32), (4, 5)))
    assert "output 0: tensor<4x5xf32>" in proc.stdout
    for key in ("min=", "max=", "mean="):
        assert key in proc.stdout


def test_function_option_and_output_dir(prog, tmp_path):
    np.save(tmp_path / "c.npy", np.array([1.0, -2.0, 4.5], np.float32))
    proc = kgen([prog, "--function=second", "--input=c.npy", f"--output-dir={tmp_path / 'od'}"],
                tmp_path, True)
    n = np.load(tmp_path / "od" / "output0.npy")
    s = np.load(tmp_path / "od" / "output1.npy")
    np.testing.assert_array_equal(n, [-1.0, 2.0, -4.5])
    assert s.shape == () and float(s) == 3.5
    assert "output 0:" in proc.stdout and "output 1:" in proc.stdout


@pytest.mark.parametrize("dtype", ["f32", "f16", "bf16"])
def test_random_inputs_are_seeded_uniform(dtype, tmp_path, kgen_run):
    """Without --input: uniform [-1, 1) from --seed (default 0), same seed same data."""
    text = identity(dtype, "16x32")
    a = run_kgen(text, tmp_path, None, n_outputs=1, seed=5, tag="a").outputs[0]
    b = run_kgen(text, tmp_path, None, n_outputs=1, seed=5, tag="b").outputs[0]
    c = run_kgen(text, tmp_path, None, n_outputs=1, seed=6, tag="c").outputs[0]
    d = run_kgen(text, tmp_path, None, n_outputs=1, tag="d").outputs[0]
    e = run_kgen(text, tmp_path, None, n_outputs=1, seed=0, tag="e").outputs[0]
    check_output_dtype(a, dtype)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(d, e)
    assert not np.array_equal(a, c)
    # f16/bf16: values just below 1 may round up to 1.0.
    assert a.min() >= -1.0 and (a.max() < 1.0 if dtype == "f32" else a.max() <= 1.0)
    assert np.unique(a).size > 64 and abs(float(a.mean())) < 0.2


@pytest.mark.parametrize("dtype", ["f32", "f16", "bf16"])
def test_identity_roundtrip_exact(dtype, tmp_path, kgen_run):
    """An argument returned as is comes back bit-exact (incl. -0, inf, NaN, subnormals)."""
    vals = np.array([0.0, -0.0, 1.0, -1.5, np.inf, -np.inf, np.nan, 65504.0,
                     6.1035156e-05, 5.9604645e-08, 3.0e-39, 1.0e30], np.float64)
    if dtype == "f16":
        vals[-2:] = [2.0 ** -20, 1000.0]
    x = to_npy(vals.reshape(3, 4), dtype)
    out = run_kgen(identity(dtype), tmp_path, [x], n_outputs=1).outputs[0]
    check_output_dtype(out, dtype)
    assert out.tobytes() == x.tobytes(), f"{out} != {x}"


def test_bf16_input_is_rounded(tmp_path, kgen_run):
    """float32 data given for a bf16 argument is rounded to bf16 (nearest even)."""
    x = np.array([[1.0 + 2.0 ** -9, 1.0 + 3 * 2.0 ** -9, 0.1, -0.3],
                  [3.14159, 1e-3, -7.77, 100.1], [1.0, 2.0, 0.5, 0.0]], np.float32)
    out = run_kgen(identity("bf16"), tmp_path, [x], n_outputs=1).outputs[0]
    assert is_representable(out, "bf16").all()
    np.testing.assert_array_equal(out, to_npy(x, "bf16"))


def test_f16_result_matches_numpy(tmp_path, kgen_run):
    text = """
func.func @main(%a: tensor<2x3xf16>, %b: tensor<2x3xf16>) -> tensor<2x3xf16> {
  %c = kgen.mul %a, %b : (tensor<2x3xf16>, tensor<2x3xf16>) -> tensor<2x3xf16>
  return %c : tensor<2x3xf16>
}
"""
    a = np.array([[1.5, -2.0, 0.1], [3.0, 7.0, -0.25]], np.float16)
    b = np.array([[2.0, 0.5, 0.3], [-1.0, 11.0, 4.0]], np.float16)
    out = run_kgen(text, tmp_path, [a, b], n_outputs=1).outputs[0]
    check_output_dtype(out, "f16")
    # One rounding of the exact product (exact in f32) to f16.
    np.testing.assert_array_equal(out, (a.astype(np.float32) * b.astype(np.float32)).astype(np.float16))


def test_no_arguments(tmp_path, kgen_run):
    text = """
func.func @main() -> tensor<2xf32> {
  %c = kgen.constant dense<[1.0, -2.0]> : tensor<2xf32>
  return %c : tensor<2xf32>
}
"""
    out = run_kgen(text, tmp_path, [], n_outputs=1).outputs[0]
    np.testing.assert_array_equal(out, [1.0, -2.0])


def test_large_tensor_io(tmp_path, kgen_run):
    """A result of 1M elements goes through memory and .npy intact."""
    text = """
func.func @main(%a: tensor<1024x1024xf32>) -> tensor<1024x1024xf32> {
  %c = kgen.mul %a, %a : (tensor<1024x1024xf32>, tensor<1024x1024xf32>) -> tensor<1024x1024xf32>
  return %c : tensor<1024x1024xf32>
}
"""
    a = np.random.default_rng(0).uniform(-1, 1, (1024, 1024)).astype(np.float32)
    out = run_kgen(text, tmp_path, [a], n_outputs=1).outputs[0]
    assert_close(out, a.astype(np.float64) ** 2, tolerance("f32"), "1024x1024 square")


TWO_RESULTS = """
func.func @main(%a: tensor<3x4xf32>) -> (tensor<3x4xf32>, tensor<4x3xf32>) {
  %n = kgen.neg %a : tensor<3x4xf32>
  %t = kgen.permute %a dims [1, 0] : tensor<3x4xf32> -> tensor<4x3xf32>
  return %n, %t : tensor<3x4xf32>, tensor<4x3xf32>
}
"""
A34 = np.arange(12, dtype=np.float32).reshape(3, 4) - 5.5


@pytest.fixture
def two_results(tmp_path, kgen_run):
    p = tmp_path / "two.mlir"
    p.write_text(TWO_RESULTS)
    np.save(tmp_path / "a34.npy", A34)
    return p


def _check_two_results(tmp_path, o1="o1.npy", o2="o2.npy"):
    np.testing.assert_array_equal(np.load(tmp_path / o1), -A34)
    np.testing.assert_array_equal(np.load(tmp_path / o2), A34.T)


@pytest.mark.parametrize("version", [(1, 0), (2, 0), (3, 0)])
def test_npy_format_versions(two_results, tmp_path, version):
    """.npy format 2.0/3.0 (4-byte header length) read correctly, or refused clearly."""
    with open(tmp_path / "v.npy", "wb") as f:
        np.lib.format.write_array(f, A34, version=version)
    proc = kgen([two_results, "--input=v.npy", "--output=o1.npy", "--output=o2.npy"], tmp_path)
    if version != (1, 0) and proc.returncode != 0:
        assert_error(proc, "malformed")
        return
    assert proc.returncode == 0, proc.stderr
    _check_two_results(tmp_path)


def test_fortran_order_npy(two_results, tmp_path):
    """A Fortran-ordered .npy is either read correctly or refused clearly."""
    np.save(tmp_path / "f.npy", np.asfortranarray(A34))
    proc = kgen([two_results, "--input=f.npy", "--output=o1.npy", "--output=o2.npy"], tmp_path)
    if proc.returncode != 0:
        assert_error(proc, "fortran")
        return
    _check_two_results(tmp_path)


def test_output_dir_is_created(two_results, tmp_path):
    kgen([two_results, "--input=a34.npy", "--output-dir=new/sub"], tmp_path, True)
    _check_two_results(tmp_path, "new/sub/output0.npy", "new/sub/output1.npy")


@pytest.mark.parametrize("n", [1, 3])
def test_wrong_output_count(two_results, tmp_path, n):
    outs = [f"--output=o{i}.npy" for i in range(n)]
    assert_error(kgen([two_results, "--input=a34.npy", *outs], tmp_path), "output_count")


def test_unwritable_output(two_results, tmp_path):
    assert_error(kgen([two_results, "--input=a34.npy", "--output=/nonexistent-dir/o.npy",
                       "--output=o2.npy"], tmp_path), "unwritable")


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------

def test_missing_function(prog, tmp_path):
    assert_error(kgen([prog, "--function=does_not_exist", "--input=a.npy", "--input=b.npy"],
                      tmp_path), "missing_function")


def test_missing_mlir_file(tmp_path, kgen_run):
    assert_error(kgen([tmp_path / "nope.mlir"], tmp_path), "missing_file")


def test_missing_input_file(prog, tmp_path):
    assert_error(kgen([prog, "--input=a.npy", "--input=missing.npy"], tmp_path), "missing_file")


@pytest.mark.parametrize("shape", [(5, 4), (4, 6), (20,), (1, 4, 5), ()],
                         ids=lambda s: "x".join(map(str, s)) or "rank0")
def test_wrong_shape(prog, tmp_path, shape):
    np.save(tmp_path / "bad.npy", np.zeros(shape, np.float32))
    assert_error(kgen([prog, "--input=bad.npy", "--input=b.npy"], tmp_path), "shape")


@pytest.mark.parametrize("npy_dtype,arg_dtype", [
    ("<f8", "f32"), ("<f2", "f32"), ("<i4", "f32"), (">f4", "f32"),
    ("<f4", "f16"), ("<f8", "f16"),
    ("<f2", "bf16"), ("<i2", "bf16"),
])
def test_wrong_dtype(tmp_path, kgen_run, npy_dtype, arg_dtype):
    p = tmp_path / "prog.mlir"
    p.write_text(identity(arg_dtype))
    np.save(tmp_path / "bad.npy", np.ones((3, 4), np.dtype(npy_dtype)))
    assert_error(kgen([p, "--input=bad.npy"], tmp_path), "dtype")


def _valid_npy_bytes(tmp_path):
    np.save(tmp_path / "ok.npy", np.ones((4, 5), np.float32))
    return (tmp_path / "ok.npy").read_bytes()


@pytest.mark.parametrize("kind", ["garbage", "empty", "truncated_data", "truncated_header",
                                  "bad_header_dict", "extra_data"])
def test_malformed_npy(prog, tmp_path, kind):
    good = _valid_npy_bytes(tmp_path)
    header_len = 10 + int.from_bytes(good[8:10], "little")
    data = {
        "garbage": b"this is not a numpy file\x00\x01\x02" * 8,
        "empty": b"",
        "truncated_data": good[:header_len + 40],
        "truncated_header": good[:30],
        "bad_header_dict": good[:10] + b"{'descr': '<f4', 'fortran_order': Fals".ljust(
            header_len - 10, b" ") + good[header_len:],
        "extra_data": good + b"\x00" * 16,
    }[kind]
    (tmp_path / "bad.npy").write_bytes(data)
    proc = kgen([prog, "--input=bad.npy", "--input=b.npy"], tmp_path)
    if kind == "extra_data" and proc.returncode == 0:
        pytest.xfail("trailing bytes after the data are tolerated (like numpy.load)")
    assert_error(proc, "malformed")


@pytest.mark.parametrize("n", [0, 1, 3])
def test_wrong_input_count(prog, tmp_path, n):
    ins = ["--input=a.npy", "--input=b.npy", "--input=b.npy"][:n]
    if n == 0:
        # No --input at all means random inputs: that is not an error.
        proc = kgen([prog], tmp_path)
        assert proc.returncode == 0, proc.stderr
        return
    assert_error(kgen([prog, *ins], tmp_path), "count")


def test_syntax_error(tmp_path, kgen_run):
    p = tmp_path / "bad.mlir"
    p.write_text("func.func @main(%a: tensor<4xf32>) -> tensor<4xf32> {\n"
                 "  %b = kgen.exp %a tensor<4xf32>\n  return %b : tensor<4xf32>\n}\n")
    assert_error(kgen([p], tmp_path), "parse")


def test_verifier_error(tmp_path, kgen_run):
    p = tmp_path / "bad.mlir"
    p.write_text("func.func @main(%a: tensor<4x5xf32>, %b: tensor<6x3xf32>) -> tensor<4x3xf32> {\n"
                 "  %c = kgen.matmul %a, %b : (tensor<4x5xf32>, tensor<6x3xf32>) -> tensor<4x3xf32>\n"
                 "  return %c : tensor<4x3xf32>\n}\n")
    assert_error(kgen([p], tmp_path), "parse")


def test_unknown_option(prog, tmp_path):
    proc = kgen([prog, "--no-such-option"], tmp_path)
    assert proc.returncode > 0
    assert proc.stderr.strip()
