// RUN: kgen-opt %s -kgen-align-kernel-arguments=alignment=12 -verify-diagnostics -o /dev/null

// expected-error @below {{kgen-align-kernel-arguments: alignment 12 is not a power of two}}
module {
}
