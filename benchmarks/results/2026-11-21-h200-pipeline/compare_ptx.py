"""Compares the PTX two kgen-opt builds generate for every gemm case of the
op suite (each dtype), the inputs timed here, and the examples.

Used after the last device call: the GPU-checked build (commit 08aa8d4,
still packed in .gpu-pack/) against the current one, to show what the
later commits change in the generated code.

    source .gpu-pack/activate; OLD_LD=$LD_LIBRARY_PATH; export -n LD_LIBRARY_PATH
    OLD_LD=$OLD_LD python3 benchmarks/results/2026-11-21-h200-pipeline/compare_ptx.py \
        .gpu-pack/bin/kgen-opt build/bin/kgen-opt
"""
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "test" / "numerical"))
from op_cases import CASES  # noqa: E402


def cases():
    for case in CASES:
        for dtype in case.dtypes:
            source = case.build(dtype)[0]
            if re.search(r"kgen\.(matmul|linear|bmm|batch_matmul)", source):
                yield f"{case.name}-{dtype}", source
    inputs = Path(__file__).parent / "inputs"
    for name in ["mmh1024", "gbrh1024", "mm1024"]:
        yield name, (inputs / f"{name}.mlir").read_text()
    for example in sorted((ROOT / "examples").glob("*.mlir")):
        yield example.name, example.read_text()


def ptx(tool, path, library_path):
    env = dict(os.environ, LD_LIBRARY_PATH=library_path)
    result = subprocess.run(
        [tool, str(path), "-kgen-gpu-pipeline=chip=sm_90a format=isa"],
        capture_output=True, text=True, env=env)
    return result.returncode, re.findall(r'assembly = "([^"]*)"', result.stdout)


def main():
    old, new = sys.argv[1], sys.argv[2]
    same = different = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, source in cases():
            path = Path(tmp) / f"{name}.mlir"
            path.write_text(source)
            if ptx(old, path, os.environ.get("OLD_LD", "")) == ptx(new, path, ""):
                same += 1
            else:
                different += 1
                print("different:", name)
    print(f"{same} same, {different} different")


if __name__ == "__main__":
    main()
