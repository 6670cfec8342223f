// RUN: kgen-opt %s -kgen-lower-gpu-memory-spaces | FileCheck %s --check-prefix=HOST
// RUN: kgen-opt %s -kgen-lower-gpu-memory-spaces=target=nvvm | FileCheck %s --check-prefix=NVVM
// RUN: kgen-opt %s -kgen-lower-gpu-memory-spaces=target=rocdl | FileCheck %s --check-prefix=ROCDL

// A workgroup tile and its views: on the host every buffer is plain
// memory; on GPUs, workgroup memory is address space 3, private memory 0
// (NVVM) or 5 (ROCDL). Every type that mentions the space changes, the
// function's signature included; other memory spaces stay.

// HOST-LABEL: func.func @tile(%{{.*}}: memref<4xf32>, %{{.*}}: memref<4xf32, 7>) -> memref<2xf32, strided<[1], offset: 2>>
// HOST:         memref.alloc() : memref<8xf32>
// HOST:         memref.alloca() : memref<4xf32>
// HOST:         memref.subview {{.*}} : memref<8xf32> to memref<2xf32, strided<[1], offset: 2>>
// NVVM-LABEL: func.func @tile(%{{.*}}: memref<4xf32, 1>, %{{.*}}: memref<4xf32, 7>) -> memref<2xf32, strided<[1], offset: 2>, 3>
// NVVM:         memref.alloc() : memref<8xf32, 3>
// NVVM:         memref.alloca() : memref<4xf32>
// ROCDL-LABEL: func.func @tile(%{{.*}}: memref<4xf32, 1>, %{{.*}}: memref<4xf32, 7>) -> memref<2xf32, strided<[1], offset: 2>, 3>
// ROCDL:         memref.alloc() : memref<8xf32, 3>
// ROCDL:         memref.alloca() : memref<4xf32, 5>
func.func @tile(%global: memref<4xf32, #gpu.address_space<global>>, %other: memref<4xf32, 7>) -> memref<2xf32, strided<[1], offset: 2>, #gpu.address_space<workgroup>> {
  %tile = memref.alloc() : memref<8xf32, #gpu.address_space<workgroup>>
  %private = memref.alloca() : memref<4xf32, #gpu.address_space<private>>
  %view = memref.subview %tile[2] [2] [1] : memref<8xf32, #gpu.address_space<workgroup>> to memref<2xf32, strided<[1], offset: 2>, #gpu.address_space<workgroup>>
  return %view : memref<2xf32, strided<[1], offset: 2>, #gpu.address_space<workgroup>>
}
