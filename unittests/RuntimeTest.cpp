//===- RuntimeTest.cpp - the CUDA and HIP loaders and the mgpu* ABI -------===//
//
// On a machine without a GPU (CI) the driver must fail to load with a clear
// message and every mgpu* call must be a recorded no-op. Where a GPU is
// present, a PTX kernel is loaded, launched and checked through the ABI.
//
//===----------------------------------------------------------------------===//

#include "kgen/Runtime/CudaDriver.h"
#include "kgen/Runtime/HipRuntime.h"
#include "kgen/Runtime/MgpuRuntime.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

using namespace mlir::kgen;

namespace {

bool haveGpu() {
  auto driver = cuda::Driver::get();
  if (driver)
    return true;
  llvm::consumeError(driver.takeError());
  return false;
}

TEST(CudaDriver, MissingDriverOrDeviceIsAClearError) {
  if (haveGpu())
    GTEST_SKIP() << "a CUDA device is present";
  auto driver = cuda::Driver::get();
  ASSERT_FALSE(bool(driver));
  std::string message = llvm::toString(driver.takeError());
  EXPECT_TRUE(message.find("no CUDA driver") != std::string::npos ||
              message.find("no CUDA device") != std::string::npos)
      << message;
  // Asking again gives the same answer (one attempt per process).
  auto again = cuda::Driver::get();
  ASSERT_FALSE(bool(again));
  EXPECT_EQ(llvm::toString(again.takeError()), message);
}

TEST(MgpuRuntime, CallsWithoutADriverAreRecordedNoOps) {
  if (haveGpu())
    GTEST_SKIP() << "a CUDA device is present";
  runtime::clearError();
  EXPECT_EQ(mgpuStreamCreate(), nullptr);
  EXPECT_EQ(mgpuMemAlloc(1024, nullptr, false), nullptr);
  mgpuLaunchKernel(nullptr, 1, 1, 1, 1, 1, 1, 0, nullptr, nullptr, nullptr, 0);
  std::string error = runtime::lastError();
  EXPECT_NE(error.find("no CUDA"), std::string::npos) << error;
  runtime::clearError();
  EXPECT_EQ(runtime::lastError(), "");
}

// y[i] = 2 * x[i] for i < n, one thread per element.
constexpr const char *kScalePtx = R"(
.version 7.0
.target sm_70
.address_size 64
.visible .entry scale(.param .u64 x, .param .u64 y, .param .u32 n) {
  .reg .pred %p;
  .reg .b32 %r<6>;
  .reg .f32 %f<3>;
  .reg .b64 %rd<8>;
  ld.param.u64 %rd1, [x];
  ld.param.u64 %rd2, [y];
  ld.param.u32 %r1, [n];
  mov.u32 %r2, %ctaid.x;
  mov.u32 %r3, %ntid.x;
  mov.u32 %r4, %tid.x;
  mad.lo.s32 %r5, %r2, %r3, %r4;
  setp.ge.u32 %p, %r5, %r1;
  @%p bra DONE;
  cvta.to.global.u64 %rd3, %rd1;
  cvta.to.global.u64 %rd4, %rd2;
  mul.wide.u32 %rd5, %r5, 4;
  add.s64 %rd6, %rd3, %rd5;
  add.s64 %rd7, %rd4, %rd5;
  ld.global.f32 %f1, [%rd6];
  add.f32 %f2, %f1, %f1;
  st.global.f32 [%rd7], %f2;
DONE:
  ret;
}
)";

