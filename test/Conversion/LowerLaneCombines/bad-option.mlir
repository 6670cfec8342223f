// RUN: not kgen-opt %s -kgen-lower-lane-combines="subgroup-size=48" 2>&1 | FileCheck %s
// CHECK: error: subgroup-size must be a power of two, got 48
module {
}
