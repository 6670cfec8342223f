"""Baseline for the f32 matmul, measured in the same device call:
torch.matmul at 4096^3 in full f32 (TF32 off), median of do_bench."""
import torch, triton
torch.backends.cuda.matmul.allow_tf32 = False
torch.manual_seed(0)
n = 4096
a = torch.randn(n, n, device="cuda")
b = torch.randn(n, n, device="cuda")
ms = triton.testing.do_bench(lambda: a @ b, warmup=100, rep=500,
                             return_mode="median")
print(f"torch eager f32 matmul {n}^3: median {ms:.4f} ms, "
      f"{2 * n**3 / ms / 1e9:.1f} TFLOP/s")
