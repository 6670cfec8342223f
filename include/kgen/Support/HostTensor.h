//===- HostTensor.h - dense tensors in host memory --------------*- C++ -*-===//
//
// The value type exchanged between .npy files, the CPU runner and the GPU
// runtime: a row-major buffer with a shape and one of kgen's element types
// (the floats programs compute in, i64 for the positions argmax and argmin
// return, and i8 for PyTorch's bool: one byte holding 0 or 1), plus the f16/bf16 <-> f32 conversions the tools need.
//
//===----------------------------------------------------------------------===//

#ifndef KGEN_SUPPORT_HOSTTENSOR_H
#define KGEN_SUPPORT_HOSTTENSOR_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace mlir::kgen {

enum class ElementType { F32, F16, BF16, I64, I8 };

/// Whether `type` holds integers (compared exactly, never rounded).
inline bool isIntegerElement(ElementType type) {
  return type == ElementType::I64 || type == ElementType::I8;
}

/// Bytes per element.
size_t elementSize(ElementType type);
/// Bytes of a tensor of `shape`, or nothing if the count overflows 64 bits
/// (or a dimension is negative). Check it before allocating a tensor whose
/// shape comes from a program or a file.
std::optional<uint64_t> tensorBytes(ElementType type,
                                    llvm::ArrayRef<int64_t> shape);
/// "f32", "f16", "bf16", "i64" or "i8" (MLIR spelling).
llvm::StringRef elementTypeName(ElementType type);

/// f32 -> f16 / bf16 with round-to-nearest-even (NaN stays NaN).
uint16_t floatToHalf(float value);
uint16_t floatToBFloat16(float value);
/// f16 / bf16 -> f32 (exact).
float halfToFloat(uint16_t bits);
float bfloat16ToFloat(uint16_t bits);

struct HostTensor {
  ElementType elementType = ElementType::F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes; // row-major, little-endian

  HostTensor() = default;
  HostTensor(ElementType elementType, llvm::ArrayRef<int64_t> shape);

  int64_t numElements() const;
  /// Element `i` as a double (exact for every element type: i64 positions
  /// are far below 2^53).
  double get(int64_t i) const;
  /// Stores `value` rounded to the element type (to the nearest integer,
  /// and NaN or a value out of range to the poison value, for integers).
  void set(int64_t i, double value);
  /// Fills every element with a quiet NaN (i64: the most negative value,
  /// never a position; i8: -1, never a bool), so an output the kernel fails to write cannot pass
  /// as a plausible value.
  void poison();
  /// "tensor<4x5xf32>".
  std::string typeString() const;
};

/// Fills `tensor` with random values from `generator`: floats uniform in
/// [-1, 1), i64 positions uniform in [-1, bound] (-1 and values past a
/// gathered extent exercise the out-of-range path), i8 bools 0 or 1.
void fillRandom(HostTensor &tensor, std::mt19937 &generator, int64_t bound);

/// Summary statistics of a tensor, for one-line reports.
struct TensorStats {
  double min = 0, max = 0, mean = 0;
  int64_t nanCount = 0, infCount = 0;
};
TensorStats computeStats(const HostTensor &tensor);

} // namespace mlir::kgen

#endif // KGEN_SUPPORT_HOSTTENSOR_H
