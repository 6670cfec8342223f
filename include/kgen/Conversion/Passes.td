//===- Passes.td - kgen conversion passes -------------------*- tablegen -*-===//

#ifndef KGEN_CONVERSION_PASSES_TD
#define KGEN_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertKgenToLinalgPass : Pass<"kgen-to-linalg"> {
  let summary = "Lower kgen operations to linalg on tensors";
  let description = [{
    Rewrites every `kgen` operation into `linalg` named operations or
    `linalg.generic` on tensors (with `tensor`, `arith` and `math` for the
    glue), split by operation family: contractions, elementwise, reductions,
    normalizations and data movement. `f16`/`bf16` arithmetic is carried out
    in `f32` and rounded once. softmax and log_softmax subtract the maximum
    before exponentiating; layer_norm and rms_norm follow PyTorch's formulas
    (biased variance, `eps` inside the square root).

    Fails with a located diagnostic if any kgen operation is left.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def FormKernelsPass : Pass<"kgen-form-kernels", "::mlir::ModuleOp"> {
  let summary = "Group linalg ops into kernels and outline each into a function";
  let description = [{
    Groups the linalg operations of every function into kernels and outlines
    each kernel into a private `func.func` tagged `kgen.kernel`, called from
    where the group stood. A kernel has one *root* (a contraction or
    reduction, or else its last operation) with elementwise producers and
    consumers fused greedily where legal:

    * an elementwise producer (all-parallel linalg op, `linalg.fill`,
      `tensor.pad`) joins its consumer's kernel when its result has exactly
      that one use;
    * an elementwise consumer whose kernel has no root joins the kernel of a
      root whose result it is the only user of.

    Every value produced inside a kernel is then used only inside it except
    the result of its last operation (the *sink*), so outlining keeps all
    dependences and cannot create cycles. Inside each kernel the ops carry
    `kgen.op = <index>`, the root `kgen.root` and the sink `kgen.sink`, which
    schedules refer to. `tensor.empty` and scalar constants are cloned into
    the kernels that use them; reshapes stay between kernels.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

#endif // KGEN_CONVERSION_PASSES_TD
