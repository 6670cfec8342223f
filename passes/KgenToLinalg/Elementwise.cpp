//===- Elementwise.cpp - kgen elementwise ops to linalg.generic -----------===//
//
// Every elementwise op becomes one broadcasting linalg.generic whose body is
// computed in f32. Each op contributes only its scalar formula below.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "kgen/Conversion/KgenToLinalg.h"
#include "kgen/Dialect/Kgen/KgenOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>

using namespace mlir;
using namespace mlir::kgen;
using namespace mlir::kgen::detail;

namespace {

/// The scalar f32 formula of one op; `args` are its operands in f32.
template <typename OpTy>
Value scalarFormula(OpBuilder &b, Location loc, OpTy op, ValueRange args);

#define KGEN_SIMPLE_BINARY(OpTy, ArithOp)                                      \
  template <>                                                                  \
  Value scalarFormula(OpBuilder &b, Location loc, OpTy, ValueRange args) {     \
    return ArithOp::create(b, loc, args[0], args[1]);                          \
  }
KGEN_SIMPLE_BINARY(AddOp, arith::AddFOp)
KGEN_SIMPLE_BINARY(SubOp, arith::SubFOp)
KGEN_SIMPLE_BINARY(MulOp, arith::MulFOp)
KGEN_SIMPLE_BINARY(DivOp, arith::DivFOp)
KGEN_SIMPLE_BINARY(MaximumOp, arith::MaximumFOp)
KGEN_SIMPLE_BINARY(MinimumOp, arith::MinimumFOp)
KGEN_SIMPLE_BINARY(PowOp, math::PowFOp)
#undef KGEN_SIMPLE_BINARY

/// 1 where `predicate` holds for the two operands, else 0. Ordered
/// predicates are false on NaN; "ne" is unordered (NaN != NaN), as in
/// PyTorch.
Value compare(OpBuilder &b, Location loc, arith::CmpFPredicate predicate,
              ValueRange args) {
  Value holds = arith::CmpFOp::create(b, loc, predicate, args[0], args[1]);
  return arith::SelectOp::create(b, loc, holds, f32Const(b, loc, 1.0),
                                 f32Const(b, loc, 0.0));
}

#define KGEN_COMPARE(OpTy, Predicate)                                          \
  template <>                                                                  \
  Value scalarFormula(OpBuilder &b, Location loc, OpTy, ValueRange args) {     \
    return compare(b, loc, arith::CmpFPredicate::Predicate, args);             \
  }
KGEN_COMPARE(EqOp, OEQ)
KGEN_COMPARE(NeOp, UNE)
KGEN_COMPARE(LtOp, OLT)
KGEN_COMPARE(LeOp, OLE)
KGEN_COMPARE(GtOp, OGT)
KGEN_COMPARE(GeOp, OGE)
#undef KGEN_COMPARE

template <>
Value scalarFormula(OpBuilder &b, Location loc, WhereOp, ValueRange args) {
  // Non-zero, NaN included (une), is true.
  Value condition = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE,
                                          args[0], f32Const(b, loc, 0.0));
  return arith::SelectOp::create(b, loc, condition, args[1], args[2]);
}

#define KGEN_SIMPLE_UNARY(OpTy, MathOp)                                        \
  template <>                                                                  \
  Value scalarFormula(OpBuilder &b, Location loc, OpTy, ValueRange args) {     \
    return MathOp::create(b, loc, args[0]);                                    \
  }
KGEN_SIMPLE_UNARY(NegOp, arith::NegFOp)
KGEN_SIMPLE_UNARY(AbsOp, math::AbsFOp)
KGEN_SIMPLE_UNARY(ExpOp, math::ExpOp)
KGEN_SIMPLE_UNARY(LogOp, math::LogOp)
KGEN_SIMPLE_UNARY(SqrtOp, math::SqrtOp)
KGEN_SIMPLE_UNARY(RsqrtOp, math::RsqrtOp)
KGEN_SIMPLE_UNARY(TanhOp, math::TanhOp)
#undef KGEN_SIMPLE_UNARY

