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

#endif // KGEN_CONVERSION_PASSES_TD
