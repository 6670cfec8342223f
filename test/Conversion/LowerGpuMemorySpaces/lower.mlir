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

// gpu.dynamic_shared_memory keeps the workgroup space (its verifier and its
// GPU lowering need it); its users get the numeric space through a cast.
// NVVM-LABEL: func.func @dynamic
// NVVM:         %[[DYN:.*]] = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
// NVVM:         %[[CAST:.*]] = builtin.unrealized_conversion_cast %[[DYN]] : memref<?xi8, #gpu.address_space<workgroup>> to memref<?xi8, 3>
// NVVM:         memref.view %[[CAST]][%{{.*}}][] : memref<?xi8, 3> to memref<16xf32, 3>
func.func @dynamic(%v: f32, %i: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %dyn = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
    %view = memref.view %dyn[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<16xf32, #gpu.address_space<workgroup>>
    memref.store %v, %view[%i] : memref<16xf32, #gpu.address_space<workgroup>>
    gpu.terminator
  }
  return
}
