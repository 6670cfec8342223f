"""Baselines for the f16 gemms, measured in the same device call:
torch.matmul (cuBLAS) at 4096^3, median of do_bench, random inputs."""
import torch, triton
torch.manual_seed(0)
n = 4096
a = torch.randn(n, n, device="cuda", dtype=torch.float16)
b = torch.randn(n, n, device="cuda", dtype=torch.float16)
bias = torch.randn(n, device="cuda", dtype=torch.float16)
for name, fn in [("matmul", lambda: a @ b),
                 ("matmul+bias+relu", lambda: torch.relu(a @ b + bias))]:
    ms = triton.testing.do_bench(fn, warmup=100, rep=500, return_mode="median")
    print(f"torch eager f16 {name} {n}^3: median {ms:.4f} ms, "
          f"{2 * n**3 / ms / 1e9:.1f} TFLOP/s")
