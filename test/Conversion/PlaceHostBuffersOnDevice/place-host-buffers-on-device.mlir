// RUN: kgen-opt %s --kgen-place-host-buffers-on-device --split-input-file | FileCheck %s

func.func private @kernel(%in: memref<8x32xf32>, %out: memref<8x32xf32>) attributes {kgen.kernel}

// Host code: an intermediate buffer becomes a device allocation, freed
// before the function returns; the result's buffer is the out-parameter
// itself (no copy); a constant read by a kernel is staged into device
// memory; a copy into an out-parameter becomes a device copy.

// CHECK-LABEL: func.func @host(
// CHECK-SAME:    %[[X:.*]]: memref<8x32xf32>, %[[OUT:.*]]: memref<8x32xf32>, %[[OUT2:.*]]: memref<8x32xf32>)
// CHECK:         %[[S0:.*]] = gpu.wait async
// CHECK:         %[[TMP:.*]], %[[T0:.*]] = gpu.alloc async [%[[S0]]] () : memref<8x32xf32>
// CHECK:         gpu.wait [%[[T0]]]
// CHECK:         call @kernel(%[[X]], %[[TMP]])
// CHECK:         call @kernel(%[[TMP]], %[[OUT]])
// CHECK:         %[[S1:.*]] = gpu.wait async
// CHECK:         %[[T1:.*]] = gpu.memcpy async [%[[S1]]] %[[OUT2]], %[[X]]
// CHECK:         gpu.wait [%[[T1]]]
// CHECK:         %[[S2:.*]] = gpu.wait async
// CHECK:         %[[T2:.*]] = gpu.dealloc async [%[[S2]]] %[[TMP]]
// CHECK:         gpu.wait [%[[T2]]]
// CHECK-NEXT:    return
func.func @host(%x: memref<8x32xf32>, %out: memref<8x32xf32>, %out2: memref<8x32xf32>) {
  %tmp = memref.alloc() : memref<8x32xf32>
  call @kernel(%x, %tmp) : (memref<8x32xf32>, memref<8x32xf32>) -> ()
  %res = memref.alloc() : memref<8x32xf32>
  call @kernel(%tmp, %res) : (memref<8x32xf32>, memref<8x32xf32>) -> ()
  memref.copy %res, %out : memref<8x32xf32> to memref<8x32xf32>
  memref.copy %x, %out2 : memref<8x32xf32> to memref<8x32xf32>
  return
}

// CHECK-LABEL: func.func @constant(
// CHECK:         %[[G:.*]] = memref.get_global @weights
// CHECK:         %[[D:.*]], %{{.*}} = gpu.alloc async {{.*}} : memref<8x32xf32>
// CHECK:         gpu.memcpy async [%{{.*}}] %[[D]], %[[G]]
// CHECK:         call @kernel(%[[D]], %{{.*}})
// CHECK:         gpu.dealloc async [%{{.*}}] %[[D]]
memref.global "private" constant @weights : memref<8x32xf32> = dense<1.5>
func.func @constant(%out: memref<8x32xf32>) {
  %w = memref.get_global @weights : memref<8x32xf32>
  call @kernel(%w, %out) : (memref<8x32xf32>, memref<8x32xf32>) -> ()
  return
}

// A returned buffer belongs to the caller: not freed.
// CHECK-LABEL: func.func @returned(
// CHECK:         %[[R:.*]], %{{.*}} = gpu.alloc async
// CHECK-NOT:     gpu.dealloc
// CHECK:         return %[[R]]
func.func @returned(%x: memref<8x32xf32>) -> memref<8x32xf32> {
  %r = memref.alloc() : memref<8x32xf32>
  call @kernel(%x, %r) : (memref<8x32xf32>, memref<8x32xf32>) -> ()
  return %r : memref<8x32xf32>
}

// -----

// A kernel's buffers outside its launches are host allocations too (a
// scalar reduction's accumulator, as kgen-map-kernels-to-gpu leaves it).
// CHECK-LABEL: func.func private @scalar
// CHECK:         %[[ACC:.*]], %{{.*}} = gpu.alloc async {{.*}} : memref<f32>
// CHECK:         gpu.launch
// CHECK:           linalg.copy ins(%[[ACC]]
// CHECK:         gpu.dealloc async {{.*}} %[[ACC]]
// CHECK-NEXT:    gpu.wait
// CHECK-NEXT:    return
func.func private @scalar(%in: memref<2048xf32>, %out: memref<f32>) attributes {kgen.kernel} {
  %acc = memref.alloc() : memref<f32>
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    linalg.copy ins(%acc : memref<f32>) outs(%out : memref<f32>)
    gpu.terminator
  }
  return
}
