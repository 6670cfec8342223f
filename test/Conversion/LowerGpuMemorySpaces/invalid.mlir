// RUN: kgen-opt %s -kgen-lower-gpu-memory-spaces=target=spirv -verify-diagnostics -o /dev/null

// expected-error @below {{kgen-lower-gpu-memory-spaces: unknown target 'spirv'; expected host, nvvm or rocdl}}
module {
}
