"""The kgen-import command line (tools/kgen-import calls `main`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from .files import write_output
from .importer import KgenImportError, import_program
from .problem import load_problem, parse_sizes

USAGE_EPILOG = """\
The problem file is in KernelBench's format: class Model(nn.Module),
get_inputs() and optionally get_init_inputs(). The function's arguments are
the forward inputs, then the parameters and buffers forward uses (unless
--params=constants); the first lines of the output name them.

exit status: 0 imported; 1 the module cannot be imported (unsupported ops
are listed with counts and locations; nothing is written); 2 bad usage.
"""


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(
        prog="kgen-import", description="Import a PyTorch problem file as a kgen MLIR program.",
        epilog=USAGE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("problem", help="problem file (KernelBench format)")
    p.add_argument("-o", "--output", default="-", help="output .mlir file (default: stdout)")
    p.add_argument("--params", choices=("arguments", "constants"), default="arguments",
                   help="parameters and buffers as function arguments (default) or "
                        "kgen.constant values")
    p.add_argument("--dtype", choices=("f32", "f16", "bf16"), default=None,
                   help="element type of the program (default: the module's own)")
    p.add_argument("--seed", type=int, default=0,
                   help="torch seed for the model's initialization and the inputs (default 0)")
    p.add_argument("--function", default="main", help="function name (default main)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override a module-level constant of the problem file (a size) "
                        "before building the model; repeatable")
    p.add_argument("--save-args", metavar="DIR",
                   help="also write each argument's value as DIR/NN_name.npy, in argument "
                        "order, for kgen-run --input")
    args = p.parse_args(argv)

    try:
        sizes = parse_sizes(args.set)
        # Shapes and dtypes are all the import needs: the inputs are fake
        # tensors (no memory, no values) unless their values are saved.
        prob = load_problem(args.problem, seed=args.seed, sizes=sizes,
                            fake_inputs=not args.save_args)
        res = import_program(prob.model, prob.inputs, params_as=args.params,
                             function_name=args.function, dtype=args.dtype,
                             source=f"{type(prob.model).__name__} from {args.problem}")
        if args.output == "-":
            sys.stdout.write(res.mlir)
        else:
            write_output(Path(args.output), res.mlir)
        if args.save_args:
            for path in res.save_arguments(args.save_args):
                print(path, file=sys.stderr)
    except KgenImportError as e:
        print(f"kgen-import: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"kgen-import: error: {e}", file=sys.stderr)
        return 1
    return 0