Value sigmoid(OpBuilder &b, Location loc, Value x) {
  Value one = f32Const(b, loc, 1.0);
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  return arith::DivFOp::create(b, loc, one,
                               arith::AddFOp::create(b, loc, one, e));
}

template <>
Value scalarFormula(OpBuilder &b, Location loc, SigmoidOp, ValueRange args) {
  return sigmoid(b, loc, args[0]);
}

template <>
Value scalarFormula(OpBuilder &b, Location loc, SiluOp, ValueRange args) {
  return arith::MulFOp::create(b, loc, args[0], sigmoid(b, loc, args[0]));
}

template <>
Value scalarFormula(OpBuilder &b, Location loc, ReluOp, ValueRange args) {
  // maximumf propagates NaN, as torch.relu does.
  return arith::MaximumFOp::create(b, loc, args[0], f32Const(b, loc, 0.0));
}

template <>
Value scalarFormula(OpBuilder &b, Location loc, LeakyReluOp op,
                    ValueRange args) {
  Value x = args[0];
  Value zero = f32Const(b, loc, 0.0);
  Value scaled = arith::MulFOp::create(
      b, loc, x, f32Const(b, loc, op.getNegativeSlope().convertToDouble()));
  Value positive =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, zero);
  return arith::SelectOp::create(b, loc, positive, x, scaled);
}

template <>
Value scalarFormula(OpBuilder &b, Location loc, HardswishOp, ValueRange args) {
  Value x = args[0];
  Value shifted = arith::AddFOp::create(b, loc, x, f32Const(b, loc, 3.0));
  Value relu6 = arith::MinimumFOp::create(
      b, loc, arith::MaximumFOp::create(b, loc, shifted, f32Const(b, loc, 0.0)),
      f32Const(b, loc, 6.0));
  return arith::DivFOp::create(b, loc, arith::MulFOp::create(b, loc, x, relu6),
                               f32Const(b, loc, 6.0));
}

/// x > 0 ? x : alpha * (e^x - 1), NaN propagating through the second arm.
Value elu(OpBuilder &b, Location loc, Value x, double alpha) {
  Value negative = arith::MulFOp::create(b, loc, f32Const(b, loc, alpha),
                                         math::ExpM1Op::create(b, loc, x));
  Value positive = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x,
                                         f32Const(b, loc, 0.0));
  return arith::SelectOp::create(b, loc, positive, x, negative);
}

/// PyTorch's softplus: x itself past the threshold (where e^(beta x)
/// would overflow), log1p(e^(beta x)) / beta below it.
Value softplus(OpBuilder &b, Location loc, Value x, double beta,
               double threshold) {
  Value scaled = arith::MulFOp::create(b, loc, x, f32Const(b, loc, beta));
  Value smooth = arith::DivFOp::create(
      b, loc,
      math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, scaled)),
      f32Const(b, loc, beta));
  Value linear = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT,
                                       scaled, f32Const(b, loc, threshold));
  return arith::SelectOp::create(b, loc, linear, x, smooth);
}

template <>
Value scalarFormula(OpBuilder &b, Location loc, EluOp op, ValueRange args) {
  return elu(b, loc, args[0], op.getAlpha().convertToDouble());
}

template <>
Value scalarFormula(OpBuilder &b, Location loc, SeluOp, ValueRange args) {
  // The constants of torch.nn.functional.selu.
  constexpr double alpha = 1.6732632423543772848170429916717;
  constexpr double scale = 1.0507009873554804934193349852946;
  return arith::MulFOp::create(b, loc, f32Const(b, loc, scale),
                               elu(b, loc, args[0], alpha));
}

template <>
Value scalarFormula(OpBuilder &b, Location loc, CeluOp op, ValueRange args) {
  Value x = args[0];
  double alpha = op.getAlpha().convertToDouble();
  Value zero = f32Const(b, loc, 0.0);
  Value curve = arith::MulFOp::create(
      b, loc, f32Const(b, loc, alpha),
      math::ExpM1Op::create(
          b, loc, arith::DivFOp::create(b, loc, x, f32Const(b, loc, alpha))));
  return arith::AddFOp::create(b, loc, arith::MaximumFOp::create(b, loc, x, zero),
                               arith::MinimumFOp::create(b, loc, curve, zero));
}

