//===- FunctionImageTest.cpp - compiled functions as bytes ----------------===//
//
// A compiled function serialized and loaded again runs the same code
// without compiling; every way the bytes can be wrong is an error that says
// which, never a crash.
//
//===----------------------------------------------------------------------===//

#include "KgenProgramTest.h"

#include "kgen/Execution/FunctionImage.h"
#include "kgen/Execution/GpuRunner.h"
#include "kgen/Execution/NativeCode.h"

#include <random>

using namespace mlir;
using namespace mlir::kgen;

namespace {

class FunctionImageTest : public KgenProgramTest {
protected:
  std::string cpuImage() {
    auto module = parse(kSoftmaxConv);
    EXPECT_TRUE(module);
    auto fn = CpuFunction::compile(*module, "main");
    EXPECT_TRUE(bool(fn)) << llvm::toString(fn.takeError());
    return fn ? (*fn)->serialize() : std::string();
  }
  static std::string errorOf(llvm::StringRef image, llvm::StringRef target) {
    auto loaded = deserializeImage(image, target);
    if (loaded)
      return "";
    return llvm::toString(loaded.takeError());
  }

  // A reduction and a padded convolution (on the CPU a strided copy into
  // the padded buffer: MLIR's memrefCopy, a runtime symbol), two results.
  static constexpr llvm::StringLiteral kSoftmaxConv = R"mlir(
func.func @main(%x: tensor<1x2x5x7xf32>, %w: tensor<3x2x3x3xf32>)
    -> (tensor<1x2x5x7xf32>, tensor<1x3x5x7xf32>) {
  %0 = kgen.softmax %x dim 3 : tensor<1x2x5x7xf32>
  %1 = kgen.conv %x, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 : (tensor<1x2x5x7xf32>, tensor<3x2x3x3xf32>) -> tensor<1x3x5x7xf32>
  return %0, %1 : tensor<1x2x5x7xf32>, tensor<1x3x5x7xf32>
}
)mlir";
};

TEST_F(FunctionImageTest, LoadedCpuFunctionComputesTheSameBits) {
  auto module = parse(kSoftmaxConv);
  ASSERT_TRUE(module);
  auto compiled = CpuFunction::compile(*module, "main");
  ASSERT_TRUE(bool(compiled)) << llvm::toString(compiled.takeError());
  auto loaded = CpuFunction::load((*compiled)->serialize());
  ASSERT_TRUE(bool(loaded)) << llvm::toString(loaded.takeError());
  ASSERT_EQ((*loaded)->inputs().size(), 2u);
  ASSERT_EQ((*loaded)->outputs().size(), 2u);
  EXPECT_EQ((*loaded)->outputs()[1].shape,
            (std::vector<int64_t>{1, 3, 5, 7}));
  for (unsigned seed : {1u, 2u, 3u}) {
    std::mt19937 generator(seed);
    std::vector<HostTensor> inputs =
        randomTensors((*compiled)->inputs(), generator);
    auto expected = (*compiled)->run(inputs);
    auto actual = (*loaded)->run(inputs);
    ASSERT_TRUE(bool(expected)) << llvm::toString(expected.takeError());
    ASSERT_TRUE(bool(actual)) << llvm::toString(actual.takeError());
    for (size_t i = 0; i < expected->size(); ++i)
      EXPECT_EQ((*expected)[i].bytes, (*actual)[i].bytes) << "result " << i;
  }
}

TEST_F(FunctionImageTest, SaysWhatIsWrongWithBadBytes) {
  std::string image = cpuImage();
  ASSERT_FALSE(image.empty());
  EXPECT_EQ(errorOf(image, "cpu"), "");
  EXPECT_EQ(errorOf("", "cpu"), "not a kgen function image");
  EXPECT_EQ(errorOf("\x7f" "ELF", "cpu"), "not a kgen function image");

  std::string otherVersion = image;
  otherVersion.replace(otherVersion.find(" 1\n"), 3, " 7\n");
  EXPECT_EQ(errorOf(otherVersion, "cpu"),
            "function image format 7, expected 1");

  EXPECT_EQ(errorOf(image, "sm_90a"), "it was compiled for cpu, not sm_90a");

  std::string otherHost = image;
  std::string host = hostIdentity();
  otherHost.replace(otherHost.find(host), host.size(), "other-host");
  EXPECT_NE(errorOf(otherHost, "cpu").find("compiled on another kind of host"),
            std::string::npos);

  std::string truncated = image.substr(0, image.size() - 100);
  EXPECT_NE(errorOf(truncated, "cpu").find("(truncated?)"), std::string::npos);

  std::string corrupted = image;
  corrupted[corrupted.size() - 200] ^= 0x5a;
  EXPECT_EQ(errorOf(corrupted, "cpu"),
            "the object's checksum does not match (corrupted)");

  std::string badHeader = image;
  badHeader.replace(badHeader.find("\"inputs\""), 8, "\"inptus\"");
  EXPECT_EQ(errorOf(badHeader, "cpu"),
            "its header lacks a field or has one of the wrong type");

  auto failed = CpuFunction::load(corrupted);
  ASSERT_FALSE(bool(failed));
  llvm::consumeError(failed.takeError());
}

TEST_F(FunctionImageTest, NativeCodeRefusesWhatIsNotKgenObjectCode) {
  auto garbage = NativeCode::load("not an object", "_mlir_ciface_main", {});
  ASSERT_FALSE(bool(garbage));
  EXPECT_NE(llvm::toString(garbage.takeError()).find("not an object file"),
            std::string::npos);
}

TEST_F(FunctionImageTest, GpuFunctionLoadsForItsOwnChipOnly) {
  auto module = parse(kSoftmaxConv);
  ASSERT_TRUE(module);
  GpuCodegenOptions options;
  options.chip = "sm_90a";
  options.scheduleCheckSeeds = 1;
  auto compiled = GpuFunction::compile(*module, "main", options);
  ASSERT_TRUE(bool(compiled)) << llvm::toString(compiled.takeError());
  std::string image = (*compiled)->serialize();
  auto loaded = GpuFunction::load(image, "sm_90a");
  ASSERT_TRUE(bool(loaded)) << llvm::toString(loaded.takeError());
  EXPECT_EQ((*loaded)->inputs().size(), 2u);
  EXPECT_EQ((*loaded)->outputs().size(), 2u);
  EXPECT_EQ((*loaded)->flops(), (*compiled)->flops());
  EXPECT_EQ((*loaded)->bytes(), (*compiled)->bytes());
  // The GPU binary (an ELF cubin) travels inside the host object (an ELF
  // object too).
  auto parsed = deserializeImage(image, "sm_90a");
  ASSERT_TRUE(bool(parsed)) << llvm::toString(parsed.takeError());
  llvm::StringRef object = parsed->object;
  size_t first = object.find("\x7f" "ELF");
  EXPECT_EQ(first, 0u);
  EXPECT_NE(object.find("\x7f" "ELF", first + 1), llvm::StringRef::npos);
  auto other = GpuFunction::load(image, "sm_80");
  ASSERT_FALSE(bool(other));
  EXPECT_EQ(llvm::toString(other.takeError()),
            "it was compiled for sm_90a, not sm_80");
}

} // namespace
