"""PyTorch eager (cuBLAS) baselines for kgen's gemm timings, measured in the
same GPU run: N^3 matmul on random inputs, median of
`triton.testing.do_bench`; in f16 also matmul + bias + relu; f32 with TF32
off (full fp32, as kgen computes it).

usage: python3 scripts/torch_gemm_baseline.py --dtype f16|f32 [--n 4096]

Called by scripts/gpu_run.sh --torch.
"""
import argparse

import torch
import triton


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dtype", choices=["f16", "f32"], required=True)
    ap.add_argument("--n", type=int, default=4096)
    args = ap.parse_args()
    n = args.n
    torch.manual_seed(0)
    if args.dtype == "f32":
        torch.backends.cuda.matmul.allow_tf32 = False
        a = torch.randn(n, n, device="cuda")
        b = torch.randn(n, n, device="cuda")
        cases = [("matmul", lambda: a @ b)]
    else:
        a = torch.randn(n, n, device="cuda", dtype=torch.float16)
        b = torch.randn(n, n, device="cuda", dtype=torch.float16)
        bias = torch.randn(n, device="cuda", dtype=torch.float16)
        cases = [("matmul", lambda: a @ b),
                 ("matmul+bias+relu", lambda: torch.relu(a @ b + bias))]
    for name, fn in cases:
        ms = triton.testing.do_bench(fn, warmup=100, rep=500, return_mode="median")
        print(f"torch eager {args.dtype} {name} {n}^3: median {ms:.4f} ms, "
              f"{2 * n**3 / ms / 1e9:.1f} TFLOP/s")


if __name__ == "__main__":
    main()
