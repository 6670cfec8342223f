#!/usr/bin/env python3
"""Registers, spills and shared memory of every kernel of kgen programs.

usage: python3 scripts/ptxas_kernels.py [--chip sm_90a] PROGRAM.mlir ...

Compiles each program with `kgen-opt -kgen-gpu-pipeline` (heuristic
schedules, PTX kept as text) and runs CUDA's `ptxas -v` on every kernel's
PTX, printing one line per kernel. `benchmarks/kernel_resources.py` does
the same for the benchmark problems; this takes any program.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def kernels(program: str, chip: str, kgen_opt: str):
    out = subprocess.run([kgen_opt, program, f"-kgen-gpu-pipeline=chip={chip} format=isa"],
                         capture_output=True, text=True, check=True).stdout
    for m in re.finditer(r'assembly = "(.*?)">', out):
        yield m.group(1).replace('\\0A', '\n').replace('\\09', '\t').replace('\\22', '"')


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("programs", nargs="+")
    ap.add_argument("--chip", default="sm_90a")
    ap.add_argument("--kgen-opt", default=os.environ.get("KGEN_OPT", str(REPO / "build/bin/kgen-opt")))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ptx_path = Path(tmp) / "kernel.ptx"
        for program in args.programs:
            for ptx in kernels(program, args.chip, args.kgen_opt):
                name = re.search(r'\.entry (\w+)', ptx).group(1)
                ptx_path.write_text(ptx)
                r = subprocess.run(["ptxas", f"-arch={args.chip}", "-v", str(ptx_path),
                                    "-o", os.devnull], capture_output=True, text=True)
                if r.returncode != 0:
                    print(f"{program}: ptxas failed on {name}: {r.stderr.strip()}", file=sys.stderr)
                    return 1
                used = re.search(r"Used (\d+) registers", r.stderr)
                spill = re.search(r"(\d+) bytes spill stores, (\d+) bytes spill loads", r.stderr)
                smem = re.search(r"(\d+) bytes smem", r.stderr)
                print(f"{Path(program).name:16} {name:24} regs {used.group(1):>3}  "
                      f"spill {spill.group(1)}/{spill.group(2)}  smem {smem.group(1) if smem else 0}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
