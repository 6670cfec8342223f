// RUN: kgen-opt %s -kgen-to-linalg=target=sm_75 -verify-diagnostics -o /dev/null

// expected-error @below {{kgen-to-linalg: unknown target 'sm_75'; known: }}
module {
}
