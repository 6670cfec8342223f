//===- HostTensor.cpp - dense tensors in host memory ----------------------===//

#include "kgen/Support/HostTensor.h"

#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

using namespace mlir::kgen;

size_t mlir::kgen::elementSize(ElementType type) {
  switch (type) {
  case ElementType::F32:
    return 4;
  case ElementType::F16:
  case ElementType::BF16:
    return 2;
  case ElementType::I64:
    return 8;
  case ElementType::I8:
    return 1;
  }
  return 4;
}

std::optional<uint64_t> mlir::kgen::tensorBytes(ElementType type,
                                                llvm::ArrayRef<int64_t> shape) {
  uint64_t bytes = elementSize(type);
  for (int64_t size : shape) {
    bool overflowed = false;
    if (size < 0)
      return std::nullopt;
    bytes = llvm::SaturatingMultiply(bytes, static_cast<uint64_t>(size),
                                     &overflowed);
    if (overflowed)
      return std::nullopt;
  }
  return bytes;
}

llvm::StringRef mlir::kgen::elementTypeName(ElementType type) {
  switch (type) {
  case ElementType::F32:
    return "f32";
  case ElementType::F16:
    return "f16";
  case ElementType::BF16:
    return "bf16";
  case ElementType::I64:
    return "i64";
  case ElementType::I8:
    return "i8";
  }
  return "?";
}

static uint32_t floatBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  return bits;
}

static float bitsFloat(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, 4);
  return value;
}

uint16_t mlir::kgen::floatToBFloat16(float value) {
  uint32_t bits = floatBits(value);
  if (std::isnan(value))
    return static_cast<uint16_t>((bits >> 16) | 0x40); // keep it quiet
  // Round to nearest even on the 16 dropped bits.
  uint32_t rounding = 0x7fff + ((bits >> 16) & 1);
  return static_cast<uint16_t>((bits + rounding) >> 16);
}

float mlir::kgen::bfloat16ToFloat(uint16_t bits) {
  return bitsFloat(static_cast<uint32_t>(bits) << 16);
}

uint16_t mlir::kgen::floatToHalf(float value) {
  uint32_t bits = floatBits(value);
  uint16_t sign = (bits >> 16) & 0x8000;
  uint32_t absBits = bits & 0x7fffffff;
  if (absBits > 0x7f800000) // NaN
    return sign | 0x7e00;
  if (absBits >= 0x477ff000) // rounds to >= 65520: overflow to infinity
    return sign | 0x7c00;
  if (absBits < 0x33000001) // below half the smallest subnormal: zero
    return sign;
  int32_t exponent = static_cast<int32_t>(absBits >> 23) - 127;
  uint32_t mantissa = (absBits & 0x7fffff) | 0x800000;
  int32_t shift;
  uint16_t base;
  if (exponent < -14) { // subnormal half
    shift = 13 + (-14 - exponent);
    base = 0;
  } else {
    shift = 13;
    base = static_cast<uint16_t>((exponent + 15) << 10);
    mantissa &= 0x7fffff;
  }
  uint32_t kept = mantissa >> shift;
  uint32_t rest = mantissa & ((1u << shift) - 1);
  uint32_t halfway = 1u << (shift - 1);
  if (rest > halfway || (rest == halfway && (kept & 1)))
    ++kept; // may carry into the exponent, which is the right result
  return static_cast<uint16_t>(sign | (base + kept));
}

float mlir::kgen::halfToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1f;
  uint32_t mantissa = h & 0x3ff;
  if (exponent == 0x1f)
    return bitsFloat(sign | 0x7f800000 | (mantissa << 13));
  if (exponent == 0) {
    float value = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -value : value;
  }
  return bitsFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

HostTensor::HostTensor(ElementType elementType, llvm::ArrayRef<int64_t> shape)
    : elementType(elementType), shape(shape.begin(), shape.end()) {
  bytes.resize(numElements() * elementSize(elementType));
}

int64_t HostTensor::numElements() const {
  int64_t n = 1;
  for (int64_t s : shape)
    n *= s;
  return n;
}

