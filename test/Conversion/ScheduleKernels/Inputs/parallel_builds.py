"""Runs builds in parallel that share one decisions file, and checks that
the file keeps every build's entry (without a lock and a merge, the last
build to save wrote only what it had read before the others saved).

usage: parallel_builds.py KGEN_OPT WORKDIR BUILDS ROUNDS

Each build schedules one kernel of its own shape; each round starts from a
new decisions file.
"""

import json
import os
import subprocess
import sys

PROGRAM = """\
func.func @main(%x: tensor<64x96xf32>, %w: tensor<96x{n}xf32>) -> tensor<64x{n}xf32> {{
  %0 = kgen.matmul %x, %w : (tensor<64x96xf32>, tensor<96x{n}xf32>) -> tensor<64x{n}xf32>
  %1 = kgen.relu %0 : tensor<64x{n}xf32>
  return %1 : tensor<64x{n}xf32>
}}
"""


def main(kgen_opt, workdir, builds, rounds):
    programs = []
    for i in range(builds):
        path = os.path.join(workdir, f"kernel{i}.mlir")
        with open(path, "w") as f:
            f.write(PROGRAM.format(n=32 * (i + 1)))
        programs.append(path)
    decisions = os.path.join(workdir, "shared.decisions.json")
    for r in range(rounds):
        if os.path.exists(decisions):
            os.remove(decisions)
        options = f"-kgen-schedule-kernels=decisions={decisions}"
        procs = [subprocess.Popen([kgen_opt, p, "-kgen-to-linalg", "-kgen-form-kernels",
                                   options, "-o", os.devnull])
                 for p in programs]
        if any(p.wait() != 0 for p in procs):
            sys.exit("parallel_builds.py: a build failed")
        with open(decisions) as f:
            entries = json.load(f)["entries"]
        if len(entries) != builds:
            sys.exit(f"parallel_builds.py: round {r}: {len(entries)} entries "
                     f"in the decisions file, expected {builds}")
    print(f"{rounds} rounds of {builds} parallel builds: every entry kept")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
