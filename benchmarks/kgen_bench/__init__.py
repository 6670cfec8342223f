"""kgen's benchmark harness: KernelBench-format problems, kgen against
PyTorch eager and torch.compile, checked and timed the same way in one
process. See benchmarks/README.md.
"""