TEST(MgpuRuntime, LoadsLaunchesAndCopiesOnTheGpu) {
  if (!haveGpu())
    GTEST_SKIP() << "no CUDA device: the GPU half of this test needs one";
  runtime::clearError();
  const unsigned n = 1000;
  std::vector<float> host(n), out(n, -1.0f);
  for (unsigned i = 0; i < n; ++i)
    host[i] = 0.5f * i;
  void *stream = mgpuStreamCreate();
  void *x = mgpuMemAlloc(n * 4, stream, false);
  void *y = mgpuMemAlloc(n * 4, stream, true); // managed memory
  mgpuMemcpy(x, host.data(), n * 4, stream);
  mgpuMemset32(y, 0, n, stream);
  void *module =
      mgpuModuleLoad(const_cast<char *>(kScalePtx), std::strlen(kScalePtx) + 1);
  void *function = mgpuModuleGetFunction(module, "scale");
  unsigned count = n;
  void *params[] = {&x, &y, &count};
  void *start = mgpuEventCreate(), *stop = mgpuEventCreate();
  mgpuEventRecord(start, stream);
  mgpuLaunchKernel(function, (n + 127) / 128, 1, 1, 128, 1, 1, 0, stream,
                   params, nullptr, 3);
  mgpuEventRecord(stop, stream);
  mgpuEventSynchronize(stop);
  mgpuMemcpy(out.data(), y, n * 4, stream);
  mgpuStreamSynchronize(stream);
  ASSERT_EQ(runtime::lastError(), "");
  for (unsigned i = 0; i < n; ++i)
    ASSERT_EQ(out[i], 2 * host[i]) << i;
  mgpuEventDestroy(start);
  mgpuEventDestroy(stop);
  mgpuModuleUnload(module);
  mgpuMemFree(x, stream);
  mgpuMemFree(y, stream);
  mgpuStreamDestroy(stream);
  EXPECT_EQ(runtime::lastError(), "");
}


//===----------------------------------------------------------------------===//
// HIP (AMD). No AMD GPU is available to develop on: these are the
// no-runtime paths, which every machine without ROCm takes.
//===----------------------------------------------------------------------===//

bool haveHip() {
  auto hipRuntime = hip::Runtime::get();
  if (hipRuntime)
    return true;
  llvm::consumeError(hipRuntime.takeError());
  return false;
}

TEST(HipRuntime, MissingRuntimeOrDeviceIsAClearError) {
  if (haveHip())
    GTEST_SKIP() << "a HIP runtime with a device is present";
  auto hipRuntime = hip::Runtime::get();
  ASSERT_FALSE(bool(hipRuntime));
  std::string message = llvm::toString(hipRuntime.takeError());
  EXPECT_TRUE(message.find("no HIP runtime: cannot load libamdhip64.so") !=
                  std::string::npos ||
              message.find("no AMD GPU") != std::string::npos)
      << message;
}

TEST(HipRuntime, MgpuCallsWithoutARuntimeAreRecordedNoOps) {
  if (haveHip())
    GTEST_SKIP() << "a HIP runtime with a device is present";
  std::vector<runtime::MgpuSymbol> symbols =
      runtime::mgpuSymbols(runtime::Vendor::Amd);
  ASSERT_EQ(symbols.size(), 18u);
  // Same names as the CUDA table, different functions.
  std::vector<runtime::MgpuSymbol> cuda =
      runtime::mgpuSymbols(runtime::Vendor::Nvidia);
  ASSERT_EQ(cuda.size(), symbols.size());
  for (size_t i = 0; i < symbols.size(); ++i) {
    EXPECT_STREQ(symbols[i].name, cuda[i].name);
    EXPECT_NE(symbols[i].address, cuda[i].address) << symbols[i].name;
  }
  auto find = [&](llvm::StringRef name) {
    for (const runtime::MgpuSymbol &s : symbols)
      if (name == s.name)
        return s.address;
    return static_cast<void *>(nullptr);
  };
  runtime::clearError();
  auto *streamCreate = reinterpret_cast<void *(*)()>(find("mgpuStreamCreate"));
  auto *memAlloc = reinterpret_cast<void *(*)(uint64_t, void *, bool)>(
      find("mgpuMemAlloc"));
  ASSERT_TRUE(streamCreate && memAlloc);
  EXPECT_EQ(streamCreate(), nullptr);
  EXPECT_EQ(memAlloc(1024, nullptr, false), nullptr);
  std::string error = runtime::lastError();
  EXPECT_NE(error.find("no HIP runtime"), std::string::npos) << error;
  runtime::clearError();
}

TEST(MgpuRuntime, VendorComesFromTheChip) {
  EXPECT_EQ(runtime::vendorOfChip("sm_90a"), runtime::Vendor::Nvidia);
  EXPECT_EQ(runtime::vendorOfChip("sm_80"), runtime::Vendor::Nvidia);
  EXPECT_EQ(runtime::vendorOfChip("gfx942"), runtime::Vendor::Amd);
  EXPECT_EQ(runtime::vendorOfChip("gfx90a"), runtime::Vendor::Amd);
}

} // namespace
