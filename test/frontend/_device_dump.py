# TEMPORARY (not for commit): dumps imported programs under torch 2.x for local checking.
import glob, os, sys, time, traceback
import numpy as np, torch
sys.path.insert(0, "test/frontend"); sys.path.insert(0, "frontend")
import test_importer as T
from kgen_import import import_program, load_problem
from kgen_import.problem import load_source
out = os.environ["OUT"]

def dump(name, model, inputs, **kw):
    d = os.path.join(out, name); os.makedirs(d, exist_ok=True)
    try:
        res = import_program(model, inputs, **kw)
    except Exception:
        open(os.path.join(d, "error.txt"), "w").write(traceback.format_exc()); print("ERR", name); return
    open(os.path.join(d, "m.mlir"), "w").write(res.mlir)
    res.save_arguments(os.path.join(d, "args"))
    model.eval()
    with torch.no_grad():
        o = model(*inputs)
    o = o if isinstance(o, (tuple, list)) else (o,)
    for i, t in enumerate(o):
        np.save(os.path.join(d, f"ref{i}.npy"), t.float().numpy())

torch.manual_seed(1)
for name, (cls, mk) in T.CASES.items():
    dump("case_" + name, cls(), mk())
    dump("const_" + name, cls(), mk(), params_as="constants")
torch.manual_seed(7)
dump("case_sdpa", T.SDPA(), (T.rand(2, 3, 5, 8), T.rand(2, 3, 6, 8), T.rand(2, 3, 6, 4), T.rand(5, 6)))
from torch.fx.experimental.proxy_tensor import make_fx
m = T.MLP().eval(); x = T.rand(4, 32)
with torch.no_grad():
    gm = make_fx(lambda t: m(t))(x)
dump("case_make_fx", gm, (x,))
for p in sorted(glob.glob("benchmarks/problems/*.py")):
    stem = os.path.basename(p)[:-3]
    prob = load_problem(p, sizes=load_source(p).SMALL_SIZES)
    dump("prob_" + stem, prob.model, prob.inputs)
