// RUN: kgen-opt %s -kgen-align-kernel-arguments --split-input-file -verify-diagnostics | FileCheck %s
// RUN: kgen-opt %s -kgen-align-kernel-arguments=alignment=64 --split-input-file -verify-diagnostics | FileCheck %s --check-prefix=A64

// Every memref argument of a kernel is promised aligned; scalars and
// non-kernel device functions are left alone.
// CHECK-LABEL: gpu.func @kernel
// CHECK-SAME:    (%{{.*}}: memref<1024xf32> {llvm.align = 16 : i64}, %{{.*}}: f32, %{{.*}}: memref<4x8xf16, strided<[8, 1], offset: ?>> {llvm.align = 16 : i64})
// CHECK-LABEL: gpu.func @helper
// CHECK-SAME:    (%{{.*}}: memref<4xf32>)
// A64: memref<1024xf32> {llvm.align = 64 : i64}
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @kernel(%a: memref<1024xf32>, %s: f32, %b: memref<4x8xf16, strided<[8, 1], offset: ?>>) kernel {
      gpu.return
    }
    gpu.func @helper(%a: memref<4xf32>) {
      gpu.return
    }
  }
}

// -----

// Shared-memory buffers are aligned too: each is its own global, laid out
// after the others, and a 36-byte one would leave the next misaligned.
// CHECK-LABEL: gpu.func @staged
// CHECK-SAME:    workgroup(%{{.*}} : memref<9xf32, 3> {llvm.align = 16 : i64}, %{{.*}} : memref<17xf32, 3> {llvm.align = 16 : i64})
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @staged(%a: memref<17xf32>) workgroup(%acc : memref<9xf32, 3>, %tile : memref<17xf32, 3>) kernel {
      gpu.return
    }
  }
}