template <>
Value scalarFormula(OpBuilder &b, Location loc, SoftplusOp op,
                    ValueRange args) {
  return softplus(b, loc, args[0], op.getBeta().convertToDouble(),
                  op.getThreshold().convertToDouble());
}

template <>
Value scalarFormula(OpBuilder &b, Location loc, MishOp, ValueRange args) {
  Value x = args[0];
  return arith::MulFOp::create(
      b, loc, x, math::TanhOp::create(b, loc, softplus(b, loc, x, 1.0, 20.0)));
}

template <>
Value scalarFormula(OpBuilder &b, Location loc, SoftsignOp, ValueRange args) {
  Value x = args[0];
  Value denominator = arith::AddFOp::create(
      b, loc, f32Const(b, loc, 1.0), math::AbsFOp::create(b, loc, x));
  return arith::DivFOp::create(b, loc, x, denominator);
}

template <>
Value scalarFormula(OpBuilder &b, Location loc, LogSigmoidOp,
                    ValueRange args) {
  // min(x, 0) - log1p(e^-|x|): no overflow for large |x| of either sign.
  Value x = args[0];
  Value tail = math::Log1pOp::create(
      b, loc,
      math::ExpOp::create(b, loc,
                          arith::NegFOp::create(
                              b, loc, math::AbsFOp::create(b, loc, x))));
  return arith::SubFOp::create(
      b, loc, arith::MinimumFOp::create(b, loc, x, f32Const(b, loc, 0.0)),
      tail);
}

template <>
Value scalarFormula(OpBuilder &b, Location loc, TanhshrinkOp,
                    ValueRange args) {
  return arith::SubFOp::create(b, loc, args[0],
                               math::TanhOp::create(b, loc, args[0]));
}

/// Whether |x| <= lambd (false for NaN, which then passes through).
Value withinBand(OpBuilder &b, Location loc, Value x, double lambd) {
  return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLE,
                               math::AbsFOp::create(b, loc, x),
                               f32Const(b, loc, lambd));
}

template <>
Value scalarFormula(OpBuilder &b, Location loc, SoftshrinkOp op,
                    ValueRange args) {
  Value x = args[0];
  double lambd = op.getLambd().convertToDouble();
  Value above = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x,
                                      f32Const(b, loc, lambd));
  Value shrunk = arith::SelectOp::create(
      b, loc, above, arith::SubFOp::create(b, loc, x, f32Const(b, loc, lambd)),
      arith::AddFOp::create(b, loc, x, f32Const(b, loc, lambd)));
  return arith::SelectOp::create(b, loc, withinBand(b, loc, x, lambd),
                                 f32Const(b, loc, 0.0), shrunk);
}

template <>
Value scalarFormula(OpBuilder &b, Location loc, HardshrinkOp op,
                    ValueRange args) {
  Value x = args[0];
  return arith::SelectOp::create(
      b, loc, withinBand(b, loc, x, op.getLambd().convertToDouble()),
      f32Const(b, loc, 0.0), x);
}

template <>
Value scalarFormula(OpBuilder &b, Location loc, GeluOp op, ValueRange args) {
  Value x = args[0];
  Value half = f32Const(b, loc, 0.5), one = f32Const(b, loc, 1.0);
  Value inner;
  if (op.getApproximate() == GeluApproximation::Tanh) {
    // tanh(sqrt(2/pi) * (x + 0.044715 x^3))
    Value x3 =
        arith::MulFOp::create(b, loc, x, arith::MulFOp::create(b, loc, x, x));
    Value poly = arith::AddFOp::create(
        b, loc, x,
        arith::MulFOp::create(b, loc, f32Const(b, loc, 0.044715), x3));
    inner = math::TanhOp::create(
        b, loc,
        arith::MulFOp::create(b, loc, f32Const(b, loc, std::sqrt(2.0 / M_PI)),
                              poly));
  } else {
    // erf(x / sqrt(2))
    inner = math::ErfOp::create(
        b, loc, arith::MulFOp::create(b, loc, x, f32Const(b, loc, M_SQRT1_2)));
  }
  return arith::MulFOp::create(b, loc, arith::MulFOp::create(b, loc, half, x),
                               arith::AddFOp::create(b, loc, one, inner));
}

