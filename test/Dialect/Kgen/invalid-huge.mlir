// Tensors whose byte count overflows 64 bits are refused, also where a
// wrapped element count would look equal to another (a reshape of an empty
// tensor).
// RUN: kgen-opt %s -split-input-file -verify-diagnostics

func.func @relu(%x: tensor<4294967296x4294967296xf32>) -> tensor<4294967296x4294967296xf32> {
  // expected-error @+1 {{operand #0 ('tensor<4294967296x4294967296xf32>') has more bytes than a 64-bit size can count}}
  %0 = kgen.relu %x : tensor<4294967296x4294967296xf32>
  return %0 : tensor<4294967296x4294967296xf32>
}

// -----

func.func @reshape(%x: tensor<0xf32>) -> tensor<4294967296x4294967296xf32> {
  // expected-error @+1 {{result #0 ('tensor<4294967296x4294967296xf32>') has more bytes than a 64-bit size can count}}
  %0 = kgen.reshape %x : tensor<0xf32> -> tensor<4294967296x4294967296xf32>
  return %0 : tensor<4294967296x4294967296xf32>
}