/// The i64 an unwritten output holds: no position is negative.
static constexpr int64_t kPoisonI64 = std::numeric_limits<int64_t>::min();
/// The i8 an unwritten output holds: a bool is 0 or 1.
static constexpr int8_t kPoisonI8 = -1;

double HostTensor::get(int64_t i) const {
  switch (elementType) {
  case ElementType::I64: {
    int64_t value;
    std::memcpy(&value, bytes.data() + 8 * i, 8);
    return static_cast<double>(value);
  }
  case ElementType::I8:
    return static_cast<int8_t>(bytes[i]);
  case ElementType::F32: {
    float value;
    std::memcpy(&value, bytes.data() + 4 * i, 4);
    return value;
  }
  case ElementType::F16:
  case ElementType::BF16: {
    uint16_t bits;
    std::memcpy(&bits, bytes.data() + 2 * i, 2);
    return elementType == ElementType::F16 ? halfToFloat(bits)
                                           : bfloat16ToFloat(bits);
  }
  }
  return 0;
}

void HostTensor::set(int64_t i, double value) {
  if (elementType == ElementType::I64) {
    // Out of range (and NaN) is the poison value: no position is negative.
    int64_t integer =
        std::fabs(value) < 0x1p62 ? std::llround(value) : kPoisonI64;
    std::memcpy(bytes.data() + 8 * i, &integer, 8);
    return;
  }
  if (elementType == ElementType::I8) {
    bool inRange = value >= -128.5 && value < 127.5; // false for NaN
    bytes[i] = static_cast<uint8_t>(
        inRange ? static_cast<int8_t>(std::lround(value)) : kPoisonI8);
    return;
  }
  float narrow = static_cast<float>(value);
  if (elementType == ElementType::F32) {
    std::memcpy(bytes.data() + 4 * i, &narrow, 4);
    return;
  }
  uint16_t bits = elementType == ElementType::F16 ? floatToHalf(narrow)
                                                  : floatToBFloat16(narrow);
  std::memcpy(bytes.data() + 2 * i, &bits, 2);
}

void HostTensor::poison() {
  double nan = std::numeric_limits<double>::quiet_NaN();
  for (int64_t i = 0, e = numElements(); i < e; ++i)
    set(i, nan);
}

void mlir::kgen::fillRandom(HostTensor &tensor, std::mt19937 &generator,
                            int64_t bound) {
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::uniform_int_distribution<int64_t> position(-1, std::max<int64_t>(bound, 0));
  std::bernoulli_distribution flag;
  for (int64_t i = 0, e = tensor.numElements(); i < e; ++i) {
    if (tensor.elementType == ElementType::I8)
      tensor.set(i, flag(generator) ? 1.0 : 0.0);
    else if (tensor.elementType == ElementType::I64)
      tensor.set(i, static_cast<double>(position(generator)));
    else
      tensor.set(i, uniform(generator));
  }
}

std::string HostTensor::typeString() const {
  std::string s = "tensor<";
  for (int64_t d : shape)
    s += std::to_string(d) + "x";
  s += elementTypeName(elementType).str() + ">";
  return s;
}

TensorStats mlir::kgen::computeStats(const HostTensor &tensor) {
  TensorStats stats;
  double sum = 0;
  int64_t finite = 0;
  for (int64_t i = 0, e = tensor.numElements(); i < e; ++i) {
    double v = tensor.get(i);
    if (std::isnan(v)) {
      ++stats.nanCount;
      continue;
    }
    if (std::isinf(v)) {
      ++stats.infCount;
      continue;
    }
    stats.min = finite ? std::min(stats.min, v) : v;
    stats.max = finite ? std::max(stats.max, v) : v;
    sum += v;
    ++finite;
  }
  stats.mean = finite ? sum / finite : 0;
  // Report -0 as 0: the sign of zero is noise in a summary.
  stats.min += 0.0;
  stats.max += 0.0;
  stats.mean += 0.0;
  return stats;
}