template <>
Value scalarFormula(OpBuilder &b, Location loc, ClampOp op, ValueRange args) {
  // PyTorch applies the lower bound first: min > max yields max everywhere.
  Value x = args[0];
  if (auto lo = op.getMin())
    x = arith::MaximumFOp::create(b, loc, x,
                                  f32Const(b, loc, lo->convertToDouble()));
  if (auto hi = op.getMax())
    x = arith::MinimumFOp::create(b, loc, x,
                                  f32Const(b, loc, hi->convertToDouble()));
  return x;
}

template <typename OpTy> struct ElementwiseLowering : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    Value result =
        buildElementwise(rewriter, op.getLoc(), op.getType(), op->getOperands(),
                         [&](OpBuilder &b, Location loc, ValueRange args) {
                           return scalarFormula(b, loc, op, args);
                         });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// `value` converted to `to` as kgen.convert defines it: i8 is a bool.
Value convertScalar(OpBuilder &b, Location loc, Value value, Type to) {
  Type from = value.getType();
  if (to.isInteger(8)) {
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(from));
    Value isTrue =
        isa<FloatType>(from)
            ? arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, value,
                                    zero)
                  .getResult()
            : arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, value,
                                    zero)
                  .getResult();
    return arith::ExtUIOp::create(b, loc, to, isTrue);
  }
  if (isa<FloatType>(to) && isa<FloatType>(from))
    return narrow(b, loc, widen(b, loc, value), to);
  if (isa<FloatType>(to))
    return arith::SIToFPOp::create(b, loc, to, value);
  if (isa<FloatType>(from))
    return arith::FPToSIOp::create(b, loc, to, value);
  if (to.getIntOrFloatBitWidth() > from.getIntOrFloatBitWidth())
    return arith::ExtSIOp::create(b, loc, to, value);
  return arith::TruncIOp::create(b, loc, to, value);
}

struct ConvertLowering : OpRewritePattern<ConvertOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConvertOp op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    Value result = buildParallelGeneric(
        rewriter, op.getLoc(), type, op.getInput(),
        rewriter.getMultiDimIdentityMap(type.getRank()),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          return convertScalar(b, loc, args[0], type.getElementType());
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::kgen::populateElementwiseToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ConvertLowering, ElementwiseLowering<AddOp>, ElementwiseLowering<SubOp>,
               ElementwiseLowering<MulOp>, ElementwiseLowering<DivOp>,
               ElementwiseLowering<MaximumOp>, ElementwiseLowering<MinimumOp>,
               ElementwiseLowering<PowOp>, ElementwiseLowering<EqOp>,
               ElementwiseLowering<NeOp>, ElementwiseLowering<LtOp>,
               ElementwiseLowering<LeOp>, ElementwiseLowering<GtOp>,
               ElementwiseLowering<GeOp>, ElementwiseLowering<WhereOp>,
               ElementwiseLowering<NegOp>,
               ElementwiseLowering<AbsOp>, ElementwiseLowering<ExpOp>,
               ElementwiseLowering<LogOp>, ElementwiseLowering<SqrtOp>,
               ElementwiseLowering<RsqrtOp>, ElementwiseLowering<TanhOp>,
               ElementwiseLowering<SigmoidOp>, ElementwiseLowering<ReluOp>,
               ElementwiseLowering<LeakyReluOp>, ElementwiseLowering<GeluOp>,
               ElementwiseLowering<SiluOp>, ElementwiseLowering<HardswishOp>,
               ElementwiseLowering<ClampOp>, ElementwiseLowering<EluOp>,
               ElementwiseLowering<SeluOp>, ElementwiseLowering<CeluOp>,
               ElementwiseLowering<SoftplusOp>, ElementwiseLowering<MishOp>,
               ElementwiseLowering<SoftsignOp>,
               ElementwiseLowering<LogSigmoidOp>,
               ElementwiseLowering<TanhshrinkOp>,
               ElementwiseLowering<SoftshrinkOp>,
               ElementwiseLowering<HardshrinkOp>>(patterns.getContext());
}
